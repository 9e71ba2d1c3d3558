"""The outbox: every email, one row per recipient, queued until the SMTP server accepts it.

Rows are written here and only here; :mod:`reports.mail.smtp` moves them to sent or failed.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from archive.store import now_iso
from policydiff.config import EmailSettings
from reports.mail.message import build_message

__all__ = ["enqueue", "mailed_changes"]


def enqueue(db: sqlite_utils.Database, settings: EmailSettings, kind: str, recipients: Iterable[str], subject: str,
            text: str, html: str | None = None, changes: Iterable[int] = ()) -> list[int]:
    """Queue one message per recipient (each with its own To, so subscribers never see each other's
    addresses) and record the changes it carries; returns the outbox ids. The caller owns the
    transaction, so that a message and the record of what it carries commit together."""
    created, ids = now_iso(), []
    changes = list(changes)
    for recipient in recipients:
        message = build_message(settings, recipient, subject, text, html)
        cursor = db.execute(
            "INSERT INTO outbox (created_at, kind, recipient, subject, message) VALUES (?, ?, ?, ?, ?)",
            [created, kind, recipient, subject, message])
        ids.append(cursor.lastrowid)
        for change in changes:
            db.execute("INSERT INTO outbox_changes (outbox, change) VALUES (?, ?)", [cursor.lastrowid, change])
    return ids


def mailed_changes(db: sqlite_utils.Database, recipient: str) -> set[int]:
    """Changes already queued for ``recipient`` (whatever became of the message): never queued again."""
    return {row[0] for row in db.execute(
        "SELECT oc.change FROM outbox_changes oc JOIN outbox o ON o.id = oc.outbox WHERE o.recipient = ?",
        [recipient])}
