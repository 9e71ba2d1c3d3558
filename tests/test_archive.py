"""The archive file: migrations, append-only versions, one transaction per fetch, deduplicated snapshots."""

from __future__ import annotations

import sqlite3

import pytest

from archive import Fetch, history, load_snapshot, open_db, record_fetch, sync_policies
from archive.migrations import MIGRATIONS
from policydiff.config import Policy


@pytest.fixture
def db(fresh_db):
    sync_policies(fresh_db, [Policy(id="p", name="P", url="https://p.example/privacy")])
    return fresh_db


def fetch(at: str, text: str | None, body: bytes | None = b"<html>x</html>", outcome: str = "new-version", **kw):
    return Fetch(policy="p", started_at=at, url="https://p.example/privacy", outcome=outcome, body=body,
                 text=text, extractor_version="1", status=200, **kw)


def test_migrations_are_named_applied_once_and_wal(db_path, fresh_db):
    names = [row["name"] for row in fresh_db.query("SELECT name FROM migrations ORDER BY name")]
    assert names == [name for name, _ in MIGRATIONS]
    again = open_db(db_path)
    assert [row["name"] for row in again.query("SELECT name FROM migrations ORDER BY name")] == names
    assert again.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_b_a_gives_three_versions_and_two_changes(db):
    results = [record_fetch(db, fetch(at, text, body=text.encode()))
               for at, text in [("2024-01-01T00:00:00Z", "A"), ("2024-01-02T00:00:00Z", "B"),
                                ("2024-01-03T00:00:00Z", "A")]]
    assert [r.outcome for r in results] == ["new-version"] * 3
    assert [r.version_number for r in results] == [1, 2, 3]
    assert [r["number"] for r in history(db, "p")] == [1, 2, 3]
    changes = list(db.query("SELECT from_version, to_version FROM changes ORDER BY id"))
    assert changes == [{"from_version": 1, "to_version": 2}, {"from_version": 2, "to_version": 3}]
    assert db.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 2  # "A" stored once


def test_unchanged_fetch_moves_last_seen_and_logs_the_fetch_only(db):
    record_fetch(db, fetch("2024-01-01T00:00:00Z", "A"))
    before = {t: db[t].count for t in ("versions", "changes", "snapshots")}
    result = record_fetch(db, fetch("2024-01-05T00:00:00Z", "A"))
    assert result.outcome == "unchanged" and result.version_number == 1
    assert {t: db[t].count for t in ("versions", "changes", "snapshots")} == before
    assert db.execute("SELECT first_seen, last_seen FROM versions").fetchone() == (
        "2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z")
    assert db["fetches"].count == 2


def test_failed_fetch_records_no_version(db):
    record_fetch(db, fetch("2024-01-01T00:00:00Z", "A"))
    result = record_fetch(db, fetch("2024-01-02T00:00:00Z", None, body=None, outcome="failed",
                                    reason="timeout: no answer"))
    assert result.outcome == "failed" and result.version_id is None
    assert db["versions"].count == 1
    assert db.execute("SELECT last_seen FROM versions").fetchone()[0] == "2024-01-01T00:00:00Z"


def test_snapshot_is_compressed_and_round_trips(db):
    body = ("<html><p>" + "policy text " * 2000 + "</p></html>").encode()
    record_fetch(db, fetch("2024-01-01T00:00:00Z", "A", body=body, headers={"Content-Type": "text/html"}))
    row = db.execute("SELECT id, size, length(body), content_type FROM snapshots").fetchone()
    assert row[1] == len(body) and row[2] < len(body) / 10 and row[3] == "text/html"
    assert load_snapshot(db, row[0]) == (body, {"content-type": "text/html"})


def test_a_fetch_is_all_or_nothing(db):
    record_fetch(db, fetch("2024-01-01T00:00:00Z", "A"))
    with pytest.raises(sqlite3.IntegrityError):  # an unknown policy fails a foreign key midway
        record_fetch(db, Fetch(policy="ghost", started_at="2024-01-02T00:00:00Z", url="u", outcome="new-version",
                               body=b"<html>new body</html>", text="B", extractor_version="1"))
    assert db["versions"].count == 1 and db["snapshots"].count == 1 and db["changes"].count == 0


def test_unreadable_archive_is_a_clear_error(tmp_path):
    from archive import ArchiveError

    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ArchiveError, match="cannot open archive"):
        open_db(bad)


def test_opening_the_archive_does_not_import_numpy_for_sqlite_utils(tmp_path):
    """A cron start pays no numpy import (0.12-0.16 s), and numpy still imports for anyone who asks."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    (tmp_path / "numpy.py").write_text("IMPORTED = True\n")  # a stand-in numpy, found first on the path
    script = ("import sys\n"
              "import archive\n"
              "print('numpy' in sys.modules)\n"
              "import numpy\n"
              "print(numpy.IMPORTED)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


def test_a_batch_records_each_fetch_all_or_nothing_and_a_full_archive_says_so(db):
    """Fetches in one transaction (crawler.record.record_batch): a fetch that fails leaves the others;
    when SQLite gives up the whole batch (the archive is full), the error says why."""
    from archive.db import ArchiveError
    from crawler.record import Page, record_batch, record_page

    policy = Policy(id="p", name="P", url="https://p.example/privacy")
    ghost = Policy(id="ghost", name="G", url="https://g.example/privacy")  # not in the archive: refused
    refused = {"error": "refused: the server refused the connection", "started_at": "2026-01-01T00:00:00Z"}
    with record_batch(db):
        record_page(db, Page(policy=policy, url=policy.url, **refused))
        with pytest.raises(sqlite3.IntegrityError):
            record_page(db, Page(policy=ghost, url=ghost.url, **refused))
        record_page(db, Page(policy=policy, url=policy.url, **refused))
    assert [r["policy"] for r in db.query("SELECT policy FROM fetches")] == ["p", "p"]
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(ArchiveError, match="full"):
        with record_batch(db):
            record_page(db, Page(policy=policy, url=policy.url, **refused))
            record_page(db, Page(policy=policy, url=policy.url, **{**refused, "error": "x" * 200_000}))
    assert db.execute("SELECT count(*) FROM fetches").fetchone()[0] == 2
