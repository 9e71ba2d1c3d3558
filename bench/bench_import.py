"""Benchmark: `policydiff import --manifest` over a folder of real pages, beside lxml's raw parse speed.

Run: ``python bench/bench_import.py ../shared/corpus/ota-sample`` (the folder holds manifest.jsonl and
policies.toml; it stays outside the repository). ``--copies K`` imports K copies of every policy
(distinct ids over the same files, so every page is parsed again): a longer run whose peak memory
must not grow with K. One process, one core: the import is the CLI as an operator runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ROOT, policydiff_cmd, run  # noqa: E402

__all__ = ["main"]


def write_copies(corpus: Path, folder: Path, copies: int) -> tuple[Path, Path, list[Path]]:
    """A manifest and policies.toml with ``copies`` copies of each policy, paths pointing into the corpus."""
    config = tomllib.loads((corpus / "policies.toml").read_text())["policies"]
    entries = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines() if line.strip()]
    policies, manifest, files = [], [], []
    for k in range(copies):
        for pid, table in config.items():
            policies.append(_toml_table(f"{pid}-{k}", table))
        for entry in entries:
            path = (corpus / entry["path"]).resolve()
            manifest.append(json.dumps({"policy": f"{entry['policy']}-{k}", "observed_at": entry["observed_at"],
                                        "path": str(path)}))
            files.append(path)
    (folder / "policies.toml").write_text("\n".join(policies))
    (folder / "manifest.jsonl").write_text("\n".join(manifest) + "\n")
    return folder / "manifest.jsonl", folder / "policies.toml", files


def _toml_table(pid: str, table: dict) -> str:
    lines = [f"[policies.{pid}]"]
    for key, value in table.items():
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise ValueError(f"unsupported TOML value {value!r}")


def lxml_parse_rate(files: list[Path]) -> tuple[float, float]:
    """CPU seconds to parse every file once with lxml's HTML parser (bytes in, tree out), and the bytes."""
    from lxml import html

    data = [f.read_bytes() for f in dict.fromkeys(files)]
    started = time.process_time()  # CPU time: this loop is one core's work, whatever else the machine runs
    for body in data:
        html.document_fromstring(body)
    return time.process_time() - started, sum(map(len, data))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="folder with manifest.jsonl and policies.toml (ota-sample)")
    parser.add_argument("--copies", type=int, default=4, help="copies of each policy (default 4)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        manifest, config, files = write_copies(args.corpus.resolve(), Path(tmp), args.copies)
        size = sum(f.stat().st_size for f in files)
        print(f"{len(files)} pages ({args.copies} copies of {len(set(files))} files), {size / 1e6:.1f} MB, "
              f"largest {max(f.stat().st_size for f in files) / 1e3:.0f} KB; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores")
        result = run(policydiff_cmd("import", "--manifest", str(manifest), "--config", str(config),
                                    "--db", str(Path(tmp) / "archive.db")), cwd=ROOT).check((0, 1))
        summary = result.stdout.strip().splitlines()[-1]
        inner = re.search(r"in ([\d.]+) s", summary)
        # A tiny smoke run can print "in 0.00 s": then the end-to-end time is the honest divisor.
        seconds = (float(inner.group(1)) if inner else 0.0) or result.seconds
        print(f"  policydiff import: {summary}")
        print(f"  end to end (process, startup and judging included): {result.seconds:.2f} s, "
              f"{len(files) / result.seconds:.0f} pages/s, {size / 1e6 / result.seconds:.1f} MB/s; "
              f"cpu {result.cpu_seconds:.2f} s = {size / 1e6 / result.cpu_seconds:.1f} MB per cpu-second; "
              f"peak {result.peak_mb:.0f} MB")
        parse_s, parse_bytes = lxml_parse_rate(files)
        lxml_mbs = parse_bytes / 1e6 / max(parse_s, 1e-9)
        print(f"  lxml parse only (the physical limit): {parse_bytes / 1e6:.1f} MB in {parse_s:.2f} s, "
              f"{lxml_mbs:.0f} MB/s")
        # CPU seconds compare across loads (wall seconds on a busy machine measure the other processes).
        print(f"  import rate: {size / 1e6 / seconds:.1f} MB/s wall, {size / 1e6 / result.cpu_seconds:.1f} MB per "
              f"cpu-second = {size / 1e6 / result.cpu_seconds / lxml_mbs:.0%} of lxml's parse rate (target >= 20 MB/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
