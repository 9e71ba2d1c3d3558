"""The one spider: fetch each tracked policy page, conditionally, and hand what came back to the archive."""

from __future__ import annotations

import os
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone

import scrapy
from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from archive.db import ArchiveError, open_db
from archive.store import now_iso, sync_policies
from crawler.failures import describe_failure
from crawler.logformat import quiet_recorded_failures
from crawler.record import Page, validators

__all__ = ["PolicySpider"]


class PolicySpider(scrapy.Spider):
    name = "policy"

    def __init__(self, *args, policies=None, ids: str = "", retries: dict[str, float] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policies = policies  # given by the CLI; loaded from the settings for `scrapy crawl policy`
        # Policies whose first attempt the direct path made and lost to a transient fault: id -> the
        # backoff before this retry (crawler.direct).
        self.retries = retries or {}
        self.ids = [i for i in ids.split(",") if i]
        self._lock = ExitStack()  # the writer lock, held from start() until the spider closes
        self.archive_failed = False

    def closed(self, reason):
        self._lock.close()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.item_error, signal=signals.item_error)
        quiet_recorded_failures()
        return spider

    def item_error(self, item, response, spider, failure) -> None:
        """The archive cannot be written: say so in one line and stop (other sites would fail alike)."""
        if isinstance(failure.value, ArchiveError) and not self.archive_failed:
            self.archive_failed = True
            self.logger.error(str(failure.value))
            # Not awaited: closing waits for the items in progress, this one included.
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive-error"))

    async def start(self):
        db_path = self.settings.get("POLICYDIFF_DB") or os.environ.get("POLICYDIFF_DB", "var/policydiff.db")
        if self.policies is None:  # `scrapy crawl policy`: no CLI around us to load the config and lock
            from policydiff.config import load_config
            from policydiff.lock import writer_lock

            path = self.settings.get("POLICYDIFF_CONFIG") or os.environ.get("POLICYDIFF_CONFIG", "policies.toml")
            self.policies = load_config(path).pick(self.ids)
            self._lock.enter_context(writer_lock(db_path))  # raises Busy beside another writer
        db = open_db(db_path)
        try:
            sync_policies(db, self.policies)  # `scrapy crawl` comes without the CLI, which does this
            requests = [self._request(policy, validators(db, policy)) for policy in self.policies]
        finally:
            db.close()
        for request in requests:
            yield request

    def _request(self, policy, headers: dict[str, str]) -> scrapy.Request:
        meta = {"policy": policy}
        if policy.id in self.retries:  # counted as the first retry: `retries` bounds the attempts in all
            meta.update(retry_times=1, retry_delay=self.retries[policy.id])
        return scrapy.Request(policy.url, headers=headers, callback=self.parse, errback=self.failed,
                              dont_filter=True, meta=meta)

    def parse(self, response):
        latency = response.meta.get("download_latency", 0.0)
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        yield Page(policy=response.meta["policy"], url=response.meta["policy"].url,
                   started_at=now_iso(datetime.now(timezone.utc) - timedelta(seconds=latency)),
                   status=response.status, headers=headers, body=response.body, final_url=response.url,
                   # reasons are HTTP statuses, or "meta refresh" (never permanent) for <meta> redirects
                   redirects=tuple(r for r in response.meta.get("redirect_reasons", ()) if isinstance(r, int)),
                   duration_ms=round(latency * 1000))

    def failed(self, failure):
        request = failure.request
        outcome, reason = describe_failure(failure.value, self.settings.getfloat("DOWNLOAD_TIMEOUT"))
        yield Page(policy=request.meta["policy"], url=request.meta["policy"].url, started_at=now_iso(),
                   final_url=request.url, error=reason, error_outcome=outcome)
