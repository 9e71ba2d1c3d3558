"""How long to wait before a retry: shared by Scrapy's retry middleware and the direct path."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

__all__ = ["retry_after_seconds", "retry_delay"]


def retry_after_seconds(retry_after: str) -> float:
    """Retry-After is either a number of seconds or an HTTP date."""
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(retry_after) - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            return 0.0


def retry_delay(retry: int, base: float, cap: float, retry_after: str | None = None) -> float:
    """Seconds before retry number ``retry`` (1 for the first): doubled each time, at least what the
    server's Retry-After asks, never more than ``cap``."""
    delay = base * 2 ** (retry - 1)
    if retry_after:
        delay = max(delay, retry_after_seconds(retry_after))
    return min(delay, cap)
