"""Open the archive: one SQLite file, WAL mode, migrated on open."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from .migrations import migrate

__all__ = ["ArchiveError", "open_db", "require_archive"]


class ArchiveError(Exception):
    """The archive cannot be opened or written; the message says what to do."""


def require_archive(path: str | os.PathLike) -> None:
    """Raise ArchiveError unless an archive file is at ``path``: a command that only reads it must not
    create an empty one at a mistyped path and report on nothing as if all were well."""
    if not Path(path).is_file():
        raise ArchiveError(f"no archive at {path} (run `policydiff crawl` or `policydiff import` first, or pass --db)")


def _read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection. On read-only media a WAL archive whose -shm file is gone (a clean close
    deletes it) cannot be opened so: it is then opened as immutable, which it is there, unless its -wal
    file still holds changes."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size:  # immutable would ignore what the WAL holds: never a silent loss
        raise ArchiveError(f"cannot read archive {path} here: its {wal.name} file holds committed changes that "
                           "read-only storage cannot replay (copy the archive with its -wal file to writable "
                           "storage and open it there)")
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)


def open_db(path: str | os.PathLike, *, readonly: bool = False, create: bool = True) -> sqlite_utils.Database:
    """Open (creating it and its folder if needed, unless ``create`` is false) and migrate the archive
    at ``path``; ``readonly``: open an existing archive as it is, for reading only."""
    path = Path(path)
    if readonly or not create:
        require_archive(path)
    try:
        if readonly:
            conn = _read_only(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path)
        db = sqlite_utils.Database(conn)
        # Wait for a concurrent writer (cron overlap, Datasette) rather than fail at once.
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            # WAL lets Datasette read while a run writes; NORMAL is durable in WAL at commit boundaries
            # except for the last transactions on power loss, which a re-fetch repairs.
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            # Copy the WAL into the file (with its fsyncs) every 10,000 pages (40 MB) rather than SQLite's
            # 1,000: a first crawl of 1000 policies writes about 15,000 pages, and checkpointing them in
            # 15 rounds instead of 2 was 0.2-0.5 s of its 3.6 s. Closing the last connection checkpoints.
            db.execute("PRAGMA wal_autocheckpoint = 10000")
            migrate(db)
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"cannot open archive {path}: {exc} (check the path, free disk space and permissions)") from None
    except OSError as exc:
        raise ArchiveError(f"cannot create archive {path}: {exc.strerror} (check the path and permissions)") from None
    return db
