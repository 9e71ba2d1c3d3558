"""The archive in Datasette, through Datasette's own client (``datasette.client``) on the instance
``policydiff serve`` builds, against a fixture archive of both retailers: every page, every canned
query, the project's diff and timeline pages, the feed, and that the web can neither write nor show
the outbox's addresses."""

from __future__ import annotations

import asyncio
import sqlite3
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from archive import Fetch, load_snapshot, open_db, record_fetch
from policydiff.serve import build_datasette, load_metadata
from tests.datasette_archive import HOSTILE, SILENT_NEW, SILENT_OLD, build_archive

DB = "archive"  # the fixture file is archive.db


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("datasette"))


@pytest.fixture(scope="module")
def datasette(archive):
    ds = build_datasette(archive.path)
    yield ds
    for database in ds.databases.values():
        database.close()


@pytest.fixture(scope="module")
def run():
    """Run a coroutine on one event loop for the whole module (Datasette keeps per-loop state)."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


@pytest.fixture(scope="module")
def get(datasette, run):
    def get(path: str, status: int = 200):
        response = run(datasette.client.get(path))
        assert response.status_code == status, (path, response.status_code, response.text[:2000])
        return response

    return get


def rows(get, path: str) -> list[dict]:
    return get(path + ("&" if "?" in path else "?") + "_shape=array").json()


class Tags(HTMLParser):
    """Start tags and their attributes, as a browser's parser sees them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._anchors: list[list[str]] = []  # the text inside each <a>, in order
        self._open_anchor: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "a":
            self._open_anchor = []
            self._anchors.append(self._open_anchor)

    def handle_endtag(self, tag):
        if tag == "a":
            self._open_anchor = None

    def handle_data(self, data):
        self.text.append(data)
        if self._open_anchor is not None:
            self._open_anchor.append(data)

    def link_texts(self) -> list[str]:
        return ["".join(parts) for parts in self._anchors]

    def named(self, name: str) -> list[dict]:
        return [attrs for tag, attrs in self.tags if tag == name]

    def hrefs(self) -> set[str]:
        return {attrs.get("href") for attrs in self.named("a")}


# -- every page ----------------------------------------------------------------------------------

def test_every_table_view_and_canned_query_answers(archive, get):
    tables = {r["name"] for r in rows(get, f"/{DB}.json?sql=select name from sqlite_master where type in ('table','view')"
                                            " and name not like 'sqlite_%' and name not like 'versions_fts%'")}
    assert {"policies", "fetches", "snapshots", "versions", "changes", "findings", "version_log", "change_log"} <= tables
    for table in sorted(tables):
        get(f"/{DB}/{table}")
        get(f"/{DB}/{table}.json")
    queries = load_metadata(DB)["databases"][DB]["queries"]
    params = {"policy_timeline": "?policy=megatoners", "stale_policies": "?days=1", "search_versions": "?q=privacy"}
    for name in queries:
        get(f"/{DB}/{name}{params.get(name, '')}")
    for path in ("/", f"/{DB}", f"/{DB}/policies/megatoners", f"/{DB}/versions/{archive.hostile_version}",
                 f"/{DB}/changes/{archive.hostile_change}", "/-/metadata", "/-/plugins.json"):
        get(path)


def test_home_page_describes_the_archive_and_links_the_queries(get):
    page = Tags(get("/").text)
    text = " ".join(page.text)
    assert "Privacy policy archive" in text and "findings" in text
    assert {f"/{DB}/latest_changes", f"/{DB}/search_versions", f"/{DB}/failed_fetches", f"/{DB}/stale_policies",
            f"/{DB}/changes_feed.atom"} <= page.hrefs()


def test_plugin_is_loaded_with_its_hooks(get):
    [plugin] = [p for p in get("/-/plugins.json").json() if p["name"] == "policydiff"]
    assert {"register_routes", "render_cell", "prepare_connection", "register_magic_parameters"} <= set(plugin["hooks"])


# -- metadata in use -----------------------------------------------------------------------------

def test_tables_show_descriptions_facets_sorts_and_policy_names(get):
    changes = get(f"/{DB}/changes.json").json()
    assert changes["query"]["sql"].endswith("order by id desc limit 51")
    assert "policy" in changes["facet_results"]
    facet = {f["value"]: f for f in changes["facet_results"]["policy"]["results"]}
    assert facet["megatoners"]["label"] == "MegaToners.com Privacy Policy" and facet["megatoners"]["count"] == 2
    fetches = get(f"/{DB}/fetches.json").json()
    assert {"policy", "outcome", "source"} <= set(fetches["facet_results"])
    findings = get(f"/{DB}/findings.json").json()
    codes = {f["value"] for f in findings["facet_results"]["code"]["results"]}
    assert {"revision-date-not-updated", "posting-period-not-met"} <= codes
    html = get(f"/{DB}/versions").text
    assert "Each distinct text of a policy" in html  # table description
    assert "TonerRefillKits.com Privacy Policy" in html  # the policy column shows the label, not the id
    assert 'name="_search"' in html  # the search box, from versions_fts


# -- canned queries ------------------------------------------------------------------------------

def test_latest_changes_newest_first_with_findings_and_diff_links(archive, get):
    latest = rows(get, f"/{DB}/latest_changes.json?")
    assert [r["diff"] for r in latest] == [archive.hostile_change, archive.posting_change, archive.silent_change]
    silent = latest[-1]
    assert (silent["policy"], silent["from_version"], silent["to_version"], silent["findings"]) == (
        "TonerRefillKits.com Privacy Policy", 1, 2, 2)
    assert "violation: revision-date-not-updated" in silent["finding_codes"]
    hrefs = Tags(get(f"/{DB}/latest_changes").text).hrefs()
    assert {f"/-/policydiff/changes/{r['diff']}" for r in latest} <= hrefs


def test_policy_timeline_lists_versions_with_how_long_each_stood(archive, get):
    timeline = rows(get, f"/{DB}/policy_timeline.json?policy=megatoners")
    assert [(r["version"], r["first_seen"], r["stood_until"], r["days"]) for r in timeline] == [
        (1, "2024-01-01T10:00:00Z", "2024-03-01T10:00:00Z", 60.0),
        (2, "2024-03-01T10:00:00Z", "2024-03-04T10:00:00Z", 3.0),
        (3, "2024-03-04T10:00:00Z", "2024-03-04T10:00:00Z", 0.0),
    ]
    assert [r["diff"] for r in timeline] == [None, archive.posting_change, archive.hostile_change]
    assert "violation: posting-period-not-met" in timeline[2]["findings"]
    assert all(r["size"] > 5000 for r in timeline)
    assert rows(get, f"/{DB}/policy_timeline.json?policy=") == []


def test_failed_and_rejected_fetches(get):
    failed = rows(get, f"/{DB}/failed_fetches.json?")
    assert [(r["outcome"], r["reason"], r["timeline"]) for r in failed] == [
        ("rejected", "robots: disallowed by robots.txt", "megatoners"),
        ("failed", "timeout: no answer in 30 s", "megatoners"),
    ]
    # The next page starts before the fetch number given (spaces and all, as typed in the form).
    older = rows(get, f"/{DB}/failed_fetches.json?before=+{failed[0]['fetch']}+")
    assert [r["fetch"] for r in older] == [failed[1]["fetch"]]
    assert rows(get, f"/{DB}/failed_fetches.json?before={failed[1]['fetch']}") == []
    assert rows(get, f"/{DB}/failed_fetches.json?before=abc") == failed  # mistyped: the newest page, not none


def test_stale_policies_by_days_since_last_success(get):
    # The fixture's fetches are from 2024: stale for any recent threshold, not for a century.
    stale = rows(get, f"/{DB}/stale_policies.json?days=30")
    assert {r["timeline"]: r["last_success"] for r in stale} == {
        "tonerrefillkits": "2024-03-01T09:00:00Z", "megatoners": "2024-03-04T10:00:00Z"}
    assert stale[1]["latest_fetch"] == "rejected: robots: disallowed by robots.txt"
    assert rows(get, f"/{DB}/stale_policies.json?days=36500") == []
    assert len(rows(get, f"/{DB}/stale_policies.json?days=")) == 2  # empty means 7 days


def test_a_threshold_that_is_not_a_number_counts_as_blank(tmp_path):
    """The canned query's own SQL on an archive fetched just now: "abc" days is 7, not 0 (which made every
    policy stale); blank is 7, a number is taken as it is, whitespace around it too."""
    db = open_db(tmp_path / "fresh.db")
    db.execute("INSERT INTO policies (id, name, url, updated_at) VALUES ('p', 'P', 'https://p.example/', '2024-01-01')")
    db.execute("INSERT INTO fetches (policy, started_at, url, outcome) VALUES ('p', strftime('%Y-%m-%dT%H:%M:%SZ'),"
               " 'https://p.example/', 'unchanged')")
    db.conn.commit()
    queries = load_metadata(DB)["databases"][DB]["queries"]
    typed = {"": 0, "abc": 0, "..5": 0, "1.2.3": 0, "-3": 0, "0.0": 1, "\t0\n": 1}  # days typed: stale policies
    assert {days: len(db.execute(queries["stale_policies"]["sql"], {"days": days}).fetchall()) for days in typed} == typed
    db.close()


def test_search_versions_finds_a_phrase_with_an_excerpt(get):
    found = rows(get, f"/{DB}/search_versions.json?q=marketing+partners")
    assert [(r["policy"], r["version"]) for r in found] == [("TonerRefillKits.com Privacy Policy", 2)]
    assert "our «marketing partners»." in found[0]["excerpt"]
    assert rows(get, f"/{DB}/search_versions.json?q=partners+marketing") == []  # a phrase, in order
    # Newest first (not ranked), 100 a page; before= pages back from a version id.
    everywhere = [r["version_id"] for r in rows(get, f"/{DB}/search_versions.json?q=privacy")]
    assert len(everywhere) == 5 and everywhere == sorted(everywhere, reverse=True)
    assert [r["version_id"] for r in rows(get, f"/{DB}/search_versions.json?q=privacy&before={everywhere[1]}")] \
        == everywhere[2:]
    assert [r["version_id"] for r in rows(get, f"/{DB}/search_versions.json?q=privacy&before=2x")] == everywhere
    # Quotes, operators and an empty box are text to look for, never a syntax error.
    for q in ('%22', 'AND+OR', '', 'NEAR(a', "don%27t"):
        get(f"/{DB}/search_versions.json?q={q}")


def test_table_search_box_uses_the_index(archive, get):
    found = rows(get, f"/{DB}/versions.json?_search=onerror&_col=policy")
    assert [r["id"] for r in found] == [archive.hostile_version]


def test_search_sees_versions_written_after_datasette_opened_the_file(archive, get):
    """The file is live: cron records a version while Datasette serves; the next request sees it."""
    db = open_db(archive.path)
    try:
        recorded = record_fetch(db, Fetch(policy="tonerrefillkits", started_at="2024-04-01T09:00:00Z",
                                          url="https://tonerrefillkits.com/privacy/", outcome="new-version",
                                          text=f"{SILENT_NEW}\n\nZanzibarian clause.\n", extractor_version="test"))
        found = rows(get, f"/{DB}/search_versions.json?q=zanzibarian")
        assert [r["version_id"] for r in found] == [recorded.version_id]
    finally:
        with db.conn:  # leave the module's archive as built (append-only everywhere else)
            db.execute("DELETE FROM fetches WHERE id = ?", [recorded.fetch_id])
            db.execute("DELETE FROM changes WHERE to_version = ?", [recorded.version_id])
            db.execute("DELETE FROM versions WHERE id = ?", [recorded.version_id])
        db.close()
    assert rows(get, f"/{DB}/search_versions.json?q=zanzibarian") == []  # the delete trigger unindexed it


# -- links from Datasette's pages ----------------------------------------------------------------

def test_tables_link_to_the_project_pages(archive, get):
    assert f"/-/policydiff/changes/{archive.hostile_change}" in Tags(get(f"/{DB}/changes").text).hrefs()
    assert f"/-/policydiff/changes/{archive.silent_change}" in Tags(get(f"/{DB}/change_log").text).hrefs()
    assert "/-/policydiff/policies/megatoners" in Tags(get(f"/{DB}/policies").text).hrefs()
    assert "/-/policydiff/policies/megatoners" in Tags(get(f"/{DB}/policies/megatoners").text).hrefs()
    assert "/-/policydiff/snapshots/1" in Tags(get(f"/{DB}/snapshots").text).hrefs()
    assert "/-/policydiff/policies/megatoners" in Tags(get(f"/{DB}/failed_fetches").text).hrefs()


# -- the diff page -------------------------------------------------------------------------------

def test_diff_page_shows_findings_versions_snapshots_and_both_diffs(archive, get):
    html = get(f"/-/policydiff/changes/{archive.silent_change}").text
    page = Tags(html)
    text = " ".join(page.text)
    assert "TonerRefillKits.com Privacy Policy changed" in text
    assert "revision-date-not-updated" in text and "email-notice-promised" in text
    assert text.index("violation") < text.index("warning")  # worst first
    versions = rows(get, f"/{DB}/versions.json?policy=tonerrefillkits&_sort=id")
    assert {f"/{DB}/versions/{versions[0]['id']}", f"/{DB}/versions/{versions[1]['id']}",
            f"/-/policydiff/versions/{versions[0]['id']}", f"/-/policydiff/versions/{versions[1]['id']}",
            f"/-/policydiff/snapshots/{versions[0]['snapshot']}", f"/-/policydiff/snapshots/{versions[1]['snapshot']}",
            f"/{DB}/snapshots/{versions[1]['snapshot']}", "/-/policydiff/policies/tonerrefillkits",
            "https://tonerrefillkits.com/privacy/"} <= page.hrefs()
    assert {"pd-sbs", "pd-inline"} <= {c for attrs in page.tags for c in (attrs[1].get("class") or "").split()}
    # Both views (side by side, inline) strike the old sentence and underline the new one.
    assert html.count(f"<del>- {SILENT_OLD}</del>") == 2 and html.count(f"<ins>- {SILENT_NEW}</ins>") == 2
    assert not page.named("script")  # the page runs nothing, and says so to the browser:
    assert "script-src 'none'" in get(f"/-/policydiff/changes/{archive.silent_change}").headers["content-security-policy"]


def test_diff_pages_link_to_neighbouring_changes(archive, get):
    hrefs = Tags(get(f"/-/policydiff/changes/{archive.posting_change}").text).hrefs()
    assert f"/-/policydiff/changes/{archive.hostile_change}" in hrefs
    hrefs = Tags(get(f"/-/policydiff/changes/{archive.hostile_change}").text).hrefs()
    assert f"/-/policydiff/changes/{archive.posting_change}" in hrefs


def test_markup_in_a_policy_stays_text_everywhere(archive, get):
    pages = [f"/-/policydiff/changes/{archive.hostile_change}", "/-/policydiff/policies/megatoners",
             f"/-/policydiff/versions/{archive.hostile_version}",
             f"/{DB}/versions/{archive.hostile_version}", f"/{DB}/versions", f"/{DB}/search_versions?q=alert",
             f"/{DB}/findings", f"/{DB}/latest_changes"]
    for path in pages:
        html = get(path).text
        page = Tags(html)
        assert not any("onerror" in attrs for _, attrs in page.tags), path
        assert not page.named("img"), path
        assert all("alert" not in (attrs.get("src") or "") for attrs in page.named("script")), path
        assert "<script>alert(1)" not in html and "<img src=x" not in html, path
    diff_page = get(f"/-/policydiff/changes/{archive.hostile_change}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;" in diff_page
    assert HOSTILE in " ".join(Tags(diff_page).text)  # what a reader sees is the text itself


def test_version_page_shows_the_text_to_read_with_its_neighbours(archive, get):
    page = Tags(get(f"/-/policydiff/versions/{archive.hostile_version}").text)
    text = "".join(page.text)
    assert "MegaToners.com Privacy Policy, version 3" in text and "(the current version)" in text
    assert HOSTILE in text and not page.named("img") and not page.named("script")
    assert len([attrs for _, attrs in page.tags if attrs.get("class") == "pd-text"]) == 1
    hrefs = page.hrefs()
    assert f"/-/policydiff/changes/{archive.hostile_change}" in hrefs  # what changed from version 2
    assert f"/-/policydiff/versions/{archive.hostile_version - 1}" in hrefs
    assert f"/{DB}/versions/{archive.hostile_version}" in hrefs
    assert f"/-/policydiff/versions/{archive.hostile_version}" in Tags(get(f"/{DB}/versions").text).hrefs()


def test_report_links_lead_to_the_change_pages(archive, get):
    """What emailed and written reports link to when [archive] public_url is set."""
    from reports.report import load_report

    db = open_db(archive.path)
    report = load_report(db, archive.silent_change, "https://archive.example.org/")
    db.close()
    assert report.archive_url == f"https://archive.example.org/-/policydiff/changes/{archive.silent_change}"
    page = get(report.archive_url.removeprefix("https://archive.example.org")).text
    assert "TonerRefillKits.com Privacy Policy changed" in page


def test_missing_pages_are_404(get):
    get("/-/policydiff/changes/99999", status=404)
    get("/-/policydiff/policies/no-such-policy", status=404)
    get("/-/policydiff/snapshots/99999", status=404)
    get("/-/policydiff/versions/99999", status=404)


# -- the policy page and its timeline ------------------------------------------------------------

def test_policy_page_draws_the_timeline_and_lists_changes_and_versions(archive, get):
    html = get("/-/policydiff/policies/megatoners").text
    page = Tags(html)
    [svg] = page.named("svg")
    assert svg["role"] == "img" and "MegaToners.com Privacy Policy" in svg["aria-label"]
    assert len(page.named("rect")) >= 3 + 2  # three versions, plus the legend's swatches
    assert {f"/-/policydiff/changes/{archive.posting_change}", f"/-/policydiff/changes/{archive.hostile_change}",
            f"/-/policydiff/versions/{archive.hostile_version}"} <= page.hrefs()
    text = " ".join(page.text)
    assert "posting-period-not-met" in text and "60 days" in text and "3 days" in text
    assert "rejected: robots: disallowed by robots.txt" in text


# -- raw snapshots -------------------------------------------------------------------------------

def test_raw_snapshot_is_the_received_bytes_served_as_inert_text(archive, get):
    db = open_db(archive.path)
    snapshot = db.execute("SELECT snapshot FROM versions WHERE id = ?", [archive.hostile_version]).fetchone()[0]
    body, _ = load_snapshot(db, snapshot)
    db.close()
    response = get(f"/-/policydiff/snapshots/{snapshot}")
    assert response.content == body
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]


# -- the Atom feed -------------------------------------------------------------------------------

def test_atom_feed_has_one_entry_per_policy_change_with_findings(archive, get):
    response = get(f"/{DB}/changes_feed.atom")
    assert response.headers["content-type"].startswith("application/xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(response.content)
    assert feed.findtext("a:title", namespaces=ns) == "Privacy policy changes"
    entries = {e.findtext("a:id", namespaces=ns): e for e in feed.findall("a:entry", ns)}
    assert set(entries) == {f"tag:policydiff,2024:change/{c}" for c in
                            (archive.silent_change, archive.posting_change, archive.hostile_change)}
    silent = entries[f"tag:policydiff,2024:change/{archive.silent_change}"]
    assert silent.findtext("a:title", namespaces=ns) == "TonerRefillKits.com Privacy Policy changed (version 1 to 2)"
    assert silent.find("a:link", ns).get("href") == f"http://localhost/-/policydiff/changes/{archive.silent_change}"
    assert "[violation] revision-date-not-updated" in silent.findtext("a:content", namespaces=ns)
    hostile = entries[f"tag:policydiff,2024:change/{archive.hostile_change}"]
    assert hostile.find("a:content", ns).get("type") == "text"  # a reader shows markup as text


# -- read-only web -------------------------------------------------------------------------------

def test_sql_from_the_web_cannot_write(get):
    for sql in ("DELETE FROM policies", "UPDATE versions SET text = 'x'", "DROP TABLE findings",
                "INSERT INTO policies (id, name, url, updated_at) VALUES ('x', 'x', 'x', 'x')"):
        get(f"/{DB}.json?sql={sql}", status=400)
    assert len(rows(get, f"/{DB}/policies.json?")) == 2
    queries = load_metadata(DB)["databases"][DB]["queries"]
    assert not any(q.get("write") for q in queries.values())


def test_even_datasettes_write_connection_cannot_write(datasette, run, get):
    database = datasette.get_database(DB)
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        run(database.execute_write("DELETE FROM findings"))
    assert len(rows(get, f"/{DB}/findings.json?")) == 5


def test_outbox_addresses_and_messages_are_blank_on_the_web(archive, get):
    db = open_db(archive.path)
    with db.conn:
        db.execute("INSERT INTO outbox (created_at, kind, recipient, subject, message, status)"
                   " VALUES ('2024-03-05T00:00:00Z', 'changes', 'reader@example.org', 'Policy changes',"
                   " 'To: reader@example.org\n\nhello', 'sent')")
    db.close()
    [row] = rows(get, f"/{DB}/outbox.json?")
    assert (row["subject"], row["recipient"], row["message"]) == ("Policy changes", None, None)
    [row] = rows(get, f"/{DB}.json?sql=select recipient, message, upper(recipient) as shout from outbox")
    assert row == {"recipient": None, "message": None, "shout": None}
    assert "reader@example.org" not in get(f"/{DB}/outbox").text
