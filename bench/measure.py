"""Run a command and measure it: wall time, CPU time and peak RSS of the process tree.

``os.wait4`` returns the child's resource usage including the descendants it reaped (a worker
process), so each measured command gets its own peak instead of the running maximum that
``getrusage(RUSAGE_CHILDREN)`` gives over all children of the benchmark.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Run", "run", "policydiff_cmd", "self_peak_mb"]

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float  # user + system of the command and its reaped children: > seconds means >1 core busy
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str

    def check(self, allowed: tuple[int, ...] = (0,)) -> "Run":
        if self.returncode not in allowed:
            raise RuntimeError(f"exit {self.returncode}: {self.stderr[-2000:]}")
        return self


def run(argv: list[str], *, env: dict | None = None, cwd: Path | None = None) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env={**os.environ, **(env or {})}, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def policydiff_cmd(*args: str) -> list[str]:
    """The real CLI, as cron runs it, with this interpreter."""
    return [sys.executable, "-m", "policydiff.cli", *args]


def self_peak_mb() -> float:
    """Peak RSS of this process so far (for in-process benchmarks)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
