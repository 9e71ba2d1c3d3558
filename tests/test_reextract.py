"""New extraction rules re-derive versions from stored snapshots as technical versions, never policy changes."""

from __future__ import annotations

import json
import sqlite3

from tests.pages import policy_html

AD = "<aside class='promo'><p>Spring sale: every toner cartridge is now twenty percent off until the end of the month.</p></aside>"


def test_reextract_records_a_technical_version_only_when_text_differs(tmp_path, write_config, cli, db_path):
    page = tmp_path / "page.html"
    page.write_text(policy_html(extra=AD), encoding="utf-8")
    config = write_config("[policies.shop]\nurl = 'https://shop.example/privacy'\nselect = ['main']\n")
    cli("import", "shop", str(page), "--at", "2024-01-01", config=config, check=0)
    assert "unchanged" in cli("reextract", config=config, check=0).stdout
    config = write_config("[policies.shop]\nurl = 'https://shop.example/privacy'\nselect = ['main']\n"
                          "remove = ['.promo']\n[policies.new]\nurl = 'https://new.example/privacy'\n")
    assert cli("reextract", "new", config=config, check=0).stdout == f"{'new':<24} no version yet: nothing to re-derive\n"
    assert "technical v2" in cli("reextract", "shop", config=config, check=0).stdout
    history = json.loads(cli("history", "shop", "--json", config=config, check=0).stdout)
    assert [v["kind"] for v in history] == ["policy", "technical"]
    # The same page imported again under the new rules is unchanged: the rules change was not a policy change.
    cli("import", "shop", str(page), "--at", "2024-01-02", config=config, check=0)
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM versions").fetchone()[0] == 2
    assert con.execute("SELECT kind FROM change_log").fetchall() == [("technical",)]


def test_changed_rules_rederive_before_the_next_fetch_is_compared(tmp_path, write_config, cli, db_path):
    page = tmp_path / "page.html"
    page.write_text(policy_html(extra=AD), encoding="utf-8")
    config = write_config("[policies.shop]\nurl = 'https://shop.example/privacy'\nselect = ['main']\n")
    cli("import", "shop", str(page), "--at", "2024-01-01", config=config, check=0)
    config = write_config("[policies.shop]\nurl = 'https://shop.example/privacy'\nselect = ['main']\n"
                          "remove = ['.promo']\n")
    result = cli("import", "shop", str(page), "--at", "2024-01-02", config=config, check=0)
    assert "1 unchanged" in result.stdout
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT kind FROM change_log").fetchall() == [("technical",)]
