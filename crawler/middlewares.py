"""Downloader middlewares of our own."""

from __future__ import annotations

import asyncio

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.response import response_status_message

from crawler.backoff import retry_after_seconds, retry_delay

__all__ = ["BackoffRetryMiddleware"]


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, but spaced out: exponential backoff, or the server's Retry-After (capped)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def process_request(self, request, spider=None):
        delay = request.meta.get("retry_delay")
        if delay:
            await asyncio.sleep(delay)  # waits for this request only; other sites keep downloading
        return None

    def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry_after = response.headers.get(b"Retry-After")
        if retry_after and retry_after_seconds(retry_after.decode("latin-1")) > self.cap:
            return response  # the server asks for a longer pause than a run waits: the next run retries
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        retry.meta["retry_delay"] = self._delay(retry, retry_after)
        return retry

    def process_exception(self, request, exception, spider=None):
        retry = super().process_exception(request, exception)
        if retry is not None:
            retry.meta["retry_delay"] = self._delay(retry, None)
        return retry

    def _delay(self, request, retry_after: bytes | None) -> float:
        return retry_delay(request.meta.get("retry_times", 1), self.base, self.cap,
                           retry_after.decode("latin-1") if retry_after else None)
