"""`policydiff report`: one HTML and one text file per unreported policy change, plus an index."""

from __future__ import annotations

import lxml.html

from policydiff import sites
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
