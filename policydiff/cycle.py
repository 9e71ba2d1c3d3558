"""What a run does after crawling: write reports, queue digests and operator alerts, send the outbox.

The CLI's ``run``, ``report --email`` and ``email --test`` call these; each returns what happened
so the command prints it and chooses its exit status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from archive import open_db
from policydiff.config import Config, ConfigError, EmailSettings
from reports.judge import judge_pending
from reports.mail import Alert, Digest, SendResult, enqueue, queue_alerts, queue_digests, send_queued
from reports.report import write_reports

__all__ = ["AfterCrawl", "MailRun", "after_crawl", "deliver", "require_email", "send_test"]


@dataclass
class MailRun:
    digests: list[Digest]
    alerts: list[Alert]
    result: SendResult

    @property
    def ok(self) -> bool:
        return self.result.ok

    def lines(self) -> list[str]:
        lines = [f"email: digest queued for {len(d.recipients)} recipient(s): {d.subject}" for d in self.digests]
        lines += [str(alert) for alert in self.alerts]
        if self.result.sent:
            lines.append(f"email: {self.result.sent} message(s) sent")
        return lines


@dataclass
class AfterCrawl:
    reports: list[int] = field(default_factory=list)  # change ids whose reports were written
    mail: MailRun | None = None                        # None without an [email] table


def after_crawl(config: Config, db_path: Path, reports_dir: Path) -> AfterCrawl:
    """Reports, then mail when ``[email]`` is configured. Runs even when nothing was due, so that
    mail an SMTP outage kept queued goes out at the next run."""
    db = open_db(db_path)
    try:
        judge_pending(db)
        written = write_reports(db, reports_dir, config.public_url)
        return AfterCrawl(written, deliver(db, config) if config.email else None)
    finally:
        db.close()


def require_email(config: Config) -> EmailSettings:
    """The ``[email]`` settings, or the ConfigError of a command that needs them."""
    if config.email is None:
        raise ConfigError(f"{config.path}: no [email] table: add one to send mail (see docs/email.md)")
    return config.email


def deliver(db: sqlite_utils.Database, config: Config) -> MailRun:
    """Queue this run's digests and operator alerts, then send everything queued."""
    settings = require_email(config)
    digests = queue_digests(db, config)
    alerts = queue_alerts(db, config)
    return MailRun(digests, alerts, send_queued(db, settings))


def send_test(db: sqlite_utils.Database, config: Config) -> tuple[list[str], SendResult]:
    """Queue a test message to the operators (the subscribers when there are none) and send the outbox.
    Anything already queued goes too: the session is open and that mail is due anyway."""
    settings = require_email(config)
    recipients = list(settings.operators or settings.to)
    if not recipients:
        raise ConfigError(f"{config.path}: [email]: no operators and no to: nobody to send a test message to")
    text = (f"This is a test message from policydiff.\n\nIt went through {settings.host}:{settings.port}"
            f" (security: {settings.security}) from {settings.sender}.\n"
            "Subscribers (to) get change digests; operators get failure alerts.\n")
    with db.conn:
        enqueue(db, settings, "test", recipients, "policydiff: test message", text)
    return recipients, send_queued(db, settings)
