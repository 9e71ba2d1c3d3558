"""Process faults: kill -9 at moments the crawler cannot choose, and readers beside the writer."""

from __future__ import annotations

import asyncio
import itertools
import random
import sqlite3
import threading
import time
from pathlib import Path

from tests.faults import handlers
from tests.faults.conftest import CRAWL
from tests.pages import SECTIONS, policy_html
from tests.test_crawl import rows

POLICIES = [f"p{i:02d}" for i in range(12)]
KILLS = 6


def page(pid: str, revision: int) -> bytes:
    """Each policy's page at a revision: a change the archive must not lose (same length every time)."""
    clause = (f"Revision {revision:03d} of policy {pid}: we keep order records for {revision + 1:03d} months and "
              "then delete them, unless the law requires us to keep them longer.")
    return policy_html([*SECTIONS, ("Retention", clause)]).encode()


def consistency_problems(db: Path) -> list[str]:
    """Everything a half-recorded fetch would break; empty when the archive is consistent."""
    con = sqlite3.connect(db)
    try:
        checks = {
            "integrity_check": "SELECT 1 FROM pragma_integrity_check WHERE integrity_check != 'ok'",
            "foreign_key_check": "SELECT 1 FROM pragma_foreign_key_check",
            "new-version fetch without its version or snapshot":
                "SELECT id FROM fetches WHERE outcome = 'new-version' AND (version IS NULL OR snapshot IS NULL)",
            "version without the fetch that found it":
                "SELECT v.id FROM versions v WHERE NOT EXISTS (SELECT 1 FROM fetches f WHERE f.version = v.id"
                " AND f.outcome = 'new-version')",
            "version whose snapshot is not its fetch's":
                "SELECT v.id FROM versions v JOIN fetches f ON f.version = v.id AND f.outcome = 'new-version'"
                " WHERE f.snapshot IS NOT v.snapshot",
            "later version without its change":
                "SELECT v.id FROM versions v WHERE EXISTS (SELECT 1 FROM versions p WHERE p.policy = v.policy"
                " AND p.id < v.id) AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.to_version = v.id)",
            "change that skips a version":
                "SELECT c.id FROM changes c WHERE c.from_version IS NOT (SELECT max(p.id) FROM versions p"
                " WHERE p.policy = c.policy AND p.id < c.to_version)",
        }
        return [name for name, sql in checks.items() if con.execute(sql).fetchall()]
    finally:
        con.close()


def test_kill_9_at_random_moments_leaves_a_consistent_archive(server, configure, spawn, cli, db_path):
    rng = random.Random(20261123)  # fixed: a failure can be replayed
    config = configure(**{pid: f"/{pid}" for pid in POLICIES})
    for revision in range(KILLS):
        tripped, counter = threading.Event(), itertools.count(1)
        at = rng.randint(1, len(POLICIES))
        for pid in POLICIES:
            server.route(f"/{pid}", handler=handlers.tripwire(page(pid, revision), counter, at, tripped))
        process = spawn("crawl", config=config)
        assert tripped.wait(60), "the crawl never reached the tripwire"
        process.kill()  # SIGKILL: no cleanup, no atexit, no rollback by the process itself
        process.wait(30)
        assert consistency_problems(db_path) == [], f"after kill {revision} at request {at}"
    final = KILLS
    for pid in POLICIES:
        server.route(f"/{pid}", page(pid, final))
    result = cli("crawl", config=config, check=0)  # the lock died with the process; the archive opens
    assert consistency_problems(db_path) == []
    current = {r["policy"]: r["text"] for r in rows(
        db_path, "SELECT policy, text FROM versions v WHERE id = (SELECT max(id) FROM versions WHERE policy = v.policy)")}
    assert all(f"Revision {final:03d} of policy {pid}" in current[pid] for pid in POLICIES), result.stdout


def test_datasette_and_sqlite_read_while_a_run_writes(server, configure, spawn, cli, db_path):
    from policydiff.serve import build_datasette

    # The held page waits for the readers; a generous timeout keeps that from failing the fetch.
    config = configure(crawl=CRAWL.replace("timeout = 1", "timeout = 60"), **{pid: f"/{pid}" for pid in POLICIES})
    for pid in POLICIES:
        server.route(f"/{pid}", page(pid, 0))
    cli("crawl", config=config, check=0)
    go = threading.Event()
    for pid in POLICIES[:-1]:
        server.route(f"/{pid}", page(pid, 1))
    server.route(f"/{POLICIES[-1]}", handler=handlers.gate(page(POLICIES[-1], 1), go))  # holds the run open
    datasette, loop = build_datasette(db_path), asyncio.new_event_loop()
    reader = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        process = spawn("crawl", config=config)
        seen: list[tuple[int, int]] = []
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            response = loop.run_until_complete(datasette.client.get("/archive/fetches.json?_shape=array&_size=max"))
            assert response.status_code == 200, response.text[:500]
            versions = reader.execute("SELECT count(*) FROM versions").fetchone()[0]
            seen.append((len(response.json()), versions))
            if seen[-1][0] == 2 * len(POLICIES) - 1:
                go.set()  # Datasette saw the run half-way (all but the held policy): let it finish
        process.wait(60)
    finally:
        go.set()
        reader.close()
        loop.close()
    assert process.returncode == 0, process.output()
    assert seen == sorted(seen), seen  # every read saw a committed state, never one going backwards
    assert (2 * len(POLICIES) - 1, 2 * len(POLICIES) - 1) in seen  # read mid-run, between two commits
    assert rows(db_path, "SELECT count(*) AS n FROM versions")[0]["n"] == 2 * len(POLICIES)

