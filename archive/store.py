"""Write and read the archive: every fetch, every raw snapshot, each distinct version, append-only."""

from __future__ import annotations

import hashlib
import json
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

import sqlite_utils

__all__ = ["Fetch", "Recorded", "batch", "confirm_rules", "current_version", "history", "last_fetch", "now_iso",
           "load_snapshot", "parse_time", "record_fetch", "sync_policies"]

# zlib level for raw snapshots: level 4 compresses 1.5-1.7x faster than 6 for 2-6% more bytes (measured
# on the retailer-style benchmark pages and ota-sample); a crawl or import compresses every new body.
SNAPSHOT_LEVEL = 4
OUTCOMES = ("new-version", "unchanged", "not-modified", "rejected", "failed")


def now_iso(moment: datetime | None = None) -> str:
    """UTC as ``YYYY-MM-DDTHH:MM:SSZ``: the one timestamp format of the archive (sorts as text)."""
    moment = moment or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> str:
    """An ISO 8601 date or time (naive means UTC) as the archive's timestamp format."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time such as 2024-05-01T12:00:00Z") from None
    return now_iso(moment)


@dataclass
class Fetch:
    """One attempt to get a policy's page, as it will be recorded."""

    policy: str
    started_at: str
    url: str
    outcome: str
    final_url: str | None = None
    status: int | None = None
    reason: str | None = None
    duration_ms: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    source: str = "crawl"
    body: bytes | None = None  # stored as a snapshot when given
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None  # the extracted version text, for outcome new-version
    extractor_version: str | None = None
    kind: str = "policy"  # of a new version: 'policy' or 'technical' (re-extraction)
    first_seen: str | None = None  # a confirmed new version was first seen by an earlier (rejected) fetch


@dataclass(frozen=True)
class Recorded:
    fetch_id: int
    outcome: str
    version_id: int | None = None
    version_number: int | None = None
    change_id: int | None = None
    reason: str | None = None


def sync_policies(db: sqlite_utils.Database, policies: list) -> None:
    """Record each configured policy and the declaration in force (config.Policy objects)."""
    stored = {row[0]: tuple(row[1:]) for row in db.execute("SELECT id, name, url, declaration FROM policies")}
    with db.conn:
        for policy in policies:
            declaration = json.dumps(policy.declaration, sort_keys=True, default=str)
            if stored.get(policy.id) != (policy.name, policy.url, declaration):
                db.execute(
                    "INSERT INTO policies (id, name, url, declaration, updated_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET name = excluded.name, url = excluded.url,"
                    " declaration = excluded.declaration, updated_at = excluded.updated_at",
                    [policy.id, policy.name, policy.url, declaration, now_iso()])


def current_version(db: sqlite_utils.Database, policy: str, *, text: bool = True) -> dict | None:
    """The policy's latest version (policy or technical), with its snapshot's sha256.

    ``text=False`` leaves the text out: a 304 or an unchanged page needs only the version's dates and
    hashes, and reading tens of kilobytes of text per fetch was most of the cost of recording one.
    """
    columns = "v.*" if text else ("v.id, v.policy, v.sha256, v.first_seen, v.last_seen, v.snapshot,"
                                  " v.extractor_version, v.kind")
    rows = db.query(
        f"SELECT {columns}, s.sha256 AS snapshot_sha256 FROM versions v LEFT JOIN snapshots s ON s.id = v.snapshot"
        " WHERE v.policy = ? ORDER BY v.id DESC LIMIT 1", [policy])
    return next(rows, None)


def last_fetch(db: sqlite_utils.Database, policy: str, *, ok: bool = False) -> dict | None:
    """The latest fetch of a policy; with ``ok``, the latest that got the policy (new, unchanged, 304)."""
    where = " AND outcome IN ('new-version', 'unchanged', 'not-modified')" if ok else ""
    return next(db.query(f"SELECT * FROM fetches WHERE policy = ?{where} ORDER BY id DESC LIMIT 1", [policy]), None)


def load_snapshot(db: sqlite_utils.Database, snapshot_id: int) -> tuple[bytes, dict[str, str]]:
    """A snapshot's raw body and response headers."""
    row = db.execute("SELECT compression, body, headers FROM snapshots WHERE id = ?", [snapshot_id]).fetchone()
    if row is None:
        raise KeyError(f"no snapshot {snapshot_id}")
    body = zlib.decompress(row[1]) if row[0] == "zlib" else row[1]
    return body, json.loads(row[2] or "{}")


def history(db: sqlite_utils.Database, policy: str) -> list[dict]:
    return list(db.query("SELECT * FROM version_log WHERE policy = ? ORDER BY id", [policy]))


def record_fetch(db: sqlite_utils.Database, fetch: Fetch) -> Recorded:
    """Record one fetch, its snapshot and any new version and change, in one transaction.

    With ``text``, the outcome is decided here: ``new-version`` if it differs from the current
    version, else ``unchanged``. An unchanged or not-modified fetch only moves ``last_seen``.
    """
    if fetch.outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {fetch.outcome!r}")
    snapshot = _prepare_snapshot(db, fetch.body) if fetch.body is not None else None
    with _transaction(db):  # the whole fetch is recorded or nothing of it is
        snapshot_id = _store_snapshot(db, fetch, snapshot) if snapshot else None
        current = current_version(db, fetch.policy, text=False)
        outcome, version_id, change_id = fetch.outcome, None, None
        if fetch.text is not None:
            digest = hashlib.sha256(fetch.text.encode()).hexdigest()
            if current and current["sha256"] == digest:
                outcome = "unchanged"
            else:
                outcome = "new-version"
                first_seen = fetch.first_seen or fetch.started_at
                version_id = db.execute(
                    "INSERT INTO versions (policy, text, sha256, first_seen, last_seen, snapshot,"
                    " extractor_version, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [fetch.policy, fetch.text, digest, first_seen, fetch.started_at, snapshot_id,
                     fetch.extractor_version, fetch.kind]).lastrowid
                if current:
                    change_id = db.execute(
                        "INSERT INTO changes (policy, from_version, to_version, detected_at) VALUES (?, ?, ?, ?)",
                        [fetch.policy, current["id"], version_id, first_seen]).lastrowid
        if outcome in ("unchanged", "not-modified") and current:
            version_id = current["id"]
            db.execute("UPDATE versions SET last_seen = max(last_seen, ?) WHERE id = ?",
                       [fetch.started_at, version_id])
        fetch_id = db.execute(
            "INSERT INTO fetches (policy, started_at, url, final_url, status, outcome, reason, bytes,"
            " duration_ms, etag, last_modified, snapshot, version, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [fetch.policy, fetch.started_at, fetch.url, fetch.final_url, fetch.status, outcome, fetch.reason,
             None if fetch.body is None else len(fetch.body), fetch.duration_ms, fetch.etag,
             fetch.last_modified, snapshot_id, version_id, fetch.source]).lastrowid
        number = None
        if version_id is not None:
            number = db.execute("SELECT count(*) FROM versions WHERE policy = ? AND id <= ?",
                                [fetch.policy, version_id]).fetchone()[0]
    return Recorded(fetch_id, outcome, version_id, number, change_id, fetch.reason)


def confirm_rules(db: sqlite_utils.Database, version_id: int, extractor_version: str) -> None:
    """New extraction rules re-derived exactly this version's text: say so, instead of re-deriving it on
    every fetch. The one in-place update of a version besides last_seen (its text never changes)."""
    with _transaction(db):
        db.execute("UPDATE versions SET extractor_version = ? WHERE id = ?", [extractor_version, version_id])


@contextmanager
def batch(db: sqlite_utils.Database) -> Iterator[None]:
    """Record several fetches in one transaction: one commit instead of one each.

    Each fetch is still all or nothing (a savepoint): one that fails leaves the others. For fetches
    that need no parse (a 304, a failure): the batch holds the write lock while it lasts.
    """
    with db.conn:
        db.execute("BEGIN IMMEDIATE")
        yield


@contextmanager
def _transaction(db: sqlite_utils.Database) -> Iterator[None]:
    if not db.conn.in_transaction:
        with db.conn:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time, from the first read
            yield
        return
    db.execute("SAVEPOINT fetch")  # inside a batch
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:  # else SQLite rolled the whole batch back itself (a full disk): say why
            db.execute("ROLLBACK TO fetch")
            db.execute("RELEASE fetch")
        raise
    db.execute("RELEASE fetch")


@dataclass(frozen=True)
class _Snapshot:
    """A body made ready before the write lock: its digest, and either the id of the snapshot that
    already holds it or its compressed bytes."""

    digest: str
    known: int | None
    packed: bytes | None


def _prepare_snapshot(db: sqlite_utils.Database, body: bytes) -> _Snapshot:
    # Compressing takes as long as the rest of the write: outside the transaction, another process
    # recording (a shard of a large crawl) waits less for the lock.
    digest = hashlib.sha256(body).hexdigest()
    row = db.execute("SELECT id FROM snapshots WHERE sha256 = ?", [digest]).fetchone()
    if row:
        return _Snapshot(digest, row[0], None)  # snapshots are append-only: still there under the lock
    return _Snapshot(digest, None, zlib.compress(body, SNAPSHOT_LEVEL))


def _store_snapshot(db: sqlite_utils.Database, fetch: Fetch, snapshot: _Snapshot) -> int:
    if snapshot.known is not None:
        return snapshot.known
    # Another process may have stored the same body since it was prepared.
    row = db.execute("SELECT id FROM snapshots WHERE sha256 = ?", [snapshot.digest]).fetchone()
    if row:
        return row[0]
    headers: dict[str, Any] = {k.lower(): v for k, v in sorted(fetch.headers.items())}
    return db.execute(
        "INSERT INTO snapshots (sha256, content_type, headers, size, compression, body) VALUES (?, ?, ?, ?, ?, ?)",
        [snapshot.digest, headers.get("content-type"), json.dumps(headers, sort_keys=True), len(fetch.body),
         "zlib", snapshot.packed]).lastrowid
