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
        # The latest crawl fetches by id (crawls are recorded in time order), walking the fetches_policy
        # index back from the newest: a max() over started_at read every fetch of the policy, seconds
        # for a cron run over 1,000 policies with years of history when nothing is due.
        last_ok, last_try = db.execute(
            "SELECT (SELECT started_at FROM fetches WHERE policy = ?1 AND source = 'crawl' AND outcome IN"
            " ('new-version', 'unchanged', 'not-modified') ORDER BY id DESC LIMIT 1),"
            " (SELECT started_at FROM fetches WHERE policy = ?1 AND source = 'crawl' ORDER BY id DESC LIMIT 1)",
            [policy.id]).fetchone()
        if last_ok and last_ok > now_iso(now - policy.every):
            continue
        if last_try and last_try > now_iso(now - min(policy.every, RETRY_FAILED_AFTER)):
            continue
        picked.append(policy)
    return picked
