"""The floor of a Scrapy crawl: GET each URL of a file and drop the response (no parse, no archive).

Same concurrency as policydiff (32 at once, one per host, no delay), no robots.txt, no middlewares of
ours: what Scrapy itself costs per page on this machine, the figure policydiff's crawl cannot beat
while it downloads with Scrapy. Run: ``python bench/scrapy_floor.py URLS_FILE``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess

__all__ = ["FloorSpider"]


class FloorSpider(scrapy.Spider):
    name = "floor"

    def __init__(self, urls: list[str], **kwargs):
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, dont_filter=True)

    def parse(self, response):
        return None


def main(argv: list[str] | None = None) -> int:
    urls = Path((argv or sys.argv[1:])[0]).read_text().split()
    process = CrawlerProcess({"LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                              "DOWNLOAD_DELAY": 0, "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False,
                              "CONCURRENT_ITEMS": 1})
    process.crawl(FloorSpider, urls=urls)
    process.start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
