"""The direct path: most fetches of a crawl, without Scrapy's per-request machinery.

Scrapy spends about 5 ms of CPU on each request (engine, scheduler, middlewares, Deferreds): more
than the rest of a conditional re-check, so a cron run over thousands of policies, nearly all
unchanged, was bound by it. Here a forked process fetches (crawler/fetcher.py: threads, one keep-alive
connection per site, the request Scrapy would send) and this process records what it sends through
the same ``record_page`` as the spider's pipeline. What the fetcher cannot settle (redirects, retries,
refusals, odd bodies) is handed to the spider, which runs after this path (crawler/run.py).

Fetching and recording are two processes because in one they take turns at the GIL: each of the
recorder's SQLite calls lets it go, and with 32 fetching threads waiting, getting it back cost more
than the call (a 304 took 1.1-1.4 ms to record beside the threads, 0.4 ms alone). Apart, each has a
core.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from dataclasses import replace
from typing import Iterator
from urllib.parse import urlsplit

from archive.db import ArchiveError, open_db
from crawler.fetcher import Fetcher, Handoff, Options
from crawler.orphans import die_with_parent
from crawler.record import Page, record_batch, record_page, validators

__all__ = ["fetch_direct"]

logger = logging.getLogger(__name__)

# Pages fetched but not yet recorded, at most: fetching waits for the archive rather than holding
# thousands of bodies in memory when extraction is the slower side (a first crawl).
BACKLOG = 64
# fork, not spawn: no thread runs and no archive is open where this path forks, and a forked process
# starts at once with this one's imports (a spawned one spent 0.6 s starting Python).
_FORK = multiprocessing.get_context("fork")


def fetch_direct(policies: list, db_path: str, options: Options, *, processes: int = 1) -> tuple[list[Handoff], float]:
    """Fetch ``policies`` and record what can be settled here.

    Returns what is left for the spider, and the monotonic time before which the spider must not
    start (the politeness delay since this path last asked those sites). Raises nothing for a site's
    failure; an archive that cannot be written stops the crawl with one logged line, and nothing is
    left for the spider then.

    With ``processes`` > 1, forked copies of this process record too (a new page is milliseconds of
    Python: one core is the limit), each with its own fetching process. Sites are taken in turn from one
    shared counter by whichever fetcher has a thread free, so the copies finish together however the
    work falls, and a site is only ever asked by one of them.
    """
    grouped: dict[str, list] = {}  # by host name, as Scrapy's download slots: any scheme, any port
    for policy in policies:
        grouped.setdefault(urlsplit(policy.url).hostname or "", []).append(policy)
    sites = list(grouped.items())
    db = open_db(db_path)
    try:
        conditional = {policy.id: validators(db, policy) for policy in policies}
    finally:
        db.close()
    taken = _FORK.Value("q", 0)  # the index of the next site to take
    stop = _FORK.RawValue("b", 0)  # set by a recorder that cannot write the archive: every fetcher stops
    # CONCURRENT_REQUESTS holds for the crawl, not for each process (and a process that started all its
    # threads at once would take more sites than its share before the others began).
    options = replace(options, concurrency=max(1, options.concurrency // processes))
    work = (sites, taken, db_path, options, conditional, stop)
    others = []
    try:
        for _ in range(processes - 1):
            receive, send = _FORK.Pipe(duplex=False)
            child = _FORK.Process(target=_child, args=(os.getpid(), send, *work), name="policydiff record")
            child.start()
            send.close()  # the child's end: recv() below ends with EOFError if the child dies without an answer
            others.append((child, receive))
        results = [_crawl(*work)]
        for child, receive in others:
            try:
                results.append(receive.recv())
            except EOFError:
                logger.error("a crawl process ended with exit code %s before it finished; the sites it had taken "
                             "may lack a fetch this run (the next run fetches them)", _ended(child))
    finally:
        for child, _ in others:
            _end(child)
    if stop.value:
        return [], 0.0  # the archive cannot be written: nothing for the spider either
    return [h for handoffs, _ in results for h in handoffs], max(ready_at for _, ready_at in results)


def _child(parent: int, send, *work) -> None:
    die_with_parent(parent)  # the writer lock dies with the parent: an orphaned copy would be a second writer
    send.send(_crawl(*work))


def _crawl(sites: list, taken, db_path: str, options: Options, conditional: dict, stop) -> tuple[list[Handoff], float]:
    """Record what a forked fetching process sends; returns its handoffs and when the spider may start."""
    backlog = _FORK.Semaphore(BACKLOG)
    receive, send = _FORK.Pipe(duplex=False)
    fetcher = _FORK.Process(target=_fetch, args=(os.getpid(), sites, taken, options, conditional, backlog, stop, send),
                            name="policydiff fetch")
    fetcher.start()
    send.close()
    handoffs: list[Handoff] = []
    ready_at = 0.0
    try:
        db = open_db(db_path)  # after the fork: the fetching process never touches the archive
        try:
            for batch in _batches(receive, fetcher, sites, taken):
                for handoff, ready in (item for kind, item in batch if kind == "handoff"):
                    handoffs.append(handoff)
                    ready_at = max(ready_at, ready)
                _record_all(db, [item for kind, item in batch if kind == "page"], backlog)
        finally:
            db.close()
    except ArchiveError as exc:
        logger.error(str(exc))  # one line; other pages would fail alike, so every process stops
        stop.value = 1
        _drain(receive, backlog)
    finally:
        _end(fetcher)
    return handoffs, ready_at


def _batches(receive, fetcher, sites: list, taken) -> Iterator[list]:
    """What the fetching process sends, to its end. If it dies first, the sites no process has taken
    yet go to the spider (those it was fetching lose this run's fetch: the next run has them)."""
    while True:
        try:
            batch = receive.recv()
        except EOFError:
            break
        if batch is None:
            return
        yield batch
    rest = _untaken(sites, taken)
    logger.error("the fetching process ended with exit code %s before it finished; the sites it was fetching "
                 "may lack a fetch this run (the next run fetches them); %d sites it had not taken go to the "
                 "spider", _ended(fetcher), len(rest))
    yield [("handoff", (Handoff(policy), 0.0)) for _, policies in rest for policy in policies]


def _untaken(sites: list, taken) -> list:
    lock = taken.get_lock()
    if not lock.acquire(timeout=1):  # the dead process held it: no site can be claimed safely
        return []
    try:
        first, taken.value = taken.value, len(sites)
    finally:
        lock.release()
    return sites[first:]


def _drain(receive, backlog) -> None:
    """Stopping: the fetching process ends by itself once its threads see the stop (killed, it could
    leave the shared site counter locked for the other processes); what it still sends is dropped."""
    for _ in range(BACKLOG):
        backlog.release()  # wake the threads waiting for room, to see the stop
    try:
        while (batch := receive.recv()) is not None:
            for _ in (kind for kind, _ in batch if kind == "page"):
                backlog.release()
    except EOFError:
        pass


def _record_all(db, pages: list[Page], backlog) -> None:
    # The answers that need no parse (304s, failures) commit together: a commit per fetch was half the
    # cost of recording a 304. A page that must be parsed commits alone, holding the write lock only
    # for its own writes (other processes may be recording too).
    batched, alone = [], []
    for page in pages:
        (batched if page.status == 304 or page.error else alone).append(page)
    if batched:
        with record_batch(db):
            for page in batched:
                _record(db, page)
                backlog.release()
    for page in alone:
        _record(db, page)
        backlog.release()


def _fetch(parent: int, sites: list, taken, options: Options, conditional: dict, backlog, stop, send) -> None:
    die_with_parent(parent)
    for batch in Fetcher(options, conditional, backlog, stop).batches(sites, taken):
        send.send(batch)
    send.send(None)  # done


def _record(db, page: Page) -> None:
    try:
        record_page(db, page)  # a changed page is parsed here: 1-2 ms for most policies
    except ArchiveError:
        raise
    except Exception:  # noqa: BLE001 (a bug on one page must not cost the run the other pages)
        logger.exception("recording %s failed; it has no fetch this run (the next run tries again)", page.url)


def _ended(process) -> int | None:
    process.join()
    return process.exitcode


def _end(process) -> None:
    """Done (a forked process may still be exiting), or interrupted: not waited for."""
    process.kill()
    process.join()
