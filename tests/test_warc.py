"""`import --warc` and `export --warc`: WARC files written here in the styles of wget, Heritrix and
browsers' archivers, imported through the crawl's path; the archive exported and imported back."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import sync_policies
from policydiff import sites
from policydiff.config import load_config
from policydiff.warc import import_warcs
from tests.conftest import ROOT
from tests.pages import edited, policy_html

URL = "https://shop.example/privacy"
CONFIG = f"[policies.shop]\nurl = '{URL}'\n"
HTML = [("Content-Type", "text/html; charset=utf-8")]
V1 = policy_html().encode()
V1_CHROME = policy_html(chrome="Call 555-0199").encode()
V2 = policy_html(edited(1, "We use your information only to ship your orders and for nothing else, ever, "
                           "and we delete it after one year.")).encode()
CHALLENGE = b"<html><head><title>Just a moment...</title></head><body>checking</body></html>"


class Warc:
    """A WARC file written record by record, as a given tool writes them."""

    def __init__(self, path: Path, *, version: str = "1.0"):
        self.path, self.handle = path, open(path, "wb")
        self.writer = WARCWriter(self.handle, gzip=path.name.endswith(".gz"), warc_version=version)

    def response(self, uri: str, at: str, body: bytes = b"", *, status: str = "200 OK", headers=HTML,
                 raw: bytes | None = None, write: bool = True):
        """A response; ``raw`` is the whole HTTP message as received (status line, headers, encoded body)."""
        if raw is not None:
            record = self.writer.create_warc_record(uri, "response", payload=BytesIO(raw), length=len(raw),
                                                    warc_headers_dict={"WARC-Date": at})
        else:
            http = StatusAndHeaders(status, list(headers), protocol="HTTP/1.1")
            record = self.writer.create_warc_record(uri, "response", payload=BytesIO(body), length=len(body),
                                                    http_headers=http, warc_headers_dict={"WARC-Date": at})
        if write:
            self.writer.write_record(record)
        return record

    def request(self, uri: str, at: str) -> None:
        http = StatusAndHeaders("GET /privacy HTTP/1.1", [("Host", "shop.example")], is_http_request=True)
        self.writer.write_record(self.writer.create_warc_record(uri, "request", http_headers=http,
                                                                warc_headers_dict={"WARC-Date": at}))

    def revisit(self, original, at: str) -> None:
        """Heritrix's deduplication: same payload digest as an earlier response, no payload."""
        headers = original.rec_headers
        self.writer.write_record(self.writer.create_revisit_record(
            headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Payload-Digest"),
            headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date"),
            http_headers=StatusAndHeaders("200 OK", HTML, protocol="HTTP/1.1"), warc_headers_dict={"WARC-Date": at}))

    def resource(self, uri: str, at: str, body: bytes, content_type: str) -> None:
        self.writer.write_record(self.writer.create_warc_record(
            uri, "resource", payload=BytesIO(body), length=len(body), warc_content_type=content_type,
            warc_headers_dict={"WARC-Date": at}))

    def close(self) -> Path:
        self.handle.close()
        return self.path


def chunked_gzip(body: bytes) -> bytes:
    """wget keeps the bytes as they came: gzip content, chunked transfer."""
    packed = gzip.compress(body)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(packed[i:i + 500]), packed[i:i + 500]) for i in range(0, len(packed), 500))
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")


def rows(db_path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db_path)
    try:
        return [tuple(r) for r in con.execute(sql)]
    finally:
        con.close()


def three_tools(tmp_path: Path) -> list[Path]:
    heritrix = Warc(tmp_path / "heritrix.warc.gz")
    heritrix.resource("dns:shop.example", "2024-01-01T00:00:00Z", b"shop.example. 300 IN A 192.0.2.1", "text/dns")
    first = heritrix.response(URL, "2024-01-01T00:00:01Z", V1)
    heritrix.revisit(first, "2024-01-05T00:00:00Z")
    heritrix.response(URL, "2024-03-01T00:00:00Z", status="301 Moved Permanently",
                      headers=[("Location", "/legal/privacy")])
    heritrix.response("https://shop.example/legal/privacy", "2024-03-01T00:00:04Z", V2)

    wget = Warc(tmp_path / "wget.warc.gz")
    wget.request(URL, "2024-01-20T00:00:00Z")
    record = wget.response(URL, "2024-01-20T00:00:00Z", raw=chunked_gzip(V1_CHROME), write=False)
    record.rec_headers.replace_header("WARC-Target-URI", f"<{URL}>")  # WARC 1.1's grammar, which some tools write
    wget.writer.write_record(record)

    browser = Warc(tmp_path / "browser.warc", version="1.1")
    browser.resource("urn:pageinfo:" + URL, "2024-02-15T00:00:00Z", b'{"url": "%s"}' % URL.encode(),
                     "application/json")
    browser.response(URL.upper().replace("/PRIVACY", "/privacy") + "#top", "2024-02-15T00:00:00.250Z", CHALLENGE)
    browser.response("https://shop.example/site.css", "2024-02-15T00:00:01Z", b"body{}",
                     headers=[("Content-Type", "text/css")])
    return [browser.close(), wget.close(), heritrix.close()]


def test_wget_heritrix_and_browser_warcs_import_in_time_order(tmp_path, write_config, cli, db_path):
    config = write_config(CONFIG)
    result = cli("import", "--warc", *map(str, three_tools(tmp_path)), config=config, check=1)
    assert "browser.warc: HTTPS://SHOP.EXAMPLE/privacy#top at 2024-02-15T00:00:00Z: blocked" in result.stderr
    assert "imported 5 pages" in result.stdout
    assert rows(db_path, "SELECT started_at, outcome, final_url, source FROM fetches ORDER BY id") == [
        ("2024-01-01T00:00:01Z", "new-version", URL, "warc"),
        ("2024-01-05T00:00:00Z", "unchanged", URL, "warc"),  # the revisit: Heritrix's payload digest
        ("2024-01-20T00:00:00Z", "unchanged", URL, "warc"),  # wget's chunked gzip, decoded; chrome differs
        ("2024-02-15T00:00:00Z", "rejected", "HTTPS://SHOP.EXAMPLE/privacy#top", "warc"),
        ("2024-03-01T00:00:00Z", "new-version", "https://shop.example/legal/privacy", "warc")]
    history = json.loads(cli("history", "shop", "--json", config=config, check=0).stdout)
    assert [(v["number"], v["first_seen"], v["last_seen"]) for v in history] == [
        (1, "2024-01-01T00:00:01Z", "2024-01-20T00:00:00Z"), (2, "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z")]


def test_importing_again_records_nothing_and_older_captures_are_skipped(tmp_path, write_config, cli, db_path):
    config = write_config(CONFIG)
    files = [str(p) for p in three_tools(tmp_path)]
    cli("import", "--warc", *files, config=config, check=1)
    again = cli("import", "--warc", *files, config=config, check=0)
    assert "imported 0 pages" in again.stdout and "skipped 5 already imported" in again.stdout
    old = Warc(tmp_path / "old.warc.gz")
    old.response(URL, "2024-02-01T00:00:00Z", V1)  # before v2, which the archive already has
    old.response(URL, "2024-04-01T00:00:00Z", V2)
    result = cli("import", "--warc", str(old.close()), config=config, check=0)
    assert "imported 1 pages" in result.stdout and "1 unchanged" in result.stdout
    assert "skipped 1 at or before the policy's last archived time (versions are append-only)" in result.stdout
    assert len(rows(db_path, "SELECT id FROM fetches")) == 6


def test_unfollowable_redirect_server_error_and_unresolved_revisit(tmp_path, fresh_db, write_config):
    policy = load_config(write_config(CONFIG)).policies["shop"]
    sync_policies(fresh_db, [policy])
    warc = Warc(tmp_path / "problems.warc.gz")
    warc.response(URL, "2024-01-01T00:00:00Z", status="302 Found", headers=[("Location", "https://elsewhere.example/")])
    warc.response(URL, "2024-01-02T00:00:00Z", b"<html><body>oops</body></html>", status="503 Service Unavailable")
    orphan = Warc(tmp_path / "orphan.warc.gz")  # its original lives in a file we do not import
    original = orphan.response(URL, "2023-12-01T00:00:00Z", V1)
    orphan.close()
    warc.revisit(original, "2024-01-03T00:00:00Z")
    summary = import_warcs(fresh_db, [policy], [warc.close()])
    assert summary.outcomes == {"rejected": 1, "failed": 1}
    assert summary.skipped == {"revisit-unresolved": 1}
    assert "redirects to https://elsewhere.example/, whose capture is not at hand" in summary.problems[0]
    assert "server-error: HTTP 503" in summary.problems[1]
    assert fresh_db.execute("SELECT count(*) FROM versions").fetchone()[0] == 0


def test_time_findings_on_imported_history(tmp_path, write_config, cli):
    """Posting period and backdated revision date, judged on WARC history as on crawled history."""
    config = write_config((ROOT / "policies.toml").read_text(encoding="utf-8"))
    mega, trk = load_config(config).policies["megatoners"].url, load_config(config).policies["tonerrefillkits"].url
    base = sites.render_page("megatoners")
    first = base.replace(b"We also collect your email for special sales",
                         b"We also collect your phone number and email for special sales")
    second = first.replace(b"AOL.)", b"AOL and other providers.)")
    old = sites.render_page("tonerrefillkits")
    new = (old.replace(b"We do not sell information to third parties.",
                       b"We may share your personal information with our marketing partners.")
           .replace(b"2016.02.15", b"2024.04.01"))
    assert len({base, first, second}) == 3 and new != old
    warc = Warc(tmp_path / "history.warc.gz")
    for at, body in (("2024-01-01", base), ("2024-01-10", first), ("2024-01-13", second)):
        warc.response(mega, f"{at}T00:00:00Z", body)
    original = warc.response(trk, "2024-01-01T00:00:00Z", old)
    warc.revisit(original, "2024-04-10T00:00:00Z")  # the old text was still online on April 10
    warc.response(trk, "2024-04-11T00:00:00Z", new)  # ... yet the new one says "Last Revised: 2024.04.01"
    cli("import", "--warc", str(warc.close()), config=config, check=0)
    changes = json.loads(cli("changes", "--json", config=config, check=0).stdout)
    codes = {(c["policy"], c["to_version"]): {f["code"] for f in c["findings"]} for c in changes}
    assert "posting-period-not-met" not in codes[("megatoners", 2)]  # v1 is the first version we saw
    assert "posting-period-not-met" in codes[("megatoners", 3)]
    assert "revision-date-backdated" in codes[("tonerrefillkits", 2)]


def test_export_round_trip(tmp_path, server, write_config, cli, db_path):
    """Import a WARC, a saved file and two crawls; export; read it back; import it into a fresh archive."""
    url = server.url("/privacy")
    config = write_config(f"[policies.shop]\nurl = '{url}'\n")
    source = Warc(tmp_path / "source.warc.gz")
    source.response(url, "2024-01-01T00:00:00Z", V1, headers=HTML + [("ETag", '"v1"')])
    source.response(url, "2024-02-01T00:00:00Z", V1)
    source.response(url, "2024-03-01T00:00:00Z", V2)
    source.response(url, "2024-03-02T00:00:00Z", b"<html><body>down</body></html>", status="503 Service Unavailable")
    cli("import", "--warc", str(source.close()), config=config, check=1)
    saved = tmp_path / "saved.html"
    saved.write_bytes(policy_html(edited(0, "We collect your name and your email address, and nothing else, "
                                            "when you place an order; we keep no logs of your visits.")).encode())
    cli("import", "shop", str(saved), "--at", "2024-04-01T00:00:00Z", config=config, check=0)
    server.route("/privacy", saved.read_bytes(), etag='"v3"')
    cli("crawl", config=config, check=0)  # same bytes: unchanged
    # The archive's times have one-second resolution, and a crawl of one page takes less than that:
    # two fetches within one second would be one capture time, which an import rightly skips.
    start_in_a_later_second()
    cli("crawl", config=config, check=0)  # If-None-Match: 304, not modified

    out = tmp_path / "out.warc.gz"
    result = cli("export", "--warc", str(out), config=config, check=0)
    assert "7 fetches as 5 payload and 2 revisit records" in result.stdout
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(out)], capture_output=True,
                           text=True)
    assert check.returncode == 0 and "digest pass" in check.stdout, check.stdout + check.stderr

    with open(out, "rb") as handle:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header("WARC-Date"),
                    r.rec_headers.get_header("WARC-Record-ID"), r.rec_headers.get_header("WARC-Concurrent-To"),
                    r.rec_headers.get_header("WARC-Profile") or "",
                    r.http_headers.get_statuscode() if r.http_headers else None)
                   for r in ArchiveIterator(handle)]
    kinds = [r[0] for r in records]
    assert kinds == ["warcinfo", "response", "request", "revisit", "request", "response", "request",
                     "response", "request", "resource", "response", "request", "revisit", "request"]
    fetched = rows(db_path, "SELECT started_at, status FROM fetches ORDER BY started_at, id")
    answers = [r for r in records if r[0] in ("response", "revisit", "resource")]
    assert [(r[2], int(r[6] or 200)) for r in answers] == fetched
    requests = [r for r in records if r[0] == "request"]
    assert [r[4] for r in requests] == [r[3] for r in answers if r[0] != "resource"]
    assert answers[1][5].endswith("/identical-payload-digest") and answers[-1][5].endswith("/server-not-modified")
    assert all(r[1] == url for r in records[1:])

    fresh = tmp_path / "fresh.db"
    cli("import", "--warc", str(out), config=config, env={"POLICYDIFF_DB": str(fresh)}, check=1)
    versions = "SELECT text, first_seen, last_seen, kind FROM versions ORDER BY id"
    assert rows(fresh, versions) == rows(db_path, versions) and len(rows(fresh, versions)) == 3
    outcomes = "SELECT started_at, outcome, status FROM fetches ORDER BY started_at, id"
    assert rows(fresh, outcomes) == rows(db_path, outcomes)


def start_in_a_later_second() -> None:
    """Return once the UTC second has changed (at most one second from now)."""
    import time

    now = int(time.time())
    while int(time.time()) == now:
        time.sleep(0.01)


def test_import_warc_usage_errors_exit_2(tmp_path, write_config, cli):
    config = write_config(CONFIG)
    result = cli("import", "shop", "--warc", "a.warc", config=config)
    assert result.returncode == 2 and "takes no ID" in result.stderr
    (tmp_path / "page.html").write_text("<html></html>")
    result = cli("import", "--warc", str(tmp_path / "page.html"), config=config)
    assert result.returncode == 2 and "page.html: not a readable WARC file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = cli("import", "--warc", str(tmp_path / "missing.warc.gz"), config=config)
    assert result.returncode == 2 and "missing.warc.gz: cannot read" in result.stderr
    result = cli("export", "--warc", str(tmp_path / "no" / "such" / "dir.warc.gz"), config=config)
    assert result.returncode == 2 and "cannot write" in result.stderr
