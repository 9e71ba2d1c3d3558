"""Run a crawl over a list of policies: the direct path first, then the spider for what it handed over.

The direct path (crawler/direct.py) settles the plain fetches, nearly all of a cron run. The spider
takes the rest (redirects, retries, refusals). Either runs in this process or, for many policies,
over one process per core (the direct path forks, sharing out sites as processes come free; Scrapy's
shards are spawned, a reactor cannot be forked, and split by host): recording a new page (extraction,
compression, checks) is milliseconds of Python, and Scrapy runs one reactor on one core, so one core
is the limit of a large crawl. Each process takes whole sites, so per-site politeness (one request at
a time, the delay) holds exactly as in one process, and each records its own fetches (SQLite
serialises the short write transactions: one per fetch, or per batch of 304s and failures).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

import crawler.settings
from archive.db import open_db
from crawler.direct import fetch_direct
from crawler.fetcher import Options
from crawler.orphans import die_with_parent

__all__ = ["crawl", "shard_by_host"]

# Below this many policies for the spider (or new policies for the direct path) a second process costs
# more than it saves: a Scrapy process takes ~1 s to start; two direct-path writers contend for SQLite.
SHARD_MIN = 200


def crawl(policies: list, db_path: str, config_path: str, overrides: dict[str, Any] | None = None) -> None:
    """Fetch ``policies`` now and record every fetch in the archive at ``db_path``.

    Twisted's reactor starts once per process: call this once (the CLI does).
    """
    overrides = overrides or {}
    settings = {k: v for k, v in vars(crawler.settings).items() if k.isupper()} | overrides
    retries: dict[str, float] = {}
    # Behind a proxy (http_proxy, https_proxy), Scrapy's proxy middleware takes every request.
    if policies and settings["POLICYDIFF_DIRECT"] and not getproxies():
        _log_direct(settings["LOG_LEVEL"])
        handoffs, ready_at = _direct(policies, str(db_path), settings)
        policies = [h.policy for h in handoffs]
        retries = {h.policy.id: h.retry_delay for h in handoffs if h.retry_delay is not None}
        time.sleep(max(0.0, ready_at - time.monotonic()))  # the spider's first request is to those sites
    if not policies:
        return
    shards = shard_by_host(policies, os.cpu_count() or 1) if len(policies) >= SHARD_MIN else [policies]
    args = (str(db_path), str(config_path), retries)
    if len(shards) == 1:
        _crawl(policies, *args, overrides)
        return
    # Each shard parses in its own process: the cores are taken by the shards, not by extraction workers.
    overrides = {**overrides, "POLICYDIFF_EXTRACT_WORKERS": 0}
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: a reactor cannot be forked
    others = [context.Process(target=_shard, args=(shard, *args, overrides)) for shard in shards[1:]]
    for process in others:
        process.start()
    try:
        _crawl(shards[0], *args, overrides)
    finally:
        for process in others:
            process.join()


def _direct(policies: list, db_path: str, settings: dict[str, Any]) -> tuple[list, float]:
    # A policy with no version yet costs a parse; a known one nearly always a 304 or a hash of the raw
    # bytes (0.3 ms), less than a second process costs (its share of SQLite's write lock): share the
    # work for new ones.
    new = len(policies) - _versioned(db_path, policies)
    processes = (os.cpu_count() or 1) if new >= SHARD_MIN else 1
    return fetch_direct(policies, db_path, Options.from_settings(settings), processes=processes)


def _log_direct(level: str) -> None:
    """The direct path logs as the spider does, to stderr at LOG_LEVEL (Scrapy sets up logging for
    itself only when it starts)."""
    log = logging.getLogger("crawler.direct")
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(level)


def _versioned(db_path: str, policies: list) -> int:
    db = open_db(db_path)
    try:
        known = {row[0] for row in db.execute("SELECT DISTINCT policy FROM versions")}
    finally:
        db.close()
    return sum(p.id in known for p in policies)


def shard_by_host(policies: list, count: int) -> list[list]:
    """Split into at most ``count`` lists, every host's policies in one list, sizes balanced."""
    hosts = Counter(urlsplit(p.url).hostname for p in policies)
    shards: list[list[str]] = [[] for _ in range(min(count, len(hosts)))]
    loads = [0] * len(shards)
    for host, n in hosts.most_common():  # largest first into the lightest shard
        lightest = loads.index(min(loads))
        shards[lightest].append(host)
        loads[lightest] += n
    return [[p for p in policies if urlsplit(p.url).hostname in set(group)] for group in shards]


def _shard(policies: list, db_path: str, config_path: str, retries: dict[str, float],
           overrides: dict[str, Any]) -> None:
    die_with_parent()  # the lock dies with the parent: an orphaned shard would be a second writer
    _crawl(policies, db_path, config_path, retries, overrides)


def _crawl(policies: list, db_path: str, config_path: str, retries: dict[str, float],
           overrides: dict[str, Any]) -> None:
    from scrapy.crawler import CrawlerProcess  # Scrapy and Twisted load only when the spider has work
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setmodule("crawler.settings", priority="project")  # also when run outside the repository
    settings.update({"POLICYDIFF_DB": db_path, "POLICYDIFF_CONFIG": config_path, **overrides}, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl("policy", policies=policies, retries=retries)
    process.start()
