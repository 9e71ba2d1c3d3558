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
    last_fetch: str | None          # started_at of the latest crawl
    last_fetch_id: int | None       # its fetches.id
    last_success: str | None        # started_at of the latest successful crawl
    last_success_fetch: int | None  # its fetches.id
    consecutive_failures: int       # failed or rejected crawls since the last success
    last_reason: str | None         # the latest crawl's reason, while failing

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
    # Newest first on the fetches_policy index: each query stops at its first match, so the cost does
    # not grow with a policy's years of hourly fetches.
    latest = db.execute("SELECT id, started_at, outcome, reason FROM fetches WHERE policy = ? AND source = 'crawl'"
                        " ORDER BY id DESC LIMIT 1", [policy]).fetchone()
    success = db.execute(
        f"SELECT id, started_at FROM fetches WHERE policy = ? AND source = 'crawl'"
        f" AND outcome IN ({', '.join('?' for _ in OK_OUTCOMES)}) ORDER BY id DESC LIMIT 1",
        [policy, *OK_OUTCOMES]).fetchone()
    failures = 0
    if latest and latest[2] not in OK_OUTCOMES:
        # Every crawl after the last success is a failure (the outcomes are success, rejected or failed).
        failures = db.execute("SELECT count(*) FROM fetches WHERE policy = ? AND source = 'crawl' AND id > ?",
                              [policy, success[0] if success else 0]).fetchone()[0]
    return Health(policy=policy, name=name, last_fetch=latest[1] if latest else None,
                  last_fetch_id=latest[0] if latest else None, last_success=success[1] if success else None,
                  last_success_fetch=success[0] if success else None, consecutive_failures=failures,
                  last_reason=latest[3] if failures else None)
