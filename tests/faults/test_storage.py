"""Storage faults: a full disk and a read-only archive give one clear line, a non-zero exit, and leave
the archive exactly as it was; the next run, once the disk is fixed, carries on.

Both use a real tmpfs (a full one, then one remounted read-only): root ignores permission bits, so
chmod would prove nothing here. Without the right to mount, they are skipped (and say why).
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.datasette_archive import served
from tests.pages import SECTIONS, policy_html


@pytest.fixture
def tmpfs(tmp_path):
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        target = tmp_path / f"fs{len(mounted)}"
        target.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                                capture_output=True, text=True)
        if result.returncode:
            pytest.skip(f"cannot mount a tmpfs (needs root): {result.stderr.strip()}")
        mounted.append(target)
        return target

    yield mount
    for target in mounted:
        subprocess.run(["umount", str(target)], check=True)


def long_policy(seed: int) -> str:
    """A policy with a long extra section of random words: its snapshot and text need fresh pages."""
    words = random.Random(seed).choices(["data", "share", "partner", "cookie", "email", "retain", "consent",
                                         "process", "law", "request", "account", "order", "store"], k=20_000)
    return policy_html([*SECTIONS, ("Details", " ".join(words))])


def state(db: Path) -> dict:
    con = sqlite3.connect(db)
    try:
        return {"integrity": con.execute("PRAGMA integrity_check").fetchone()[0],
                **{t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for t in ("fetches", "snapshots", "versions", "changes")}}
    finally:
        con.close()


def fill(folder: Path, leave: int = 0) -> Path:
    """Write a file until the file system is full, then give back ``leave`` bytes."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:  # unbuffered: closing has nothing left to flush
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            pass
    with open(filler, "r+b") as out:
        out.truncate(max(0, filler.stat().st_size - leave))
    return filler


@pytest.mark.parametrize("leave", [0, 64 * 1024], ids=["full", "nearly-full"])
def test_a_full_disk_is_a_clear_error_and_nothing_half_written(server, configure, cli, tmpfs, leave):
    """Full: even the lock file cannot be written. Nearly full: the lock is taken, SQLite's write fails."""
    db = tmpfs("4m") / "archive.db"
    env = {"POLICYDIFF_DB": str(db)}
    config = configure(shop="/privacy")
    server.route("/privacy", long_policy(1))
    cli("crawl", config=config, env=env, check=0)
    before = state(db)
    filler = fill(db.parent, leave)
    server.route("/privacy", long_policy(2))
    result = cli("crawl", config=config, env=env)
    assert result.returncode == 1
    assert "cannot write" in result.stderr and ("disk is full" in result.stderr
                                                 or "No space left" in result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    filler.unlink()  # first: even reading a WAL archive needs room for its shared-memory file
    assert state(db) == before  # the whole fetch rolled back: no snapshot without its fetch, no version
    assert cli("crawl", config=config, env=env, check=0).stdout.split()[:3] == ["shop", "new-version", "v2"]


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """The tmpfs at ``folder`` remounted read-only for the block."""
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    try:
        yield
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(folder)], check=True)


def crawled(server, configure, cli, tmpfs, versions: int):
    """An archive on its own tmpfs with ``versions`` versions of one policy: (folder, db, env, config)."""
    folder = tmpfs("16m")
    db = folder / "archive.db"
    env = {"POLICYDIFF_DB": str(db)}
    config = configure(shop="/privacy")
    for page in [policy_html(), long_policy(3)][:versions]:
        server.route("/privacy", page)
        cli("crawl", config=config, env=env, check=0)
    return folder, db, env, config


def test_a_read_only_archive_is_a_clear_error_and_stays_intact(server, configure, cli, tmpfs):
    folder, db, env, config = crawled(server, configure, cli, tmpfs, versions=1)
    before = state(db)
    server.route("/privacy", long_policy(3))
    with read_only(folder):
        for command in ("crawl", "run"):
            result = cli(command, config=config, env=env)
            assert result.returncode == 1, (command, result.stdout, result.stderr)
            assert result.stderr.startswith("policydiff: ") and result.stderr.count("\n") == 1, result.stderr
            assert "Read-only file system" in result.stderr or "readonly" in result.stderr, result.stderr
    assert state(db) == before
    assert cli("crawl", config=config, env=env, check=0).stdout.split()[:3] == ["shop", "new-version", "v2"]


def test_an_archive_on_read_only_media_can_still_be_read_and_browsed(server, configure, cli, tmpfs):
    """An archive handed over on read-only media: WAL needs a -shm file that cannot be made there, and
    the reading commands record the config's policies first. They read it as it is instead."""
    folder, db, env, config = crawled(server, configure, cli, tmpfs, versions=2)
    before = state(db)
    with read_only(folder):
        assert not (folder / "archive.db-shm").exists()  # closed cleanly: only the file is left
        assert cli("status", config=config, env=env, check=0).stdout.splitlines()[1].split()[0] == "shop"
        assert [line.split()[0] for line in cli("history", "shop", config=config, env=env, check=0).stdout.splitlines()
                if line.strip()][:2] == ["v1", "v2"]
        assert "shop" in cli("changes", config=config, env=env, check=0).stdout
        with served(db) as base:
            with urllib.request.urlopen(f"{base}/archive/policies.json?_shape=array", timeout=30) as response:
                assert [row["id"] for row in json.loads(response.read())] == ["shop"]
            # Served as immutable, which Datasette would offer for download whole, outbox addresses included.
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{base}/archive.db", timeout=30)
            assert refused.value.code == 403
    assert state(db) == before


def test_a_read_only_archive_whose_wal_holds_changes_is_refused_not_read_short(server, configure, cli, tmpfs,
                                                                                 tmp_path):
    """Copied with its -wal file but not its -shm: opened as immutable it would silently lose what the
    WAL holds (the newest versions). One line instead, exit 1."""
    source = tmp_path / "source.db"
    config = configure(shop="/privacy")
    server.route("/privacy", policy_html())
    cli("crawl", config=config, env={"POLICYDIFF_DB": str(source)}, check=0)
    writer = sqlite3.connect(source)
    writer.execute("PRAGMA wal_autocheckpoint = 0")  # the next commit stays in the -wal file
    writer.execute("INSERT INTO fetches (policy, started_at, url, outcome) VALUES ('shop', '2030-01-01T00:00:00Z',"
                   " 'https://x.example/', 'failed')")
    writer.commit()
    folder = tmpfs("16m")
    (folder / "archive.db").write_bytes(source.read_bytes())
    (folder / "archive.db-wal").write_bytes(Path(f"{source}-wal").read_bytes())
    writer.close()
    with read_only(folder):
        result = cli("history", "shop", config=config, env={"POLICYDIFF_DB": str(folder / "archive.db")})
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result
    assert "archive.db-wal file holds committed changes" in result.stderr
