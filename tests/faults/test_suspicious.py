"""Suspicious changes (a stated date going backwards, a page flapping between two states) are never
recorded on one fetch's word: the same text must come back on the next fetch."""

from __future__ import annotations

from tests.pages import edited, policy_html
from tests.test_crawl import rows

NEW_SHARING = "We now share your email address with our advertising partners so that they can show you offers."


def page(revised: str, sections=None) -> str:
    return policy_html(*([sections] if sections else []), extra=f"<p>Last Revised: {revised}</p>")


def crawl(cli, config) -> list[str]:
    """The policy's outcome and reason code from one `policydiff crawl`."""
    line = cli("crawl", config=config).stdout.split(None, 3)
    return [line[1], line[3].split(":")[0] if len(line) > 3 and ":" in line[3] else ""]


def test_a_stated_date_going_backwards_is_recorded_only_when_seen_twice(server, configure, cli, db_path):
    config = configure(shop="/privacy")
    server.route("/privacy", page("2024-05-01"))
    assert crawl(cli, config) == ["new-version", ""]
    # A stale copy (old cache node, mirror) served once: rejected, and then the real page is unchanged.
    server.route("/privacy", page("2023-01-15", edited(2, NEW_SHARING)))
    assert crawl(cli, config) == ["rejected", "date-backwards"]
    server.route("/privacy", page("2024-05-01"))
    assert crawl(cli, config)[0] == "unchanged"
    # The same backdated text twice in a row: a real (backdated) change, recorded and then judged.
    server.route("/privacy", page("2023-01-15", edited(2, NEW_SHARING)))
    assert crawl(cli, config) == ["rejected", "date-backwards"]
    assert crawl(cli, config)[0] == "new-version"
    assert rows(db_path, "SELECT count(*) AS n FROM changes")[0]["n"] == 1
    reason = rows(db_path, "SELECT reason FROM fetches WHERE outcome = 'rejected'")[0]["reason"]
    assert "states 2023-01-15 where the previous version stated 2024-05-01" in reason


def test_a_flapping_page_is_one_change_not_a_stream(server, configure, cli, db_path):
    config = configure(shop="/privacy")
    a, b = policy_html(), policy_html(edited(2, NEW_SHARING))
    seen = []
    for body in (a, b, a, b, a, b):
        server.route("/privacy", body)
        seen.append(crawl(cli, config))
    assert seen == [["new-version", ""], ["new-version", ""], ["rejected", "flapping"], ["unchanged", ""],
                    ["rejected", "flapping"], ["unchanged", ""]]
    assert rows(db_path, "SELECT count(*) AS n FROM changes")[0]["n"] == 1
    reasons = [r["reason"] for r in rows(db_path, "SELECT reason FROM fetches WHERE outcome = 'rejected'")]
    assert all("went back to the text of v1" in r and "after v2" in r for r in reasons)
    # A real rollback stays: the old text served twice in a row is recorded as a version.
    server.route("/privacy", a)
    assert [crawl(cli, config), crawl(cli, config)] == [["rejected", "flapping"], ["new-version", ""]]
    assert [r["number"] for r in rows(db_path, "SELECT number FROM version_log")] == [1, 2, 3]
    assert rows(db_path, "SELECT count(*) AS n FROM changes")[0]["n"] == 2
