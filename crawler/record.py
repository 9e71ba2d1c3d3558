"""The one path from a received page to the archive, shared by crawls, imports and re-extraction.

Order matters for speed: an unchanged page costs a sha256 of its raw bytes and one small row; only a
page whose bytes changed is parsed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import sqlite_utils

from archive.db import ArchiveError
from archive.store import (Fetch, Recorded, batch, confirm_rules, current_version, last_fetch, load_snapshot,
                           record_fetch)
from crawler.classify import (CONFIRMABLE, Verdict, check_redirect, check_response, check_text, header,
                              redirect_note)
from crawler.extract import EXTRACTOR_VERSION, Rejected
from crawler.parsing import extract_page

__all__ = ["FLAP_WINDOW", "Page", "extraction_id", "last_body_sha256", "needs_parse", "record_batch",
           "record_page", "reextract_policy", "validators"]

# A new text equal to one of this many latest versions (before the current one) is a return to an
# old state: the page flaps (CDN nodes or an A/B test serving two states) until it repeats.
FLAP_WINDOW = 5


@dataclass
class Page:
    """What one fetch of a policy received (or the transport error that stopped it)."""

    policy: object  # policydiff.config.Policy
    url: str
    started_at: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    body: bytes | None = field(default=None, repr=False)  # Scrapy logs items: never megabytes of page
    final_url: str | None = None
    redirects: tuple[int, ...] = ()  # statuses of the redirects followed, in order
    duration_ms: int | None = None
    error: str | None = None  # "code: words" when no usable response came (refused, timeout, robots, ...)
    error_outcome: str = "failed"  # or "rejected" when retrying next run will not help (robots, loop)
    source: str = "crawl"


def extraction_id(policy) -> str:
    """The extractor version plus a fingerprint of the policy's selectors.

    Stored with each version: when either changes, the next fetch re-derives a technical version
    first, so that new rules never show up as a policy change.
    """
    if not policy.select and not policy.remove:
        return EXTRACTOR_VERSION
    rules = json.dumps([policy.select, policy.remove], sort_keys=True)
    return f"{EXTRACTOR_VERSION}+{hashlib.sha256(rules.encode()).hexdigest()[:8]}"


def validators(db: sqlite_utils.Database, policy) -> dict[str, str]:
    """Conditional GET headers: the server's own validators, only for the body we already have (a 304
    confirmed that body and carries its validators: without this, every other run is a full GET)."""
    last = last_fetch(db, policy.id, ok=True)
    if not last or not (last["snapshot"] or last["outcome"] == "not-modified") or last["url"] != policy.url:
        return {}
    headers = {}
    if last["etag"]:
        headers["If-None-Match"] = last["etag"]
    if last["last_modified"]:
        headers["If-Modified-Since"] = last["last_modified"]
    return headers


def needs_parse(db: sqlite_utils.Database, page: Page) -> bool:
    """A 200 whose bytes differ from the body we have; anything else never reaches the parse."""
    if page.error or page.status != 200 or not page.body:
        return False
    return last_body_sha256(db, page.policy.id) != hashlib.sha256(page.body).hexdigest()


def record_page(db: sqlite_utils.Database, page: Page, *, extracted: str | Rejected | None = None) -> Recorded:
    """Record one fetch. ``extracted``: the outcome of ``extract_page`` on this page with the policy's
    current rules, computed elsewhere (the crawl's worker process); used only if the page must be parsed.

    Raises ArchiveError when the archive cannot be written (disk full, read-only): each write is one
    transaction that rolled back, so nothing of this fetch is in the archive.
    """
    try:
        return _record_page(db, page, extracted)
    except sqlite3.OperationalError as exc:
        raise _unwritable(exc) from None


@contextmanager
def record_batch(db: sqlite_utils.Database) -> Iterator[None]:
    """``record_page`` calls in one transaction (``archive.store.batch``): for pages that need no parse."""
    try:
        with batch(db):
            yield
    except sqlite3.OperationalError as exc:
        raise _unwritable(exc) from None


def _unwritable(exc: sqlite3.OperationalError) -> ArchiveError:
    return ArchiveError(f"cannot write the archive: {exc} (free disk space or make the archive writable, "
                        "then run again; nothing was half-written)")


def _stored_headers(headers: dict[str, str], body: bytes | None) -> dict[str, str]:
    """The headers kept with a snapshot: as received, less a Content-Length that does not count the body
    kept. Both fetch paths undo a content coding (gzip, br) on receipt, so that the same page hashes alike
    however it was sent, and drop its Content-Encoding; the length of the coded bytes would then
    contradict the snapshot's size and hash. (A body cut short never gets here: both paths fail it.)"""
    length = header(headers, "content-length")
    if body is None or length is None:
        return headers
    try:  # "120", "0120" and "120, 120" (a repeated header, joined) all count 120 bytes
        counted = {int(value) for value in length.split(",")}
    except ValueError:
        return headers  # not a length at all: kept as received
    if counted == {len(body)}:
        return headers
    return {name: value for name, value in headers.items() if name.lower() != "content-length"}


def _record_page(db: sqlite_utils.Database, page: Page, extracted: str | Rejected | None) -> Recorded:
    policy = page.policy
    fetch = Fetch(policy=policy.id, started_at=page.started_at, url=page.url, outcome="failed",
                  final_url=page.final_url, status=page.status, duration_ms=page.duration_ms,
                  source=page.source, body=page.body, headers=_stored_headers(page.headers, page.body),
                  etag=header(page.headers, "etag"), last_modified=header(page.headers, "last-modified"),
                  reason=redirect_note(page.url, page.final_url, page.redirects))
    if page.error:
        fetch.outcome, fetch.reason, fetch.body = page.error_outcome, page.error, None
        return record_fetch(db, fetch)
    current = current_version(db, policy.id, text=False)
    if current and page.started_at < current["last_seen"]:
        # Versions are append-only in time: an older page cannot go after them (import history first).
        fetch.body = None
        return _record_verdict(db, fetch, Verdict(
            "rejected", f"older: this page is from {page.started_at}, before the archive's latest version was "
                        f"last seen ({current['last_seen']}); import history before crawling"))
    # A redirect to the home page is checked first: a 304 from there must not extend the policy's version.
    verdict = check_redirect(page.url, page.final_url)
    if page.status == 304 and not verdict:
        fetch.outcome, fetch.body = "not-modified", None
        if not (fetch.etag and fetch.last_modified) and (last := last_fetch(db, policy.id, ok=True)):
            # A 304 may leave a validator out (RFC 9110 lets it omit Last-Modified beside an ETag): the
            # body it confirmed keeps its validators, or the next run would ask without them.
            fetch.etag = fetch.etag or last["etag"]
            fetch.last_modified = fetch.last_modified or last["last_modified"]
        return record_fetch(db, fetch)
    verdict = verdict or check_response(page.status or 0, page.headers, page.body or b"")
    if verdict:
        return _record_verdict(db, fetch, verdict)

    rules = extraction_id(policy)
    if current and current["extractor_version"] != rules:
        reextract_policy(db, policy)
        current = current_version(db, policy.id, text=False)
    if current and page.body is not None and last_body_sha256(db, policy.id) == hashlib.sha256(page.body).hexdigest():
        fetch.outcome = "unchanged"  # same raw bytes, same rules: same text, no parse needed
        return record_fetch(db, fetch)

    try:
        if isinstance(extracted, Rejected):
            raise extracted
        text = extracted if extracted is not None else extract_page(policy, page.body, page.headers,
                                                                    page.final_url or page.url)
    except Rejected as exc:
        return _record_verdict(db, fetch, Verdict("rejected", str(exc)))
    except Exception as exc:  # noqa: BLE001 (a page that crashes the extractor is recorded, never lost)
        return _record_verdict(db, fetch, Verdict("rejected", f"extract-error: the extractor failed on this "
                                                              f"page ({type(exc).__name__}: {exc})"))
    previous = db.execute("SELECT text FROM versions WHERE id = ?", [current["id"]]).fetchone()[0] if current else None
    verdict = check_text(text, previous) or _flapping(db, policy.id, text)
    if verdict:
        first_seen = _confirms_previous_rejection(db, policy, text, verdict) if verdict.code in CONFIRMABLE else None
        if first_seen is None:
            return _record_verdict(db, fetch, verdict)
        fetch.first_seen = first_seen  # the change appeared at the first sighting, not at its confirmation
    fetch.outcome, fetch.text, fetch.extractor_version = "new-version", text, rules
    if current and current["extractor_version"] != rules:
        # The stored page no longer fits the new rules, so old and new text come from different rules:
        # not comparable, hence not reported as a policy change.
        fetch.kind = "technical"
        fetch.reason = ("rules: the extraction rules changed and the stored page does not fit them; this "
                        "version starts the new rules and is not compared as a policy change")
    return record_fetch(db, fetch)


def reextract_policy(db: sqlite_utils.Database, policy) -> Recorded | str:
    """Re-derive the current version from its snapshot with today's extractor and rules.

    A different text becomes a ``technical`` version (never reported as a policy change), returned as
    recorded; otherwise nothing is recorded and the result says why, in words.
    """
    current = current_version(db, policy.id)
    if not current or not current["snapshot"]:
        return "no version yet: nothing to re-derive"
    body, headers = load_snapshot(db, current["snapshot"])
    base = _page_url(db, current["snapshot"]) or policy.url  # links resolve as they did on that fetch
    try:
        text = extract_page(policy, body, headers, base)
    except Rejected as exc:  # the new rules do not fit the old page: the next fetch will say so
        return f"kept: the stored page is rejected with the current rules ({exc})"
    rules = extraction_id(policy)
    if text == current["text"]:
        if current["extractor_version"] != rules:
            confirm_rules(db, current["id"], rules)
        return "unchanged"
    # Dated when that page was last seen: it is the same page read again, not a new sighting.
    return record_fetch(db, Fetch(
        policy=policy.id, started_at=current["last_seen"], url=policy.url,
        final_url=base, outcome="new-version",
        reason="reextract: re-derived from the stored snapshot with the current extractor",
        source="reextract", body=body, headers=headers, text=text, extractor_version=rules, kind="technical"))


def _page_url(db: sqlite_utils.Database, snapshot_id: int) -> str | None:
    """The URL a stored body was fetched from (after redirects), for resolving its relative links."""
    row = db.execute("SELECT coalesce(final_url, url) FROM fetches WHERE snapshot = ? AND source != 'reextract'"
                     " ORDER BY id DESC LIMIT 1", [snapshot_id]).fetchone()
    return row[0] if row else None


_RETRY_ADVICE = "the next run tries again"


def _record_verdict(db: sqlite_utils.Database, fetch: Fetch, verdict: Verdict) -> Recorded:
    reason = verdict.reason
    if fetch.source != "crawl" and reason.endswith(_RETRY_ADVICE):  # an imported page is never asked again
        reason = reason.removesuffix(_RETRY_ADVICE) + f"this page was imported ({fetch.source}), not fetched: check its source"
    fetch.outcome, fetch.reason = verdict.outcome, reason
    return record_fetch(db, fetch)


def last_body_sha256(db: sqlite_utils.Database, policy_id: str) -> str | None:
    """sha256 of the latest body a successful fetch stored: the page as we have it.

    304s store no body (they confirm this one), so they are looked past: a 200 with the same bytes
    after a run of 304s is still recognised without a parse.
    """
    row = db.execute("SELECT s.sha256 FROM fetches f JOIN snapshots s ON s.id = f.snapshot WHERE f.policy = ?"
                     " AND f.outcome IN ('new-version', 'unchanged') ORDER BY f.id DESC LIMIT 1", [policy_id]).fetchone()
    return row[0] if row else None


def _flapping(db: sqlite_utils.Database, policy_id: str, text: str) -> Verdict | None:
    """A text equal to a recent earlier version (not the current one): the page went back to an old state."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    recent = db.execute("SELECT number, sha256, first_seen FROM version_log WHERE policy = ? ORDER BY id DESC"
                        " LIMIT ?", [policy_id, FLAP_WINDOW + 1]).fetchall()
    for number, sha256, first_seen in recent[1:]:
        if sha256 == digest:
            return Verdict("rejected", f"flapping: the page went back to the text of v{number} (first seen "
                                       f"{first_seen}) after v{recent[0][0]}; it alternates between versions, "
                                       "recorded once the same text is seen again")
    return None


def _confirms_previous_rejection(db: sqlite_utils.Database, policy, text: str, verdict: Verdict) -> str | None:
    """A suspicious change is recorded only when two fetches in a row extract the same text.

    Returns when the first of the two saw it (the version's first_seen), or None.
    """
    previous = next(db.query("SELECT * FROM fetches WHERE policy = ? AND source != 'reextract'"
                             " ORDER BY id DESC LIMIT 1", [policy.id]), None)
    if not previous or not (previous["reason"] or "").startswith(f"{verdict.code}:") or not previous["snapshot"]:
        return None
    try:
        seen = extract_page(policy, *load_snapshot(db, previous["snapshot"]), previous["final_url"] or previous["url"])
    except Rejected:
        return None
    return previous["started_at"] if seen == text else None

