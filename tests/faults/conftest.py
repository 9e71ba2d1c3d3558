"""Fixtures for the fault-injection suite: policies on the misbehaving server, the CLI as a live process."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

# Fast and strict: a 1 s timeout, one retry, tiny backoff (the 429 test relies on Retry-After, not this).
CRAWL = "delay = 0\nbackoff = 0.01\ntimeout = 1\nretries = 1\n"


@pytest.fixture
def configure(server, write_config):
    """A policies.toml with one policy per ``id=path`` on the server (or ``id=absolute URL``)."""

    def write(crawl: str = CRAWL, **paths: str) -> Path:
        urls = {pid: path if "://" in path else server.url(path) for pid, path in paths.items()}
        return write_config("".join(f"[policies.{pid}]\nurl = '{url}'\n" for pid, url in urls.items()), crawl=crawl)

    return write


@pytest.fixture
def stop():
    """Released at the end of the test: stalling handlers give up then at the latest."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def spawn(db_path, tmp_path):
    """Start the real CLI as a process the test can kill (the `cli` fixture waits for it to end).

    Each process leads its own process group: at teardown the whole group is killed, including any
    child a killed crawl left behind (its output goes to files, so no orphan holds a pipe open).
    """
    started: list[subprocess.Popen] = []

    def start(*args: str, config: Path) -> subprocess.Popen:
        env = {**os.environ, "POLICYDIFF_DB": str(db_path), "POLICYDIFF_CONFIG": str(config)}
        log = tmp_path / f"spawn{len(started)}"
        with open(f"{log}.out", "w") as out, open(f"{log}.err", "w") as err:  # the child keeps its copies
            process = subprocess.Popen([sys.executable, "-m", "policydiff.cli", *args], cwd=tmp_path, env=env,
                                       stdout=out, stderr=err, start_new_session=True)
        process.output = lambda: (Path(f"{log}.out").read_text(), Path(f"{log}.err").read_text())
        started.append(process)
        return process

    yield start
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
