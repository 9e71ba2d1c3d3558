"""Addresses of the archive's pages in Datasette, for reports, emails, the feed and the web pages.

One function builds every link so that the routes of ``reports.datasette_plugin`` and the links
pointing at them cannot drift apart.
"""

from __future__ import annotations

from datasette.utils import tilde_encode

__all__ = ["KINDS", "datasette_url"]

# kind -> path under the base URL; {db} and {id} are tilde-encoded as Datasette expects.
KINDS: dict[str, str] = {
    "change": "/-/policydiff/changes/{id}",      # the diff page of a change (project plugin)
    "policy": "/-/policydiff/policies/{id}",     # a policy's timeline page (project plugin)
    "version": "/-/policydiff/versions/{id}",    # a version's text, to read (project plugin)
    "snapshot-raw": "/-/policydiff/snapshots/{id}",  # a snapshot's raw bytes, as text (project plugin)
    "policy-record": "/{db}/policies/{id}",      # Datasette's row pages
    "version-record": "/{db}/versions/{id}",
    "snapshot": "/{db}/snapshots/{id}",
    "fetch": "/{db}/fetches/{id}",
    "finding": "/{db}/findings/{id}",
    "database": "/{db}",
}


def datasette_url(public_url: str, db_name: str, kind: str, id: int | str | None = None) -> str:
    """The URL of the ``kind`` page of ``id`` under ``public_url``.

    ``public_url`` is the Datasette's base (``https://archive.example.org`` or ``/`` for a path
    relative to the site root); ``db_name`` is the database's name in Datasette (the file's stem).
    """
    try:
        template = KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown page kind {kind!r}; known: {', '.join(KINDS)}") from None
    path = template.format(db=tilde_encode(db_name), id=tilde_encode(str(id)))
    return public_url.rstrip("/") + path
