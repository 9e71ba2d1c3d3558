"""policydiff's Datasette plugin (entry point ``datasette: policydiff``).

- routes: a change's diff page, a policy's timeline page, a version's text, a snapshot's raw bytes
  (``reports.web``);
- cells: links from Datasette's tables and canned queries to those pages;
- a magic SQL parameter with the absolute address of those pages, for the Atom feed;
- connections: an SQLite authorizer that refuses every write and blanks the outbox's addresses and
  messages, whatever SQL a visitor types.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from datasette import hookimpl
from markupsafe import Markup

from reports import web
from reports.links import datasette_url
from reports.render import env

if TYPE_CHECKING:  # Datasette imports its plugins while datasette.app is half-loaded
    from datasette.app import Datasette

__all__ = ["prepare_connection", "register_magic_parameters", "register_routes", "render_cell"]

# Statements that would change the file. Datasette reads through mode=ro connections already; this
# also covers its write connection (execute_write), which a plugin could use.
_WRITES = frozenset({
    sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE, sqlite3.SQLITE_ALTER_TABLE,
    sqlite3.SQLITE_CREATE_INDEX, sqlite3.SQLITE_CREATE_TABLE, sqlite3.SQLITE_CREATE_TRIGGER,
    sqlite3.SQLITE_CREATE_VIEW, sqlite3.SQLITE_CREATE_VTABLE, sqlite3.SQLITE_DROP_INDEX,
    sqlite3.SQLITE_DROP_TABLE, sqlite3.SQLITE_DROP_TRIGGER, sqlite3.SQLITE_DROP_VIEW,
    sqlite3.SQLITE_DROP_VTABLE, sqlite3.SQLITE_REINDEX, sqlite3.SQLITE_ANALYZE, sqlite3.SQLITE_ATTACH,
})
# Columns read as NULL on the web: recipients' addresses and the messages sent to them are theirs,
# not the archive's readers'.
_PRIVATE = {("outbox", "recipient"), ("outbox", "message"), ("outbox", "last_error")}


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _source: str | None) -> int:
    # Connecting to an FTS5 table (versions_fts) asks to update sqlite_master.type without writing;
    # no statement a visitor can send may write the schema (that needs PRAGMA writable_schema).
    if action in _WRITES and not (action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master"):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ and (arg1, arg2) in _PRIVATE:
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Datasette) -> None:
    if database != "_internal":  # Datasette's own in-memory catalogue must stay writable
        conn.set_authorizer(_authorize)


@hookimpl
def register_routes(datasette: Datasette) -> list:
    return [
        (r"^/-/policydiff/changes/(?P<id>\d+)$", web.change_page),
        (r"^/-/policydiff/policies/(?P<id>[^/]+)$", web.policy_page),
        (r"^/-/policydiff/versions/(?P<id>\d+)$", web.version_page),
        (r"^/-/policydiff/snapshots/(?P<id>\d+)$", web.snapshot_raw),
    ]


@hookimpl
def register_magic_parameters(datasette: Datasette) -> list:
    """``:_policydiff_<kind>`` in SQL is the absolute address of ``kind`` pages (reports.links.KINDS)
    without the id, for the Atom feed's links; absolute as Datasette makes its own (from the request,
    https when the force_https_urls setting says so)."""
    def page_url(kind: str, request) -> str:
        db = web.archive_database(datasette).name
        return datasette.absolute_url(request, datasette_url(datasette.setting("base_url"), db, kind, ""))

    return [("policydiff", page_url)]


# Loaded once: render_cell runs for every cell of a page (2,200 for a page of failed_fetches), and
# getting the template by name checks the file's mtime each time.
_CELL = env.get_template("web_cell.html")
# The (table, column) cells that link somewhere; canned queries' cells have no table.
_LINKED = frozenset({(None, "diff"), (None, "timeline"), (None, "version_id"), ("changes", "detected_at"),
                     ("versions", "first_seen"), ("change_log", "id"), ("policies", "name"), ("snapshots", "body")})


def _link(datasette: Datasette, database: str, kind: str, id: object, text: object, before: object = None) -> Markup:
    href = datasette_url(datasette.setting("base_url"), database, kind, id)
    return Markup(_CELL.render(href=href, text=text, before=before))


@hookimpl
def render_cell(row, value, column: str, table: str | None, database: str, datasette: Datasette) -> Markup | None:
    """Links to the project's pages; None leaves the cell to Datasette."""
    # Most cells link nowhere: the set lookup first, the archive's name only for those that may.
    if value is None or (table, column) not in _LINKED or database != web.archive_database(datasette).name:
        return None
    if table is None and column == "diff":  # canned queries name the change id column "diff"
        return _link(datasette, database, "change", value, "diff")
    if table is None and column == "timeline":  # ... and the policy id column "timeline"
        return _link(datasette, database, "policy", value, "timeline")
    if table is None and column == "version_id":  # ... and a version's id "version_id"
        return _link(datasette, database, "version", value, value)
    if table == "changes" and column == "detected_at":
        return _link(datasette, database, "change", row["id"], "diff", before=value)
    if table == "versions" and column == "first_seen":
        return _link(datasette, database, "version", row["id"], "read", before=value)
    if table == "change_log" and column == "id":
        return _link(datasette, database, "change", value, value)
    if table == "policies" and column == "name":
        return _link(datasette, database, "policy", row["id"], value)
    if table == "snapshots" and column == "body":
        return _link(datasette, database, "snapshot-raw", row["id"], "raw page, as text")
    return None
