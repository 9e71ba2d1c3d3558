"""WARC files in and out: import captured policy pages as fetches, export the archive's raw snapshots.

Import matches WARC records to policies by URL, following the redirects the WARC files recorded, and
sends each capture through ``crawler.record.record_page`` (the crawl's own path: same rejections, same
versions). Captures are recorded oldest first and remembered in ``captures`` so that importing the
same files twice records nothing twice. The archive is append-only: a capture at or before the last
time a policy was seen cannot be inserted before it, so it is skipped and counted.

Export writes each fetch that kept its bytes as standard request/response records (revisit records
when the same bytes were already written), so the evidence can be checked and replayed (pywb).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import sqlite_utils
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException
from warcio.warcwriter import WARCWriter

from archive.store import Recorded, load_snapshot, parse_time
from crawler.record import Page, record_page
from policydiff.imports import ImportSummary

__all__ = ["CaptureKey", "ExportSummary", "HistorySummary", "export_warc", "import_warcs", "record_capture",
           "redirect_error", "sha1_digest", "skip_reason"]

SKIPS = {  # why a capture was not recorded, in words for the summary line
    "already-imported": "already imported",
    "older-than-archive": "at or before the policy's last archived time (versions are append-only)",
    "revisit-unresolved": "revisit records whose original payload is not in these files",
    "unavailable": "captures the Wayback Machine did not serve as listed",
}
MAX_HOPS = 10
HOP_WINDOW = timedelta(days=1)  # a redirect's target must be captured within this time after it
_DECODED = {"content-encoding", "transfer-encoding", "content-length"}  # warcio decodes the payload
_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


# -- capture bookkeeping (shared with backfill) --------------------------------------------------

@dataclass(frozen=True)
class CaptureKey:
    """A capture as its source names it: the same key is never recorded twice."""

    policy: str
    source: str  # 'warc' or 'wayback'
    url: str
    captured_at: str
    digest: str


@dataclass
class HistorySummary(ImportSummary):
    skipped: Counter = field(default_factory=Counter)  # SKIPS code -> captures

    def line(self) -> str:
        skips = "; ".join(f"skipped {n} {SKIPS[code]}" for code, n in sorted(self.skipped.items()))
        return super().line() + (f"; {skips}" if skips else "")


def skip_reason(db: sqlite_utils.Database, key: CaptureKey) -> str | None:
    """Why this capture must not be recorded now (a SKIPS code), or None."""
    if db.execute("SELECT 1 FROM captures WHERE policy = ? AND source = ? AND url = ? AND captured_at = ?"
                  " AND digest = ?", [key.policy, key.source, key.url, key.captured_at, key.digest]).fetchone():
        return "already-imported"
    seen = db.execute("SELECT max(last_seen) FROM versions WHERE policy = ?", [key.policy]).fetchone()[0]
    return "older-than-archive" if seen and key.captured_at <= seen else None


def record_capture(db: sqlite_utils.Database, key: CaptureKey, page: Page) -> Recorded:
    recorded = record_page(db, page)
    with db.conn:
        db.execute("INSERT OR IGNORE INTO captures (policy, source, url, captured_at, digest, fetch)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   [key.policy, key.source, key.url, key.captured_at, key.digest, recorded.fetch_id])
    return recorded


def redirect_error(url: str, location: str) -> str:
    """The reason of a captured redirect that cannot be followed to a capture of its target."""
    return f"redirect: the capture of {url} redirects to {location}, whose capture is not at hand"


def sha1_digest(body: bytes) -> str:
    """The WARC/CDX payload digest form: ``sha1:`` and base32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


# -- import --------------------------------------------------------------------------------------

@dataclass(eq=False)
class _Record:
    path: Path
    number: int  # position in its file: the second pass finds the record again by it
    kind: str  # response, revisit or resource
    url: str
    at: str
    status: int
    headers: list[tuple[str, str]]
    digest: str | None
    profile: str = ""
    body: bytes | None = None

    @property
    def location(self) -> str | None:
        value = next((v for k, v in self.headers if k.lower() == "location"), None)
        return urljoin(self.url, value) if value and 300 <= self.status < 400 else None


def import_warcs(db: sqlite_utils.Database, policies: list, paths: list[Path]) -> HistorySummary:
    """Record every capture of the policies' URLs in the WARC files, oldest first."""
    started = time.perf_counter()
    records = [record for path in paths for record in _scan(Path(path))]
    by_url: dict[str, list[_Record]] = defaultdict(list)
    by_digest: dict[str, _Record] = {}
    for record in records:
        by_url[_norm(record.url)].append(record)
        if record.kind != "revisit" and record.digest and record.status < 300:
            by_digest.setdefault(record.digest, record)
    for same_url in by_url.values():
        same_url.sort(key=lambda r: r.at)
    chains = [(policy, first, last) for policy in policies for first, last in _chains(policy, by_url)]
    originals = {id(last): by_digest.get(last.digest) for _, _, last in chains
                 if last.kind == "revisit" and last.status != 304}
    _load_bodies([last for _, _, last in chains if last.kind != "revisit"]
                 + [r for r in originals.values() if r is not None])

    summary = HistorySummary()
    for policy, first, last in sorted(chains, key=lambda c: (c[1].at, c[0].id, c[1].url)):
        original = originals.get(id(last))
        body = original.body if original else last.body
        key = CaptureKey(policy.id, "warc", first.url, first.at, last.digest or sha1_digest(body or b""))
        reason = "revisit-unresolved" if id(last) in originals and original is None else skip_reason(db, key)
        if reason:
            summary.skipped[reason] += 1
            continue
        recorded = record_capture(db, key, _page(policy, first, last, body))
        summary.add(f"{first.path}: {first.url} at {first.at}", len(body or b""), recorded)
    summary.seconds = time.perf_counter() - started
    return summary


def _page(policy, first: _Record, last: _Record, body: bytes | None) -> Page:
    page = Page(policy=policy, url=policy.url, started_at=first.at, status=last.status, final_url=last.url,
                headers=_headers(last.headers), body=body, source="warc")
    if last.location:  # the chain stops at a redirect whose target these files do not hold
        page.error, page.error_outcome, page.body = redirect_error(last.url, last.location), "rejected", None
    return page


def _headers(pairs: list[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in pairs:
        if key.lower() not in _DECODED:
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _chains(policy, by_url: dict[str, list[_Record]]):
    """(record at the policy URL, record its redirects lead to) for each capture of the policy URL."""
    for first in by_url.get(_norm(policy.url), []):
        last, hops = first, {id(first)}
        while last.location and len(hops) <= MAX_HOPS:
            target = _next_capture(by_url.get(_norm(last.location), []), last.at)
            if target is None or id(target) in hops:
                break
            last = target
            hops.add(id(target))
        yield first, last


def _next_capture(records: list[_Record], after: str) -> _Record | None:
    limit = (datetime.fromisoformat(after.replace("Z", "+00:00")) + HOP_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ")
    return next((r for r in records if after <= r.at <= limit), None)


def _norm(url: str) -> str:
    """Scheme and host case, default port, empty path and fragment do not make another URL."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        return url
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default) else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _scan(path: Path):
    """First pass: the headers of the records that can hold a page, no payload read."""
    def read(records) -> list[_Record]:
        found = []
        for number, record in enumerate(records):
            if record.rec_type not in ("response", "revisit", "resource"):
                continue
            url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")  # <uri>: WARC 1.1
            if urlsplit(url).scheme not in ("http", "https"):
                continue  # browser archivers add urn:pageinfo: and similar records
            try:
                at = parse_time(record.rec_headers.get_header("WARC-Date") or "")
            except ValueError as exc:
                raise ArchiveLoadFailed(f"record {number} ({url}): WARC-Date {exc}") from None
            if record.http_headers and record.rec_type != "resource":
                status = int(record.http_headers.get_statuscode() or 0)
                headers = list(record.http_headers.headers)
            elif record.rec_type == "revisit":  # no HTTP block: the original's exchange, replayed as is
                status, headers = 200, []
            else:  # a resource record: the bytes without an HTTP exchange
                status, headers = 200, [("Content-Type", record.rec_headers.get_header("Content-Type") or "")]
            found.append(_Record(path, number, record.rec_type, url, at, status, headers,
                                 record.rec_headers.get_header("WARC-Payload-Digest"),
                                 record.rec_headers.get_header("WARC-Profile") or ""))
        return found

    found = _iterate(path, read)
    for record in found:
        if record.kind == "revisit" and record.profile.endswith("/server-not-modified"):
            record.status = 304  # the server said 304; some writers keep the status line of the original
    return found


def _load_bodies(records: list[_Record]) -> None:
    """Second pass: read the payloads of the records that will be recorded (decoded by warcio)."""
    wanted: dict[Path, dict[int, _Record]] = defaultdict(dict)
    for record in records:
        wanted[record.path][record.number] = record
    for path, numbers in wanted.items():
        def read(stream, numbers=numbers) -> None:
            for number, record in enumerate(stream):
                if number in numbers:
                    encoding = (record.http_headers.get_header("content-encoding") or "").lower() \
                        if record.http_headers else ""
                    if encoding and encoding not in BufferedReader.get_supported_decompressors():
                        raise ValueError(f"{path}: {numbers[number].url}: unknown Content-Encoding {encoding!r}")
                    numbers[number].body = record.content_stream().read()
        _iterate(path, read)


def _iterate(path: Path, read):
    try:
        with open(path, "rb") as handle:
            return read(ArchiveIterator(handle))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror})") from None
    except (ArchiveLoadFailed, StatusAndHeadersParserException) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path}: not a readable WARC file ({detail})") from None


# -- export --------------------------------------------------------------------------------------

@dataclass
class ExportSummary:
    fetches: int = 0
    responses: int = 0  # response and resource records: full payloads
    revisits: int = 0  # same payload as an earlier record, or a 304
    bytes: int = 0
    seconds: float = 0.0

    def line(self, out: Path) -> str:
        return (f"wrote {out}: {self.fetches} fetches as {self.responses} payload and {self.revisits} revisit "
                f"records ({self.bytes / 1e6:.1f} MB) in {self.seconds:.2f} s")


def export_warc(db: sqlite_utils.Database, out: Path, policies: list[str]) -> ExportSummary:
    """Write the fetches of the policies that got bytes (and 304s) to ``out``, oldest first.

    Re-extractions are left out: they re-read a stored snapshot, nothing was fetched. Pages imported
    from saved files become ``resource`` records: no HTTP exchange was seen for them.
    """
    started, summary, out = time.perf_counter(), ExportSummary(), Path(out)
    marks = ",".join("?" * len(policies))
    rows = db.query(
        "SELECT id, url, final_url, started_at, status, snapshot, etag, last_modified, source FROM fetches"
        f" WHERE policy IN ({marks}) AND source != 'reextract' AND (snapshot IS NOT NULL OR status = 304)"
        " ORDER BY started_at, id", policies)
    partial = out.with_name(f".{out.name}.partial")  # a reader never sees half a WARC
    written: dict[int, tuple[str, str, str]] = {}  # snapshot -> (payload digest, uri, date)
    with open(partial, "wb") as handle:
        writer = WARCWriter(handle, gzip=out.name.endswith(".gz"), warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(out.name, {
            "software": "policydiff", "format": "WARC File Format 1.1",
            "description": "Raw snapshots of privacy policies archived by policydiff"}))
        for row in rows:
            _export_fetch(db, writer, row, written, summary)
    os.replace(partial, out)
    summary.bytes = out.stat().st_size
    summary.seconds = time.perf_counter() - started
    return summary


def _export_fetch(db, writer: WARCWriter, row: dict, written: dict, summary: ExportSummary) -> None:
    uri, date = row["final_url"] or row["url"], row["started_at"]
    summary.fetches += 1
    if row["snapshot"] is None:  # a 304: the server said the page had not changed
        headers = [(k, v) for k, v in (("ETag", row["etag"]), ("Last-Modified", row["last_modified"])) if v]
        record = writer.create_warc_record(uri, "revisit", http_headers=_status(304, headers),
                                           warc_headers_dict={"WARC-Date": date, "WARC-Profile": _NOT_MODIFIED})
        writer.write_request_response_pair(_request(writer, uri), record)
        summary.revisits += 1
        return
    body, stored = load_snapshot(db, row["snapshot"])
    headers = [(k, v) for k, v in stored.items() if k not in _DECODED] + [("Content-Length", str(len(body)))]
    if row["source"] == "import":
        record = writer.create_warc_record(uri, "resource", payload=io.BytesIO(body), length=len(body),
                                           warc_content_type=stored.get("content-type") or "text/html",
                                           warc_headers_dict={"WARC-Date": date})
        writer.write_record(record)
        summary.responses += 1
        return
    if row["snapshot"] in written:
        digest, first_uri, first_date = written[row["snapshot"]]
        record = writer.create_revisit_record(uri, digest, first_uri, first_date,
                                              http_headers=_status(row["status"], headers),
                                              warc_headers_dict={"WARC-Date": date})
        summary.revisits += 1
    else:
        record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), length=len(body),
                                           http_headers=_status(row["status"], headers),
                                           warc_headers_dict={"WARC-Date": date})
        written[row["snapshot"]] = (record.rec_headers.get_header("WARC-Payload-Digest"), uri, date)
        summary.responses += 1
    writer.write_request_response_pair(_request(writer, uri), record)


def _status(status: int | None, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    code = status or 200
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Unknown"
    return StatusAndHeaders(f"{code} {phrase}", headers, protocol="HTTP/1.1")


def _request(writer: WARCWriter, uri: str):
    """What we asked for; the crawler's own request headers are not archived, so only the Host."""
    parts = urlsplit(uri)
    target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    http = StatusAndHeaders(f"GET {target} HTTP/1.1", [("Host", parts.netloc)], is_http_request=True)
    return writer.create_warc_record(uri, "request", http_headers=http)
