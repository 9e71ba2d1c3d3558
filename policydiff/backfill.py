"""Backfill a policy's history from the Wayback Machine: list its captures (CDX API), fetch each raw
capture (``id_`` URLs, never following redirects) and record it through the crawl's path, oldest first.

Polite: one request at a time, ``delay`` seconds apart, stopping at the first sign of overload (429,
5xx from the Wayback Machine itself, a network error). Resumable: each recorded capture is
remembered in ``captures``; a second run fetches only the listing and what is still missing.

Identical digests in a row are collapsed locally, not with the CDX ``collapse=digest`` option: that
option drops the later captures, and the last one of a run is evidence that the text was still
online then (``last_seen``, which the backdated-revision finding relies on). So the first capture of a
run is downloaded and the last one is recorded from the same bytes without downloading it again.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit

import sqlite_utils

from archive.store import load_snapshot, now_iso, parse_time
from crawler.record import Page
from policydiff.warc import CaptureKey, HistorySummary, record_capture, redirect_error, skip_reason

__all__ = ["BackfillSummary", "Capture", "DEFAULT_DELAY", "DEFAULT_URL", "backfill", "list_captures"]

DEFAULT_URL = "https://web.archive.org"
DEFAULT_DELAY = 2.0  # seconds between requests: the Wayback Machine throttles clients that hurry
TIMEOUT = 60
USER_AGENT = "policydiff-backfill/0.1 (privacy-policy archive; one request at a time)"
_IN_ARCHIVE = re.compile(r"/web/\d{1,14}(?:[a-z]{2}_)?/(.+)$")  # a Location rewritten into the archive


@dataclass(frozen=True)
class Capture:
    """One CDX line."""

    timestamp: str  # 14 digits, UTC
    original: str
    status: str  # "200", "302", "-" (revisit records)
    digest: str  # base32 sha1 of the payload

    @property
    def at(self) -> str:
        digits = self.timestamp.ljust(14, "0")  # a shorter timestamp names the start of its period
        return parse_time(f"{digits[:8]}T{digits[8:14]}Z")


@dataclass
class BackfillSummary(HistorySummary):
    listed: int = 0
    collapsed: int = 0  # captures inside a run of identical digests: neither fetched nor recorded
    remaining: int = 0  # left for the next run by --limit
    stopped: str | None = None  # why this run stopped early (the next run resumes)

    def line(self) -> str:
        tail = f"; {self.remaining} captures left for the next run (--limit)" if self.remaining else ""
        return (f"listed {self.listed} captures, {self.collapsed} collapsed as identical; "
                f"{super().line()}{tail}")


class _Client:
    """HTTP GETs to the Wayback Machine, ``delay`` seconds apart, redirects returned, not followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None  # a captured redirect is evidence; following it would fetch another capture

    def __init__(self, base_url: str, delay: float):
        self.base_url, self.delay, self.last = base_url.rstrip("/"), delay, None
        self.opener = urllib.request.build_opener(self._NoRedirect)

    def get(self, path: str) -> tuple[int, dict[str, str], bytes, int]:
        """(status, headers, body, milliseconds); raises OSError when no answer came."""
        if self.last is not None and self.delay > 0:
            time.sleep(max(0.0, self.last + self.delay - time.monotonic()))
        self.last = started = time.monotonic()
        request = urllib.request.Request(self.base_url + path, headers={"User-Agent": USER_AGENT})
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:  # 3xx, 4xx, 5xx: still an answer
            status, headers, body = exc.code, exc.headers, exc.read()
        return status, dict(headers.items()), body, int((time.monotonic() - started) * 1000)


def list_captures(client: _Client, url: str, start: str | None, end: str | None) -> list[Capture]:
    query = {"url": url, "output": "json", "fl": "timestamp,original,statuscode,digest"}
    query.update({k: _cdx_time(v) for k, v in (("from", start), ("to", end)) if v})
    status, _, body, _ = client.get("/cdx/search/cdx?" + urlencode(query))
    if status != 200:
        raise OSError(f"the CDX API answered HTTP {status}")
    try:
        rows = json.loads(body or b"[]")
        if not rows:
            return []  # no capture in this period
        header, lines = rows[0], rows[1:]
        columns = [header.index(name) for name in ("timestamp", "original", "statuscode", "digest")]
        captures = [Capture(*(str(line[i]) for i in columns)) for line in lines]
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise OSError(f"the CDX API answered something else than its JSON listing ({exc})") from None
    return sorted(captures, key=lambda c: (c.timestamp, c.original))


def backfill(db: sqlite_utils.Database, policy, *, start: str | None = None, end: str | None = None,
             limit: int | None = None, base_url: str | None = None, delay: float | None = None) -> BackfillSummary:
    """Import the policy URL's captures; raises ValueError for bad arguments only."""
    base_url = base_url or os.environ.get("POLICYDIFF_WAYBACK_URL") or DEFAULT_URL
    if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
        raise ValueError(f"Wayback Machine URL {base_url!r} is not an http(s) URL")
    delay = _number("delay", delay if delay is not None else os.environ.get("POLICYDIFF_WAYBACK_DELAY", DEFAULT_DELAY))
    if limit is not None and limit < 1:
        raise ValueError(f"--limit must be 1 or more, not {limit}")
    start, end = (parse_time(t) if t else None for t in (start, end))
    client, summary, began = _Client(base_url, delay), BackfillSummary(), time.perf_counter()
    try:
        captures = list_captures(client, policy.url, start, end)
    except OSError as exc:
        summary.stopped = f"cannot list captures at {base_url}: {_why(exc)}"
        return summary
    summary.listed = len(captures)
    plan = _collapse(captures, summary)
    for number, (capture, run_first) in enumerate(plan):
        key = _key(policy, capture)
        reason = skip_reason(db, key)
        if reason:
            summary.skipped[reason] += 1
            continue
        if limit is not None and summary.pages >= limit:
            summary.remaining = sum(1 for later, _ in plan[number:] if not skip_reason(db, _key(policy, later)))
            break
        page = _from_run(db, policy, capture, run_first) if run_first else None
        if page is None:
            try:
                page = _download(client, policy, capture)
            except OSError as exc:
                summary.stopped = f"capture {capture.timestamp} of {capture.original}: {_why(exc)}"
                break
            if page is None:
                summary.skipped["unavailable"] += 1
                continue
        recorded = record_capture(db, key, page)
        summary.add(f"{capture.timestamp} {capture.original}", len(page.body or b""), recorded)
    summary.seconds = time.perf_counter() - began
    return summary


def _key(policy, capture: Capture) -> CaptureKey:
    return CaptureKey(policy.id, "wayback", capture.original, capture.at, capture.digest)


def _collapse(captures: list[Capture], summary: BackfillSummary) -> list[tuple[Capture, Capture | None]]:
    """(capture, first capture of its run when it ends a run of identical digests)."""
    plan: list[tuple[Capture, Capture | None]] = []
    run: list[Capture] = []
    for capture in [*captures, None]:
        if run and (capture is None or capture.digest != run[0].digest or capture.status != run[0].status):
            plan.append((run[0], None))
            if len(run) > 1:
                plan.append((run[-1], run[0]))
                summary.collapsed += len(run) - 2
            run = []
        if capture is not None:
            run.append(capture)
    return plan


def _from_run(db: sqlite_utils.Database, policy, capture: Capture, first: Capture) -> Page | None:
    """The last capture of a run, from the bytes recorded for its first: same digest, same payload."""
    row = db.execute(
        "SELECT f.snapshot, f.status, f.final_url FROM captures c JOIN fetches f ON f.id = c.fetch"
        " WHERE c.policy = ? AND c.source = 'wayback' AND c.url = ? AND c.captured_at = ? AND c.digest = ?",
        [policy.id, first.original, first.at, first.digest]).fetchone()
    if not row or row[0] is None:
        return None  # the first was not recorded with bytes: download this one
    body, headers = load_snapshot(db, row[0])
    return Page(policy=policy, url=policy.url, started_at=capture.at, status=row[1], headers=headers, body=body,
                final_url=capture.original, source="wayback")


def _download(client: _Client, policy, capture: Capture) -> Page | None:
    """The capture as the Wayback Machine serves it raw; None when it serves something else."""
    status, headers, body, ms = client.get(f"/web/{capture.timestamp}id_/{capture.original}")
    memento = next((v for k, v in headers.items() if k.lower() == "memento-datetime"), None)
    if memento is None or _memento_time(memento) != capture.at:
        if status == 429 or status >= 500:
            raise OSError(f"the Wayback Machine answered HTTP {status}")
        return None  # not this capture (a redirect to another time, an access block)
    page = Page(policy=policy, url=policy.url, started_at=capture.at, status=status, headers=headers, body=body,
                final_url=capture.original, duration_ms=ms, source="wayback")
    if 300 <= status < 400:
        location = next((v for k, v in headers.items() if k.lower() in ("x-archive-orig-location", "location")), "")
        inside = _IN_ARCHIVE.search(location)
        page.error, page.error_outcome, page.body = (
            redirect_error(capture.original, inside.group(1) if inside else location), "rejected", None)
    return page


def _memento_time(value: str) -> str | None:
    try:
        return now_iso(parsedate_to_datetime(value))
    except (TypeError, ValueError):
        return None


def _cdx_time(timestamp: str) -> str:
    return re.sub(r"\D", "", timestamp)[:14]


def _number(name: str, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if number < 0:
        raise ValueError(f"{name} must be a number of seconds, zero or more, not {value!r}")
    return number


def _why(exc: OSError) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc.strerror or exc)
