"""Record saved pages as if fetched at given times, through the same path as a crawl."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from archive.store import Recorded, parse_time
from crawler.record import Page, record_page

__all__ = ["ImportSummary", "import_files", "import_manifest"]

HTML = {"Content-Type": "text/html"}  # saved files carry no headers; the charset comes from <meta> or sniffing


@dataclass
class ImportSummary:
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    outcomes: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # "path: reason" of rejected pages
    skipped: int = 0  # pages this import had recorded already (the same bytes, policy and time)

    def add(self, path: Path, size: int, recorded: Recorded) -> None:
        self.pages += 1
        self.bytes += size
        self.outcomes[recorded.outcome] += 1
        if recorded.outcome in ("rejected", "failed"):
            self.problems.append(f"{path}: {recorded.reason}")

    def line(self) -> str:
        rate = self.pages / self.seconds if self.seconds else 0.0
        mbs = self.bytes / 1e6 / self.seconds if self.seconds else 0.0
        counts = ", ".join(f"{n} {o}" for o, n in sorted(self.outcomes.items()))
        return (f"imported {self.pages} pages ({self.bytes / 1e6:.1f} MB) in {self.seconds:.2f} s: "
                f"{rate:.0f} pages/s, {mbs:.1f} MB/s; {counts or 'nothing'}"
                + (f"; skipped {self.skipped} already imported" if self.skipped else ""))


def import_files(db: sqlite_utils.Database, policy, files: list[Path], at: str) -> ImportSummary:
    summary, started = ImportSummary(), time.perf_counter()
    for path in files:
        _import_one(db, summary, policy, Path(path), parse_time(at))
    summary.seconds = time.perf_counter() - started
    return summary


def import_manifest(db: sqlite_utils.Database, config, manifest: Path, *, progress: bool | None = None) -> ImportSummary:
    """Lines ``{"policy", "observed_at", "path"}``; paths relative to the manifest; imported oldest first."""
    manifest = Path(manifest)
    entries = []
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            entries.append((parse_time(entry["observed_at"]), entry["policy"], manifest.parent / entry["path"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{manifest}:{number}: not a manifest line with policy, observed_at and path ({exc})") from None
    policies = {pid: config.pick([pid])[0] for pid in {e[1] for e in entries}}
    progress = sys.stderr.isatty() if progress is None else progress
    summary, started = ImportSummary(), time.perf_counter()
    for at, pid, path in sorted(entries, key=lambda e: (e[0], e[1])):
        _import_one(db, summary, policies[pid], path, at)
        if progress:
            elapsed = time.perf_counter() - started
            print(f"\r{summary.pages}/{len(entries)} pages, {summary.pages / elapsed:.0f} pages/s",
                  end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    summary.seconds = time.perf_counter() - started
    return summary


def _import_one(db, summary: ImportSummary, policy, path: Path, at: str) -> None:
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror})") from None
    if _already_imported(db, policy.id, at, body):
        summary.skipped += 1
        return
    recorded = record_page(db, Page(policy=policy, url=policy.url, started_at=at, status=200, headers=HTML,
                                    body=body, source="import"))
    summary.add(path, len(body), recorded)


def _already_imported(db: sqlite_utils.Database, policy_id: str, at: str, body: bytes) -> bool:
    """These bytes were imported and recorded for this policy at this time before: the same import run
    again, which records nothing new (and would otherwise be rejected as older than the archive). A page
    rejected then is imported again: new selectors may read it now."""
    digests = {row[0] for row in db.execute(
        "SELECT s.sha256 FROM fetches f JOIN snapshots s ON s.id = f.snapshot"
        " WHERE f.policy = ? AND f.started_at = ? AND f.source = 'import'"
        " AND f.outcome IN ('new-version', 'unchanged')", [policy_id, at])}
    return bool(digests) and hashlib.sha256(body).hexdigest() in digests
