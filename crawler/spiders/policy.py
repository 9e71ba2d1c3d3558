"""The one spider: fetch each tracked policy page, conditionally, and hand what came back to the archive."""

from __future__ import annotations

import os
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import deferred_from_coro

from archive.db import ArchiveError, open_db
from archive.store import last_fetch, now_iso, sync_policies
from crawler.record import Page

__all__ = ["PolicySpider"]


class PolicySpider(scrapy.Spider):
    name = "policy"

    def __init__(self, *args, policies=None, ids: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.policies = policies  # given by the CLI; loaded from the settings for `scrapy crawl policy`
        self.ids = [i for i in ids.split(",") if i]
        self._lock = ExitStack()  # the writer lock, held from start() until the spider closes
        self.archive_failed = False

    def closed(self, reason):
        self._lock.close()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.item_error, signal=signals.item_error)
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
            requests = [self._request(policy, last_fetch(db, policy.id, ok=True)) for policy in self.policies]
        finally:
            db.close()
        for request in requests:
            yield request

    def _request(self, policy, last_ok: dict | None) -> scrapy.Request:
        headers = {}
        # Conditional GET with the server's own validators, only for the body we already have (a 304
        # confirmed that body and carries its validators: without this, every other run is a full GET).
        if last_ok and (last_ok["snapshot"] or last_ok["outcome"] == "not-modified") and last_ok["url"] == policy.url:
            if last_ok["etag"]:
                headers["If-None-Match"] = last_ok["etag"]
            if last_ok["last_modified"]:
                headers["If-Modified-Since"] = last_ok["last_modified"]
        return scrapy.Request(policy.url, headers=headers, callback=self.parse, errback=self.failed,
                              dont_filter=True, meta={"policy": policy})

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


# Scrapy 2.13+ raises its own exception types where older versions let Twisted's through: match names.
_FAILURES = [
    ({"DownloadConnectionRefusedError", "ConnectionRefusedError"}, "failed",
     "refused: the server refused the connection; the next run tries again"),
    ({"CannotResolveHostError", "DNSLookupError"}, "failed",
     "dns: the host name does not resolve; check the URL and the network"),
    ({"DownloadTimeoutError", "TimeoutError", "TCPTimedOutError"}, "failed",
     "timeout: no complete answer within {timeout:g} s; the next run tries again"),
    ({"ResponseDataLossError"}, "rejected",
     "truncated: the connection closed before the whole page arrived; nothing recorded"),
    ({"DownloadCancelledError", "CancelledError"}, "rejected",
     "too-large: the response is larger than the size cap (max_bytes); not a policy page"),
    ({"UnsupportedURLSchemeError", "NotSupported"}, "rejected",
     "scheme: only http and https URLs are fetched (a redirect or meta refresh led elsewhere); nothing fetched"),
]
# A connection dropped before any answer: Scrapy wraps Twisted's error; its name shows in the repr.
_RESET = ("ConnectionLost", "ConnectionDone", "ConnectionResetError", "ResponseNeverReceived")


def describe_failure(error: BaseException, timeout: float) -> tuple[str, str]:
    """(outcome, reason) for a request that got no usable response."""
    if isinstance(error, IgnoreRequest):
        text = str(error)
        if "robots.txt" in text:
            return "rejected", "robots: robots.txt forbids fetching this page; nothing fetched"
        if "redirect" in text.lower():
            return "rejected", f"redirect-loop: {text} (check the URL in policies.toml)"
        return "rejected", f"ignored: {text}"
    names = {cls.__name__ for cls in type(error).__mro__}
    for known, outcome, reason in _FAILURES:
        if names & known:
            return outcome, reason.format(timeout=timeout)
    causes = " ".join(repr(r.value) for r in getattr(error, "reasons", []))
    if "DataLoss" in causes or "not all data" in causes.lower():
        return "rejected", "truncated: the connection closed before the whole page arrived; nothing recorded"
    if any(name in f"{error!r} {causes}" for name in _RESET):
        return "failed", "reset: the server dropped the connection before answering; the next run tries again"
    return "failed", f"connection: {type(error).__name__}: {error or causes}; the next run tries again"
