"""The changes of the archive with their findings, as the `changes` command and reports list them."""

from __future__ import annotations

import sqlite_utils

__all__ = ["list_changes"]


def list_changes(db: sqlite_utils.Database, policies: list[str] = (), since: str | None = None,
                 kinds: tuple[str, ...] = ("policy", "technical")) -> list[dict]:
    """Changes oldest first: policy, change_id, from_version, to_version (numbers), detected_at, kind, findings."""
    where, params = [f"c.kind IN ({','.join('?' * len(kinds))})"], list(kinds)
    if policies:
        where.append(f"c.policy IN ({','.join('?' * len(policies))})")
        params += list(policies)
    if since:
        where.append("c.detected_at >= ?")
        params.append(since)
    rows = list(db.query(
        "SELECT c.policy, c.id AS change_id, vf.number AS from_version, vt.number AS to_version, c.detected_at,"
        " c.kind FROM change_log c LEFT JOIN version_log vf ON vf.id = c.from_version"
        f" JOIN version_log vt ON vt.id = c.to_version WHERE {' AND '.join(where)} ORDER BY c.id", params))
    findings: dict[int, list[dict]] = {}
    if rows:
        ids = [r["change_id"] for r in rows]
        for f in db.query(f"SELECT change, code, severity, message FROM findings WHERE change IN "
                          f"({','.join('?' * len(ids))}) ORDER BY id", ids):
            findings.setdefault(f.pop("change"), []).append(f)
    return [{**row, "findings": findings.get(row["change_id"], [])} for row in rows]
