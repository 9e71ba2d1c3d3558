"""`policydiff import`: saved pages recorded as if fetched at given times, through the crawl's code path."""

from __future__ import annotations

import json
import sqlite3

from tests.pages import edited, policy_html

CONFIG = "[policies.shop]\nurl = 'https://shop.example/privacy'\n"


def outcomes(db_path):
    con = sqlite3.connect(db_path)
    try:
        return [tuple(r) for r in con.execute("SELECT started_at, outcome, source FROM fetches ORDER BY id")]
    finally:
        con.close()


def test_import_files_at_a_time(tmp_path, write_config, cli, db_path):
    page = tmp_path / "saved.html"
    page.write_text(policy_html(), encoding="utf-8")
    result = cli("import", "shop", str(page), "--at", "2024-03-01T10:00:00+02:00", config=write_config(CONFIG), check=0)
    assert "imported 1 pages" in result.stdout and "1 new-version" in result.stdout
    assert outcomes(db_path) == [("2024-03-01T08:00:00Z", "new-version", "import")]
    # The same import again (a script rerun): nothing recorded, nothing rejected as older, exit 0.
    again = cli("import", "shop", str(page), "--at", "2024-03-01T08:00:00Z", config=write_config(CONFIG), check=0)
    assert again.stdout.strip().endswith("nothing; skipped 1 already imported") and again.stderr == ""
    assert len(outcomes(db_path)) == 1


def test_import_manifest_in_time_order_with_rejections(tmp_path, write_config, cli, db_path):
    pages = {"a.html": policy_html(), "b.html": policy_html(chrome="Call 555-0199"),
             "c.html": policy_html(edited(1, "We use your information only to ship your orders and for nothing "
                                             "else, ever, and we delete it after one year.")),
             "d.html": "<html><head><title>Just a moment...</title></head><body>x</body></html>"}
    for name, html in pages.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    lines = [("2024-01-03", "c.html"), ("2024-01-01", "a.html"), ("2024-01-02", "b.html"), ("2024-01-04", "d.html")]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("".join(json.dumps({"policy": "shop", "observed_at": at, "path": p}) + "\n"
                                for at, p in lines))
    result = cli("import", "--manifest", str(manifest), config=write_config(CONFIG), check=1)
    assert "d.html: blocked" in result.stderr
    assert [o[:2] for o in outcomes(db_path)] == [("2024-01-01T00:00:00Z", "new-version"),
                                                 ("2024-01-02T00:00:00Z", "unchanged"),
                                                 ("2024-01-03T00:00:00Z", "new-version"),
                                                 ("2024-01-04T00:00:00Z", "rejected")]
    history = json.loads(cli("history", "shop", "--json", config=write_config(CONFIG), check=0).stdout)
    assert [(v["number"], v["kind"], v["first_seen"]) for v in history] == [
        (1, "policy", "2024-01-01T00:00:00Z"), (2, "policy", "2024-01-03T00:00:00Z")]


def test_import_usage_errors_exit_2(tmp_path, write_config, cli):
    config = write_config(CONFIG)
    assert cli("import", "shop", config=config).returncode == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"policy": "shop"}\n')
    result = cli("import", "--manifest", str(bad), config=config)
    assert result.returncode == 2 and "bad.jsonl:1" in result.stderr
    result = cli("import", "shop", str(tmp_path / "missing.html"), "--at", "2024-01-01", config=config)
    assert result.returncode == 2 and "cannot read" in result.stderr
    result = cli("import", "shop", str(bad), "--at", "yesterday", config=config)
    assert result.returncode == 2 and "ISO 8601" in result.stderr


def test_a_rejected_page_imported_again_with_new_selectors_is_recorded(tmp_path, write_config, cli, db_path):
    """The rejection says to fix the selectors: the same import run again must then record the page,
    not skip it as already imported."""
    page = tmp_path / "saved.html"
    page.write_text(policy_html(), encoding="utf-8")
    wrong = write_config(CONFIG + "select = ['#gone']\n")
    assert "structure-changed" in cli("import", "shop", str(page), "--at", "2024-03-01", config=wrong, check=1).stderr
    fixed = write_config(CONFIG + "select = ['main']\n")
    assert "1 new-version" in cli("import", "shop", str(page), "--at", "2024-03-01", config=fixed, check=0).stdout


def test_an_imported_page_rejected_for_a_transient_reason_says_to_check_its_source(tmp_path, write_config, cli):
    """"The next run tries again" is the crawl's advice: a saved file is never fetched again."""
    page = tmp_path / "maintenance.html"
    page.write_text("<html><body><h1>Down for maintenance</h1><p>We'll be back soon.</p></body></html>")
    result = cli("import", "shop", str(page), "--at", "2024-03-01", config=write_config(CONFIG), check=1)
    assert result.stderr == (f"rejected: {page}: maintenance: the site shows a maintenance page; this page was "
                             "imported (import), not fetched: check its source\n")
