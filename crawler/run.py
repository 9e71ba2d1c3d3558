"""Run the spider in this process over a list of policies."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

__all__ = ["crawl"]


def crawl(policies: list, db_path: str, config_path: str, overrides: dict[str, Any] | None = None) -> None:
    """Fetch ``policies`` now and record every fetch in the archive at ``db_path``.

    Twisted's reactor starts once per process: call this once (the CLI does).
    """
    if not policies:
        return
    settings = get_project_settings()
    settings.setmodule("crawler.settings", priority="project")  # also when run outside the repository
    settings.update({"POLICYDIFF_DB": str(db_path), "POLICYDIFF_CONFIG": str(config_path), **(overrides or {})},
                    priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl("policy", policies=policies)
    process.start()
