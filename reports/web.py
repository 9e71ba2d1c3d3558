"""The project's own pages inside Datasette: a change's diff page, a policy's timeline page, a
version's text to read, a snapshot's raw bytes. ``reports.datasette_plugin`` routes requests here.

Pages are read through Datasette's read-only connections and rendered by the one escaping Jinja2
environment (``reports.render``), never by Datasette's templates, so policy text is escaped once.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from datasette.utils import tilde_decode
from datasette.utils.asgi import NotFound, Request, Response

from reports.diff import diff_texts
from reports.findings import no_findings_note
from reports.judge import promise_judged_against
from reports.links import datasette_url
from reports.render import render_template
from reports.timeline import CHANGES_SQL, FINDINGS_SQL, VERSIONS_SQL, describe_duration, timeline_svg, version_spans

if TYPE_CHECKING:  # Datasette imports its plugins (and so this module) while datasette.app is half-loaded
    from datasette.app import Datasette
    from datasette.database import Database

__all__ = ["archive_database", "change_page", "policy_page", "snapshot_raw", "version_page"]

# Version numbers are counted here rather than read from the version_log view: the view numbers (and
# measures) every version of the archive before one row can be picked, which grows with the archive.
CHANGE_SQL = """
    SELECT c.id, c.policy, p.name AS policy_name, p.url AS policy_url, c.detected_at, new.kind,
           c.from_version, (SELECT count(*) FROM versions n WHERE n.policy = old.policy AND n.id <= old.id) AS from_number, old.first_seen AS old_first_seen,
           old.last_seen AS old_last_seen, old.snapshot AS old_snapshot, old.text AS old_text,
           c.to_version, (SELECT count(*) FROM versions n WHERE n.policy = new.policy AND n.id <= new.id) AS to_number, new.first_seen AS new_first_seen,
           new.last_seen AS new_last_seen, new.snapshot AS new_snapshot, new.text AS new_text,
           (SELECT max(id) FROM changes WHERE policy = c.policy AND id < c.id) AS previous,
           (SELECT min(id) FROM changes WHERE policy = c.policy AND id > c.id) AS next
    FROM changes c JOIN policies p ON p.id = c.policy
    JOIN versions new ON new.id = c.to_version LEFT JOIN versions old ON old.id = c.from_version
    WHERE c.id = ?
"""
# Worst first, so a reader sees violations before notes.
CHANGE_FINDINGS_SQL = """
    SELECT code, severity, message FROM findings WHERE change = ?
    ORDER BY CASE severity WHEN 'violation' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, id
"""
VERSION_SQL = """
    SELECT v.id, v.policy, p.name AS policy_name, (SELECT count(*) FROM versions n WHERE n.policy = v.policy AND n.id <= v.id) AS number, v.kind, v.first_seen, v.last_seen,
           length(v.text) AS size, v.text,
           v.sha256, v.snapshot, v.extractor_version,
           (SELECT id FROM changes WHERE to_version = v.id) AS introduced_by,
           (SELECT id FROM changes WHERE from_version = v.id) AS replaced_by,
           (SELECT min(id) FROM versions n WHERE n.policy = v.policy AND n.id > v.id) AS next,
           (SELECT max(id) FROM versions n WHERE n.policy = v.policy AND n.id < v.id) AS previous
    FROM versions v JOIN policies p ON p.id = v.policy
    WHERE v.id = ?
"""
POLICY_SQL = """
    SELECT p.id, p.name, p.url,
           (SELECT max(started_at) FROM fetches f WHERE f.policy = p.id
            AND f.outcome IN ('new-version', 'unchanged', 'not-modified')) AS last_ok,
           (SELECT outcome || coalesce(': ' || reason, '') FROM fetches f WHERE f.policy = p.id
            ORDER BY id DESC LIMIT 1) AS last_outcome
    FROM policies p WHERE p.id = ?
"""


def archive_database(datasette: Datasette) -> Database:
    """The archive: the first database Datasette serves (``policydiff serve`` serves only it)."""
    return datasette.get_database()


class _Links:
    """Every address a page shows, relative to the Datasette's base URL."""

    def __init__(self, datasette: Datasette, db: Database) -> None:
        self.datasette, self.db = datasette, db.name

    def __call__(self, kind: str, id: int | str | None = None) -> str:
        return datasette_url(self.datasette.setting("base_url"), self.db, kind, id)

    def table(self, table: str, **filters: str) -> str:
        url = self.datasette.urls.table(self.db, table)
        return f"{url}?{urlencode(filters)}" if filters else url

    def query(self, name: str, **params: str) -> str:
        url = self.datasette.urls.query(self.db, name)
        return f"{url}?{urlencode(params)}" if params else url


async def _page(datasette: Datasette, request: Request, table: str) -> tuple[Database, _Links]:
    """The archive and its links, once the actor may see ``table`` (Datasette's permissions)."""
    db = archive_database(datasette)
    await datasette.ensure_permissions(
        request.actor, [("view-table", (db.name, table)), ("view-database", db.name), "view-instance"])
    return db, _Links(datasette, db)


# The project's pages run no script at all: should policy text ever slip past escaping, the browser
# still refuses to run it.
PAGE_CSP = "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"


def _html(template: str, datasette: Datasette, links: _Links, **context: object) -> Response:
    return Response.html(render_template(
        template, links=links, app_css=datasette.urls.static("app.css"), home=datasette.urls.instance(),
        **context), headers={"Content-Security-Policy": PAGE_CSP})


async def change_page(datasette: Datasette, request: Request) -> Response:
    db, links = await _page(datasette, request, "changes")
    change_id = int(request.url_vars["id"])
    row = (await db.execute(CHANGE_SQL, [change_id])).first()
    if row is None:
        raise NotFound(f"No change {change_id} in the archive")
    change = dict(row)
    findings = [dict(f) for f in await db.execute(CHANGE_FINDINGS_SQL, [change_id])]
    # Without findings, the page says whether there was a promise to check the change against.
    no_findings = "" if findings else no_findings_note(
        await db.execute_fn(lambda conn: promise_judged_against(conn, change_id)))
    # A full rewrite of a long policy takes a noticeable time to diff: keep the server answering.
    diff = await asyncio.to_thread(diff_texts, change.pop("old_text") or "", change.pop("new_text"))
    return _html("web_change.html", datasette, links, change=change, findings=findings, no_findings=no_findings,
                 diff=diff)


async def policy_page(datasette: Datasette, request: Request) -> Response:
    db, links = await _page(datasette, request, "versions")
    policy_id = tilde_decode(request.url_vars["id"])
    row = (await db.execute(POLICY_SQL, [policy_id])).first()
    if row is None:
        raise NotFound(f"No policy {policy_id!r} in the archive")
    versions = [dict(v) for v in await db.execute(VERSIONS_SQL, [policy_id])]
    findings: dict[int, list[dict]] = {}
    for finding in await db.execute(FINDINGS_SQL, [policy_id]):
        findings.setdefault(finding["change"], []).append(dict(finding))
    changes = [{**dict(c), "findings": findings.get(c["id"], [])} for c in await db.execute(CHANGES_SQL, [policy_id])]
    for index, (version, (start, end)) in enumerate(zip(versions, version_spans(versions))):
        version["stood"] = describe_duration(end - start) if index < len(versions) - 1 else None
    svg = timeline_svg(versions, changes, title=f"Timeline of {row['name']}",
                       version_href=lambda v: links("version", v["id"]),
                       change_href=lambda c: links("change", c["id"]))
    return _html("web_policy.html", datasette, links, policy=dict(row), versions=versions,
                 changes=list(reversed(changes)), numbers={v["id"]: v["number"] for v in versions}, timeline=svg)


async def version_page(datasette: Datasette, request: Request) -> Response:
    db, links = await _page(datasette, request, "versions")
    version_id = int(request.url_vars["id"])
    row = (await db.execute(VERSION_SQL, [version_id])).first()
    if row is None:
        raise NotFound(f"No version {version_id} in the archive")
    return _html("web_version.html", datasette, links, version=dict(row))


async def snapshot_raw(datasette: Datasette, request: Request) -> Response:
    """A snapshot's bytes as received, shown as text: a hostile page must never run on this origin."""
    db, _ = await _page(datasette, request, "snapshots")
    snapshot_id = int(request.url_vars["id"])
    row = (await db.execute("SELECT compression, body, content_type FROM snapshots WHERE id = ?",
                            [snapshot_id])).first()
    if row is None:
        raise NotFound(f"No snapshot {snapshot_id} in the archive")
    body = zlib.decompress(row["body"]) if row["compression"] == "zlib" else row["body"]
    charset = _charset(row["content_type"])
    return Response(body, content_type="text/plain" + (f"; charset={charset}" if charset else ""), headers={
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Content-Disposition": f'inline; filename="snapshot-{snapshot_id}.html"',
    })


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value.strip('"').replace("-", "").replace("_", "").isalnum():
            return value.strip('"')
    return None
