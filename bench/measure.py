"""Run a command and measure it: wall time, CPU time and peak RSS of the process tree.

``os.wait4`` returns the child's resource usage including the descendants it reaped (a worker
process), so each measured command gets its own peak instead of the running maximum that
``getrusage(RUSAGE_CHILDREN)`` gives over all children of the benchmark. That peak is of the largest
single process; ``tree_mb`` adds up the whole tree (a crawl and its extraction worker), sampled from
/proc every 50 ms while the command runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Run", "run", "policydiff_cmd"]

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float  # user + system of the command and its reaped children: > seconds means >1 core busy
    peak_mb: float  # the largest process's peak RSS (kernel accounting)
    tree_mb: float  # the largest sampled sum of RSS over the process and its descendants
    returncode: int
    stdout: str
    stderr: str

    def check(self, allowed: tuple[int, ...] = (0,)) -> "Run":
        if self.returncode not in allowed:
            raise RuntimeError(f"exit {self.returncode}: {self.stderr[-2000:]}")
        return self


def run(argv: list[str], *, env: dict | None = None, cwd: Path | None = None) -> Run:
    # Bytecode caches as on any installed machine, for every measured tool: some sandboxes set
    # PYTHONDONTWRITEBYTECODE, and then each run compiles its modules from source again.
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env={**base, **(env or {})}, cwd=cwd)
        tree = _TreeSampler(proc.pid)
        tree.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        tree.done.set()
        tree.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, tree.peak_mb, proc.returncode,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


class _TreeSampler(threading.Thread):
    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root, self.peak_mb, self.done = root, 0.0, threading.Event()
        self.page_kb = os.sysconf("SC_PAGE_SIZE") / 1024

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak_mb = max(self.peak_mb, sum(self._rss_kb(pid) for pid in self._tree()) / 1024)

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    stat = Path(f"/proc/{entry.name}/stat").read_text()
                except OSError:
                    continue  # exited meanwhile
                children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        return tree

    def _rss_kb(self, pid: int) -> float:
        try:
            return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self.page_kb
        except (OSError, IndexError, ValueError):
            return 0.0


def policydiff_cmd(*args: str) -> list[str]:
    """The real CLI, as cron runs it, with this interpreter."""
    return [sys.executable, "-m", "policydiff.cli", *args]
