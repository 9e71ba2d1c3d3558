"""Reports of policy changes: one HTML and one text file per change, and an index page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from archive.store import now_iso
from reports.diff import Diff, diff_texts
from reports.findings import no_findings_note
from reports.judge import promise_judged_against
from reports.render import render_template, render_text
from reports.timeline import policy_timeline

INDEX_LIMIT = 1000  # the index lists the newest reports; the archive in Datasette has them all

__all__ = ["ChangeReport", "load_report", "report_html", "report_text", "unreported", "write_reports"]


@dataclass(frozen=True)
class ChangeReport:
    change_id: int
    policy: str
    policy_name: str
    policy_url: str
    from_number: int
    to_number: int
    old_first_seen: str
    detected_at: str
    findings: list[dict]
    diff: Diff
    timeline: str = ""  # the policy's versions and changes as an SVG (reports.timeline), already escaped
    archive_url: str | None = None  # the change's page in Datasette, when a public URL is configured
    no_findings: str = "No findings."  # said when there are none; load_report: findings.no_findings_note

    @property
    def title(self) -> str:
        return f"{self.policy_name} changed"


def load_report(db: sqlite_utils.Database, change_id: int, public_url: str | None = None) -> ChangeReport:
    row = next(db.query(
        "SELECT c.id, c.policy, p.name, p.url, c.detected_at, vf.number AS from_number, vt.number AS to_number,"
        " old.first_seen AS old_first_seen, old.text AS old_text, new.text AS new_text"
        " FROM changes c JOIN policies p ON p.id = c.policy"
        " JOIN versions old ON old.id = c.from_version JOIN versions new ON new.id = c.to_version"
        " JOIN version_log vf ON vf.id = c.from_version JOIN version_log vt ON vt.id = c.to_version"
        " WHERE c.id = ?", [change_id]))
    findings = list(db.query("SELECT code, severity, message FROM findings WHERE change = ? ORDER BY id", [change_id]))
    return ChangeReport(
        change_id=row["id"], policy=row["policy"], policy_name=row["name"], policy_url=row["url"],
        from_number=row["from_number"], to_number=row["to_number"], old_first_seen=row["old_first_seen"],
        detected_at=row["detected_at"], findings=findings, diff=diff_texts(row["old_text"], row["new_text"]),
        timeline=policy_timeline(db, row["policy"], title=f"{row['name']}: versions and changes"),
        archive_url=change_url(public_url, db, change_id),
        no_findings="" if findings else no_findings_note(promise_judged_against(db, change_id)))


def change_url(public_url: str | None, db: sqlite_utils.Database, change_id: int) -> str | None:
    if not public_url:
        return None
    from reports.links import datasette_url

    return datasette_url(public_url, _db_name(db), "change", change_id)


def report_html(report: ChangeReport) -> str:
    return render_template("report.html", report=report)


def report_text(report: ChangeReport) -> str:
    lines = [report.title, "=" * len(report.title), report.policy_url,
             f"Version {report.from_number} (first seen {report.old_first_seen}) -> version {report.to_number}, "
             f"first seen {report.detected_at}."]
    if report.archive_url:
        lines.append(f"In the archive: {report.archive_url}")
    lines += ["", "Findings:"]
    lines += [f"  [{f['severity']}] {f['code']}: {f['message']}" for f in report.findings] or [f"  {report.no_findings}"]
    return "\n".join(lines) + "\n\n" + render_text(report.diff)


def unreported(db: sqlite_utils.Database) -> list[int]:
    """Policy changes (never technical ones) whose report files have not been written."""
    return [row[0] for row in db.execute(
        "SELECT c.id FROM change_log c LEFT JOIN reported r ON r.change = c.id"
        " WHERE c.kind = 'policy' AND r.change IS NULL ORDER BY c.id")]


def write_reports(db: sqlite_utils.Database, out: Path, public_url: str | None = None) -> list[int]:
    """Write the reports of every unreported change and rewrite the index; returns the change ids."""
    out.mkdir(parents=True, exist_ok=True)
    written = unreported(db)
    for change_id in written:
        report = load_report(db, change_id, public_url)
        _write(out / f"change-{change_id}.html", report_html(report))
        _write(out / f"change-{change_id}.txt", report_text(report))
        with db.conn:
            db.execute("INSERT INTO reported (change, reported_at) VALUES (?, ?)", [change_id, now_iso()])
    if written or not (out / "index.html").exists():  # a run with nothing new leaves the index alone
        index = list(db.query(
            "SELECT c.id AS change_id, c.policy, c.policy_name, c.detected_at, c.findings FROM change_log c"
            " JOIN reported r ON r.change = c.id ORDER BY c.detected_at DESC, c.id DESC LIMIT ?", [INDEX_LIMIT]))
        _write(out / "index.html", render_template("report_index.html", reports=index, limit=INDEX_LIMIT))
    return written


def _write(path: Path, text: str) -> None:
    """Write whole or not at all: a reader never sees half a report."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _db_name(db: sqlite_utils.Database) -> str:
    path = db.execute("PRAGMA database_list").fetchone()[2]
    return Path(path).stem
