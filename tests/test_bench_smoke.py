"""Each benchmark script runs end to end at a tiny size, so the scripts keep working.

No timing is asserted: the figures depend on the machine. Only that each script completes and prints
its figures, and the few facts a benchmark relies on (an unchanged crawl writes no snapshot).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pages import policy_html

ROOT = Path(__file__).resolve().parent.parent


def bench(script: str, *args: str, timeout: int = 240) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture
def tiny_corpus(tmp_path) -> Path:
    """An ota-sample-shaped folder: policies.toml, manifest.jsonl and two saved pages of one policy."""
    (tmp_path / "shop").mkdir()
    (tmp_path / "policies.toml").write_text('[policies.shop]\nurl = "https://shop.example/privacy"\nselect = ["main"]\n')
    lines = []
    for k, chrome in enumerate(("Call us: 555-0100", "Call us: 555-0199")):
        (tmp_path / "shop" / f"{k}.html").write_text(policy_html(chrome=chrome))
        lines.append(json.dumps({"policy": "shop", "observed_at": f"2024-0{k + 1}-01T00:00:00Z", "path": f"shop/{k}.html"}))
    (tmp_path / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_bench_crawl_python_server():
    out = bench("bench_crawl.py", "--n", "6", "--no-urlwatch", "--python-server")
    assert "server python" in out
    assert re.search(r"first \(all new\): policydiff .* \[6 new-version; \+6 snapshots, \+6 versions\]", out)
    assert re.search(r"unchanged: policydiff .* \[6 not-modified; \+0 snapshots, \+0 versions\]", out)
    assert re.search(r"changed: policydiff .* \[1 new-version, 5 not-modified; \+1 snapshots, \+1 versions\]", out)


def test_bench_crawl_large_enough_to_shard_over_cores():
    """200 policies: crawler.run splits them by host over one process per core (crawler.run.SHARD_MIN)."""
    out = bench("bench_crawl.py", "--n", "200", "--no-urlwatch", "--no-floor", timeout=600)
    assert "[200 new-version; +200 snapshots, +200 versions]" in out
    assert "[200 not-modified; +0 snapshots, +0 versions]" in out
    assert "[10 new-version, 190 not-modified; +10 snapshots, +10 versions]" in out


@pytest.mark.skipif(not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()), reason="nginx not installed")
def test_bench_crawl_nginx():
    assert "server nginx" in bench("bench_crawl.py", "--n", "3", "--no-urlwatch")


def test_bench_import(tiny_corpus):
    out = bench("bench_import.py", str(tiny_corpus), "--copies", "2")
    assert "imported 4 pages" in out and "MB/s" in out and "lxml parse only" in out


def test_bench_archive(tmp_path):
    out = bench("bench_archive.py", "--db", str(tmp_path / "a.db"), "--policies", "3", "--versions", "4",
                "--fetches", "60", "--repeat", "1")
    assert "rows: 3 policies, 60 fetches, 12 snapshots, 12 versions, 9 changes" in out
    assert "datasette latest_changes" in out and "(HTTP 200)" in out
    assert "nothing is due" in out


def test_bench_diff():
    assert "ratio" in bench("bench_diff.py", "--quick")


def test_bench_extract(tiny_corpus):
    assert "pages/s" in bench("bench_extract.py", str(tiny_corpus), "--quick")
