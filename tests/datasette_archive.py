"""A small archive of both sample retailers, built by the real import, record and judge code, for the
Datasette tests (pages, canned queries, browser).

Timeline: tonerrefillkits changes a sentence silently (findings); megatoners edits its posting period,
then a version whose text contains markup (``<script>``, ``<img onerror>``) that must stay text; one
failed and one rejected fetch.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from archive import open_db, sync_policies
from crawler.record import Page, record_page
from policydiff import sites
from policydiff.config import load_config
from policydiff.imports import import_files
from reports.judge import judge_pending
from tests.conftest import ROOT

__all__ = ["HOSTILE", "FixtureArchive", "build_archive", "served"]

# What the megatoners page says in its third version, as text (the page escapes it as &lt;...).
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
SILENT_OLD = "We do not sell information to third parties."
SILENT_NEW = "We may share your personal information with our marketing partners."


@dataclass(frozen=True)
class FixtureArchive:
    path: Path
    silent_change: int    # tonerrefillkits v1 -> v2
    posting_change: int   # megatoners v1 -> v2
    hostile_change: int   # megatoners v2 -> v3, whose text contains HOSTILE
    hostile_version: int


def build_archive(folder: Path) -> FixtureArchive:
    config = load_config(ROOT / "policies.toml")
    path = folder / "archive.db"
    db = open_db(path)
    sync_policies(db, list(config.policies.values()))

    def step(policy: str, html: bytes, at: str) -> None:
        page = folder / f"{policy}-{at[:10]}.html"
        page.write_bytes(html)
        summary = import_files(db, config.policies[policy], [page], at)
        assert not summary.problems, summary.problems

    toner = sites.render_page("tonerrefillkits")
    step("tonerrefillkits", toner, "2024-01-01T09:00:00Z")
    step("tonerrefillkits", toner, "2024-01-15T09:00:00Z")
    step("tonerrefillkits", toner.replace(SILENT_OLD.encode(), SILENT_NEW.encode()), "2024-02-01T09:00:00Z")
    step("tonerrefillkits", toner.replace(SILENT_OLD.encode(), SILENT_NEW.encode()), "2024-03-01T09:00:00Z")

    edited = sites.render_page("megatoners", policy_edit=True)
    new = sites.policy_edit("megatoners")[1].encode()
    hostile = edited.replace(new, new + b" Our partners&#39; code: &lt;script&gt;alert(1)&lt;/script&gt;"
                                        b" &lt;img src=x onerror=alert(1)&gt;", 1)
    step("megatoners", sites.render_page("megatoners"), "2024-01-01T10:00:00Z")
    step("megatoners", edited, "2024-03-01T10:00:00Z")
    step("megatoners", hostile, "2024-03-04T10:00:00Z")
    megatoners = config.policies["megatoners"]
    for at, error, outcome in (("2024-03-20T10:00:00Z", "timeout: no answer in 30 s", "failed"),
                               ("2024-03-21T10:00:00Z", "robots: disallowed by robots.txt", "rejected")):
        record_page(db, Page(policy=megatoners, url=megatoners.url, started_at=at, error=error, error_outcome=outcome,
                             source="crawl"))
    judge_pending(db)

    changes = {row["to_number"]: row["id"] for row in db.query(
        "SELECT c.id, c.policy || '-' || v.number AS to_number FROM changes c JOIN version_log v ON v.id = c.to_version")}
    hostile_version = db.execute("SELECT id FROM versions WHERE text LIKE ?", [f"%{HOSTILE}%"]).fetchone()[0]
    db.close()
    return FixtureArchive(path=path, silent_change=changes["tonerrefillkits-2"], posting_change=changes["megatoners-2"],
                          hostile_change=changes["megatoners-3"], hostile_version=hostile_version)


@contextmanager
def served(db_path: Path) -> Iterator[str]:
    """A real `policydiff serve --port 0` on the archive; yields its base URL (no trailing slash)."""
    process = subprocess.Popen([sys.executable, "-m", "policydiff.cli", "serve", "--db", str(db_path), "--port", "0"],
                               cwd=db_path.parent, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()  # printed once the socket listens
        assert " at http://127.0.0.1:" in line, (line, process.poll(), process.stderr.read() if process.poll() else "")
        yield line.split(" at ")[1].split()[0].rstrip("/")
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
