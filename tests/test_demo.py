"""`policydiff demo`: offline, exactly one policy changes (the chrome-only edit is no change)."""

from __future__ import annotations

import sqlite3


def test_demo_shows_exactly_one_policy_changed(tmp_path, cli):
    result = cli("demo", "--workdir", str(tmp_path / "demo"), check=0)
    lines = result.stdout.splitlines()
    second_crawl = lines[lines.index("$ policydiff crawl", lines.index("$ policydiff crawl") + 1) + 1:][:2]
    assert [line.split()[:3] for line in second_crawl] == [["tonerrefillkits", "new-version", "v2"],
                                                          ["megatoners", "unchanged", "v1"]]
    con = sqlite3.connect(tmp_path / "demo" / "demo.db")
    assert con.execute("SELECT policy FROM changes").fetchall() == [("tonerrefillkits",)]
    assert con.execute("SELECT count(*) FROM fetches WHERE outcome IN ('rejected', 'failed')").fetchone()[0] == 0
