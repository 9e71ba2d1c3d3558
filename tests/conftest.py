"""Shared fixtures: a fresh archive file, a real HTTP server on 127.0.0.1, a config writer, the CLI."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from policydiff.server import SiteServer

ROOT = Path(__file__).resolve().parent.parent


def rows(db_path, sql: str, *params) -> list[dict]:
    """Rows of a query on an archive file, read through a separate plain sqlite3 connection."""
    con = sqlite3.connect(db_path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def crawl_command(db_path, config, *, prelude: str = "", overrides: dict | None = None) -> list[str]:
    """A fresh interpreter (Scrapy's reactor starts once per process) that runs ``prelude`` (patches,
    say), crawls every policy of ``config`` with ``crawl_now``, prints a line per policy, then whether
    Scrapy was imported."""
    script = (f"{prelude}\n"
              "import sys\n"
              "from policydiff.config import load_config\n"
              "from policydiff.jobs import crawl_now\n"
              f"config = load_config({str(config)!r})\n"
              f"print(*crawl_now(config, {str(db_path)!r}, config.pick([]), {overrides or {}!r}), sep='\\n')\n"
              "print('scrapy' in sys.modules)\n")
    return [sys.executable, "-c", script]


class socket_closed_port:
    """A port on 127.0.0.1 that nothing listens on (bound, never listening, so nobody else takes it)."""

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()


def run_crawl(db_path, config, **kwargs) -> subprocess.CompletedProcess:
    """``crawl_command`` run to its end, which must be exit status 0."""
    done = subprocess.run(crawl_command(db_path, config, **kwargs), cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI, .ci/run has installed everything the tests need: a skip there is a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, where .ci/run installs everything: {report.longrepr}"


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "archive.db"


@pytest.fixture
def fresh_db(db_path):
    from archive import open_db

    db = open_db(db_path)
    yield db
    db.close()


@pytest.fixture
def server():
    with SiteServer() as site:
        site.route("/robots.txt", "User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
        yield site


@pytest.fixture
def write_config(tmp_path):
    """Write a policies.toml; crawl politeness off so tests do not wait."""

    def write(body: str, *, crawl: str = "delay = 0\nbackoff = 0.01\ntimeout = 5\nretries = 1\n") -> Path:
        path = tmp_path / "policies.toml"
        path.write_text(f"[crawl]\n{crawl}\n" + textwrap.dedent(body), encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli(db_path, tmp_path):
    """Run the real `policydiff` CLI in a subprocess (Scrapy's reactor starts once per process)."""

    def run(*args: str, config: Path | None = None, env: dict | None = None, check: int | None = None):
        environment = {**os.environ, "POLICYDIFF_DB": str(db_path), **(env or {})}
        if config:
            environment["POLICYDIFF_CONFIG"] = str(config)
        result = subprocess.run([sys.executable, "-m", "policydiff.cli", *args], cwd=tmp_path, env=environment,
                                capture_output=True, text=True, timeout=120)
        if check is not None:
            assert result.returncode == check, (result.returncode, result.stdout, result.stderr)
        return result

    return run
