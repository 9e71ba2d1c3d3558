"""Item pipeline: every page the spider yields is recorded in the archive.

The reactor thread downloads for every site at once, so it must never wait on a parse. Hash first:
a page whose raw bytes are the ones we already have (or a 304, an error) is recorded at once
(a sha256 and one small row). A changed page, the only one that costs a parse (5-10 ms of lxml and
Markdown), is extracted in a worker process on the second core while this one keeps downloading;
its text comes back and ``record_page`` writes it here, so the archive keeps a single writer.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from archive.db import open_db
from crawler.extract import Rejected
from crawler.orphans import die_with_parent
from crawler.record import Page, extract_page, last_body_sha256, record_page

__all__ = ["ArchivePipeline"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Rules:
    """What ``extract_page`` reads of a policy: cheap to send to the worker (a Policy carries more)."""

    select: tuple
    remove: tuple


class ArchivePipeline:
    def __init__(self, db_path: str, workers: int = 1):
        self.db_path = db_path
        self.workers = workers  # extraction processes; 0 extracts in the reactor thread (record_page's default)
        self.db = None
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("POLICYDIFF_DB") or os.environ.get("POLICYDIFF_DB", "var/policydiff.db"),
                   crawler.settings.getint("POLICYDIFF_EXTRACT_WORKERS", 1))

    def open_spider(self, spider=None):
        self.db = open_db(self.db_path)

    def close_spider(self, spider=None):
        if self.pool:
            self.pool.shutdown(cancel_futures=True)
        self.db.close()

    async def process_item(self, item: Page, spider=None):
        extracted = None
        if self.workers and self._needs_parse(item):
            rules = _Rules(tuple(item.policy.select), tuple(item.policy.remove))
            try:
                future = self._pool().submit(_extract, rules, item.body, item.headers, item.final_url or item.url)
                extracted = _unwrap(await asyncio.wrap_future(future))
            except BrokenProcessPool:
                # The worker died (killed, out of memory): extract here rather than lose the fetch.
                logger.warning("extraction worker died; extracting in the crawl process from now on")
                self.pool, self.workers = None, 0
        record_page(self.db, item, extracted=extracted)
        return item

    def _pool(self) -> ProcessPoolExecutor:
        # Started at the first changed page: a run of 304s and unchanged pages never pays for it.
        # spawn, not fork: the reactor process has threads, and a forked child may inherit a held lock.
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=die_with_parent)
        return self.pool

    def _needs_parse(self, page: Page) -> bool:
        """A 200 whose bytes differ from the body we have; anything else never reaches the parse."""
        if page.error or page.status != 200 or not page.body:
            return False
        return last_body_sha256(self.db, page.policy.id) != hashlib.sha256(page.body).hexdigest()


def _extract(rules: _Rules, body: bytes, headers: dict[str, str], url: str) -> tuple[str, ...]:
    """In the worker: ("text", text) or ("rejected", reason, message) (Rejected does not pickle)."""
    try:
        return ("text", extract_page(rules, body, headers, url))
    except Rejected as exc:
        return ("rejected", exc.reason, exc.message)
    except Exception as exc:  # noqa: BLE001 (record_page records it as rejected: never a lost fetch)
        return ("rejected", "extract-error", f"the extractor failed on this page ({type(exc).__name__}: {exc})")


def _unwrap(result: tuple[str, ...]) -> str | Rejected:
    return result[1] if result[0] == "text" else Rejected(result[1], result[2])
