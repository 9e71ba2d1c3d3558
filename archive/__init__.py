"""The archive: policies, fetches, snapshots, versions, changes and findings in one SQLite file."""

from .db import ArchiveError, open_db
from .store import (Fetch, Recorded, current_version, history, last_fetch, load_snapshot, now_iso, parse_time,
                    record_fetch, sync_policies)

__all__ = ["ArchiveError", "Fetch", "Recorded", "current_version", "history", "last_fetch", "load_snapshot",
           "now_iso", "open_db", "parse_time", "record_fetch", "sync_policies"]
