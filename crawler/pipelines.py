"""Item pipeline: every page the spider yields is recorded in the archive.

The reactor thread downloads for every site at once, so it must never wait on a parse. Hash first:
a page whose raw bytes are the ones we already have (or a 304, an error) is recorded at once
(a sha256 and one small row). A changed page is extracted in a worker process on the second core
while this one keeps downloading; its text comes back and ``record_page`` writes it here, so the
archive keeps a single writer.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures.process import BrokenProcessPool

from archive.db import open_db
from crawler.parsing import ExtractionPool
from crawler.record import Page, needs_parse, record_page

__all__ = ["ArchivePipeline"]

logger = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(self, db_path: str, workers: int = 1):
        self.db_path = db_path
        # Extraction processes; 0 extracts in the reactor thread (record_page's default).
        self.pool = ExtractionPool(workers) if workers else None
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("POLICYDIFF_DB") or os.environ.get("POLICYDIFF_DB", "var/policydiff.db"),
                   crawler.settings.getint("POLICYDIFF_EXTRACT_WORKERS", 1))

    def open_spider(self, spider=None):
        self.db = open_db(self.db_path)

    def close_spider(self, spider=None):
        if self.pool:
            self.pool.close()
        self.db.close()

    async def process_item(self, item: Page, spider=None):
        extracted = None
        if self.pool and needs_parse(self.db, item):
            try:
                future = self.pool.submit(item.policy, item.body, item.headers, item.final_url or item.url)
                extracted = self.pool.unwrap(await asyncio.wrap_future(future))
            except BrokenProcessPool:
                # The worker died (killed, out of memory): extract here rather than lose the fetch.
                logger.warning("extraction worker died; extracting in the crawl process from now on")
                self.pool = None
        record_page(self.db, item, extracted=extracted)
        return item
