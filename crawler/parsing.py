"""Extracting a fetched page, in this process or in worker processes on the other cores.

A page whose raw bytes changed is the only one that costs a parse (5-10 ms of lxml and Markdown);
the crawl hands it to a worker and keeps fetching, and its text comes back to the one process that
writes the archive. This module imports no SQLite and no Scrapy: a worker starts in a fraction of a
second.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from crawler.classify import header
from crawler.extract import Rejected, decode_html, extract
from crawler.orphans import die_with_parent

__all__ = ["ExtractionPool", "extract_page"]


def extract_page(policy, body: bytes, headers: dict[str, str], url: str) -> str:
    """Decode and extract with the policy's selectors; raises ``Rejected``."""
    return extract(decode_html(body, header(headers, "content-type")), url, policy.select, policy.remove)


@dataclass(frozen=True)
class _Rules:
    """What ``extract_page`` reads of a policy: cheap to send to a worker (a Policy carries more)."""

    select: tuple
    remove: tuple


class ExtractionPool:
    """Worker processes, started at the first page to parse: a run of 304s never pays for them."""

    def __init__(self, workers: int):
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn, not fork: the crawl process has threads, and a forked child may inherit a held lock.
            self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=die_with_parent)
        return self._executor

    def submit(self, policy, body: bytes, headers: dict[str, str], url: str) -> Future:
        """A future of ``extract_page``'s outcome, for ``unwrap``. Raises BrokenProcessPool when a
        worker died (killed, out of memory): the caller then extracts in its own process."""
        return self.executor().submit(_extract, _Rules(tuple(policy.select), tuple(policy.remove)), body, headers, url)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    @staticmethod
    def unwrap(result: tuple[str, ...]) -> str | Rejected:
        """The text, or the Rejected that ``extract_page`` raised (exceptions do not cross processes)."""
        return result[1] if result[0] == "text" else Rejected(result[1], result[2])


def _extract(rules: _Rules, body: bytes, headers: dict[str, str], url: str) -> tuple[str, ...]:
    """In the worker: ("text", text) or ("rejected", reason, message) (Rejected does not pickle)."""
    try:
        return ("text", extract_page(rules, body, headers, url))
    except Rejected as exc:
        return ("rejected", exc.reason, exc.message)
    except Exception as exc:  # noqa: BLE001 (record_page records it as rejected: never a lost fetch)
        return ("rejected", "extract-error", f"the extractor failed on this page ({type(exc).__name__}: {exc})")
