"""Scrapy's log lines, minus the ones that would bury an operator's one-line message."""

from __future__ import annotations

import logging

from scrapy.logformatter import LogFormatter

from archive.db import ArchiveError

__all__ = ["PolicyLogFormatter"]


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
