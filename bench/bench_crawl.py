"""Benchmark: `policydiff crawl` against urlwatch over N generated policy pages on 50 loopback hosts.

Run: ``python bench/bench_crawl.py`` (``--n 20 --no-urlwatch`` for a smoke run). Three rounds,
each timed for both tools side by side in this one run: first (all new), unchanged, and with a share
of the pages edited. urlwatch (``pip install urlwatch``, not a project dependency) checks the same
URLs with a CSS filter and html2text, with its own cache and config in the temp folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ROOT, Run, policydiff_cmd, run  # noqa: E402
from sitegen import edit_pages, host_of, page_path, write_site  # noqa: E402
from static_server import serve  # noqa: E402

__all__ = ["main"]

SELECTOR = "article.policy"  # the same CSS filter for both tools


def write_policies(path: Path, n: int, port: int, *, generic: bool) -> None:
    """policies.toml with politeness delay 0 (the benchmark's only override of the crawl defaults)."""
    select = "" if generic else f"select = [\"{SELECTOR}\"]\n"
    lines = ["[crawl]\ndelay = 0\n"]
    for i in range(n):
        lines.append(f"[policies.p{i:05d}]\nurl = \"http://127.0.0.{host_of(i)}:{port}{page_path(i)}\"\n{select}")
    path.write_text("\n".join(lines))


def write_urlwatch(folder: Path, n: int, port: int) -> list[str]:
    urls = folder / "urls.yaml"
    urls.write_text("---\n".join(
        f"name: p{i:05d}\nurl: http://127.0.0.{host_of(i)}:{port}{page_path(i)}\n"
        f"filter:\n  - css: {SELECTOR}\n  - html2text\n" for i in range(n)))
    config = folder / "urlwatch.yaml"
    config.write_text("display:\n  new: true\n  error: true\n  unchanged: false\n"
                      "report:\n  text:\n    details: true\n  stdout:\n    enabled: true\n    color: false\n")
    return ["urlwatch", "--urls", str(urls), "--config", str(config), "--cache", str(folder / "cache.db"),
            "--hooks", str(folder / "hooks.py")]


def counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("fetches", "snapshots", "versions")}
    finally:
        con.close()


def outcomes(db: Path, after: int) -> str:
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT outcome, count(*) FROM fetches WHERE id > ? GROUP BY outcome", [after]).fetchall()
    finally:
        con.close()
    return ", ".join(f"{n} {o}" for o, n in sorted(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="pages (default 1000)")
    parser.add_argument("--changed", type=float, default=0.05, help="share of pages edited for round 3")
    parser.add_argument("--python-server", action="store_true", help="serve with Python even if nginx is installed")
    parser.add_argument("--generic", action="store_true", help="policydiff uses its generic extractor, no selector")
    parser.add_argument("--no-urlwatch", action="store_true", help="policydiff only")
    parser.add_argument("--no-floor", action="store_true", help="skip the bare Scrapy GET of the same pages")
    args = parser.parse_args(argv)
    urlwatch = not args.no_urlwatch
    if urlwatch and not shutil.which("urlwatch"):
        parser.error("urlwatch is not installed (pip install urlwatch), or pass --no-urlwatch")

    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        work = Path(tmp)
        site, uw = work / "site", work / "urlwatch"
        uw.mkdir()
        write_site(site, args.n)
        size = sum(p.stat().st_size for p in (site / "policy").iterdir())
        with serve(site, min(50, args.n), prefer_nginx=not args.python_server) as (server, port):
            config, db = work / "policies.toml", work / "archive.db"
            write_policies(config, args.n, port, generic=args.generic)
            ours = policydiff_cmd("crawl", "--db", str(db), "--config", str(config))
            theirs = write_urlwatch(uw, args.n, port)
            print(f"{args.n} pages, {size / 1e6:.1f} MB, 50 hosts on 127.0.0.x:{port}, server {server}, "
                  f"{'generic extractor' if args.generic else 'selector ' + SELECTOR}; load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            if not args.no_floor:
                urls = work / "urls.txt"
                urls.write_text("\n".join(f"http://127.0.0.{host_of(i)}:{port}{page_path(i)}" for i in range(args.n)))
                floor = run([sys.executable, str(Path(__file__).with_name("scrapy_floor.py")), str(urls)]).check()
                print(f"{'scrapy floor':>16}: bare Scrapy GET of every page, nothing else: {_fig(floor)}")
            rounds = [("first (all new)", None), ("unchanged", None),
                      (f"{args.changed:.0%} changed", max(1, round(args.n * args.changed)))]
            for name, edited in rounds:
                if edited:
                    edit_pages(site, list(range(0, args.n, args.n // edited))[:edited])
                before = counts(db) if db.exists() else {"fetches": 0, "snapshots": 0, "versions": 0}
                pd = run(ours, cwd=ROOT).check((0, 1))
                after = counts(db)
                line = (f"{name:>16}: policydiff {_fig(pd)} [{outcomes(db, before['fetches'])};"
                        f" +{after['snapshots'] - before['snapshots']} snapshots,"
                        f" +{after['versions'] - before['versions']} versions]")
                if urlwatch:
                    uwr = run(theirs, cwd=uw).check((0, 1))
                    line += f"\n{'':>16}  urlwatch   {_fig(uwr)}  ratio {uwr.seconds / pd.seconds:.1f}x"
                print(line, flush=True)
    return 0


def _fig(r: Run) -> str:
    return f"{r.seconds:6.2f} s (cpu {r.cpu_seconds:5.2f} s, peak {r.peak_mb:4.0f} MB, all processes {r.tree_mb:4.0f} MB)"


if __name__ == "__main__":
    raise SystemExit(main())
