"""The direct path: most fetches of a crawl, without Scrapy's per-request machinery.

Scrapy spends about 5 ms of CPU on each request (engine, scheduler, middlewares, Deferreds): more
than the rest of a conditional re-check, so a cron run over thousands of policies, nearly all
unchanged, was bound by it. This path sends the request Scrapy would (the same headers and the
archive's validators, robots.txt obeyed, one request at a time per site with the delay) over one
keep-alive HTTP/1.1 connection per site, for about 0.3 ms of CPU, and records the plain answers
through the same ``record_page``: a 304, a 200 from the page's own URL, or any other status that is
neither a redirect nor worth a retry.

Everything else is handed to the spider, which has the full machinery: a redirect or a <meta>
refresh (Scrapy follows them), a robots.txt that forbids the page or is itself redirected, a content
encoding other than gzip or deflate, a body over the size cap, and a transient fault (a timeout, a
reset, a 503), which reaches the spider as its first retry, after the backoff: a page is tried
``retries + 1`` times in all. With ``retries = 0`` the fault is recorded here. (Behind a proxy the
spider takes every request: crawler/run.py.)
"""

from __future__ import annotations

import http.client
import logging
import multiprocessing
import os
import queue
import random
import re
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Mapping
from urllib.parse import urlsplit

from protego import Protego
from w3lib.url import safe_url_string

from archive.db import ArchiveError, open_db
from archive.store import now_iso
from crawler.backoff import retry_after_seconds, retry_delay
from crawler.failures import describe_failure
from crawler.orphans import die_with_parent
from crawler.record import Page, record_page, validators

__all__ = ["Handoff", "Options", "fetch_direct"]

logger = logging.getLogger(__name__)

# Pages fetched but not yet recorded, at most: fetching waits for the archive rather than holding
# thousands of bodies in memory when extraction is the slower side (a first crawl).
BACKLOG = 64
_REDIRECT = frozenset({301, 302, 303, 307, 308})
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
                   max_bytes=int(s["DOWNLOAD_MAXSIZE"]), retries=int(s["RETRY_TIMES"]) if s["RETRY_ENABLED"] else 0,
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


def fetch_direct(policies: list, db_path: str, options: Options, *, processes: int = 1) -> tuple[list[Handoff], float]:
    """Fetch ``policies`` and record what can be settled here.

    Returns what is left for the spider, and the monotonic time before which the spider must not
    start (the politeness delay since this path last asked those sites). Raises nothing for a site's
    failure; an archive that cannot be written stops the crawl with one logged line, and nothing is
    left for the spider then.

    With ``processes`` > 1, forked copies of this process share the work (a new page is milliseconds of
    Python: one core is the limit). Sites are taken in turn from one shared counter by whichever process
    has a thread free, so the processes finish together however the work falls, and a site is only ever
    asked by one of them.
    """
    grouped: dict[tuple[str, str], list] = {}
    for policy in policies:
        parts = urlsplit(policy.url)
        grouped.setdefault((parts.scheme.lower(), parts.netloc.lower()), []).append(policy)
    sites = list(grouped.items())
    db = open_db(db_path)
    try:
        conditional = {policy.id: validators(db, policy) for policy in policies}
    finally:
        db.close()
    # fork, not spawn: no thread runs and no archive is open here, and a forked copy starts at once
    # with this process's imports (a spawned one spent 0.6 s starting Python).
    context = multiprocessing.get_context("fork")
    taken = context.Value("q", 0)  # the index of the next site to take
    # CONCURRENT_REQUESTS holds for the crawl, not for each process (and a process that started all its
    # threads at once would take more sites than its share before the others began).
    options = replace(options, concurrency=max(1, options.concurrency // processes))
    others = []
    for _ in range(processes - 1):
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(os.getpid(), sites, taken, db_path, options, conditional, send),
                                daemon=True)
        child.start()
        send.close()  # the child's end: recv() below ends with EOFError if the child dies without an answer
        others.append((child, receive))
    results = [_crawl(sites, taken, db_path, options, conditional)]
    for child, receive in others:
        try:
            results.append(receive.recv())
        except EOFError:
            logger.error("a crawl process ended with exit code %s before it finished; the sites it had taken "
                         "may lack a fetch this run (the next run fetches them)", child.exitcode)
        child.join()
    return [h for handoffs, _ in results for h in handoffs], max(ready_at for _, ready_at in results)


def _child(parent: int, sites: list, taken, db_path: str, options: Options, conditional: dict, send) -> None:
    die_with_parent(parent)  # the writer lock dies with the parent: an orphaned copy would be a second writer
    send.send(_crawl(sites, taken, db_path, options, conditional))


def _crawl(sites: list, taken, db_path: str, options: Options, conditional: dict) -> tuple[list[Handoff], float]:
    db = open_db(db_path)
    try:
        crawl = _Crawl(db, options, conditional)
        crawl.run(sites, taken)
    finally:
        db.close()
    return crawl.handoffs, crawl.ready_at


class _Crawl:
    """Threads fetch, one per site at a time; this thread records (the archive has one writer).

    Pages are parsed here, not in a worker process: handing a page to a worker (pickling it, waking
    the worker, the GIL) cost about as much as extracting a retailer's policy, and a spawned worker
    0.3 s to start. A crawl with many new policies takes the second core by sharding (crawler/run.py).
    """

    def __init__(self, db, options: Options, conditional: dict[str, dict[str, str]]):
        self.db, self.options, self.conditional = db, options, conditional
        self.results: queue.SimpleQueue = queue.SimpleQueue()
        self.backlog = threading.Semaphore(BACKLOG)
        self.stop = threading.Event()
        self.handoffs: list[Handoff] = []
        self.ready_at = 0.0

    def run(self, sites: list, taken) -> None:
        threads = min(self.options.concurrency, len(sites))
        # Daemon threads: Ctrl-C or an archive error ends the run at once, not after the requests in flight.
        for _ in range(threads):
            threading.Thread(target=self._sites, args=(sites, taken), name="direct", daemon=True).start()
        pending = 0  # policies of the sites taken here, not yet recorded or handed off
        try:
            while threads or pending:
                kind, item = self.results.get()
                if kind == "site":
                    pending += item
                elif kind == "done":
                    threads -= 1
                elif kind == "handoff":
                    pending -= 1
                    handoff, ready_at = item
                    self.handoffs.append(handoff)
                    self.ready_at = max(self.ready_at, ready_at)
                else:
                    pending -= 1
                    self._record(item)
        except ArchiveError as exc:
            logger.error(str(exc))  # one line; other sites would fail alike, so stop
            self.handoffs = []
        finally:
            self.stop.set()
            for _ in range(BACKLOG):
                self.backlog.release()  # wake fetchers waiting for room, to see the stop

    def _record(self, page: Page) -> None:
        try:
            record_page(self.db, page)  # a changed page is parsed here: 1-2 ms for most policies
        except ArchiveError:
            raise
        except Exception:  # noqa: BLE001 (a bug on one page must not cost the run the other pages)
            logger.exception("recording %s failed; it has no fetch this run (the next run tries again)", page.url)
        finally:
            self.backlog.release()

    # -- fetching, in the site threads -----------------------------------------------------------

    def _sites(self, sites: list, taken) -> None:
        try:
            while not self.stop.is_set():
                with taken.get_lock():
                    index = taken.value
                    taken.value += 1
                if index >= len(sites):
                    return
                (scheme, netloc), policies = sites[index]
                self.results.put(("site", len(policies)))  # before any of its pages: counted first
                self._site(scheme, netloc, policies)
        finally:
            self.results.put(("done", None))

    def _site(self, scheme: str, netloc: str, policies: list) -> None:
        site = _Site(scheme, netloc, self.options)
        try:
            robots = site.robots() if self.options.obey_robots else None
        except (OSError, http.client.HTTPException):
            robots = None  # no answer: everything allowed, as Scrapy does (the page's own fetch fails alike)
        except Exception:  # noqa: BLE001 (a redirect, or anything unforeseen: the spider fetches it and decides)
            robots = False
        try:
            for policy in policies:
                if not _allowed(robots, policy.url, site.user_agent):
                    self._hand_off(Handoff(policy), site, "robots.txt")  # the spider records it in its words
                    continue
                self.backlog.acquire()  # room for one more page awaiting the archive
                if self.stop.is_set():
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
            site.close()

    def _fetch(self, site: "_Site", policy) -> bool:
        """Fetch one page: True when it was queued for recording, False when handed to the spider."""
        site.pause()  # before the clock starts: the delay is politeness, not the site's answer time
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
        self.results.put(("handoff", (handoff, site.last + self.options.delay)))
        return False


def _allowed(robots: Protego | bool | None, url: str, user_agent: str) -> bool:
    """None: no rules (none could be read); False: the spider decides (a redirect, an error)."""
    if robots is None or robots is False:
        return robots is None
    try:
        return robots.can_fetch(url, user_agent)
    except Exception:  # noqa: BLE001 (rules the parser chokes on: the spider decides)
        return False


class _Site:
    """One keep-alive connection to a site, with the politeness delay between its requests."""

    def __init__(self, scheme: str, netloc: str, options: Options):
        self.scheme, self.netloc, self.options = scheme, netloc, options
        self.user_agent = options.headers["User-Agent"]
        self.conn: http.client.HTTPConnection | None = None
        self.last = 0.0  # monotonic time of the last request

    def robots(self) -> Protego:
        """The site's robots.txt rules, as Scrapy reads them: the body of any answer but a redirect (a
        404 page parses as no rules); raises _Spider for a redirect, or a transport error."""
        answer = self.get(f"{self.scheme}://{self.netloc}/robots.txt", {})
        if answer.status in _REDIRECT:
            raise _Spider(f"robots.txt answered {answer.status}")
        return Protego.parse(answer.body.decode("utf-8-sig", errors="ignore"))

    def get(self, url: str, conditional: dict[str, str]) -> _Answer:
        parts = urlsplit(safe_url_string(url))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {**self.options.headers, **conditional}
        try:
            return self._exchange(target, headers, fresh=self.conn is None)
        finally:
            self.last = time.monotonic()

    def _exchange(self, target: str, headers: dict[str, str], *, fresh: bool) -> _Answer:
        conn = self._connection()
        deadline = time.monotonic() + self.options.timeout
        try:
            conn.request("GET", target, headers=headers)
            response = conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.close()
            if fresh:
                raise
            # The site closed our idle keep-alive connection: ask again on a new one, as browsers do.
            return self._exchange(target, headers, fresh=True)
        except BaseException:
            self.close()
            raise
        try:
            return _Answer(response.status, _headers(response), self._body(response, deadline))
        except BaseException:
            self.close()
            raise

    def _body(self, response: http.client.HTTPResponse, deadline: float) -> bytes:
        cap = self.options.max_bytes
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > cap:
            raise _Spider("larger than the size cap")
        chunks, size = [], 0
        while True:
            # Each read waits at most the timeout (the socket's); the deadline bounds the whole body.
            if time.monotonic() > deadline:
                raise TimeoutError("no complete answer within the timeout")
            chunk = response.read1(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                raise _Spider("larger than the size cap")
            chunks.append(chunk)
        if response.length:  # the connection closed before Content-Length bytes came (read1 says nothing)
            raise http.client.IncompleteRead(b"".join(chunks), response.length)
        response.close()  # read to the end: the connection is free for the site's next request
        return _decode(b"".join(chunks), response.getheader("Content-Encoding"), cap)

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            if self.scheme == "https":
                self.conn = http.client.HTTPSConnection(self.netloc, timeout=self.options.timeout, context=_TLS)
            elif self.scheme == "http":
                self.conn = http.client.HTTPConnection(self.netloc, timeout=self.options.timeout)
            else:
                raise _Spider(f"scheme {self.scheme}")
        return self.conn

    def pause(self) -> None:
        """Scrapy's DOWNLOAD_DELAY between two requests to one site (0.5-1.5x when randomized)."""
        if self.last and self.options.delay:
            wait = self.options.delay * (random.uniform(0.5, 1.5) if self.options.randomize else 1.0)
            time.sleep(max(0.0, self.last + wait - time.monotonic()))

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _headers(response: http.client.HTTPResponse) -> dict[str, str]:
    """Header names as Scrapy spells them (Title-Case), repeated headers joined as Scrapy joins them."""
    headers: dict[str, str] = {}
    for name, value in response.getheaders():
        name = name.title()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    headers.pop("Content-Encoding", None)  # the body is decoded below, as Scrapy's middleware does
    return headers


def _decode(body: bytes, encoding: str | None, cap: int) -> bytes:
    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise _Spider(f"content encoding {encoding}")
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

