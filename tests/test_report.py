"""`policydiff report`: one HTML and one text file per unreported policy change, plus an index."""

from __future__ import annotations

import asyncio

import lxml.html

from archive import open_db
from policydiff import sites
from policydiff.config import EmailSettings
from policydiff.serve import build_datasette
from reports.mail.digest import compose_digest
from reports.report import load_report
from tests.conftest import ROOT

CONFIG = (ROOT / "policies.toml").read_text(encoding="utf-8")
XSS = b"<p>&lt;script&gt;alert(1)&lt;/script&gt; and &lt;img src=x onerror=alert(1)&gt; are now in our policy.</p>"


def import_page(cli, config, tmp_path, html: bytes, at: str) -> None:
    page = tmp_path / f"page-{at}.html"
    page.write_bytes(html)
    cli("import", "tonerrefillkits", str(page), "--at", at, config=config, check=0)


def test_report_writes_each_change_once_with_findings_and_escaped_text(tmp_path, cli, write_config):
    config = write_config(CONFIG)
    old = sites.render_page("tonerrefillkits")
    new = old.replace(b"<p>We protect the confidentiality", XSS + b"<p>We protect the confidentiality")
    assert new != old
    import_page(cli, config, tmp_path, old, "2024-01-01")
    import_page(cli, config, tmp_path, new, "2024-02-01")
    out = tmp_path / "reports"
    first = cli("report", "--out", str(out), config=config, check=0)
    assert "1 new report(s)" in first.stdout
    html = (out / "change-1.html").read_text(encoding="utf-8")
    tree = lxml.html.fromstring(html)
    assert not tree.xpath("//script") and not tree.xpath("//img")
    assert "<script>alert(1)</script>" in tree.text_content()
    assert "revision-date-not-updated" in html
    text = (out / "change-1.txt").read_text(encoding="utf-8")
    assert "TonerRefillKits.com Privacy Policy changed" in text and "revision-date-not-updated" in text
    assert "<script>alert(1)</script>" in text
    index = lxml.html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    assert index.xpath("//a/@href") == ["change-1.html", "change-1.txt"]
    second = cli("report", "--out", str(out), config=config, check=0)
    assert "0 new report(s)" in second.stdout


def test_technical_changes_are_never_reported(tmp_path, cli, write_config):
    config = write_config(CONFIG)
    import_page(cli, config, tmp_path, sites.render_page("tonerrefillkits"), "2024-01-01")
    rules = CONFIG.replace('url = "https://tonerrefillkits.com/privacy/"',
                           'url = "https://tonerrefillkits.com/privacy/"\nremove = ["ul"]')
    assert "technical v2" in cli("reextract", config=write_config(rules), check=0).stdout
    assert "0 new report(s)" in cli("report", "--out", str(tmp_path / "r"), config=config, check=0).stdout


PLAIN = """<!DOCTYPE html><html><head><title>Privacy</title></head><body><main><h1>Privacy Policy</h1>
<p>We collect your name, your address and the items you order so that we can ship them to you.</p>
<p>We keep order records for as long as the law requires and then delete them from our systems.</p>
<p>{sentence}</p>
<p>Write to privacy@example.org with any question about the information we hold about you.</p>
</main></body></html>"""


def test_a_change_without_findings_says_whether_there_was_a_promise_to_check(tmp_path, cli, write_config, db_path):
    """No findings is not compliance: a policy that promises nothing about announcing changes (none stated,
    none declared) gets no "consistent with its promise", and a re-extraction says it was not judged.
    The report files, the email's text and the change page in Datasette say the same."""
    config = write_config('[policies.plain]\nname = "Plain Shop"\nurl = "https://plain.example/privacy"\n')
    for at, sentence in (("2024-01-01", "We never share your information with anyone else."),
                         ("2024-02-01", "We share your information with our delivery partners only.")):
        page = tmp_path / f"plain-{at}.html"
        page.write_text(PLAIN.format(sentence=sentence), encoding="utf-8")
        cli("import", "plain", str(page), "--at", at, config=config, check=0)
    out = tmp_path / "reports"
    cli("report", "--out", str(out), config=config, check=0)
    nothing = "nothing to check: the policy states no promise about announcing its changes"
    text = (out / "change-1.txt").read_text(encoding="utf-8")
    assert f"Findings:\n  No findings, and {nothing}" in text
    html = lxml.html.fromstring((out / "change-1.html").read_text(encoding="utf-8")).text_content()
    assert nothing in html and "consistent" not in html
    db = open_db(db_path)
    digest = compose_digest([load_report(db, 1)], EmailSettings(sender="policydiff@example.org"), ("a@example.org",))
    db.close()
    assert nothing in digest.text and nothing in lxml.html.fromstring(digest.html).text_content()

    rules = write_config('[policies.plain]\nname = "Plain Shop"\nurl = "https://plain.example/privacy"\n'
                         'remove = ["h1"]\n')
    assert "technical v3" in cli("reextract", config=rules, check=0).stdout
    datasette = build_datasette(db_path)
    try:
        policy_change = asyncio.run(datasette.client.get("/-/policydiff/changes/1")).text
        technical = asyncio.run(datasette.client.get("/-/policydiff/changes/2")).text
    finally:
        for database in datasette.databases.values():
            database.close()
    page = lxml.html.fromstring(policy_change)
    assert page.xpath("string(//h1)") == "Plain Shop changed" and nothing in page.text_content()
    page = lxml.html.fromstring(technical)
    assert page.xpath("string(//h1)") == "Plain Shop re-extracted"
    assert "Not judged: a re-extraction, not a change of the policy" in page.text_content()
    assert "consistent" not in page.text_content()
