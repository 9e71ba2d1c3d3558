"""`policydiff add-declarations`: Open Terms Archive declarations written here, appended to policies.toml."""

from __future__ import annotations

import json
import sqlite3

from policydiff.config import load_config
from tests.pages import policy_html

EXISTING = """# My policies (this comment stays).
[policies.shop]
url = "https://shop.example/privacy"   # and this one
"""


def declare(folder, name: str, declaration: dict) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(declaration, indent=2), encoding="utf-8")


def sample(folder) -> None:
    declare(folder, "GitHub", {"name": "GitHub", "terms": {
        "Privacy Policy": {"fetch": "https://docs.github.com/en/site-policy/privacy-statement",
                           "select": "#article-contents",
                           "remove": [".js-toc", {"startBefore": "#cookies", "endBefore": "#contact"}],
                           "filter": ["removeShareButtons", {"name": "removeParams", "params": ["utm"]}],
                           "executeClientScripts": True},
        "Terms of Service": {"fetch": "https://docs.github.com/en/site-policy/terms", "select": "main"}}})
    declare(folder, "GitHub.history", {"Privacy Policy": [{"fetch": "https://old.example", "select": "body",
                                                           "validUntil": "2020-01-01T00:00:00Z"}]})
    declare(folder, "Booking.com", {"name": "Booking.com", "documents": {  # the pre-2023 key
        "Privacy Policy": {"fetch": "https://www.booking.com/content/privacy.html",
                           "select": [{"startAfter": "h1", "endBefore": "footer"}]}}})
    declare(folder, "Facebook", {"name": "Facebook", "terms": {"Privacy Policy": {
        "select": "[role=main]", "remove": "nav",
        "combine": [{"fetch": "https://www.facebook.com/privacy/policy"},
                    {"fetch": "https://www.facebook.com/privacy/cookies", "select": "article"}]}}})
    declare(folder, "Ads", {"name": "Ads", "terms": {"Terms of Service": {"fetch": "https://ads.example/tos",
                                                                          "select": "main"}}})
    declare(folder, "Report", {"name": "Report", "terms": {"Privacy Policy": {
        "fetch": "https://report.example/Privacy.PDF"}}})
    declare(folder, "Broken", {"name": "Broken Selector", "terms": {"Privacy Policy": {
        "fetch": "https://broken.example/privacy", "select": "div[[oops"}}})


def test_add_a_folder_of_declarations(tmp_path, cli):
    config = tmp_path / "policies.toml"
    config.write_text(EXISTING, encoding="utf-8")
    sample(tmp_path / "declarations")
    result = cli("add-declarations", str(tmp_path / "declarations"), config=config, check=1)
    out = result.stdout.splitlines()
    assert out[-1] == f"4 policies added to {config}, 0 already tracked, 3 skipped"
    assert "not tracked: GitHub.json: Terms of Service (policydiff tracks the Privacy Policy only)" in out
    assert "added [policies.github] https://docs.github.com/en/site-policy/privacy-statement" in out
    assert any("not expressed: filter removeShareButtons, removeParams (custom JavaScript" in line for line in out)
    assert any("not expressed: executeClientScripts" in line for line in out)
    assert "skipped Ads.json: no Privacy Policy terms (has: Terms of Service)" in out
    assert ("skipped Report.json: https://report.example/Privacy.PDF is a PDF; policydiff extracts HTML pages only"
            in out)
    assert any(line.startswith("skipped Broken.json: ") and "div[[oops" in line for line in out)

    text = config.read_text(encoding="utf-8")
    assert text.startswith(EXISTING)  # appended: the user's entries and comments untouched
    assert "# Not expressed: filter removeShareButtons" in text
    policies = load_config(config).policies
    assert list(policies) == ["shop", "booking-com", "facebook-1", "facebook-2", "github"]  # files in name order
    github = policies["github"]
    assert (github.name, github.select, github.remove) == (
        "GitHub Privacy Policy", ("#article-contents",),
        (".js-toc", {"startBefore": "#cookies", "endBefore": "#contact"}))
    assert policies["booking-com"].select == ({"startAfter": "h1", "endBefore": "footer"},)
    one, two = policies["facebook-1"], policies["facebook-2"]
    assert (one.name, one.select, one.remove) == ("Facebook Privacy Policy (part 1 of 2)", ("[role=main]",), ("nav",))
    assert (two.url, two.select, two.remove) == ("https://www.facebook.com/privacy/cookies", ("article",), ("nav",))

    # Run again: nothing added; what is tracked already is no failure, the 3 that cannot be added are.
    again = cli("add-declarations", str(tmp_path / "declarations"), config=config, check=1)
    assert again.stdout.splitlines()[-1] == f"0 policies added to {config}, 4 already tracked, 3 skipped"
    assert f"already tracked: GitHub.json: [policies.github] already exists in {config}" in again.stdout
    assert config.read_text(encoding="utf-8") == text


def test_same_url_under_another_id_is_not_added_twice(tmp_path, cli):
    config = tmp_path / "policies.toml"
    config.write_text(EXISTING, encoding="utf-8")
    declare(tmp_path, "Shop", {"name": "Example Shop", "terms": {"Privacy Policy": {
        "fetch": "https://shop.example/privacy", "select": "main"}}})
    result = cli("add-declarations", str(tmp_path / "Shop.json"), config=config, check=0)  # nothing to do: no failure
    assert "already tracked: Shop.json: https://shop.example/privacy is [policies.shop]" in result.stdout
    assert config.read_text(encoding="utf-8") == EXISTING


def test_new_policies_file_and_a_crawl_with_the_declared_selectors(tmp_path, cli, server, db_path):
    """A declaration is enough to start tracking: its selectors pick the policy out of the page."""
    page = policy_html().replace("<main>", "<main><article class='policy'><div id='banner'>Summer sale! "
                                 "Everything must go now.</div>").replace("</main>", "</article></main>")
    server.route("/privacy", page)
    declare(tmp_path, "Example", {"name": "Example Shop", "terms": {"Privacy Policy": {
        "fetch": server.url("/privacy"), "select": "article.policy", "remove": "#banner"}}})
    config = tmp_path / "new" / "policies.toml"
    config.parent.mkdir()
    cli("add-declarations", str(tmp_path / "Example.json"), config=config, check=0)
    with open(config, "a", encoding="utf-8") as handle:
        handle.write("\n[crawl]\ndelay = 0\nretries = 0\n")
    cli("crawl", config=config, check=0)
    [version] = json.loads(cli("history", "example-shop", "--json", config=config, check=0).stdout)
    con = sqlite3.connect(db_path)
    [(text,)] = con.execute("SELECT text FROM versions WHERE id = ?", [version["id"]]).fetchall()
    con.close()
    assert text.startswith("# Privacy Policy\n\n## Information We Collect")
    assert "Summer sale" not in text and "Cart" not in text  # removed; outside the selection


def test_unreadable_declarations_exit_2_and_write_nothing(tmp_path, cli):
    config = tmp_path / "policies.toml"
    config.write_text(EXISTING, encoding="utf-8")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    result = cli("add-declarations", str(tmp_path / "bad.json"), config=config)
    assert result.returncode == 2 and "bad.json: not a JSON declaration" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = cli("add-declarations", str(tmp_path / "missing.json"), config=config)
    assert result.returncode == 2 and "missing.json: cannot read" in result.stderr
    (tmp_path / "empty").mkdir()
    result = cli("add-declarations", str(tmp_path / "empty"), config=config)
    assert result.returncode == 2 and "no declaration" in result.stderr
    assert config.read_text(encoding="utf-8") == EXISTING


def test_an_id_taken_by_another_url_is_skipped_not_already_tracked(tmp_path, cli):
    config = tmp_path / "policies.toml"
    config.write_text(EXISTING, encoding="utf-8")
    declare(tmp_path, "Shop", {"name": "Shop", "terms": {"Privacy Policy": {
        "fetch": "https://another-shop.example/legal/privacy", "select": "main"}}})
    result = cli("add-declarations", str(tmp_path / "Shop.json"), config=config, check=1)
    assert (f"skipped Shop.json: [policies.shop] already exists in {config} for another URL; "
            "https://another-shop.example/legal/privacy was not added (rename one of them)") in result.stdout
    assert config.read_text(encoding="utf-8") == EXISTING
