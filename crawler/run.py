"""Run the spider over a list of policies: in this process, or sharded by host over one process per core.

Scrapy runs one reactor on one core, and at a few milliseconds of CPU per request that core is the
limit of a large crawl, even when nothing changed (a 304 costs Scrapy nearly as much as a page). A
large crawl is therefore split by host: each process gets whole sites, so per-site politeness (one
request at a time, the delay) holds exactly as in one process, and each records its own fetches
(SQLite serialises the short write transactions; ``record_fetch`` is one transaction per fetch).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawler.orphans import die_with_parent

__all__ = ["crawl", "shard_by_host"]

SHARD_MIN = 200  # below this many policies a second Scrapy process costs more (~1 s to start) than it saves


def crawl(policies: list, db_path: str, config_path: str, overrides: dict[str, Any] | None = None) -> None:
    """Fetch ``policies`` now and record every fetch in the archive at ``db_path``.

    Twisted's reactor starts once per process: call this once (the CLI does).
    """
    if not policies:
        return
    shards = shard_by_host(policies, os.cpu_count() or 1) if len(policies) >= SHARD_MIN else [policies]
    if len(shards) == 1:
        _crawl(policies, str(db_path), str(config_path), overrides or {})
        return
    # Each shard parses in its own process: the cores are taken by the shards, not by extraction workers.
    overrides = {**(overrides or {}), "POLICYDIFF_EXTRACT_WORKERS": 0}
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: a reactor cannot be forked
    others = [context.Process(target=_shard, args=(shard, str(db_path), str(config_path), overrides))
              for shard in shards[1:]]
    for process in others:
        process.start()
    try:
        _crawl(shards[0], str(db_path), str(config_path), overrides)
    finally:
        for process in others:
            process.join()


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


def _shard(policies: list, db_path: str, config_path: str, overrides: dict[str, Any]) -> None:
    die_with_parent()  # the lock dies with the parent: an orphaned shard would be a second writer
    _crawl(policies, db_path, config_path, overrides)


def _crawl(policies: list, db_path: str, config_path: str, overrides: dict[str, Any]) -> None:
    settings = get_project_settings()
    settings.setmodule("crawler.settings", priority="project")  # also when run outside the repository
    settings.update({"POLICYDIFF_DB": db_path, "POLICYDIFF_CONFIG": config_path, **overrides}, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl("policy", policies=policies)
    process.start()
