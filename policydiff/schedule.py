"""Which policies are due for a fetch."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlite_utils

from archive.store import now_iso

__all__ = ["due"]

# A failing site is tried again at most this often, however often cron calls us.
RETRY_FAILED_AFTER = timedelta(hours=1)


def due(db: sqlite_utils.Database, policies: list, now: datetime | None = None) -> list:
    """Policies not reached successfully within their ``every``, nor attempted within the last hour."""
    now = now or datetime.now(timezone.utc)
    picked = []
    for policy in policies:
        last_ok, last_try = db.execute(
            "SELECT max(CASE WHEN outcome IN ('new-version', 'unchanged', 'not-modified') THEN started_at END),"
            " max(started_at) FROM fetches WHERE policy = ? AND source = 'crawl'", [policy.id]).fetchone()
        if last_ok and last_ok > now_iso(now - policy.every):
            continue
        if last_try and last_try > now_iso(now - min(policy.every, RETRY_FAILED_AFTER)):
            continue
        picked.append(policy)
    return picked
