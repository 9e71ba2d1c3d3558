"""`policydiff extract`: how an operator writes and tests selectors; writes nothing."""

from __future__ import annotations

from tests.conftest import socket_closed_port
from tests.pages import policy_html


def test_extract_prints_text_and_writes_nothing(tmp_path, cli, db_path):
    page = tmp_path / "page.html"
    page.write_text(policy_html(), encoding="utf-8")
    result = cli("extract", str(page), check=0)
    assert result.stdout.startswith("# Privacy Policy\n")
    assert "Call us" not in result.stdout
    assert not db_path.exists()


def test_extract_with_selectors_and_ranges(tmp_path, cli):
    page = tmp_path / "page.html"
    page.write_text(policy_html(), encoding="utf-8")
    only = cli("extract", str(page), "--select", "main", "--remove", "h2", check=0).stdout
    assert "## " not in only and "We collect your name" in only
    ranged = cli("extract", str(page), "--select", '{"startAfter": "h1", "endBefore": "footer"}', check=0).stdout
    assert "# Privacy Policy" not in ranged and "## Sharing" in ranged


def test_extract_over_http_and_rejections(server, tmp_path, cli):
    server.route("/privacy", policy_html())
    assert "## Sharing" in cli("extract", server.url("/privacy"), check=0).stdout
    result = cli("extract", server.url("/privacy"), "--select", "#nothing-like-this")
    assert result.returncode == 1 and "structure-changed" in result.stderr and result.stdout == ""
    server.route("/gone", "<html><body>gone</body></html>", status=404)
    result = cli("extract", server.url("/gone"))
    assert result.returncode == 1 and "gone: HTTP 404" in result.stderr
    result = cli("extract", str(tmp_path / "page.html"), "--select", "main >> p")
    assert result.returncode == 2


def test_extract_of_an_unreachable_url_is_a_failed_fetch_exit_1(cli):
    with socket_closed_port() as port:
        result = cli("extract", f"http://127.0.0.1:{port}/privacy")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"policydiff: http://127.0.0.1:{port}/privacy: cannot fetch (")
    assert result.stderr.endswith("; check the URL and the network\n") and result.stderr.count("\n") == 1
