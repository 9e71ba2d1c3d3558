"""The jobs behind the CLI's commands: each one function the CLI calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archive import open_db, sync_policies
from policydiff.config import Config
from policydiff.schedule import due
from reports.judge import judge_pending

__all__ = ["FetchLine", "crawl_now", "run_due"]


@dataclass(frozen=True)
class FetchLine:
    """What one policy's fetch came to, for the one line a command prints."""

    policy: str
    outcome: str
    version: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.outcome in ("new-version", "unchanged", "not-modified")

    def __str__(self) -> str:
        version = f"v{self.version}" if self.version else "-"
        return f"{self.policy:<24} {self.outcome:<12} {version:<5} {self.reason or ''}".rstrip()


def crawl_now(config: Config, db_path: Path, policies: list, overrides: dict | None = None) -> list[FetchLine]:
    """Fetch ``policies`` now; one FetchLine per policy, from what the archive recorded."""
    from crawler.run import crawl  # Scrapy and Twisted load only for commands that crawl

    db = open_db(db_path)
    sync_policies(db, list(config.policies.values()))
    before = db.execute("SELECT coalesce(max(id), 0) FROM fetches").fetchone()[0]
    db.close()
    crawl(policies, str(db_path), str(config.path), {**config.crawl, **(overrides or {})})
    db = open_db(db_path)
    try:
        judge_pending(db)
        latest = _latest_fetches(db, before)
        return [latest.get(p.id) or FetchLine(p.id, "failed", None, "no fetch was recorded (see the log above)")
                for p in policies]
    finally:
        db.close()


def run_due(config: Config, db_path: Path, overrides: dict | None = None) -> list[FetchLine]:
    """The cron job: fetch the policies that are due."""
    db = open_db(db_path)
    sync_policies(db, list(config.policies.values()))
    policies = due(db, list(config.policies.values()))
    db.close()
    return crawl_now(config, db_path, policies, overrides) if policies else []


def _latest_fetches(db, after: int) -> dict[str, FetchLine]:
    """Each policy's latest fetch after fetch id ``after``: one query for the whole run."""
    # The version number counted on the versions_policy index: the version_log view numbers every
    # version of the archive (a window function) on each call, quadratic over a 1000-policy crawl.
    rows = db.execute(
        "SELECT f.policy, f.outcome, f.reason, (SELECT count(*) FROM versions v WHERE v.policy = f.policy"
        " AND v.id <= f.version) FROM fetches f WHERE f.id > ? ORDER BY f.id", [after])
    return {policy: FetchLine(policy, outcome, number, reason) for policy, outcome, reason, number in rows}
