"""Shared fixtures: a fresh archive file, a real HTTP server on 127.0.0.1, a config writer, the CLI."""

from __future__ import annotations

import os
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
