"""The archive: policies, fetches, snapshots, versions, changes and findings in one SQLite file."""

import sys

# sqlite-utils imports numpy when it is installed, only to map numpy's scalar types to column types
# when it creates tables from Python values. The archive's tables come from SQL migrations and never
# hold numpy values, and the import cost 0.12-0.16 s of every cron start on a machine with numpy.
_absent = "numpy" not in sys.modules
if _absent:
    sys.modules["numpy"] = None  # type: ignore[assignment] (makes `import numpy` fail: sqlite-utils skips it)
try:
    import sqlite_utils  # noqa: F401 (imported first here, for the reason above)
finally:
    if _absent and sys.modules.get("numpy", 0) is None:
        del sys.modules["numpy"]  # numpy imports normally for anyone else in this process

from .db import ArchiveError, open_db, require_archive
from .store import (Fetch, Recorded, current_version, history, last_fetch, load_snapshot, now_iso, parse_time,
                    record_fetch, sync_policies)

__all__ = ["ArchiveError", "Fetch", "Recorded", "current_version", "history", "last_fetch", "load_snapshot",
           "now_iso", "open_db", "parse_time", "record_fetch", "require_archive", "sync_policies"]
