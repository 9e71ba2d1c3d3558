"""Operator alerts: N failed crawls in a row tell the operators once, with the reason; the recovery
is told once; subscribers never get error mail. Real HTTP and SMTP servers on 127.0.0.1, the real CLI."""

from __future__ import annotations

import sqlite3

from tests.pages import policy_html
from tests.smtp import smtp_server  # noqa: F401 (fixture)

SUB, OPS, OPS2 = "subscriber@example.org", "ops@example.org", "oncall@example.org"


def alert_config(write_config, server, smtp, extra: str = ""):
    return write_config(f'[email]\nhost = "127.0.0.1"\nport = {smtp.port}\nfrom = "policydiff@example.org"\n'
                        f'to = ["{SUB}"]\noperators = ["{OPS}", "{OPS2}"]\n{extra}\n'
                        f'[policies.shop]\nname = "Example Shop"\nurl = "{server.url("/privacy")}"\n')


def alerts(db_path) -> list[tuple]:
    con = sqlite3.connect(db_path)
    try:
        return con.execute("SELECT kind, consecutive, substr(reason, 1, 8) FROM alerts ORDER BY id").fetchall()
    finally:
        con.close()


def test_operators_told_once_per_episode_and_once_on_recovery(server, write_config, cli, smtp_server, db_path):
    smtp = smtp_server()
    config = alert_config(write_config, server, smtp)  # alert_after defaults to 3
    server.route("/privacy", policy_html(), status=403)
    for _ in range(2):
        cli("crawl", config=config, check=1)
    quiet = cli("run", config=config, check=0)  # the failing shop is not due again within the hour
    assert "nothing is due" in quiet.stdout and smtp.received == []

    cli("crawl", config=config, check=1)
    told = cli("run", config=config, check=0)
    assert "email: operators told: Example Shop failing (3 crawls in a row)" in told.stdout
    assert sorted(r for m in smtp.received for r in m.recipients) == [OPS2, OPS]  # one message each
    alert = smtp.to(OPS)[0].message
    assert alert["Subject"] == "policydiff: Example Shop failing (3 crawls in a row)"
    assert alert.get_content_type() == "text/plain" and alert["To"] == OPS
    body = alert.get_content()
    assert "Last reason: blocked:" in body and "Last success: never" in body and "'shop'" in body

    cli("crawl", config=config, check=1)
    cli("run", config=config, check=0)
    assert len(smtp.received) == 2  # the same episode is not told twice

    server.route("/privacy", policy_html())
    cli("crawl", config=config, check=0)
    recovered = cli("run", config=config, check=0)
    assert "email: operators told: Example Shop recovered" in recovered.stdout
    assert [m.message["Subject"] for m in smtp.to(OPS)] == [
        "policydiff: Example Shop failing (3 crawls in a row)", "policydiff: Example Shop recovered"]
    cli("run", config=config, check=0)
    assert len(smtp.received) == 4 and smtp.to(SUB) == []  # subscribers never get error mail
    assert alerts(db_path) == [("failing", 3, "blocked:"), ("recovered", 0, "blocked:")]


def test_a_new_episode_after_a_recovery_is_told_again(server, write_config, cli, smtp_server, db_path):
    smtp = smtp_server()
    config = alert_config(write_config, server, smtp, extra="alert_after = 1")
    server.route("/privacy", policy_html(), status=500)
    for status in (500, 200, 500):
        server.route("/privacy", policy_html(), status=status)
        cli("crawl", config=config, check=0 if status == 200 else 1)
        cli("run", config=config, check=0)
    assert [m.message["Subject"] for m in smtp.to(OPS)] == [
        "policydiff: Example Shop failing (1 crawl in a row)", "policydiff: Example Shop recovered",
        "policydiff: Example Shop failing (1 crawl in a row)"]
    assert [a[0] for a in alerts(db_path)] == ["failing", "recovered", "failing"]


def test_without_operators_nothing_is_recorded_or_sent(server, write_config, cli, smtp_server, db_path):
    smtp = smtp_server()
    config = write_config(f'[email]\nhost = "127.0.0.1"\nport = {smtp.port}\nto = ["{SUB}"]\nalert_after = 1\n'
                          f'[policies.shop]\nurl = "{server.url("/privacy")}"\n')
    server.route("/privacy", policy_html(), status=403)
    cli("crawl", config=config, check=1)
    cli("run", config=config, check=0)
    assert smtp.received == [] and alerts(db_path) == []
