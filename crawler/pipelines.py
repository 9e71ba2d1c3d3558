"""Item pipeline: every page the spider yields is recorded in the archive."""

from __future__ import annotations

import os

from archive.db import open_db
from crawler.record import Page, record_page

__all__ = ["ArchivePipeline"]


class ArchivePipeline:
    def __init__(self, db_path: str):
        self.db_path = db_path
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("POLICYDIFF_DB") or os.environ.get("POLICYDIFF_DB", "var/policydiff.db"))

    def open_spider(self, spider=None):
        self.db = open_db(self.db_path)

    def close_spider(self, spider=None):
        self.db.close()

    def process_item(self, item: Page, spider=None):
        record_page(self.db, item)
        return item
