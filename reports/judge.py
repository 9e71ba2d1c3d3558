"""Judge the archive's changes and store their findings.

Findings are derived data: each change is judged against the promise in force before it (the old
version's, declared keys winning over detected ones), and judged again when the rules change or a
later version of the same policy arrives (a posting period is only known once a version is replaced).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

import sqlite_utils

from archive.store import now_iso
from reports.findings import Finding, VersionFacts, judge_change
from reports.promise import Promise, promise_from_config, promise_in_force

__all__ = ["RULES", "declared_promise", "judge_pending", "promise_judged_against"]

RULES = "2"  # bump when the findings' rules change: every change is judged again


def judge_pending(db: sqlite_utils.Database) -> int:
    """Judge changes never judged by these rules, and the change before each; returns how many."""
    stale = [row[0] for row in db.execute(
        "SELECT c.id FROM changes c LEFT JOIN judgements j ON j.change = c.id"
        " WHERE j.change IS NULL OR j.rules != ? ORDER BY c.id", [RULES])]
    # The change before each stale one, found in SQL (a list of ids as parameters overflows SQLite's limit).
    previous = [row[0] for row in db.execute(
        "SELECT (SELECT max(p.id) FROM changes p WHERE p.policy = c.policy AND p.id < c.id) FROM changes c"
        " LEFT JOIN judgements j ON j.change = c.id WHERE j.change IS NULL OR j.rules != ?", [RULES])]
    todo = sorted({*stale, *(p for p in previous if p)})
    for change_id in todo:
        findings = judge(db, change_id)
        with db.conn:
            db.execute("DELETE FROM findings WHERE change = ?", [change_id])
            db.conn.executemany("INSERT INTO findings (change, code, severity, message) VALUES (?, ?, ?, ?)",
                                [(change_id, f.code, f.severity, f.message) for f in findings])
            db.execute("INSERT OR REPLACE INTO judgements (change, judged_at, rules) VALUES (?, ?, ?)",
                       [change_id, now_iso(), RULES])
    return len(todo)


def judge(db: sqlite_utils.Database, change_id: int) -> list[Finding]:
    change = _judged_change(db, change_id)
    if change is None:
        return []
    policy, old_id, new_id = change
    old = _facts(db, old_id)
    return judge_change(old, _facts(db, new_id), promise_in_force(declared_promise(db, policy), old.text))


def promise_judged_against(db: sqlite_utils.Database | sqlite3.Connection, change_id: int) -> Promise | None:
    """The promise a change is judged against (maybe one that states nothing), or None for a change
    that is not judged: a re-extraction is not a policy change. Reads through ``execute`` only, so a
    Datasette connection serves as well as the archive's Database."""
    change = _judged_change(db, change_id)
    if change is None:
        return None
    policy, old_id, _ = change
    old_text = db.execute("SELECT text FROM versions WHERE id = ?", [old_id]).fetchone()[0]
    return promise_in_force(declared_promise(db, policy), old_text)


def _judged_change(db: sqlite_utils.Database | sqlite3.Connection, change_id: int) -> tuple[str, int, int] | None:
    """(policy, old version, new version) of a change that is judged; None for a re-extraction."""
    policy, old_id, new_id = db.execute(
        "SELECT policy, from_version, to_version FROM changes WHERE id = ?", [change_id]).fetchone()
    kind = db.execute("SELECT kind FROM versions WHERE id = ?", [new_id]).fetchone()[0]
    return None if kind == "technical" or old_id is None else (policy, old_id, new_id)


def declared_promise(db: sqlite_utils.Database | sqlite3.Connection, policy: str) -> Promise | None:
    """The promise declared in the policy's archived declaration (the config in force), if any."""
    row = db.execute("SELECT declaration FROM policies WHERE id = ?", [policy]).fetchone()
    table = json.loads(row[0] or "{}").get("promise") if row else None
    try:
        return promise_from_config(table) if table else None
    except ValueError:
        return None  # the config loader rejects such a table; an old archived one is simply ignored


def _version(db: sqlite_utils.Database, version_id: int) -> dict:
    return next(db.query("SELECT * FROM versions WHERE id = ?", [version_id]))


def _facts(db: sqlite_utils.Database, version_id: int) -> VersionFacts:
    version = _version(db, version_id)
    anchor = version
    while anchor["kind"] == "technical":  # a re-derived text stands for the policy version it re-derived
        before = db.execute("SELECT from_version FROM changes WHERE to_version = ?", [anchor["id"]]).fetchone()
        if not before or before[0] is None:
            break
        anchor = _version(db, before[0])
    is_change = db.execute("SELECT 1 FROM changes WHERE to_version = ?", [anchor["id"]]).fetchone() is not None
    return VersionFacts(text=version["text"], first_seen=_time(anchor["first_seen"]),
                        last_seen=_time(version["last_seen"]), is_change=is_change)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
