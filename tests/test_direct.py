"""The direct path (crawler/direct.py): plain fetches without Scrapy, the rest handed to the spider."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from http.client import RemoteDisconnected

import pytest
from scrapy.settings import Settings

from crawler import settings as crawl_settings
from crawler.fetcher import Options, _Host, _Site

from tests.conftest import rows, run_crawl, socket_closed_port
from tests.pages import policy_html

PAGE = policy_html().encode()
HTML = {"Content-Type": "text/html; charset=utf-8"}


def test_plain_fetches_are_settled_without_starting_scrapy(server, write_config, db_path):
    server.route("/a", PAGE, etag='"a1"')
    server.route("/b", policy_html(title="Privacy Notice"), headers={**HTML, "Last-Modified": "Mon, 02 Nov 2026 10:00:00 GMT"})
    config = write_config(f"[policies.a]\nurl = '{server.url('/a')}'\n[policies.b]\nurl = '{server.url('/b')}'\n")
    first = run_crawl(db_path, config).stdout
    assert first.split()[-1] == "False" and first.count("new-version") == 2
    second = run_crawl(db_path, config).stdout
    assert second.split()[-1] == "False"
    assert [line.split()[:2] for line in second.splitlines()[:2]] == [["a", "not-modified"], ["b", "unchanged"]]
    pages = [r for r in server.requests if r["path"] != "/robots.txt"]
    assert len(pages) == 4  # one request a page a run, nothing asked twice
    assert pages[2]["headers"]["If-None-Match"] == '"a1"'
    # One keep-alive connection for the site in each run: robots.txt and both pages on it.
    assert len({r["client"] for r in server.requests}) == 2


def test_both_paths_archive_the_same_fetch(server, write_config, tmp_path):
    """Gzip, repeated headers, a 404: what the direct path records is what the spider records."""
    server.route("/gz", gzip.compress(PAGE), headers={**HTML, "Content-Encoding": "gzip", "ETag": '"g"'})
    server.route("/gone", "<html><body>Not found</body></html>", status=404)
    config = write_config(f"[policies.gz]\nurl = '{server.url('/gz')}'\n[policies.gone]\nurl = '{server.url('/gone')}'\n")
    archived = {}
    for direct in (True, False):
        db_path = tmp_path / f"direct-{direct}.db"
        run_crawl(db_path, config, overrides={"POLICYDIFF_DIRECT": direct})
        archived[direct] = rows(db_path, "SELECT f.policy, f.outcome, f.status, f.reason, f.etag, s.sha256, s.headers,"
                                         " v.text FROM fetches f LEFT JOIN snapshots s ON s.id = f.snapshot"
                                         " LEFT JOIN versions v ON v.id = f.version ORDER BY f.policy")
    for row in archived[True] + archived[False]:
        headers = json.loads(row.pop("headers"))
        assert "content-encoding" not in headers and headers["content-type"].startswith("text/html")
        # The length of the gzip bytes would contradict the snapshot's size and hash: left out with it.
        assert ("content-length" in headers) == (row["policy"] != "gz"), headers
        row["header_names"] = sorted(set(headers) - {"date", "server"})
    assert archived[True] == archived[False]
    assert [r["outcome"] for r in archived[True]] == ["rejected", "new-version"]


def test_with_no_retries_a_fault_is_recorded_after_one_attempt(server, write_config, db_path):
    server.route("/busy", "<html><body>busy</body></html>", status=503)
    with socket_closed_port() as port:
        config = write_config(f"[policies.busy]\nurl = '{server.url('/busy')}'\n"
                              f"[policies.down]\nurl = 'http://127.0.0.1:{port}/privacy'\n", crawl="delay = 0\nretries = 0\n")
        out = run_crawl(db_path, config).stdout
    assert out.split()[-1] == "False"
    assert len(server.hits("/busy")) == 1
    reasons = {r["policy"]: r["reason"] for r in rows(db_path, "SELECT policy, reason FROM fetches")}
    assert reasons["busy"].startswith("server-error:") and reasons["down"].startswith("refused:")


def test_one_request_at_a_time_per_site_with_the_delay_also_across_the_handoff(server, write_config, db_path):
    server.route("/p1", PAGE)
    server.route("/p2", policy_html(title="Privacy Notice"))
    server.route("/moved", status=301, headers={"Location": server.url("/p1")})
    config = write_config("".join(f"[policies.{p}]\nurl = '{server.url('/' + p)}'\n" for p in ("p1", "p2", "moved")),
                          crawl="delay = 0.4\n")
    run_crawl(db_path, config)
    times = [r["at"] for r in server.requests]
    # direct: robots, p1, p2, moved; the spider: robots, moved, p1 (the redirect's target)
    assert len(times) == 7
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.4 * 0.5 - 0.01, gaps  # Scrapy's randomized delay: 0.5x to 1.5x


def test_one_host_on_two_ports_is_one_site_for_politeness(server, write_config, db_path):
    """Scrapy's download slot is the host name: two ports (or http and https) of one host are asked one
    request at a time, with the delay between them, each port with its own robots.txt."""
    from policydiff.server import SiteServer

    with SiteServer() as other:
        for site in (server, other):
            site.route("/robots.txt", "User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
            for n in range(2):
                site.route(f"/p{n}", policy_html(title=f"Privacy Policy {n}"))
        config = write_config("".join(f"[policies.{name}{n}]\nurl = '{site.url(f'/p{n}')}'\n"
                                      for name, site in (("a", server), ("b", other)) for n in range(2)),
                              crawl="delay = 0.3\n")
        run_crawl(db_path, config)
        times = sorted(r["at"] for site in (server, other) for r in site.requests)
    assert len(times) == 6  # two robots.txt, four pages
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.3 * 0.5 - 0.01, gaps  # Scrapy's randomized delay: 0.5x to 1.5x


def test_verbose_crawl_logs_each_direct_fetch_and_handoff(server, write_config, cli):
    server.route("/plain", PAGE)
    server.route("/moved", status=302, headers={"Location": server.url("/plain")})
    config = write_config(f"[policies.plain]\nurl = '{server.url('/plain')}'\n"
                          f"[policies.moved]\nurl = '{server.url('/moved')}'\n")
    result = cli("crawl", "-v", config=config, check=0)
    assert f"GET {server.url('/plain')}: 200 in " in result.stderr
    assert f"GET {server.url('/moved')}: handed to the spider (HTTP 302, redirect)" in result.stderr
    quiet = cli("crawl", config=config, check=0)
    assert "[crawler.direct]" not in quiet.stderr


def test_behind_a_proxy_every_request_goes_through_it(server, write_config, db_path, monkeypatch):
    """http_proxy set: the direct path steps aside and Scrapy's proxy middleware sends the request."""
    server.route("http://policy.invalid/privacy", PAGE)  # what a proxy is asked for: the absolute URL
    monkeypatch.setenv("http_proxy", server.url())
    config = write_config("[policies.shop]\nurl = 'http://policy.invalid/privacy'\n")
    out = run_crawl(db_path, config).stdout
    assert out.splitlines()[0].split()[:2] == ["shop", "new-version"]
    assert [r["path"] for r in server.requests] == ["http://policy.invalid/robots.txt", "http://policy.invalid/privacy"]


def test_a_body_shorter_than_its_content_length_is_never_recorded_as_a_page(server, write_config, db_path):
    def short(handler):  # promises 10,000 bytes, sends 2,000 and closes
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", "10000")
        handler.end_headers()
        handler.wfile.write(PAGE[:2000])
        handler.close_connection = True

    server.route("/short", handler=short)
    config = write_config(f"[policies.short]\nurl = '{server.url('/short')}'\n", crawl="delay = 0\nretries = 0\n")
    run_crawl(db_path, config)
    fetch = rows(db_path, "SELECT outcome, reason, snapshot FROM fetches")[0]
    assert fetch["outcome"] == "rejected" and fetch["reason"].startswith("truncated:") and fetch["snapshot"] is None


def test_a_transfer_coding_is_undone_never_archived_as_the_page(server, write_config, db_path):
    """"Transfer-Encoding: gzip, chunked", unasked: the page is the unzipped body, not gzip bytes (which
    would differ at each fetch and read as a new version every run)."""
    packed = gzip.compress(PAGE)

    def gzip_chunked(handler):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                            b"Transfer-Encoding: gzip, chunked\r\n\r\n%x\r\n" % len(packed) + packed + b"\r\n0\r\n\r\n")
        handler.wfile.flush()

    server.route("/te", handler=gzip_chunked)
    config = write_config(f"[policies.te]\nurl = '{server.url('/te')}'\n", crawl="delay = 0\nretries = 0\n")
    run_crawl(db_path, config)
    fetch = rows(db_path, "SELECT f.outcome, s.size, v.text FROM fetches f JOIN snapshots s ON s.id = f.snapshot"
                          " JOIN versions v ON v.id = f.version")[0]
    assert (fetch["outcome"], fetch["size"]) == ("new-version", len(PAGE)) and "personal information" in fetch["text"]


def _site(server, **overrides) -> _Site:
    """The direct path's connection to the server, with the crawl's settings and these overrides."""
    settings = Settings()
    settings.setmodule(crawl_settings)
    settings.update(overrides)
    options = Options.from_settings(settings)
    return _Site("http", f"127.0.0.1:{server.port}", options, _Host(options))


def test_asking_again_on_a_new_connection_keeps_the_first_deadline(server):
    """The kept-alive connection is held 1.2 s and closed unanswered; asked again on a new one, the
    same happens. With a 2 s timeout the second attempt has 0.8 s left: a timeout, not a second
    full 2 s ending in a dropped connection at 2.4 s."""
    release = threading.Event()

    def hold_then_drop(handler):
        release.wait(1.2)
        handler.close_connection = True

    server.route("/warm", "ok")
    server.route("/hold", handler=hold_then_drop)
    site = _site(server, DOWNLOAD_TIMEOUT=2.0, RETRY_ENABLED=False)
    try:
        assert site.get(server.url("/warm"), {}).status == 200
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            site.get(server.url("/hold"), {})
        assert time.monotonic() - started < 2.3
        assert len(server.hits("/hold")) == 2  # asked again, on a new connection
    except RemoteDisconnected:
        pytest.fail("the second attempt had a deadline of its own")
    finally:
        release.set()
        site.close()


def test_a_connection_the_site_closed_while_idle_is_replaced_before_asking_not_retried_after(server):
    """The site closed the kept-alive connection: the next request goes on a new one from the start, so
    a page that drops that new connection is asked once, not twice."""
    closed = threading.Event()

    def answer_then_close(handler):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)  # the end reaches the client before the event
        handler.close_connection = True
        closed.set()

    def drop(handler):
        handler.close_connection = True

    server.route("/a", handler=answer_then_close)
    server.route("/b", handler=drop)
    site = _site(server, RETRY_ENABLED=False)
    try:
        assert site.get(server.url("/a"), {}).status == 200
        assert closed.wait(10)
        with pytest.raises(RemoteDisconnected):
            site.get(server.url("/b"), {})
    finally:
        site.close()
    assert len(server.hits("/b")) == 1


def test_a_size_cap_of_zero_means_no_cap_as_for_scrapy(server):
    server.route("/a", PAGE)
    site = _site(server, DOWNLOAD_MAXSIZE=0)
    try:
        assert site.get(server.url("/a"), {}).body == PAGE
    finally:
        site.close()


def test_multi_member_gzip_is_read_whole(server, write_config, db_path):
    """Two gzip members, as some servers concatenate them: the spider reads both, never half a page."""
    half = len(PAGE) // 2
    server.route("/gz2", gzip.compress(PAGE[:half]) + gzip.compress(PAGE[half:]),
                 headers={**HTML, "Content-Encoding": "gzip"})
    config = write_config(f"[policies.gz2]\nurl = '{server.url('/gz2')}'\n")
    run_crawl(db_path, config)
    assert rows(db_path, "SELECT s.size FROM fetches f JOIN snapshots s ON s.id = f.snapshot")[0]["size"] == len(PAGE)


def test_a_recording_failure_costs_only_its_own_page(server, write_config, db_path):
    server.route("/a", PAGE)
    server.route("/b", policy_html(title="Privacy Notice"))
    config = write_config(f"[policies.a]\nurl = '{server.url('/a')}'\n[policies.b]\nurl = '{server.url('/b')}'\n")
    done = run_crawl(db_path, config, prelude=("import crawler.direct\n"
                                               "record = crawler.direct.record_page\n"
                                               "def flaky(db, page):\n"
                                               "    if page.policy.id == 'a':\n"
                                               "        raise RuntimeError('a bug')\n"
                                               "    return record(db, page)\n"
                                               "crawler.direct.record_page = flaky\n"))
    assert "recording http" in done.stderr and "RuntimeError: a bug" in done.stderr
    assert [r["policy"] for r in rows(db_path, "SELECT policy FROM fetches WHERE outcome = 'new-version'")] == ["b"]


def test_a_fetching_process_that_dies_leaves_its_untaken_sites_to_the_spider(server, write_config, db_path):
    server.route("/a", PAGE)
    server.route("/b", policy_html(title="Privacy Notice"))
    config = write_config(f"[policies.a]\nurl = '{server.url('/a')}'\n"
                          f"[policies.b]\nurl = '{server.url('/b').replace('127.0.0.1', 'localhost')}'\n")
    done = run_crawl(db_path, config, prelude="import os, crawler.direct\ncrawler.direct._fetch = lambda *a: os._exit(9)\n")
    assert "the fetching process ended with exit code 9" in done.stderr and "2 sites it had not taken" in done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[1] for line in lines[:-1]] == ["new-version", "new-version"] and lines[-1] == "True"
