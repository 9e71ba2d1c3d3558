"""`policydiff serve` as a real process: a free port, real HTTP, a writer in another process, errors."""

from __future__ import annotations

import json
import socket
import urllib.request

from archive import Fetch, open_db, record_fetch
from tests.datasette_archive import build_archive, served


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def test_serve_shows_what_another_process_records_meanwhile(tmp_path):
    archive = build_archive(tmp_path)
    with served(archive.path) as base:
        status, body = fetch(f"{base}/archive/latest_changes.json?_shape=array")
        assert status == 200 and len(json.loads(body)) == 3
        status, page = fetch(f"{base}/-/policydiff/changes/{archive.silent_change}")
        assert status == 200 and "TonerRefillKits.com Privacy Policy changed" in page
        db = open_db(archive.path)  # what cron does while the web reads
        recorded = record_fetch(db, Fetch(policy="megatoners", started_at="2024-04-01T10:00:00Z",
                                          url="http://www.megatoners.com/privacypolicy.html", outcome="new-version",
                                          text="# Privacy\n\nA new text.\n", extractor_version="test"))
        db.close()
        status, body = fetch(f"{base}/archive/latest_changes.json?_shape=array")
        assert json.loads(body)[0]["diff"] == recorded.change_id


def test_serve_without_an_archive_says_so_and_creates_nothing(cli, tmp_path):
    missing = tmp_path / "nowhere" / "archive.db"
    result = cli("serve", "--db", str(missing), "--port", "0", check=1)
    assert f"no archive at {missing}" in result.stderr
    assert not missing.parent.exists()


def test_serve_on_a_busy_port_says_so(cli, tmp_path):
    archive = build_archive(tmp_path)
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = cli("serve", "--db", str(archive.path), "--port", str(port), check=1)
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
