"""`policydiff backfill`: a fake Wayback Machine (CDX listing and raw `id_` captures) on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from policydiff.warc import sha1_digest
from tests.pages import edited, policy_html

URL = "https://shop.example/privacy"
CONFIG = f"[policies.shop]\nurl = '{URL}'\n"
V1 = policy_html().encode()
V2 = policy_html(edited(2, "We now share your postal address with our marketing partners so that they can send "
                           "you their catalogues; you can opt out at any time.")).encode()
CHALLENGE = b"<html><head><title>Just a moment...</title></head><body>checking your browser</body></html>"


class RoutesByPath(dict):
    """SiteServer routes that ignore the query string: the CDX handler reads the query itself."""

    def get(self, path, default=None):
        return super().get(path.split("?", 1)[0], default)


class FakeWayback:
    """Serves a CDX JSON listing and the raw captures, with the Memento-Datetime the real one sends."""

    def __init__(self, site):
        self.site, self.captures = site, []
        site.routes = RoutesByPath(site.routes)
        site.route("/cdx/search/cdx", handler=self.cdx)

    def capture(self, timestamp: str, body: bytes = b"", status: int = 200, headers: dict | None = None) -> None:
        self.captures.append([timestamp, URL, str(status), sha1_digest(body)[5:]])
        self.serve(timestamp, body, status, headers)

    def serve(self, timestamp: str, body: bytes = b"", status: int = 200, headers: dict | None = None) -> None:
        moment = datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
        headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {}),
                   "Memento-Datetime": format_datetime(moment, usegmt=True)}
        self.site.route(self.path(timestamp), body, status=status, headers=headers)

    def path(self, timestamp: str) -> str:
        return f"/web/{timestamp}id_/{URL}"

    def cdx(self, handler) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}
        assert query["url"] == URL and query["output"] == "json"
        rows = [c for c in self.captures if query.get("from", "0") <= c[0][:len(query.get("from", "0"))]
                and c[0][:len(query.get("to", "9"))] <= query.get("to", "9")]
        header = ["timestamp", "original", "statuscode", "digest"]
        handler._send(200, {"Content-Type": "application/json"}, json.dumps([header, *rows] if rows else []).encode())

    def fetched(self) -> list[str]:
        return [r["path"].split("id_")[0].removeprefix("/web/") for r in self.site.requests
                if r["path"].startswith("/web/")]


@pytest.fixture
def wayback(server):
    fake = FakeWayback(server)
    fake.capture("20240101000000", V1)
    fake.capture("20240201000000", V1)  # identical digests: collapsed ...
    fake.capture("20240215000000", V1)  # ... but the last one still says "still online then"
    fake.capture("20240301000000", status=302,
                 headers={"Location": server.url("/web/20240301000001id_/https://shop.example/legal")})
    fake.capture("20240310000000", b"<html><body>Internal error</body></html>", status=503)
    fake.capture("20240320000000", CHALLENGE)
    fake.capture("20240401000000", V2)
    return fake


@pytest.fixture
def backfill(cli, write_config, server):
    config = write_config(CONFIG)
    env = {"POLICYDIFF_WAYBACK_URL": server.url(""), "POLICYDIFF_WAYBACK_DELAY": "0"}

    def run(*args: str, check: int | None = None):
        return cli("backfill", "shop", *args, config=config, env=env, check=check)

    run.config = config
    return run


def fetches(db_path) -> list[tuple]:
    con = sqlite3.connect(db_path)
    try:
        return [tuple(r) for r in con.execute("SELECT started_at, outcome, source FROM fetches ORDER BY id")]
    finally:
        con.close()


def test_backfill_in_time_order_with_rejections_and_collapsed_digests(wayback, backfill, cli, db_path, server):
    result = backfill(check=1)
    assert "listed 7 captures, 1 collapsed as identical; imported 6 pages" in result.stdout
    assert "20240301000000 https://shop.example/privacy: redirect: the capture of https://shop.example/privacy " \
           "redirects to https://shop.example/legal" in result.stderr
    assert "server-error: HTTP 503" in result.stderr and "blocked:" in result.stderr
    assert fetches(db_path) == [
        ("2024-01-01T00:00:00Z", "new-version", "wayback"),
        ("2024-02-15T00:00:00Z", "unchanged", "wayback"),  # recorded from the first capture's bytes
        ("2024-03-01T00:00:00Z", "rejected", "wayback"),
        ("2024-03-10T00:00:00Z", "failed", "wayback"),
        ("2024-03-20T00:00:00Z", "rejected", "wayback"),
        ("2024-04-01T00:00:00Z", "new-version", "wayback")]
    assert wayback.fetched() == ["20240101000000", "20240301000000", "20240310000000", "20240320000000",
                                 "20240401000000"]
    assert all("policydiff-backfill" in r["headers"]["User-Agent"] for r in server.requests)
    history = json.loads(cli("history", "shop", "--json", config=backfill.config, check=0).stdout)
    assert [(v["first_seen"], v["last_seen"]) for v in history] == [
        ("2024-01-01T00:00:00Z", "2024-02-15T00:00:00Z"), ("2024-04-01T00:00:00Z", "2024-04-01T00:00:00Z")]

    requests = len(server.requests)
    again = backfill(check=0)
    assert "imported 0 pages" in again.stdout and "skipped 6 already imported" in again.stdout
    assert [r["path"].split("?")[0] for r in server.requests[requests:]] == ["/cdx/search/cdx"]


def test_limit_outage_and_resume_with_from_to(wayback, backfill, db_path, server):
    result = backfill("--limit", "2", check=0)
    assert "imported 2 pages" in result.stdout and "4 captures left for the next run" in result.stdout
    assert [f[0] for f in fetches(db_path)] == ["2024-01-01T00:00:00Z", "2024-02-15T00:00:00Z"]

    server.route(wayback.path("20240320000000"), b"busy", status=503, headers={"Retry-After": "60"})
    result = backfill(check=1)  # the Wayback Machine itself fails: stop, record nothing for it
    assert ("backfill stopped: capture 20240320000000 of https://shop.example/privacy: the Wayback Machine "
            "answered HTTP 503; run it again to resume") in result.stderr
    assert [f[0] for f in fetches(db_path)][-1] == "2024-03-10T00:00:00Z"

    wayback.serve("20240320000000", CHALLENGE)  # back up
    requests = len(server.requests)
    result = backfill("--from", "2024-03-15", "--to", "2024-12-31", check=1)
    assert "listed 2 captures" in result.stdout and "imported 2 pages" in result.stdout
    query = parse_qs(urlsplit(server.requests[requests]["path"]).query)
    assert (query["from"], query["to"]) == (["20240315000000"], ["20241231000000"])
    assert [f[:2] for f in fetches(db_path)][-2:] == [("2024-03-20T00:00:00Z", "rejected"),
                                                     ("2024-04-01T00:00:00Z", "new-version")]


def test_capture_served_from_another_time_is_skipped(server, backfill, db_path):
    fake = FakeWayback(server)
    fake.capture("20240101000000", V1)
    fake.captures.append(["20240105000000", URL, "200", "OTHERDIGEST"])  # listed, but Wayback redirects
    server.route(fake.path("20240105000000"), status=302,
                 headers={"Location": server.url(fake.path("20240101000000"))})
    result = backfill(check=0)
    assert "imported 1 pages" in result.stdout
    assert "skipped 1 captures the Wayback Machine did not serve as listed" in result.stdout


def test_backfill_errors(backfill, cli, write_config, server):
    assert backfill("--limit", "0").returncode == 2
    result = cli("backfill", "shop", config=write_config(CONFIG), env={"POLICYDIFF_WAYBACK_URL": "ftp://x"})
    assert result.returncode == 2 and "not an http(s) URL" in result.stderr
    assert cli("backfill", "nope", config=write_config(CONFIG)).returncode == 2
    result = backfill("--from", "last year")
    assert result.returncode == 2 and "ISO 8601" in result.stderr
    FakeWayback(server)  # no capture at all
    assert "listed 0 captures" in backfill(check=0).stdout
    server.routes.pop("/cdx/search/cdx")  # the server answers 404: no CDX API there
    result = backfill(check=1)
    assert "backfill stopped: cannot list captures" in result.stderr and "HTTP 404" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
