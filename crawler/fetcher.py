"""The fetching side of the direct path: threads, one per host at a time, in a process of their own.

Each request is the one Scrapy would send (the same headers and the archive's validators, robots.txt
obeyed, the politeness delay between two requests to a host), over one keep-alive HTTP/1.1 connection
per origin, for about 0.3 ms of CPU where Scrapy's per-request machinery spends 5 ms. What came back is
passed on to the recording process (crawler/direct.py) when it is a plain answer: a 304, a 200 from the
page's own URL, or any other status that is neither a redirect nor worth a retry.

Everything else is handed to the spider, which has the full machinery: a redirect or a <meta>
refresh (Scrapy follows them), a robots.txt that forbids the page or is itself redirected, a content
encoding other than gzip or deflate, a body over the size cap, and a transient fault (a timeout, a
reset, a 503), which reaches the spider as its first retry, after the backoff: a page is tried
``retries + 1`` times in all. With ``retries = 0`` the fault is passed on to be recorded.
"""

from __future__ import annotations

import http.client
import logging
import queue
import random
import re
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping
from urllib.parse import urlsplit

from protego import Protego
from w3lib.url import safe_url_string

from archive.store import now_iso
from crawler.backoff import retry_after_seconds, retry_delay
from crawler.failures import describe_failure
from crawler.http1 import Connection, TooLarge
from crawler.record import Page

__all__ = ["Fetcher", "Handoff", "Options"]

logger = logging.getLogger("crawler.direct")  # one logger for the direct path, both its sides

# What the threads put on the queue at most before it is passed on (one message, one system call).
BATCH = 32
_REDIRECT = frozenset({301, 302, 303, 307, 308})
_NO_CAP = 1 << 62  # DOWNLOAD_MAXSIZE = 0: no size cap, as Scrapy reads it
# A <meta http-equiv="refresh">, which Scrapy follows: the spider decides (a superset: any mention).
_REFRESH = re.compile(rb"http-equiv\s*=\s*[\"']?\s*refresh", re.IGNORECASE)
# As Scrapy's default TLS context: a policy behind a broken certificate is still the policy's page
# (and no CA bundle to load: 60 ms at every start).
_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_TLS.check_hostname = False
_TLS.verify_mode = ssl.CERT_NONE


@dataclass(frozen=True)
class Handoff:
    """A policy the spider must fetch: afresh, or (``retry_delay`` set) as its first retry."""

    policy: Any
    retry_delay: float | None = None


@dataclass(frozen=True)
class Options:
    """The crawl settings this path honours, read from the same Scrapy settings as the spider's."""

    headers: dict[str, str]
    delay: float
    randomize: bool
    concurrency: int
    timeout: float
    max_bytes: int
    retries: int
    retry_codes: frozenset[int]
    backoff: float
    backoff_max: float
    obey_robots: bool

    @classmethod
    def from_settings(cls, s: Mapping[str, Any]) -> "Options":
        return cls(headers={**s["DEFAULT_REQUEST_HEADERS"], "User-Agent": s["USER_AGENT"],
                            "Accept-Encoding": "gzip, deflate"},
                   delay=float(s["DOWNLOAD_DELAY"]), randomize=bool(s.get("RANDOMIZE_DOWNLOAD_DELAY", True)),
                   concurrency=int(s["CONCURRENT_REQUESTS"]), timeout=float(s["DOWNLOAD_TIMEOUT"]),
                   max_bytes=int(s["DOWNLOAD_MAXSIZE"]) or _NO_CAP,
                   retries=int(s["RETRY_TIMES"]) if s["RETRY_ENABLED"] else 0,
                   retry_codes=frozenset(int(c) for c in s["RETRY_HTTP_CODES"]),
                   backoff=float(s["RETRY_BACKOFF_BASE"]), backoff_max=float(s["RETRY_BACKOFF_MAX"]),
                   obey_robots=bool(s["ROBOTSTXT_OBEY"]))


class _Spider(Exception):
    """This answer is the spider's to handle (the reason is for the log)."""


@dataclass
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Fetcher:
    """Threads fetch, one per host at a time, taking hosts (``sites``) in turn from the shared counter
    ``taken``; ``batches`` yields what they got: ``("page", Page)`` and ``("handoff", (Handoff, ready_at))``.

    ``backlog`` (a process-shared semaphore) counts the pages fetched and not yet recorded: a thread
    takes one before each fetch and the recorder gives it back, so fetching waits for the archive rather
    than holding thousands of bodies when extraction is the slower side (a first crawl). ``stop`` (a
    shared flag) is set by a recorder that cannot write the archive: the threads then take no more pages.
    """

    def __init__(self, options: Options, conditional: dict[str, dict[str, str]], backlog, stop):
        self.options, self.conditional, self.backlog, self.stop = options, conditional, backlog, stop
        self.results: queue.SimpleQueue = queue.SimpleQueue()

    def batches(self, sites: list, taken) -> Iterator[list]:
        threads = min(self.options.concurrency, len(sites))
        # Daemon threads: the process ends at once when told to, not after the requests in flight.
        for _ in range(threads):
            threading.Thread(target=self._sites, args=(sites, taken), name="direct", daemon=True).start()
        while threads:
            batch = [self.results.get()]
            while len(batch) < BATCH:
                try:
                    batch.append(self.results.get_nowait())
                except queue.Empty:
                    break
            threads -= batch.count(None)  # a thread's None comes after all it put: nothing is left behind
            if batch := [item for item in batch if item is not None]:
                yield batch

    def _sites(self, sites: list, taken) -> None:
        try:
            while not self.stop.value:
                with taken.get_lock():
                    index = taken.value
                    taken.value += 1
                if index >= len(sites):
                    return
                self._host(sites[index][1])
        finally:
            self.results.put(None)  # this thread is done

    def _host(self, policies: list) -> None:
        """One host's policies in turn, with the delay between any two requests to it: Scrapy's download
        slot is the host name, whatever the scheme or port. Each origin (scheme, host and port) has its
        own connection and robots.txt."""
        host = _Host(self.options)
        origins: dict[tuple[str, str], tuple[_Site, Protego | bool | None]] = {}
        try:
            for policy in policies:
                parts = urlsplit(policy.url)
                origin = (parts.scheme.lower(), parts.netloc.lower())
                if origin not in origins:
                    site = _Site(*origin, self.options, host)
                    origins[origin] = (site, self._robots(site))
                site, robots = origins[origin]
                if not _allowed(robots, policy.url, site.user_agent):
                    self._hand_off(Handoff(policy), site, "robots.txt")  # the spider records it in its words
                    continue
                self.backlog.acquire()  # room for one more page awaiting the archive
                if self.stop.value:
                    return
                try:
                    queued = self._fetch(site, policy)
                except Exception:  # noqa: BLE001 (a case this path does not know: never a lost page)
                    logger.warning("direct path: %s handed to the spider", policy.url, exc_info=True)
                    site.close()
                    queued = self._hand_off(Handoff(policy), site, "unexpected error")
                if not queued:
                    self.backlog.release()  # handed off: nothing waits to be recorded
        finally:
            for site, _ in origins.values():
                site.close()

    def _robots(self, site: "_Site") -> Protego | bool | None:
        if not self.options.obey_robots:
            return None
        try:
            return site.robots()
        except (OSError, http.client.HTTPException):
            return None  # no answer: everything allowed, as Scrapy does (the page's own fetch fails alike)
        except Exception:  # noqa: BLE001 (a redirect, or anything unforeseen: the spider fetches it and decides)
            return False

    def _fetch(self, site: "_Site", policy) -> bool:
        """Fetch one page: True when it was queued for recording, False when handed to the spider."""
        site.host.pause()  # before the clock starts: the delay is politeness, not the site's answer time
        started = datetime.now(timezone.utc)
        clock = time.monotonic()
        try:
            answer = site.get(policy.url, self.conditional.get(policy.id, {}))
        except _Spider as exc:
            return self._hand_off(Handoff(policy), site, str(exc))
        except (OSError, http.client.HTTPException) as exc:
            if self.options.retries:
                return self._hand_off(Handoff(policy, self._backoff(None)), site, f"retry after {exc!r}")
            outcome, reason = describe_failure(exc, self.options.timeout)
            page = Page(policy=policy, url=policy.url, started_at=now_iso(started), final_url=policy.url,
                        error=reason, error_outcome=outcome)
        else:
            # Scrapy follows a <meta> refresh on any page that has a body, a 404 included.
            if answer.status in _REDIRECT or (answer.status != 304 and _REFRESH.search(answer.body)):
                return self._hand_off(Handoff(policy), site, f"HTTP {answer.status}, redirect")
            retry_after = answer.headers.get("Retry-After")
            if (answer.status in self.options.retry_codes and self.options.retries
                    and not (retry_after and retry_after_seconds(retry_after) > self.options.backoff_max)):
                why = f"retry after HTTP {answer.status}"
                return self._hand_off(Handoff(policy, self._backoff(retry_after)), site, why)
            # Otherwise the archive judges the answer, as it judges the spider's (a 404, a 429 asking
            # for a longer pause than a run waits, a challenge page).
            page = Page(policy=policy, url=policy.url, started_at=now_iso(started), status=answer.status,
                        headers=answer.headers, body=answer.body, final_url=policy.url,
                        duration_ms=round((time.monotonic() - clock) * 1000))
        logger.info("GET %s: %s in %s ms", policy.url, page.status or page.error, page.duration_ms)
        self.results.put(("page", page))
        return True

    def _backoff(self, retry_after: str | None) -> float:
        return retry_delay(1, self.options.backoff, self.options.backoff_max, retry_after)

    def _hand_off(self, handoff: Handoff, site: "_Site", why: str) -> bool:
        logger.info("GET %s: handed to the spider (%s)", handoff.policy.url, why)
        # With the moment the spider may ask this site again: its delay after our last request.
        self.results.put(("handoff", (handoff, site.host.last + self.options.delay)))
        return False


def _allowed(robots: Protego | bool | None, url: str, user_agent: str) -> bool:
    """None: no rules (none could be read); False: the spider decides (a redirect, an error)."""
    if robots is None or robots is False:
        return robots is None
    try:
        return robots.can_fetch(url, user_agent)
    except Exception:  # noqa: BLE001 (rules the parser chokes on: the spider decides)
        return False


class _Host:
    """When a host was last asked, by any of its origins: the politeness delay is per host."""

    def __init__(self, options: Options):
        self.options = options
        self.last = 0.0  # monotonic time of the last request

    def pause(self) -> None:
        """Scrapy's DOWNLOAD_DELAY between two requests to one host (0.5-1.5x when randomized)."""
        if self.last and self.options.delay:
            wait = self.options.delay * (random.uniform(0.5, 1.5) if self.options.randomize else 1.0)
            time.sleep(max(0.0, self.last + wait - time.monotonic()))


class _Site:
    """One keep-alive connection to an origin (scheme, host and port) of a host."""

    def __init__(self, scheme: str, netloc: str, options: Options, host: _Host):
        self.scheme, self.netloc, self.options, self.host = scheme, netloc, options, host
        self.user_agent = options.headers["User-Agent"]
        self.conn = Connection(scheme, netloc, _TLS)

    def robots(self) -> Protego:
        """The origin's robots.txt rules, as Scrapy reads them: the body of any answer but a redirect (a
        404 page parses as no rules); raises _Spider for a redirect, or a transport error."""
        self.host.pause()  # another origin of the host may just have been asked
        answer = self.get(f"{self.scheme}://{self.netloc}/robots.txt", {})
        if answer.status in _REDIRECT:
            raise _Spider(f"robots.txt answered {answer.status}")
        return Protego.parse(answer.body.decode("utf-8-sig", errors="ignore"))

    def get(self, url: str, conditional: dict[str, str]) -> _Answer:
        parts = urlsplit(safe_url_string(url))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {**self.options.headers, **conditional}
        try:  # one deadline for the request, a second attempt included
            return self._exchange(target, headers, time.monotonic() + self.options.timeout)
        finally:
            self.host.last = time.monotonic()

    def _exchange(self, target: str, headers: dict[str, str], deadline: float) -> _Answer:
        if self.scheme not in ("http", "https"):
            raise _Spider(f"scheme {self.scheme}")
        try:
            answer = self.conn.get(target, headers, limit=self.options.max_bytes, deadline=deadline)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ssl.SSLEOFError):
            if not self.conn.reused:
                raise
            # The site closed our idle keep-alive connection (over TLS, a reset reads as an unexpected
            # EOF): ask again on a new one, as browsers do (the failed one is closed: never reused).
            return self._exchange(target, headers, deadline)
        except TooLarge as exc:
            raise _Spider("larger than the size cap") from exc
        headers = _headers(answer.headers)
        # The body is decoded here, transfer codings first (the last applied is undone first), and the
        # content coding no longer applies once undone, as Scrapy's middleware does.
        body = answer.body
        for coding in reversed(answer.codings):
            body = _decode(body, coding, self.options.max_bytes)
        return _Answer(answer.status, headers, _decode(body, headers.pop("Content-Encoding", None),
                                                       self.options.max_bytes))

    def close(self) -> None:
        self.conn.close()


def _headers(received: list[tuple[str, str]]) -> dict[str, str]:
    """Header names as Scrapy spells them (Title-Case), repeated headers joined as Scrapy joins them."""
    headers: dict[str, str] = {}
    for name, value in received:
        name = name.title()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _decode(body: bytes, encoding: str | None, cap: int) -> bytes:
    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity") or not body:  # a 304 may name the encoding of a body it does not send
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise _Spider(f"coding {encoding}")
    # gzip, or deflate as zlib data (32 + MAX_WBITS detects either header); raw deflate is the spider's.
    decoder = zlib.decompressobj(32 + zlib.MAX_WBITS)
    try:
        decoded = decoder.decompress(body, cap + 1)
    except zlib.error as exc:
        raise _Spider(f"undecodable {encoding} body") from exc
    if len(decoded) > cap or decoder.unconsumed_tail:
        raise _Spider("larger than the size cap once decompressed")
    if not decoder.eof or decoder.unused_data:  # cut short, or several gzip members: Scrapy reads them all
        raise _Spider(f"{encoding} body in several members or cut short")
    return decoded

