"""A large crawl is split by host over one process per core: whole sites per process, sizes balanced."""

from __future__ import annotations

import subprocess

from crawler.run import shard_by_host
from policydiff.config import Policy
from tests.conftest import ROOT, crawl_command, rows, run_crawl
from tests.pages import policy_html


SHARDED = "import crawler.run\ncrawler.run.SHARD_MIN = 2  # two crawl processes even for this small crawl\n"


def two_sites(server, n: int) -> str:
    """``n`` policies on one server, alternately on two sites: 127.0.0.1 and localhost."""
    return "".join(f"[policies.p{i}]\nurl = '{server.url(f'/p{i}').replace('127.0.0.1', 'localhost' if i % 2 else '127.0.0.1')}'\n"
                   for i in range(n))


def policy(n: int, host: str) -> Policy:
    return Policy(id=f"p{n}", name=f"p{n}", url=f"http://{host}/privacy/{n}")


def test_every_host_in_one_shard_and_sizes_balanced():
    policies = [policy(n, f"127.0.0.{n % 5 + 1}") for n in range(50)] + [policy(100 + n, "big.example") for n in range(30)]
    shards = shard_by_host(policies, 2)
    assert len(shards) == 2 and sorted(p.id for s in shards for p in s) == sorted(p.id for p in policies)
    hosts = [{p.url.split("/")[2] for p in shard} for shard in shards]
    assert not hosts[0] & hosts[1]  # politeness per site holds: a site is never crawled from two processes
    assert abs(len(shards[0]) - len(shards[1])) <= 10


def test_one_host_or_one_core_is_one_shard():
    same_host = [policy(n, "shop.example") for n in range(10)]
    assert shard_by_host(same_host, 2) == [same_host]
    assert shard_by_host([policy(1, "a.example"), policy(2, "b.example")], 1) == [[policy(1, "a.example"), policy(2, "b.example")]]


def test_a_sharded_direct_crawl_records_every_policy_once(server, write_config, db_path):
    """Two sites (127.0.0.1 and localhost, one server), the direct path sharded over two processes."""
    for n in range(6):
        server.route(f"/p{n}", policy_html(title=f"Privacy Policy {n}"))
    config = write_config(two_sites(server, 6))
    done = run_crawl(db_path, config, prelude=SHARDED)
    assert sorted(line.split()[1] for line in done.stdout.splitlines()[:-1]) == ["new-version"] * 6
    assert rows(db_path, "SELECT count(*) AS n FROM fetches")[0]["n"] == 6
    hosts = {r["headers"]["Host"].split(":")[0] for r in server.requests if r["path"] != "/robots.txt"}
    assert hosts == {"localhost", "127.0.0.1"}


def test_a_crawl_process_that_dies_is_told_and_the_others_take_its_sites(server, write_config, db_path):
    """A forked crawl process dies at once (out of memory, say): the run ends, says so in one line, and
    the sites it never took are fetched by the other process."""
    for n in range(4):
        server.route(f"/p{n}", policy_html(title=f"Privacy Policy {n}"))
    config = write_config(two_sites(server, 4))
    done = run_crawl(db_path, config, prelude=SHARDED + (
        "import os, crawler.direct\n"
        "parent, crawl = os.getpid(), crawler.direct._crawl\n"
        "crawler.direct._crawl = lambda *a: crawl(*a) if os.getpid() == parent else os._exit(9)\n"))
    assert "a crawl process ended with exit code 9" in done.stderr
    assert sorted(line.split()[1] for line in done.stdout.splitlines()[:-1]) == ["new-version"] * 4
    assert rows(db_path, "SELECT count(*) AS n FROM fetches")[0]["n"] == 4


def test_an_archive_error_in_one_crawl_process_stops_them_all(server, write_config, db_path):
    """One process cannot write the archive: the other's fetcher takes no more pages (it would only
    fail alike), and nothing is left for the spider. Each site has 20 pages, 0.2 s apart."""
    for n in range(40):
        server.route(f"/p{n}", policy_html(title=f"Privacy Policy {n}"))
    config = write_config(two_sites(server, 40), crawl="delay = 0.2\n")
    done = run_crawl(db_path, config, overrides={"CONCURRENT_REQUESTS": 2}, prelude=SHARDED + (
        "import crawler.direct\n"
        "from archive.db import ArchiveError\n"
        "record = crawler.direct.record_page\n"
        "def broken(db, page):  # for the process that has the site on 127.0.0.1\n"
        "    if '127.0.0.1' in page.url:\n"
        "        raise ArchiveError('cannot write the archive: disk I/O error (free disk space ...)')\n"
        "    return record(db, page)\n"
        "crawler.direct.record_page = broken\n"))
    assert "cannot write the archive: disk I/O error" in done.stderr and "Traceback" not in done.stderr
    pages = [r for r in server.requests if r["path"] != "/robots.txt"]
    assert 2 <= len(pages) < 20, len(pages)  # a page or two from each site, not all 20 of the other's
    assert done.stdout.splitlines()[-1] == "False"  # nothing was handed to the spider
    assert rows(db_path, "SELECT count(*) AS n FROM fetches")[0]["n"] < 10


def test_a_forked_crawl_process_dies_with_a_killed_crawl(write_config, db_path):
    """kill -9 of the crawl mid-run: its forked copy, which holds the writer lock too, ends with it."""
    import os
    import signal
    import threading
    from contextlib import ExitStack
    from pathlib import Path

    from policydiff.server import SiteServer
    from tests.faults import handlers
    from tests.test_pipeline import gone, wait_until

    stop = threading.Event()
    with ExitStack() as stack:
        stack.callback(stop.set)
        # 20 sites (hosts 127.0.0.1-20) whose pages never answer: more than one process's 16 threads,
        # so both take some.
        servers = [stack.enter_context(SiteServer(f"127.0.0.{n}")) for n in range(1, 21)]
        for server in servers:
            server.route("/privacy", handler=handlers.stall_headers(stop))
        config = write_config("".join(f"[policies.p{n}]\nurl = '{server.url('/privacy')}'\n"
                                      for n, server in enumerate(servers)),
                              crawl="delay = 0\ntimeout = 60\nretries = 0\n")
        crawl = subprocess.Popen(crawl_command(db_path, config, prelude=SHARDED), cwd=ROOT)
        stack.callback(crawl.kill)

        def children() -> list[int]:
            found = Path(f"/proc/{crawl.pid}/task/{crawl.pid}/children")
            return [int(pid) for pid in found.read_text().split()] if found.exists() else []

        assert wait_until(lambda: all(server.hits("/privacy") for server in servers))  # every site asked
        forked = children()
        assert forked and not any(gone(pid) for pid in forked)
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait()
        assert wait_until(lambda: all(gone(pid) for pid in forked))
