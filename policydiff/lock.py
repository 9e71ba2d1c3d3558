"""One writer at a time: a lock file beside the archive (cron overlap must never mean two writers)."""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Busy", "writer_lock"]


class Busy(Exception):
    """Another policydiff process is writing to this archive."""


@contextmanager
def writer_lock(db_path: str | os.PathLike, wait: float = 2.0):
    """Hold ``<db>.lock`` while writing; wait up to ``wait`` seconds for another writer, then raise Busy.

    flock is released by the kernel when a process dies, even by kill -9: no stale locks to clean up.
    """
    path = Path(f"{db_path}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    raise Busy(f"another policydiff process (pid {holder}) is writing to {db_path}") from None
                time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
