"""Benchmark: an archive of 1,000 policies x 100 versions x 1,000,000 fetches.

Run: ``python bench/bench_archive.py --db /tmp/big.db`` (generated there when absent, reused after:
generation takes minutes; ``--policies 5 --fetches 2000`` for a smoke run). Prints the file size
and what each kind of row costs, the time of each canned query of reports/metadata.yml in plain SQL
and through Datasette's test client (p50/p95 of ``--repeat`` runs), and `policydiff run` when
nothing is due.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from archive_gen import generate, write_config  # noqa: E402
from measure import policydiff_cmd, run  # noqa: E402

__all__ = ["main"]

LIMIT_S = 30.0  # a plain-SQL query is stopped after this long (Datasette stops its own at 1 s)


def query_params(con: sqlite3.Connection) -> dict[str, str]:
    """Values for the canned queries' parameters: a policy in the middle, a common phrase, the first
    page (an empty ``before``, as Datasette sends for a parameter left out)."""
    policies = [r[0] for r in con.execute("SELECT id FROM policies ORDER BY id")]
    return {"policy": policies[len(policies) // 2], "days": "7", "q": "personal information", "before": "",
            "_policydiff_change": "/change/", "_policydiff_database": "/archive"}


def sizes(con: sqlite3.Connection, path: Path) -> list[str]:
    lines = [f"file: {path.stat().st_size / 1e6:,.0f} MB"]
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("policies", "fetches", "snapshots", "versions", "changes", "findings")}
    lines.append("rows: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    try:
        pages = dict(con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
    except sqlite3.OperationalError:  # SQLite built without dbstat: the totals above must do
        return lines
    fetch_bytes = pages["fetches"] + sum(v for k, v in pages.items() if k.startswith(("fetches_", "sqlite_autoindex_fetches")))
    lines.append(f"fetches: {fetch_bytes / 1e6:,.0f} MB with indexes = {fetch_bytes / counts['fetches']:.0f} bytes a fetch")
    raw, stored = con.execute("SELECT sum(size), sum(length(body)) FROM snapshots").fetchone()
    lines.append(f"snapshots: {pages['snapshots'] / 1e6:,.0f} MB ({raw / 1e6:,.0f} MB raw, zlib {stored / raw:.0%})")
    text = pages["versions"]
    fts = sum(v for k, v in pages.items() if k.startswith("versions_fts"))
    lines.append(f"versions: {text / 1e6:,.0f} MB of text, full-text index {fts / 1e6:,.0f} MB")
    return lines


def _pcts(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return f"p50 {statistics.median(samples) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"


def time_sql(con: sqlite3.Connection, queries: dict, params: dict, repeat: int) -> None:
    """Each query ``repeat`` times; one run only when it takes over a second, stopped at LIMIT_S."""
    for name, query in queries.items():
        samples: list[float] = []
        while len(samples) < repeat and sum(samples) < 1.0:
            deadline = time.perf_counter() + LIMIT_S
            con.set_progress_handler(lambda: time.perf_counter() > deadline, 10_000)
            started = time.perf_counter()
            try:
                rows = con.execute(query["sql"], params).fetchall()
            except sqlite3.OperationalError:  # interrupted by the progress handler
                print(f"  sql       {name:<18} > {LIMIT_S:.0f} s (stopped)")
                break
            finally:
                con.set_progress_handler(None, 0)
            samples.append(time.perf_counter() - started)
        else:
            print(f"  sql       {name:<18} {_pcts(samples)}  ({len(rows)} rows, {len(samples)} runs)")


def time_datasette(path: Path, queries: dict, params: dict, repeat: int) -> float:
    """p95 of every canned query through Datasette's client; returns the worst p95."""
    from policydiff.serve import build_datasette

    datasette = build_datasette(path)
    loop = asyncio.new_event_loop()
    worst = 0.0
    try:
        for name in queries:
            url = f"/{path.stem}/{name}?" + urlencode({k: v for k, v in params.items() if not k.startswith("_")})
            samples, status = [], None
            while len(samples) < repeat and sum(samples) < 5.0:
                started = time.perf_counter()
                status = loop.run_until_complete(datasette.client.get(url)).status_code
                samples.append(time.perf_counter() - started)
            worst = max(worst, sorted(samples)[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))])
            print(f"  datasette {name:<18} {_pcts(samples)}  (HTTP {status})")
    finally:
        loop.close()
        datasette.get_database(path.stem).close()
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="archive to measure (generated when absent); default a temp file")
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--fetches", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query (default 20)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
        path = args.db or Path(tmp) / "archive.db"
        config = path.with_suffix(".toml")
        if not path.exists():
            started = time.perf_counter()
            generate(path, write_config(config, args.policies), policies=args.policies, versions=args.versions,
                     fetches=args.fetches)
            print(f"generated in {time.perf_counter() - started:.0f} s")
        import yaml

        queries = yaml.safe_load((Path(__file__).resolve().parents[1] / "reports" / "metadata.yml").read_text())
        queries = queries["databases"]["archive"]["queries"]
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            for line in sizes(con, path):
                print(line)
            params = query_params(con)
            time_sql(con, queries, params, args.repeat)
        finally:
            con.close()
        worst = time_datasette(path, queries, params, args.repeat)
        print(f"  slowest canned query p95 through Datasette: {worst * 1000:.0f} ms (target < 200 ms)")
        for attempt in ("first", "second"):
            result = run(policydiff_cmd("run", "--db", str(path), "--config", str(config)), cwd=Path(tmp)).check()
            said = result.stdout.strip().splitlines()[0] if result.stdout.strip() else "?"
            print(f"policydiff run, nothing due ({attempt}): {result.seconds:.2f} s (cpu {result.cpu_seconds:.2f} s, "
                  f"peak {result.peak_mb:.0f} MB): {said!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
