"""Email: digests through a real SMTP server on 127.0.0.1 (aiosmtpd), real SQLite, the real CLI.

What the server received is parsed with the `email` package: both parts, headers, escaping.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import lxml.html
import pytest

from policydiff import sites
from policydiff.config import EmailSettings
from reports.diff import diff_texts
from reports.mail import compose_digest, enqueue, send_queued
from reports.mail.smtp import MAX_ATTEMPTS
from reports.mail.message import build_message
from reports.render import EMAIL_MAX_BYTES
from reports.report import ChangeReport
from tests.conftest import ROOT, rows
from tests.pages import policy_html
from tests.smtp import closed_port, hung_port, self_signed, smtp_server  # noqa: F401 (fixture)

CONFIG = (ROOT / "policies.toml").read_text(encoding="utf-8")
TONER = "TonerRefillKits.com Privacy Policy"
MEGA = "MegaToners.com Privacy Policy"
SENDER = "policydiff@example.org"
SUB, SUB2, FAN, OPS = "subscriber@example.org", "second@example.org", "mega-fan@example.org", "ops@example.org"
XSS = b"<p>&lt;script&gt;alert(1)&lt;/script&gt; and &lt;img src=x onerror=alert(1)&gt; are now in our policy.</p>"
PASSWORD = "Tr0ub4dor&3-correct-horse"


def email_config(write_config, port: int, *, to=(SUB, SUB2), extra: str = "", policies: str = CONFIG):
    # megatoners' fans follow that policy only; the table goes right after its url line.
    megatoners = 'url = "http://www.megatoners.com/privacypolicy.html"'
    body = policies.replace(megatoners, f'{megatoners}\nnotify = ["{FAN}"]')
    to_list = ", ".join(f'"{a}"' for a in to)
    return write_config(f'[email]\nhost = "127.0.0.1"\nport = {port}\nfrom = "{SENDER}"\nto = [{to_list}]\n'
                        f'operators = ["{OPS}"]\n{extra}\n{body}')


def import_page(cli, config, tmp_path, site: str, html: bytes, at: str) -> None:
    page = tmp_path / f"{site}-{at}.html"
    page.write_bytes(html)
    cli("import", site, str(page), "--at", at, config=config, check=0)


def two_changes(cli, config, tmp_path) -> None:
    """Change 1: TonerRefillKits adds a paragraph of hostile markup; change 2: MegaToners edits a sentence."""
    old = sites.render_page("tonerrefillkits")
    new = old.replace(b"<p>We protect the confidentiality", XSS + b"<p>We protect the confidentiality")
    assert new != old
    import_page(cli, config, tmp_path, "tonerrefillkits", old, "2024-01-01")
    import_page(cli, config, tmp_path, "tonerrefillkits", new, "2024-02-01")
    import_page(cli, config, tmp_path, "megatoners", sites.render_page("megatoners"), "2024-01-01")
    import_page(cli, config, tmp_path, "megatoners", sites.render_page("megatoners", policy_edit=True), "2024-02-02")


def delivery(db, recipient: str) -> dict:
    return next(db.query("SELECT status, attempts FROM outbox WHERE recipient = ?", [recipient]))


def test_digest_parts_headers_recipients_and_escaping(tmp_path, cli, write_config, smtp_server, db_path):
    smtp = smtp_server()
    config = email_config(write_config, smtp.port)
    two_changes(cli, config, tmp_path)
    result = cli("report", "--email", "--out", str(tmp_path / "reports"), config=config, check=0)
    assert "email: 3 message(s) sent" in result.stdout and result.stderr == ""

    assert sorted(r for m in smtp.received for r in m.recipients) == sorted([SUB, SUB2, FAN])  # no operator
    [mail] = smtp.to(SUB)
    assert mail.sender == SENDER and mail.recipients == [SUB]
    message = mail.message
    assert message["From"] == SENDER and message["To"] == SUB  # subscribers never see each other
    assert message["Subject"] == f"policydiff: {TONER}, {MEGA} changed"
    assert message["MIME-Version"] == "1.0"
    sent_at = parsedate_to_datetime(message["Date"])
    assert abs(datetime.now(timezone.utc) - sent_at) < timedelta(minutes=10)
    assert re.fullmatch(r"<[^<>@\s]+@example\.org>", message["Message-ID"])
    assert message["List-Unsubscribe"] == f"<mailto:{SENDER}?subject=unsubscribe>"
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.get_payload()
    assert (text_part.get_content_type(), html_part.get_content_type()) == ("text/plain", "text/html")
    assert text_part.get_content_charset() == html_part.get_content_charset() == "utf-8"
    assert len(mail.raw) < EMAIL_MAX_BYTES

    text = text_part.get_content()
    assert f"{TONER} changed" in text and f"{MEGA} changed" in text
    assert "revision-date-not-updated" in text and "first seen 2024-02-01" in text
    assert "<script>alert(1)</script>" in text  # plain text is not HTML: shown as written
    assert f"mailto:{SENDER}?subject=unsubscribe" in text

    html = html_part.get_content()
    tree = lxml.html.fromstring(html)
    assert not tree.xpath("//script") and not tree.xpath("//img") and not tree.xpath("//style")
    assert not tree.xpath("//*[@class]")  # inline CSS only: mail clients drop stylesheets
    content = tree.text_content()
    assert "<script>alert(1)</script>" in content and "<img src=x onerror=alert(1)>" in content
    assert "&amp;lt;" not in html  # escaped once, not twice
    assert [h.text_content() for h in tree.xpath("//h2")] == [f"{TONER} changed", f"{MEGA} changed"]
    assert "revision-date-not-updated" in content and "first seen 2024-02-01" in content

    [fan] = smtp.to(FAN)  # a policy's notify list gets that policy's changes only
    assert fan.message["Subject"] == f"policydiff: {MEGA} changed"
    assert TONER not in fan.message.get_body(("plain",)).get_content()
    ids = {m.message["Message-ID"] for m in smtp.received}
    assert len(ids) == 3

    outbox = rows(db_path, "SELECT id, kind, recipient, status, attempts, sent_at, message FROM outbox ORDER BY id")
    assert [(o["kind"], o["status"], o["attempts"]) for o in outbox] == [("changes", "sent", 1)] * 3
    assert all(o["sent_at"] for o in outbox)
    carried = rows(db_path, "SELECT o.recipient, oc.change FROM outbox_changes oc JOIN outbox o ON o.id = oc.outbox")
    assert sorted((c["recipient"], c["change"]) for c in carried) == sorted(
        [(SUB, 1), (SUB, 2), (SUB2, 1), (SUB2, 2), (FAN, 2)])
    stored = next(o["message"] for o in outbox if o["recipient"] == SUB)
    assert stored.encode() == mail.raw  # the outbox holds the message as sent


def test_each_change_is_mailed_exactly_once_across_runs(tmp_path, cli, write_config, smtp_server):
    smtp = smtp_server()
    config = email_config(write_config, smtp.port)
    two_changes(cli, config, tmp_path)
    out = str(tmp_path / "reports")
    cli("report", "--email", "--out", out, config=config, check=0)
    again = cli("report", "--email", "--out", out, config=config, check=0)
    assert "email:" not in again.stdout and len(smtp.received) == 3

    third = sites.render_page("tonerrefillkits").replace(b"We do not sell information to third parties.",
                                                         b"We may sell information to third parties.")
    import_page(cli, config, tmp_path, "tonerrefillkits", third, "2024-03-01")
    cli("report", "--email", "--out", out, config=config, check=0)
    assert len(smtp.received) == 5 and smtp.to(FAN) == smtp.to(FAN)[:1]
    latest = smtp.to(SUB)[-1].message
    assert latest["Subject"] == f"policydiff: {TONER} changed"
    assert "first seen 2024-03-01" in latest.get_body(("plain",)).get_content()
    assert MEGA not in latest.get_body(("plain",)).get_content()


def test_technical_changes_are_never_mailed(tmp_path, cli, write_config, smtp_server):
    smtp = smtp_server()
    config = email_config(write_config, smtp.port)
    import_page(cli, config, tmp_path, "tonerrefillkits", sites.render_page("tonerrefillkits"), "2024-01-01")
    rules = email_config(write_config, smtp.port, policies=CONFIG.replace(
        'url = "https://tonerrefillkits.com/privacy/"', 'url = "https://tonerrefillkits.com/privacy/"\nremove = ["ul"]'))
    assert "technical v2" in cli("reextract", config=rules, check=0).stdout
    cli("report", "--email", "--out", str(tmp_path / "r"), config=rules, check=0)
    assert smtp.received == []


def test_smtp_down_during_run_then_up_sends_once(tmp_path, cli, write_config, smtp_server, server, db_path):
    """`run` archives the change although SMTP is down; the mail stays queued; the next run sends it once."""
    server.route("/privacy", policy_html())
    down = closed_port()
    shop = f'[policies.shop]\nname = "Example Shop"\nurl = "{server.url("/privacy")}"\n'
    config = email_config(write_config, down, to=(SUB,), policies=shop)
    # v1 as an import: `run` only counts crawls when deciding what is due, so the shop is due now.
    import_page(cli, config, tmp_path, "shop", policy_html().encode(), "2024-01-01")
    server.route("/privacy", policy_html(extra="<p>We now share your email address with advertisers.</p>"))
    run = cli("run", config=config, check=1)
    assert "shop" in run.stdout and "new-version" in run.stdout and "v2" in run.stdout
    assert "1 new report(s)" in run.stdout
    assert run.stderr.strip() == (f"email: 1 message(s) queued, SMTP server 127.0.0.1:{down} unreachable "
                                  "(Connection refused); the next run retries")
    [queued] = rows(db_path, "SELECT status, attempts, last_error FROM outbox")
    assert (queued["status"], queued["attempts"]) == ("queued", 0) and "Connection refused" in queued["last_error"]
    assert rows(db_path, "SELECT count(*) AS n FROM changes")[0]["n"] == 1  # archived all the same

    smtp = smtp_server()
    config = email_config(write_config, smtp.port, to=(SUB,), policies=shop)
    up = cli("run", config=config, check=0)
    assert "nothing is due" in up.stdout and "email: 1 message(s) sent" in up.stdout
    [mail] = smtp.received
    assert mail.message["Subject"] == "policydiff: Example Shop changed"
    assert "advertisers" in mail.message.get_body(("plain",)).get_content()
    cli("run", config=config, check=0)
    assert len(smtp.received) == 1
    assert [r["status"] for r in rows(db_path, "SELECT status FROM outbox")] == ["sent"]


def test_refused_recipient_is_given_up_alone(tmp_path, cli, write_config, smtp_server, db_path):
    gone = "gone@example.org"
    smtp = smtp_server(refuse={gone: f"550 5.1.1 <{gone}>: no such mailbox here"})
    config = email_config(write_config, smtp.port, to=(SUB, gone))
    two_changes(cli, config, tmp_path)
    out = str(tmp_path / "reports")
    result = cli("report", "--email", "--out", out, config=config, check=1)
    assert f"email: to {gone}: 550 5.1.1 <{gone}>: no such mailbox here; given up (outbox status 'failed')" \
        in result.stderr
    assert len(smtp.to(SUB)) == 1 and len(smtp.to(FAN)) == 1 and smtp.to(gone) == []
    statuses = {r["recipient"]: (r["status"], r["attempts"]) for r in rows(db_path, "SELECT * FROM outbox")}
    assert statuses == {SUB: ("sent", 1), FAN: ("sent", 1), gone: ("failed", 1)}
    cli("report", "--email", "--out", out, config=config, check=0)  # nothing re-sent, nothing re-queued
    assert len(smtp.received) == 2 and len(rows(db_path, "SELECT id FROM outbox")) == 3


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback test server
def test_password_is_used_but_never_stored_printed_or_sent(tmp_path, cli, write_config, smtp_server, db_path):
    smtp = smtp_server(login=("mailer", PASSWORD))
    extra = 'username = "mailer"\npassword_env = "PD_SMTP_PASSWORD"\n'
    config = email_config(write_config, smtp.port, extra=extra)
    two_changes(cli, config, tmp_path)
    out = str(tmp_path / "reports")
    no_env = cli("report", "--email", "--out", out, config=config, check=1)
    assert "the environment variable PD_SMTP_PASSWORD is not set" in no_env.stderr
    wrong = "Wrong-" + PASSWORD
    refused = cli("report", "--email", "--out", out, config=config, env={"PD_SMTP_PASSWORD": wrong}, check=1)
    assert f"SMTP server 127.0.0.1:{smtp.port} refused the login (535" in refused.stderr
    assert smtp.received == []
    ok = cli("report", "--email", "--out", out, config=config, env={"PD_SMTP_PASSWORD": PASSWORD}, check=0)
    assert len(smtp.received) == 3  # the server requires AUTH: the password was used
    outputs = [no_env.stdout, no_env.stderr, refused.stdout, refused.stderr, ok.stdout, ok.stderr]
    assert not any(PASSWORD in text for text in outputs)
    assert not any(PASSWORD.encode() in m.raw for m in smtp.received)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]  # the archive, its WAL, reports, config
    assert any(p.name.startswith(db_path.name) for p in written)
    assert not [p for p in written if PASSWORD.encode() in p.read_bytes()]


def test_email_test_goes_to_operators_only(tmp_path, cli, write_config, smtp_server):
    smtp = smtp_server()
    config = email_config(write_config, smtp.port)
    result = cli("email", "--test", config=config, check=0)
    assert f"test message queued for {OPS}" in result.stdout
    [mail] = smtp.received
    assert mail.recipients == [OPS] and mail.message["Subject"] == "policydiff: test message"
    assert f"127.0.0.1:{smtp.port}" in mail.message.get_content()
    down = email_config(write_config, closed_port())
    assert "unreachable" in cli("email", "--test", config=down, check=1).stderr
    # The server answers, but not as the settings expect: said so, not "unreachable".
    starttls = email_config(write_config, smtp.port, extra='security = "starttls"')
    assert (f"SMTP server 127.0.0.1:{smtp.port} answered, but STARTTLS extension not supported by server "
            "(check security and username in [email])") in cli("email", "--test", config=starttls, check=1).stderr
    tls = cli("email", "--test", config=email_config(write_config, smtp.port, extra='security = "ssl"'), check=1)
    assert f"TLS with SMTP server 127.0.0.1:{smtp.port} failed (" in tls.stderr and '"ssl" for a port like 465' in tls.stderr
    no_email = write_config(CONFIG)
    assert "no [email] table" in cli("email", "--test", config=no_email, check=2).stderr
    assert "no [email] table" in cli("report", "--email", "--out", str(tmp_path / "r"), config=no_email,
                                     check=2).stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_verifies_the_server_certificate(security, tmp_path, cli, write_config, smtp_server):
    certificate = self_signed(tmp_path)
    smtp = smtp_server(tls=(security, certificate))
    config = email_config(write_config, smtp.port, extra=f'security = "{security}"\n')
    untrusted = cli("email", "--test", config=config, check=1)
    assert "certificate verify failed" in untrusted.stderr and smtp.received == []
    trusted = cli("email", "--test", config=config, env={"SSL_CERT_FILE": str(certificate)}, check=0)
    assert "2 message(s) sent" in trusted.stdout  # the first test message was kept queued, not lost
    assert [m.recipients for m in smtp.received] == [[OPS], [OPS]]


def test_a_temporary_refusal_is_retried_then_given_up(fresh_db, smtp_server):
    smtp = smtp_server(refuse={OPS: "451 4.3.0 mailbox busy, try later"})
    settings = EmailSettings(host="127.0.0.1", port=smtp.port, sender=SENDER)
    with fresh_db.conn:
        enqueue(fresh_db, settings, "test", [OPS, SUB], "policydiff: test message", "hello\n")
    first = send_queued(fresh_db, settings)
    assert (first.sent, first.queued) == (1, 1)
    assert first.problems() == [f"email: to {OPS}: 451 4.3.0 mailbox busy, try later; kept queued, the next run retries"]
    for _ in range(MAX_ATTEMPTS - 2):
        send_queued(fresh_db, settings)
    assert delivery(fresh_db, OPS) == {"status": "queued", "attempts": MAX_ATTEMPTS - 1}
    last = send_queued(fresh_db, settings)
    assert delivery(fresh_db, OPS) == {"status": "failed", "attempts": MAX_ATTEMPTS} and last.queued == 0
    assert "given up" in last.problems()[0] and len(smtp.received) == 1


def test_a_deferred_message_goes_once_the_server_takes_it(fresh_db, smtp_server):
    smtp = smtp_server(refuse={OPS: "452 4.2.2 mailbox full"})
    settings = EmailSettings(host="127.0.0.1", port=smtp.port, sender=SENDER)
    with fresh_db.conn:
        enqueue(fresh_db, settings, "test", [OPS], "policydiff: test message", "hello\n")
    assert send_queued(fresh_db, settings).queued == 1 and smtp.received == []
    smtp.refuse.clear()
    assert send_queued(fresh_db, settings).sent == 1
    assert send_queued(fresh_db, settings).sent == 0 and len(smtp.received) == 1


def test_hung_server_times_out_and_keeps_the_mail(fresh_db):
    settings = EmailSettings(host="127.0.0.1", sender=SENDER)
    with fresh_db.conn:
        enqueue(fresh_db, settings, "test", [OPS], "policydiff: test message", "hello\n")
    with hung_port() as port:
        result = send_queued(fresh_db, EmailSettings(host="127.0.0.1", port=port, sender=SENDER), timeout=0.5)
    assert result.session_error.startswith(f"SMTP server 127.0.0.1:{port} unreachable (")
    assert "timed out" in result.session_error and result.queued == 1
    [row] = fresh_db.query("SELECT status, attempts FROM outbox")
    assert row == {"status": "queued", "attempts": 0}


def test_a_digest_of_huge_changes_stays_under_the_limit():
    """Twenty changes that each add 300 paragraphs: each shows what fits, and says what it leaves out."""
    old = "\n\n".join(f"Paragraph {i}: we collect data about you." for i in range(20))
    new = old + "\n\n" + "\n\n".join(f"Added {i}: " + "we <share> data & more about you " * 10 for i in range(300))
    diff = diff_texts(old, new)
    reports = [ChangeReport(change_id=i, policy=f"p{i}", policy_name=f"Policy {i}", policy_url="https://example.org/",
                            from_number=1, to_number=2, old_first_seen="2024-01-01T00:00:00Z",
                            detected_at="2024-02-01T00:00:00Z", findings=[], diff=diff) for i in range(20)]
    settings = EmailSettings(sender=SENDER)
    digest = compose_digest(reports, settings, (SUB,))
    size = len(build_message(settings, SUB, digest.subject, digest.text, digest.html).encode())
    # Cut, but using most of the room (twenty identical diffs grow in steps of one paragraph each).
    assert EMAIL_MAX_BYTES * 3 // 4 < size < EMAIL_MAX_BYTES
    assert digest.subject == "policydiff: Policy 0, Policy 1, Policy 2 and 17 more changed"
    assert digest.text.count("Added 0: we <share> data") == 20 and "Added 299:" not in digest.text  # every change shows its start
    assert digest.text.count("more changes not shown") == 20 and digest.html.count("more changes not shown") == 20
    # No [archive] public_url: nothing to link, and both parts say so in the same words (not an operator command).
    kept = "more changes not shown; the full report is kept in the policydiff archive."
    assert digest.text.count(kept) == 20 and " ".join(digest.html.split()).count(kept) == 20


def test_an_untrusted_certificate_is_said_so_not_blamed_on_the_security_setting():
    """security = "ssl" is right here; the server's certificate is what fails (self-signed, wrong name)."""
    import ssl

    from reports.mail.smtp import _session_error

    error = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                                            "self-signed certificate")
    message = _session_error(error, EmailSettings(host="smtp.example.org", port=465, security="ssl"))
    assert message.startswith("the certificate of SMTP server smtp.example.org:465 is not trusted (")
    assert "check host in [email]" in message and "security" not in message
