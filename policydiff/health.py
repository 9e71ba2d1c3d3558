"""Each policy's crawl health: last success, consecutive failures, last reason.

Derived from the ``fetches`` table only (never stored twice), so ``policydiff status`` and the
operator alerts cannot disagree. Only crawls count: an import says nothing about whether the site
can be reached today.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlite_utils

__all__ = ["Health", "health"]

OK_OUTCOMES = ("new-version", "unchanged", "not-modified")


@dataclass(frozen=True)
class Health:
    policy: str
    name: str
    last_fetch: str | None         # started_at of the latest crawl
    last_success: str | None       # started_at of the latest successful crawl
    last_success_fetch: int | None  # its fetches.id
    consecutive_failures: int       # failed or rejected crawls since the last success
    last_failure_fetch: int | None  # fetches.id of the latest failed or rejected crawl
    last_reason: str | None         # that crawl's reason

    @property
    def failing(self) -> bool:
        """The latest crawl failed or was rejected."""
        return self.consecutive_failures > 0

    def as_dict(self) -> dict:
        return {**asdict(self), "failing": self.failing}


def health(db: sqlite_utils.Database, policies: list) -> list[Health]:
    """One :class:`Health` per policy, in the order given."""
    return [_one(db, policy.id, policy.name) for policy in policies]


def _one(db: sqlite_utils.Database, policy: str, name: str) -> Health:
    placeholders = ", ".join("?" for _ in OK_OUTCOMES)
    last_ok_id, last_ok_at, last_at = db.execute(
        f"SELECT max(CASE WHEN outcome IN ({placeholders}) THEN id END),"
        f" max(CASE WHEN outcome IN ({placeholders}) THEN started_at END), max(started_at)"
        " FROM fetches WHERE policy = ? AND source = 'crawl'", [*OK_OUTCOMES, *OK_OUTCOMES, policy]).fetchone()
    # Every crawl after the last success is a failure (the outcomes are success, rejected or failed).
    failures = db.execute("SELECT count(*) FROM fetches WHERE policy = ? AND source = 'crawl' AND id > ?",
                          [policy, last_ok_id or 0]).fetchone()[0]
    failure = db.execute(
        f"SELECT id, reason FROM fetches WHERE policy = ? AND source = 'crawl' AND outcome NOT IN ({placeholders})"
        " ORDER BY id DESC LIMIT 1", [policy, *OK_OUTCOMES]).fetchone()
    return Health(policy=policy, name=name, last_fetch=last_at, last_success=last_ok_at,
                  last_success_fetch=last_ok_id, consecutive_failures=failures,
                  last_failure_fetch=failure[0] if failure else None, last_reason=failure[1] if failure else None)
