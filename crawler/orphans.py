"""Child processes of a crawl must not outlive it (a crawl killed with -9 leaves no writer behind)."""

from __future__ import annotations

import ctypes
import os
import signal

__all__ = ["die_with_parent"]


def die_with_parent(parent: int | None = None) -> None:
    """Call first thing in a child process: Linux sends it SIGTERM when its parent dies (PR_SET_PDEATHSIG).

    ``parent``, the parent's pid taken before the child started, closes the race of a parent that
    died before this call: the child then ends at once.
    """
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: children end when they next use their closed pipes
    if parent is not None and os.getppid() != parent:
        os._exit(1)
