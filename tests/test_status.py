"""`policydiff status`: each policy's last success, consecutive failures and last reason; exit 1 while
any policy's latest crawl failed. Real HTTP server on 127.0.0.1, real SQLite, the real CLI."""

from __future__ import annotations

import json

from tests.pages import policy_html


def test_status_counts_failed_crawls_until_a_success(tmp_path, server, write_config, cli):
    server.route("/good", policy_html())
    server.route("/bad", policy_html(), status=403)
    config = write_config(f"[policies.good]\nurl = '{server.url('/good')}'\n"
                          f"[policies.bad]\nurl = '{server.url('/bad')}'\n")
    page = tmp_path / "bad.html"
    page.write_text(policy_html(), encoding="utf-8")
    cli("import", "bad", str(page), "--at", "2024-01-01", config=config, check=0)
    fresh = cli("status", config=config, check=0)  # an import is not a crawl: nothing is failing yet
    assert [line.split()[:3] for line in fresh.stdout.splitlines()[1:]] == [["good", "never", "0"],
                                                                           ["bad", "never", "0"]]

    for _ in range(2):
        cli("crawl", config=config, check=1)
    text = cli("status", config=config, check=1)
    good_line, bad_line = text.stdout.splitlines()[1:]
    assert good_line.split()[0] == "good" and good_line.split()[2:] == ["0", "-"]
    assert bad_line.split()[:4] == ["bad", "never", "2", "blocked:"]
    states = {s["policy"]: s for s in json.loads(cli("status", "--json", config=config, check=1).stdout)}
    assert states["good"]["failing"] is False and states["good"]["last_success"].endswith("Z")
    assert states["good"]["consecutive_failures"] == 0
    bad = states["bad"]
    assert (bad["failing"], bad["consecutive_failures"], bad["last_success"]) == (True, 2, None)
    assert bad["last_reason"].startswith("blocked:")

    server.route("/bad", policy_html())
    cli("crawl", "bad", config=config, check=0)
    healed = {s["policy"]: s for s in json.loads(cli("status", "--json", config=config, check=0).stdout)}
    assert (healed["bad"]["failing"], healed["bad"]["consecutive_failures"]) == (False, 0)
    assert healed["bad"]["last_success"] is not None
    assert cli("status", "bad", config=config, check=0).stdout.splitlines()[1].split()[2:] == ["0", "-"]
    assert "no policy 'nope'" in cli("status", "nope", config=config, check=2).stderr
