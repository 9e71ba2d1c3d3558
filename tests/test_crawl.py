"""`policydiff crawl` in a subprocess against a real HTTP server on 127.0.0.1, into a real SQLite file."""

from __future__ import annotations

from tests.conftest import rows, run_crawl, socket_closed_port
from tests.pages import edited, policy_html

CHALLENGE = ("<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
             "<div id='challenge'>Checking your browser before accessing the site.</div>"
             "<script>window._cf_chl_opt={cvId:'3'};</script></body></html>")
MAINTENANCE = ("<html><body><h1>Down for maintenance</h1><p>We'll be back soon. Our store is down for scheduled "
               "maintenance.</p></body></html>")


def config_for(server, write_config, **paths: str):
    return write_config("".join(f"[policies.{pid}]\nurl = '{server.url(path)}'\n" for pid, path in paths.items()))


def test_crawl_records_a_version_then_unchanged_then_a_change(server, write_config, cli, db_path):
    server.route("/privacy", policy_html())
    config = config_for(server, write_config, shop="/privacy")
    first = cli("crawl", config=config, check=0)
    assert first.stdout.split()[:3] == ["shop", "new-version", "v1"]
    server.route("/privacy", policy_html(chrome="Call us: 555-0199 (new number)"))  # chrome only
    assert cli("crawl", config=config, check=0).stdout.split()[:3] == ["shop", "unchanged", "v1"]
    server.route("/privacy", policy_html(edited(2, "We now share your email address with our advertising "
                                                   "partners so that they can show you offers you may like.")))
    assert cli("crawl", config=config, check=0).stdout.split()[:3] == ["shop", "new-version", "v2"]
    fetches = rows(db_path, "SELECT outcome, status, bytes, duration_ms FROM fetches ORDER BY id")
    assert [f["outcome"] for f in fetches] == ["new-version", "unchanged", "new-version"]
    assert all(f["status"] == 200 and f["bytes"] > 0 and f["duration_ms"] is not None for f in fetches)
    assert rows(db_path, "SELECT count(*) AS n FROM changes")[0]["n"] == 1
    assert rows(db_path, "SELECT count(*) AS n FROM snapshots")[0]["n"] == 3  # every distinct raw body


def test_identifying_user_agent_and_robots_txt(server, write_config, cli, db_path):
    server.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"})
    server.route("/private/privacy", policy_html())
    config = config_for(server, write_config, hidden="/private/privacy")
    result = cli("crawl", config=config, check=1)
    assert "hidden" in result.stdout and "rejected" in result.stdout and "robots.txt" in result.stdout
    assert server.hits("/private/privacy") == []
    agent = server.hits("/robots.txt")[0]["headers"]["User-Agent"]
    assert agent.startswith("policydiff/") and "+http" in agent
    assert rows(db_path, "SELECT count(*) AS n FROM versions")[0]["n"] == 0


def test_conditional_get_logs_not_modified(server, write_config, cli, db_path):
    server.route("/privacy", policy_html(), etag='"v1"')
    config = config_for(server, write_config, shop="/privacy")
    cli("crawl", config=config, check=0)
    result = cli("crawl", config=config, check=0)
    assert result.stdout.split()[:3] == ["shop", "not-modified", "v1"]
    assert server.hits("/privacy")[-1]["headers"].get("If-None-Match") == '"v1"'
    assert [r["outcome"] for r in rows(db_path, "SELECT outcome FROM fetches ORDER BY id")] == [
        "new-version", "not-modified"]


def test_a_304_without_last_modified_keeps_the_one_the_page_had(server, write_config, cli, db_path):
    """RFC 9110 lets a 304 leave out Last-Modified beside an ETag: the third run still asks with both."""
    page = policy_html().encode()

    def conditional(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send_response(304)
            handler.send_header("ETag", '"v1"')
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("ETag", '"v1"')
        handler.send_header("Last-Modified", "Mon, 02 Nov 2026 10:00:00 GMT")
        handler.send_header("Content-Length", str(len(page)))
        handler.end_headers()
        handler.wfile.write(page)

    server.route("/privacy", handler=conditional)
    config = config_for(server, write_config, shop="/privacy")
    for _ in range(3):
        cli("crawl", config=config, check=0)
    asked = server.hits("/privacy")[-1]["headers"]
    assert (asked.get("If-None-Match"), asked.get("If-Modified-Since")) == ('"v1"', "Mon, 02 Nov 2026 10:00:00 GMT")
    assert [r["outcome"] for r in rows(db_path, "SELECT outcome FROM fetches ORDER BY id")] == [
        "new-version", "not-modified", "not-modified"]


def test_redirect_records_the_final_url(server, write_config, cli, db_path):
    server.route("/old-privacy", status=301, headers={"Location": server.url("/privacy"), "Content-Length": "0"})
    server.route("/privacy", policy_html())
    config = config_for(server, write_config, shop="/old-privacy")
    cli("crawl", config=config, check=0)
    fetch = rows(db_path, "SELECT url, final_url, outcome FROM fetches")[0]
    assert fetch["url"].endswith("/old-privacy") and fetch["final_url"] == server.url("/privacy")
    assert fetch["outcome"] == "new-version"


def test_every_rejection_reason_is_recorded_and_never_a_version(server, write_config, cli, db_path):
    cut = policy_html().encode()
    server.route("/forbidden", policy_html(), status=403)
    server.route("/missing", "<html><body>Not here</body></html>", status=404)
    server.route("/broken", "<html><body>oops</body></html>", status=500)
    server.route("/challenge", CHALLENGE)
    server.route("/empty", "")
    server.route("/pdf", b"%PDF-1.4 binary", headers={"Content-Type": "application/pdf"})
    server.route("/maintenance", MAINTENANCE)
    server.route("/truncated", cut[: len(cut) // 2])
    server.route("/tiny", "<html><body><main><p>Privacy policy coming soon.</p></main></body></html>")
    server.route("/loop", status=302, headers={"Location": "/loop", "Content-Length": "0"})
    expected = {"forbidden": ("rejected", "blocked"), "missing": ("rejected", "gone"),
                "broken": ("failed", "server-error"), "challenge": ("rejected", "blocked"),
                "empty": ("rejected", "empty"), "pdf": ("rejected", "not-html"),
                "maintenance": ("rejected", "maintenance"), "truncated": ("rejected", "truncated"),
                "tiny": ("rejected", "too-short"), "loop": ("rejected", "redirect-loop"),
                "closed": ("failed", "refused")}
    paths = {pid: f"/{pid}" for pid in expected}
    config = config_for(server, write_config, **paths)
    config.write_text(config.read_text().replace(server.url("/closed"), "http://127.0.0.1:9/closed"))
    result = cli("crawl", config=config, check=1)
    recorded = {r["policy"]: (r["outcome"], r["reason"]) for r in rows(db_path, "SELECT * FROM fetches")}
    for pid, (outcome, code) in expected.items():
        assert recorded[pid][0] == outcome, (pid, recorded[pid])
        assert recorded[pid][1].startswith(f"{code}:"), (pid, recorded[pid])
        assert pid in result.stdout
    assert rows(db_path, "SELECT count(*) AS n FROM versions")[0]["n"] == 0


def test_a_page_losing_most_of_its_text_needs_a_second_fetch(server, write_config, cli, db_path):
    server.route("/privacy", policy_html())
    config = config_for(server, write_config, shop="/privacy")
    cli("crawl", config=config, check=0)
    shrunk = edited(3, "We keep your data safe and never sell it to anyone; that is now the whole of this policy.")
    server.route("/privacy", policy_html(shrunk[:1] + shrunk[3:]))
    assert "lost-text" in cli("crawl", config=config, check=1).stdout
    assert cli("crawl", config=config, check=0).stdout.split()[:3] == ["shop", "new-version", "v2"]


def test_run_fetches_only_what_is_due(server, write_config, cli, db_path):
    server.route("/a", policy_html())
    server.route("/b", policy_html(title="Privacy Notice"))
    config = write_config(f"[policies.daily]\nurl = '{server.url('/a')}'\nevery = '1d'\n"
                          f"[policies.hourly]\nurl = '{server.url('/b')}'\nevery = '1h'\n")
    first = cli("run", config=config, check=0)
    assert "daily" in first.stdout and "hourly" in first.stdout
    second = cli("run", config=config, check=0)
    assert "nothing is due" in second.stdout
    assert len(server.hits("/a")) == 1 and len(server.hits("/b")) == 1


def test_scrapy_crawl_from_the_repository_root(server, write_config, db_path):
    import os
    import subprocess

    from tests.conftest import ROOT

    server.route("/privacy", policy_html())
    server.route("/other", policy_html(title="Other"))
    config = config_for(server, write_config, shop="/privacy", other="/other")
    env = {**os.environ, "POLICYDIFF_DB": str(db_path), "POLICYDIFF_CONFIG": str(config)}
    result = subprocess.run(["scrapy", "crawl", "policy", "-a", "ids=shop"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert rows(db_path, "SELECT policy, outcome FROM fetches") == [{"policy": "shop", "outcome": "new-version"}]


def test_scrapy_crawl_refuses_to_run_beside_another_writer(server, write_config, db_path):
    import os
    import subprocess

    from policydiff.lock import writer_lock
    from tests.conftest import ROOT

    server.route("/privacy", policy_html())
    config = config_for(server, write_config, shop="/privacy")
    env = {**os.environ, "POLICYDIFF_DB": str(db_path), "POLICYDIFF_CONFIG": str(config)}
    with writer_lock(db_path):
        result = subprocess.run(["scrapy", "crawl", "policy"], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=120)
    assert "another policydiff process" in result.stderr
    assert server.hits("/privacy") == []


def test_a_site_that_is_down_is_one_line_not_a_scrapy_traceback(write_config, db_path):
    """Retries exhausted and robots.txt unreachable: Scrapy logs both as ERROR with a traceback, which
    cron would mail every run for every site that is down. The fetch's reason says it all; `-v` keeps
    Scrapy's lines, at INFO and without traceback."""
    with socket_closed_port() as port:
        config = write_config(f"[policies.down]\nurl = 'http://127.0.0.1:{port}/privacy'\n",
                              crawl="delay = 0\nretries = 1\nbackoff = 0.01\n")
        quiet = run_crawl(db_path, config)
        verbose = run_crawl(db_path, config, overrides={"LOG_LEVEL": "INFO"})
    assert "refused:" in quiet.stdout
    assert quiet.stderr == ""
    assert "Gave up retrying" in verbose.stderr and "Traceback" not in verbose.stderr
