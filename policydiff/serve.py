"""`policydiff serve`: Datasette on the live archive, with the project's metadata and plugin.

The archive is served as a mutable file (never immutable: cron writes to it while people read):
Datasette reads through ``mode=ro`` connections, which see each committed crawl thanks to WAL, and
the project's plugin refuses every write on every connection (``reports.datasette_plugin``).
"""

from __future__ import annotations

import copy
import os
import socket
import sys
from functools import cache
from pathlib import Path
from typing import TextIO

import uvicorn
import yaml
from datasette.app import Datasette

import reports
from archive import ArchiveError, open_db, require_archive
from reports.links import datasette_url

__all__ = ["METADATA", "SETTINGS", "build_datasette", "load_metadata", "serve"]

METADATA = Path(reports.__file__).with_name("metadata.yml")
PLACEHOLDER = "archive"  # the database's key in metadata.yml
SETTINGS = {
    "truncate_cells_html": 300,  # a version's text is a whole policy: tables show its beginning
    "sql_time_limit_ms": 3000,   # full-text search and timelines over years of versions
    "default_page_size": 50,
    # Datasette offers an immutable file (read-only media) for download whole: the archive's outbox holds
    # the subscribers' addresses, which the plugin blanks in every query. Never downloadable.
    "allow_download": False,
}


@cache
def _metadata_file() -> dict:
    return yaml.safe_load(METADATA.read_text(encoding="utf-8"))


def load_metadata(db_name: str, base_url: str = "/") -> dict:
    """metadata.yml for an archive served under the name ``db_name``."""
    metadata = copy.deepcopy(_metadata_file())
    metadata["databases"] = {db_name: metadata["databases"].pop(PLACEHOLDER)}
    metadata["description_html"] = metadata["description_html"].replace(
        "{database}", datasette_url(base_url, db_name, "database"))
    return metadata


def build_datasette(db_path: str | os.PathLike, *, settings: dict | None = None, immutable: bool = False) -> Datasette:
    """A Datasette serving the archive at ``db_path`` (which must exist) under its file's stem.

    ``settings`` override :data:`SETTINGS` (Datasette's ``--setting`` names); ``immutable``: the file
    cannot change (read-only media), so Datasette opens it without locks or a -shm file.
    """
    path = Path(db_path)
    require_archive(path)
    merged = {**SETTINGS, **(settings or {})}
    files = {"immutables" if immutable else "files": [str(path)]}
    return Datasette(**files, metadata=load_metadata(path.stem, merged.get("base_url", "/")), settings=merged)


def serve(db_path: str | os.PathLike, *, host: str = "127.0.0.1", port: int = 8001, out: TextIO = sys.stdout) -> int:
    """Migrate the archive if it is behind, then serve it until interrupted. Port 0 picks a free
    port; the first line printed is the address."""
    try:
        open_db(db_path, create=False).close()  # the metadata describes the current schema (versions_fts...)
        immutable = False
    except ArchiveError:  # read-only media: served as it is, as an immutable file (or its error says why not)
        open_db(db_path, readonly=True).close()
        immutable = True
    datasette = build_datasette(db_path, immutable=immutable)
    # Bind first, so that the address printed is the one listening, even for port 0.
    try:
        sock = socket.create_server((host, port))
    except OSError as exc:
        print(f"policydiff: cannot listen on {host}:{port}: {os.strerror(exc.errno)} (choose another --port or --host)",
              file=sys.stderr)
        return 1
    url = f"http://{f'[{host}]' if ':' in host else host}:{sock.getsockname()[1]}/"
    print(f"Serving {db_path} at {url} (read-only; Ctrl-C stops)", file=out, flush=True)
    server = uvicorn.Server(uvicorn.Config(datasette.app(), log_level="warning", lifespan="on"))
    server.run(sockets=[sock])
    return 0
