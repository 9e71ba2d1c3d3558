"""Downloader middlewares of our own."""

from __future__ import annotations

import asyncio
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.response import response_status_message

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
        if retry_after and _seconds(retry_after.decode("latin-1")) > self.cap:
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
        delay = self.base * 2 ** (request.meta.get("retry_times", 1) - 1)
        if retry_after:
            delay = max(delay, _seconds(retry_after.decode("latin-1")))
        return min(delay, self.cap)


def _seconds(retry_after: str) -> float:
    """Retry-After is either a number of seconds or an HTTP date."""
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(retry_after) - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            return 0.0
