"""The evidence path's edge cases: confirmations, new rules, redirects, old pages, crashing pages."""

from __future__ import annotations

import json

import pytest

from archive import sync_policies
from crawler.record import Page, record_page
from policydiff.config import Policy
from tests.pages import SECTIONS, policy_html

URL = "http://shop.example/privacy"
FINAL = "https://www.shop.example/privacy/"
LINK = "<p>Questions? Read <a href='/contact'>our contact page</a> or write to us at any time.</p>"
SHRUNK = SECTIONS[:1]


def policy(**rules) -> Policy:
    return Policy(id="shop", name="Shop", url=URL, **rules)


@pytest.fixture
def db(fresh_db):
    sync_policies(fresh_db, [policy()])
    return fresh_db


def fetch(db, html: str, at: str, *, rules: Policy | None = None, status: int = 200, final_url: str | None = None):
    return record_page(db, Page(policy=rules or policy(), url=URL, started_at=at, status=status,
                                headers={"Content-Type": "text/html"}, body=html.encode(), final_url=final_url))


def versions(db) -> list[tuple]:
    return [tuple(r) for r in db.execute("SELECT kind, first_seen, extractor_version FROM versions ORDER BY id")]


def test_a_confirmed_change_through_a_redirect_dates_from_its_first_sighting(db):
    fetch(db, policy_html(extra=LINK), "2024-01-01T00:00:00Z", final_url=FINAL)
    assert fetch(db, policy_html(SHRUNK, extra=LINK), "2024-01-02T00:00:00Z", final_url=FINAL).outcome == "rejected"
    confirmed = fetch(db, policy_html(SHRUNK, extra=LINK), "2024-01-03T00:00:00Z", final_url=FINAL)
    assert confirmed.outcome == "new-version"
    assert versions(db)[1][1] == "2024-01-02T00:00:00Z"
    assert db.execute("SELECT detected_at FROM changes").fetchone()[0] == "2024-01-02T00:00:00Z"


def test_new_rules_with_the_same_text_leave_confirmations_working(db):
    fetch(db, policy_html(), "2024-01-01T00:00:00Z", rules=policy(select=("main",)))
    same_text = policy(select=("main",), remove=(".never-there",))
    assert fetch(db, policy_html(), "2024-01-02T00:00:00Z", rules=same_text).outcome == "unchanged"
    assert db.execute("SELECT count(*) FROM fetches WHERE source = 'reextract'").fetchone()[0] == 0
    assert versions(db)[0][2].startswith("1+")  # the version now carries the new rules' fingerprint
    rejected = fetch(db, policy_html(SHRUNK, extra=LINK), "2024-01-03T00:00:00Z", rules=same_text)
    assert rejected.outcome == "rejected" and rejected.reason.startswith("lost-text:")
    assert fetch(db, policy_html(SHRUNK, extra=LINK), "2024-01-04T00:00:00Z", rules=same_text).outcome == "new-version"
    assert db.execute("SELECT last_seen FROM versions WHERE id = 1").fetchone()[0] == "2024-01-02T00:00:00Z"


def test_rules_the_stored_page_does_not_fit_start_a_technical_version(db):
    fetch(db, policy_html(), "2024-01-01T00:00:00Z")
    redesigned = policy_html(extra=LINK).replace("<main>", "<main><div id='policy'>").replace("</main>", "</div></main>")
    result = fetch(db, redesigned, "2024-01-02T00:00:00Z", rules=policy(select=("#policy",)))
    assert result.outcome == "new-version"
    assert [v[0] for v in versions(db)] == ["policy", "technical"]


def test_a_304_from_the_home_page_is_no_confirmation_of_the_policy(db):
    fetch(db, policy_html(), "2024-01-01T00:00:00Z")
    result = record_page(db, Page(policy=policy(), url=URL, started_at="2024-02-01T00:00:00Z", status=304,
                                  final_url="http://shop.example/", redirects=(301,)))
    assert result.outcome == "rejected"
    assert db.execute("SELECT last_seen FROM versions").fetchone()[0] == "2024-01-01T00:00:00Z"


def test_a_page_older_than_the_archive_is_refused(db):
    fetch(db, policy_html(), "2024-02-01T00:00:00Z")
    result = fetch(db, policy_html(SHRUNK * 3), "2024-01-01T00:00:00Z")
    assert result.outcome == "rejected" and result.reason.startswith("older:")
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 1


def test_an_undecodable_cloudflare_address_does_not_lose_the_fetch(db):
    extra = "<p>Write to <a class='__cf_email__' data-cfemail='4242'>[email protected]</a> with questions.</p>"
    assert fetch(db, policy_html(extra=extra), "2024-01-01T00:00:00Z").outcome == "new-version"


@pytest.mark.parametrize("length, kept", [("{n}", True), ("0{n}", True), ("{n}, {n}", True), ("{n} ,{n}", True),
                                          ("{coded}", False), ("{n}, {coded}", False), ("many", True)])
def test_a_snapshot_keeps_content_length_only_when_it_counts_the_body_kept(db, length, kept):
    """A body decoded on receipt (gzip, br) is kept without the length of its coded bytes; any spelling of
    the body's own length, and a value that is no length at all, is kept as received."""
    body = policy_html().encode()
    value = length.format(n=len(body), coded=len(body) // 3)
    record_page(db, Page(policy=policy(), url=URL, started_at="2024-01-01T00:00:00Z", status=200,
                         headers={"Content-Type": "text/html", "Content-Length": value}, body=body))
    [headers] = [json.loads(row[0]) for row in db.execute("SELECT headers FROM snapshots")]
    assert headers.get("content-length") == (value if kept else None)
