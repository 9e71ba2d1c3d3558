"""Operator alerts: a policy whose crawls keep failing, and its recovery. Operators only.

An episode opens when a policy's consecutive failed crawls reach ``[email] alert_after`` (one
'failing' alert, with the reason) and closes at its next successful crawl (one 'recovered' note).
The ``alerts`` table remembers the open episodes, so each is told once however many runs see it.
Subscribers never get these; without operators nothing is recorded, so operators added later
hear about a policy that is still failing.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from archive.store import now_iso
from policydiff.config import Config
from policydiff.health import Health, health
from reports.mail.outbox import enqueue

__all__ = ["Alert", "queue_alerts"]


@dataclass(frozen=True)
class Alert:
    policy: str
    kind: str  # 'failing' or 'recovered'
    subject: str

    def __str__(self) -> str:
        return f"email: operators told: {self.subject.removeprefix('policydiff: ')}"


def queue_alerts(db: sqlite_utils.Database, config: Config) -> list[Alert]:
    """Queue the alerts this run owes the operators; returns them."""
    settings = config.email
    if settings is None or not settings.operators:
        return []
    queued = []
    for state in health(db, list(config.policies.values())):
        last = db.execute("SELECT kind, fetch, created_at, reason FROM alerts WHERE policy = ? ORDER BY id DESC"
                          " LIMIT 1", [state.policy]).fetchone()
        episode_open = last is not None and last[0] == "failing"
        if episode_open and (state.last_success_fetch or 0) > last[1]:
            # The recovery row keeps the episode's reason: the alerts table reads as a history.
            queued.append(_queue(db, config, state, "recovered", state.last_success_fetch, last[3],
                                 _recovered(state, last[2])))
            episode_open = False
        if state.consecutive_failures >= settings.alert_after and not episode_open:
            queued.append(_queue(db, config, state, "failing", state.last_fetch_id, state.last_reason,
                                 _failing(state)))
    return queued


def _queue(db: sqlite_utils.Database, config: Config, state: Health, kind: str, fetch: int | None,
           reason: str | None, message: tuple[str, str]) -> Alert:
    assert config.email is not None
    subject, text = message
    with db.conn:  # the alert and its messages commit together: told once, or not yet
        db.execute("INSERT INTO alerts (policy, kind, created_at, fetch, consecutive, reason) VALUES (?, ?, ?, ?, ?, ?)",
                   [state.policy, kind, now_iso(), fetch, state.consecutive_failures, reason])
        enqueue(db, config.email, "alert" if kind == "failing" else "recovery", config.email.operators, subject, text)
    return Alert(state.policy, kind, subject)


def _failing(state: Health) -> tuple[str, str]:
    runs = state.consecutive_failures
    crawls = "1 crawl" if runs == 1 else f"{runs} crawls"
    subject = f"policydiff: {state.name} failing ({crawls} in a row)"
    text = (f"The last {crawls} of policy '{state.policy}' ({state.name}) failed.\n\n"
            f"Last reason: {state.last_reason or 'none recorded'}\n"
            f"Last attempt: {state.last_fetch}\n"
            f"Last success: {state.last_success or 'never'}\n\n"
            "policydiff keeps trying on every run; you will get one note when it recovers.\n"
            "`policydiff status` shows every policy's state.\n")
    return subject, text


def _recovered(state: Health, alerted_at: str) -> tuple[str, str]:
    subject = f"policydiff: {state.name} recovered"
    text = (f"Policy '{state.policy}' ({state.name}) was fetched successfully again at {state.last_success},\n"
            f"after the failures reported at {alerted_at}.\n")
    return subject, text
