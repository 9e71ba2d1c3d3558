"""Named schema migrations, applied in order, each once, each in its own transaction.

Never edit a migration that has shipped: add a new one.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import sqlite_utils

__all__ = ["MIGRATIONS", "migrate"]

INITIAL = """
        CREATE TABLE policies (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            url TEXT NOT NULL,
            declaration TEXT,            -- the policies.toml table in force, as JSON
            updated_at TEXT NOT NULL
        );
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,  -- of the raw body: identical bodies are stored once
            content_type TEXT,
            headers TEXT,                 -- response headers of the first fetch that got this body, JSON
            size INTEGER NOT NULL,        -- raw bytes
            compression TEXT NOT NULL,    -- 'zlib'
            body BLOB NOT NULL
        );
        CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            policy TEXT NOT NULL REFERENCES policies(id),
            text TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            snapshot INTEGER REFERENCES snapshots(id),
            extractor_version TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('policy', 'technical'))
        );
        CREATE INDEX versions_policy ON versions(policy, id);
        CREATE TABLE fetches (
            id INTEGER PRIMARY KEY,
            policy TEXT NOT NULL REFERENCES policies(id),
            started_at TEXT NOT NULL,
            url TEXT NOT NULL,
            final_url TEXT,
            status INTEGER,
            outcome TEXT NOT NULL CHECK (outcome IN
                ('new-version', 'unchanged', 'not-modified', 'rejected', 'failed')),
            reason TEXT,
            bytes INTEGER,
            duration_ms INTEGER,
            etag TEXT,
            last_modified TEXT,
            snapshot INTEGER REFERENCES snapshots(id),
            version INTEGER REFERENCES versions(id),
            source TEXT NOT NULL DEFAULT 'crawl'
        );
        CREATE INDEX fetches_policy ON fetches(policy, id);
        CREATE INDEX fetches_outcome ON fetches(outcome);
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            policy TEXT NOT NULL REFERENCES policies(id),
            from_version INTEGER REFERENCES versions(id),
            to_version INTEGER NOT NULL UNIQUE REFERENCES versions(id),
            detected_at TEXT NOT NULL
        );
        CREATE INDEX changes_policy ON changes(policy, id);
        CREATE VIEW version_log AS
            SELECT v.id, v.policy,
                   row_number() OVER (PARTITION BY v.policy ORDER BY v.id) AS number,
                   v.kind, v.first_seen, v.last_seen, length(v.text) AS size,
                   v.extractor_version, v.snapshot, v.sha256
            FROM versions v;
"""

FINDINGS = """
        CREATE TABLE findings (
            id INTEGER PRIMARY KEY,
            change INTEGER NOT NULL REFERENCES changes(id),
            code TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'violation')),
            message TEXT NOT NULL
        );
        CREATE INDEX findings_change ON findings(change);
        CREATE VIEW change_log AS
            SELECT c.id, c.policy, p.name AS policy_name, c.from_version, c.to_version,
                   c.detected_at, v.kind,
                   (SELECT count(*) FROM findings f WHERE f.change = c.id) AS findings
            FROM changes c JOIN versions v ON v.id = c.to_version JOIN policies p ON p.id = c.policy;
"""

REPORTS = """
        -- When each change was last judged, and by which rules (findings are re-derived when stale).
        CREATE TABLE judgements (
            change INTEGER PRIMARY KEY REFERENCES changes(id),
            judged_at TEXT NOT NULL,
            rules TEXT NOT NULL
        );
        -- Changes whose report files have been written.
        CREATE TABLE reported (
            change INTEGER PRIMARY KEY REFERENCES changes(id),
            reported_at TEXT NOT NULL
        );
        -- Every email, one row per recipient: queued until the SMTP server accepts it, never sent twice.
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('changes', 'alert', 'recovery', 'test')),
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            message TEXT NOT NULL,        -- the whole RFC 5322 message, as sent
            status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at TEXT
        );
        CREATE INDEX outbox_status ON outbox(status);
        CREATE TABLE outbox_changes (
            outbox INTEGER NOT NULL REFERENCES outbox(id),
            change INTEGER NOT NULL REFERENCES changes(id),
            PRIMARY KEY (outbox, change)
        );
"""

# Full-text search over version texts for Datasette's search box (it finds versions_fts by the
# sqlite-utils naming and the content=[versions] clause). External content: the text is stored once,
# in versions; the triggers keep the index in step. Only an UPDATE OF text re-indexes: an unchanged
# fetch moves last_seen and must not re-index a whole policy.
VERSIONS_FTS = """
        CREATE VIRTUAL TABLE versions_fts USING fts5(text, content=[versions], content_rowid=[id]);
        CREATE TRIGGER versions_ai AFTER INSERT ON versions BEGIN
            INSERT INTO versions_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER versions_ad AFTER DELETE ON versions BEGIN
            INSERT INTO versions_fts (versions_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER versions_au AFTER UPDATE OF text ON versions BEGIN
            INSERT INTO versions_fts (versions_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO versions_fts (rowid, text) VALUES (new.id, new.text);
        END;
        INSERT INTO versions_fts (versions_fts) VALUES ('rebuild');
"""

# Operator alerts about a policy's failing crawls: one 'failing' row per episode, when its consecutive
# failed crawls reach [email] alert_after, and one 'recovered' row when a crawl succeeds again. A
# policy's latest row says whether an episode is open, so each episode is told once.
ALERTS = """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            policy TEXT NOT NULL REFERENCES policies(id),
            kind TEXT NOT NULL CHECK (kind IN ('failing', 'recovered')),
            created_at TEXT NOT NULL,
            fetch INTEGER NOT NULL REFERENCES fetches(id),  -- the crawl fetch that decided it
            consecutive INTEGER NOT NULL,                   -- failed crawls in a row at that fetch
            reason TEXT                                     -- the latest failure's reason
        );
        CREATE INDEX alerts_policy ON alerts(policy, id);
"""

# Captures imported from web archives (WARC files, the Wayback Machine), each under the key its source
# gives it, so that importing the same WARC or running the same backfill twice records nothing twice.
CAPTURES = """
        CREATE TABLE captures (
            policy TEXT NOT NULL REFERENCES policies(id),
            source TEXT NOT NULL,         -- 'warc' or 'wayback'
            url TEXT NOT NULL,            -- the captured URL (WARC-Target-URI, CDX original)
            captured_at TEXT NOT NULL,
            digest TEXT NOT NULL,         -- payload digest as the source states it ('sha1:BASE32')
            fetch INTEGER NOT NULL REFERENCES fetches(id),
            PRIMARY KEY (policy, source, url, captured_at, digest)
        );
"""

INDEXES = """
        -- Timelines, change lists and the feed read a version's dates and kind without its text:
        -- a covering index keeps them from walking every policy text stored before those columns.
        CREATE INDEX versions_dates ON versions(policy, id, kind, first_seen, last_seen);
        -- "Policies not successfully fetched for N days" and each policy's last success.
        CREATE INDEX fetches_policy_outcome ON fetches(policy, outcome, started_at);
"""

# The latest changes (Datasette's latest_changes, newest first by detected_at then id) read from the
# end of an index instead of sorting every change of the archive.
CHANGES_DETECTED = """
        CREATE INDEX changes_detected ON changes(detected_at);
"""

MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", INITIAL),
    ("0002_findings", FINDINGS),
    ("0003_reports_outbox", REPORTS),
    ("0004_versions_fts", VERSIONS_FTS),
    ("0005_alerts", ALERTS),
    ("0006_captures", CAPTURES),
    ("0007_indexes", INDEXES),
    ("0008_changes_detected", CHANGES_DETECTED),
]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet applied; returns their names."""
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM migrations")}
    applied = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        # One script, one transaction: the migration and its record commit together or not at all.
        # The record goes first so that a second process migrating at the same time fails on the
        # primary key instead of applying the step twice.
        try:
            db.conn.executescript(
                f"BEGIN IMMEDIATE; INSERT INTO migrations VALUES ('{name}', '{now}');\n{sql}\nCOMMIT;")
        except sqlite3.IntegrityError:
            db.conn.rollback()  # another process applied it while we waited for the lock
            continue
        except BaseException:
            db.conn.rollback()
            raise
        applied.append(name)
    return applied
