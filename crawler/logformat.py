"""Scrapy's log lines, minus the ones that would bury an operator's one-line message."""

from __future__ import annotations

import logging

from scrapy.logformatter import LogFormatter

from archive.db import ArchiveError

__all__ = ["PolicyLogFormatter", "quiet_recorded_failures"]

# Scrapy's loggers whose ERROR lines are a request that failed for good: the page's fetch records that
# failure with its reason, and the crawl prints it as the policy's one line. Left at ERROR, cron would
# mail a traceback for every site that is down, every run.
_RECORDED_FAILURES = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt")


class PolicyLogFormatter(LogFormatter):
    def item_error(self, item, exception, response, spider):
        """An unwritable archive is told in one line by the spider (crawler.spiders.policy), not here.

        Scrapy logs item errors with a traceback whatever the level says; only a level below the log
        level hides it. Other item errors are bugs and keep their traceback.
        """
        entry = super().item_error(item, exception, response, spider)
        if isinstance(exception, ArchiveError):
            entry["level"] = logging.DEBUG
        return entry


class _AsInfo(logging.Filter):
    """Lowers a record to INFO without its traceback: shown by `crawl -v`, not at the WARNING default."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info = record.exc_text = None
        return True


def quiet_recorded_failures() -> None:
    """Install _AsInfo on the loggers of failures the archive records (once per process)."""
    for name in _RECORDED_FAILURES:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _AsInfo) for f in logger.filters):
            logger.addFilter(_AsInfo())
