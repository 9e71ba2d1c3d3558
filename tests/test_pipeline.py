"""The crawl pipeline's extraction worker: its death loses no fetch, and it dies with the crawl."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from archive import open_db, sync_policies
from archive.store import now_iso
from crawler.pipelines import ArchivePipeline
from crawler.record import Page
from policydiff.config import Policy
from tests.pages import policy_html

POLICY = Policy(id="shop", name="Shop", url="https://shop.example/privacy")


def gone(pid: int) -> bool:
    """No such process, or only its zombie left (nothing runs any more)."""
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, IndexError):
        return True


def wait_until(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_killed_extraction_worker_loses_no_fetch(db_path):
    db = open_db(db_path)
    sync_policies(db, [POLICY])
    db.close()
    pipeline = ArchivePipeline(str(db_path))
    pipeline.open_spider()
    try:
        pool = pipeline.pool.executor()
        pool.submit(os.getpid).result()  # the worker is up
        for pid in list(pool._processes):
            os.kill(pid, signal.SIGKILL)
        page = Page(policy=POLICY, url=POLICY.url, started_at=now_iso(), status=200,
                    headers={"Content-Type": "text/html"}, body=policy_html().encode())
        asyncio.run(pipeline.process_item(page))
    finally:
        pipeline.close_spider()
    db = open_db(db_path)
    assert [r["outcome"] for r in db.query("SELECT outcome FROM fetches")] == ["new-version"]


def test_the_worker_dies_with_a_killed_crawl(tmp_path):
    script = (
        "import os, sys\n"
        "from crawler.pipelines import ArchivePipeline\n"
        f"pipeline = ArchivePipeline({str(tmp_path / 'a.db')!r})\n"
        "pool = pipeline.pool.executor()\n"
        "pool.submit(os.getpid).result()\n"
        "print(*pool._processes, flush=True)\n"
        "sys.stdin.read()\n"
    )
    crawl = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in crawl.stdout.readline().split()]
    assert workers and not any(gone(pid) for pid in workers)
    crawl.kill()
    crawl.wait()
    assert wait_until(lambda: all(gone(pid) for pid in workers))
