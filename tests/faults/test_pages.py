"""Blocked and broken pages: recorded as `rejected` with a reason, never a version; moves reported."""

from __future__ import annotations

import hashlib

from tests.faults import handlers
from tests.faults.conftest import CRAWL
from tests.pages import policy_html
from tests.test_crawl import rows

PAGE = policy_html().encode()
INCAPSULA = ("<html><head><META NAME='robots' CONTENT='noindex,nofollow'>"
             "<script src='/_Incapsula_Resource?SWJIYLWA=719d34d31c8e3a6e6fffd425f7e032f3'></script></head>"
             "<body><iframe src='/_Incapsula_Resource?CWUDNSAI=23'>Request unsuccessful. Incapsula incident ID: "
             "938001080181785405-41823489061227265</iframe></body></html>")
ACCESS_DENIED = ("<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>You don't have "
                 "permission to access this page on this server.<P>Reference #18.4f2d1402.1700000000.1a2b3c4d"
                 "</BODY></HTML>")


def test_blocked_and_broken_pages_are_rejected_and_never_a_version(server, configure, cli, db_path, tmp_path):
    server.route("/not-acceptable", policy_html(), status=406)
    server.route("/incapsula", INCAPSULA)
    server.route("/access-denied", ACCESS_DENIED)
    server.route("/removed", "<html><body>Gone</body></html>", status=410)
    server.route("/short-body", handler=handlers.short_body(PAGE[:-300], len(PAGE)))
    server.route("/", policy_html(title="Welcome to Example Shop"))
    server.route("/to-home", status=301, headers={"Location": "/", "Content-Length": "0"})
    server.route("/to-ftp", status=302, headers={"Location": "ftp://127.0.0.1/privacy.html", "Content-Length": "0"})
    local = tmp_path / "policy.html"
    local.write_text(policy_html(title="A local file that must never be read"), encoding="utf-8")
    server.route("/to-file", status=302, headers={"Location": local.as_uri(), "Content-Length": "0"})
    server.route("/refresh-to-file", f"<html><head><meta http-equiv='refresh' content='0; url={local.as_uri()}'>"
                                     "</head><body></body></html>")
    server.route("/huge", PAGE + b"<!--" + b"x" * 200_000 + b"-->")
    server.route("/selector", policy_html())
    expected = {"not-acceptable": "blocked", "incapsula": "blocked", "access-denied": "blocked",
                "removed": "gone", "short-body": "truncated", "to-home": "moved", "to-ftp": "redirect-scheme",
                "to-file": "redirect-scheme", "refresh-to-file": "too-short", "huge": "too-large",
                "selector": "structure-changed"}
    config = configure(crawl=CRAWL + "max_bytes = 100000\n", **{pid: f"/{pid}" for pid in expected})
    config.write_text(config.read_text().replace(
        f"url = '{server.url('/selector')}'", f"url = '{server.url('/selector')}'\nselect = ['#policy-text']"))
    result = cli("crawl", config=config, check=1)
    recorded = {r["policy"]: r for r in rows(db_path, "SELECT * FROM fetches")}
    for pid, code in expected.items():
        assert recorded[pid]["outcome"] == "rejected", recorded[pid]
        assert recorded[pid]["reason"].startswith(f"{code}:"), recorded[pid]
        assert f"{pid} " in result.stdout
    assert "redirects to the home page" in recorded["to-home"]["reason"]
    assert recorded["to-home"]["final_url"] == server.url("/")
    assert rows(db_path, "SELECT count(*) AS n FROM versions")[0]["n"] == 0
    # Nothing was read from the local file, by redirect or by <meta refresh> (Scrapy follows neither to
    # file:, and crawler/settings.py disables the file: handler besides): no snapshot holds it.
    secret = hashlib.sha256(local.read_bytes()).hexdigest()
    assert secret not in {s["sha256"] for s in rows(db_path, "SELECT sha256 FROM snapshots")}


def test_a_permanent_move_is_archived_and_reported_on_every_run(server, configure, cli, db_path):
    server.route("/privacy", status=301, headers={"Location": "/legal/privacy", "Content-Length": "0"})
    server.route("/legal/privacy", policy_html())
    server.route("/temporary", status=302, headers={"Location": "/legal/privacy", "Content-Length": "0"})
    config = configure(shop="/privacy", other="/temporary")
    for outcome in ("new-version", "unchanged"):
        result = cli("crawl", "shop", "other", config=config, check=0)
        line = next(line for line in result.stdout.splitlines() if line.startswith("shop "))
        assert line.split()[1] == outcome
        assert f"moved: {server.url('/privacy')} redirects permanently (HTTP 301) to {server.url('/legal/privacy')}" \
            in line
    fetches = rows(db_path, "SELECT policy, final_url, reason FROM fetches ORDER BY id")
    assert {f["final_url"] for f in fetches} == {server.url("/legal/privacy")}
    assert all(f["reason"] is None for f in fetches if f["policy"] == "other")  # a 302 is not a move


def test_wrong_or_missing_charset_still_gives_the_right_text(server, configure, cli, db_path):
    text = policy_html(extra="<p>We’re proud of our café’s “privacy first” résumé policy.</p>")
    cp1252 = text.encode("windows-1252")
    server.route("/lying", cp1252, headers={"Content-Type": "text/html; charset=utf-8"})
    server.route("/silent", cp1252, headers={"Content-Type": "text/html"})
    server.route("/right", text.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"})
    cli("crawl", config=configure(lying="/lying", silent="/silent", right="/right"), check=0)
    versions = {r["policy"]: r["text"] for r in rows(db_path, "SELECT policy, text FROM versions")}
    assert "We’re proud of our café’s “privacy first” résumé policy." in versions["right"]
    assert versions["lying"] == versions["silent"] == versions["right"]  # no mojibake, no U+FFFD
