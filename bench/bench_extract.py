"""Extraction throughput on the ota-sample corpus: lxml parse only, the generic extractor, the selector path.

    python bench/bench_extract.py ../shared/corpus/ota-sample [--repeat N] [--quick]

Pages are decoded once up front (decoding is not what is measured). Prints pages/s and MB/s of HTML.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.extract import Rejected, decode_html, extract  # noqa: E402
from crawler.extract.dom import parse  # noqa: E402


def load(corpus: Path, limit: int | None) -> list[tuple[str, int, dict]]:
    policies = tomllib.loads((corpus / "policies.toml").read_text())["policies"]
    pages = []
    for line in (corpus / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        body = (corpus / entry["path"]).read_bytes()
        pages.append((decode_html(body), len(body), policies[entry["policy"]]))
    return pages[:limit] if limit else pages


def selector_path(html: str, decl: dict) -> None:
    try:
        extract(html, decl["url"], decl.get("select", ()), decl.get("remove", ()))
    except Rejected:
        pass  # a declaration newer than the page: still work done


RUNS: dict[str, Callable[[str, dict], object]] = {
    "lxml parse only": lambda html, decl: parse(html),
    "generic extractor": lambda html, decl: extract(html, decl["url"]),
    "selector path": selector_path,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path, help="the ota-sample folder")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the corpus per measurement (default 3)")
    ap.add_argument("--quick", action="store_true", help="5 pages, 1 pass: a smoke test")
    args = ap.parse_args(argv)
    if not (args.corpus / "manifest.jsonl").is_file():
        ap.error(f"no manifest.jsonl in {args.corpus}")
    pages = load(args.corpus, 5 if args.quick else None)
    repeat = 1 if args.quick else max(1, args.repeat)
    megabytes = sum(size for _, size, _ in pages) / 1e6
    print(f"{len(pages)} pages, {megabytes:.1f} MB, {repeat} pass(es)")
    for name, run in RUNS.items():
        for html, _, decl in pages[:2]:  # warm caches (compiled selectors, imports)
            run(html, decl)
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(repeat):
            for html, _, decl in pages:
                run(html, decl)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        count = len(pages) * repeat
        # CPU time too: on a shared, loaded machine wall-clock rates mostly measure the neighbours.
        print(f"{name:18} {count / elapsed:8.1f} pages/s {megabytes * repeat / elapsed:7.1f} MB/s"
              f"   (CPU: {count / cpu:7.1f} pages/s {megabytes * repeat / cpu:7.1f} MB/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
