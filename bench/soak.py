"""Soak: a bounded loop of real `policydiff crawl` runs against a loopback server that misbehaves.

Run: ``python bench/soak.py`` (``--runs 40 --policies 8 --seed 1``). Each policy has a true state
that changes now and then (a real change, which must be recorded) and, in about half the runs, a
one-run fault instead of (or on the way to) its true page: transport errors, blocks, broken pages,
flapping, a stale copy with an older stated date, a page losing most of its text... A final run
without faults lets the last true states arrive. Then the recorded versions of each policy are
compared with the true states it served cleanly:

- false versions: recorded versions that are not a true state in its place (a fault taken for a change);
- lost changes: true states served cleanly at least once that never became a version.

Prints one Markdown table row per figure (docs/reliability.md quotes them) and exits 1 unless both are 0.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extract import extract  # noqa: E402
from policydiff.server import SiteServer  # noqa: E402
from tests.faults import handlers  # noqa: E402

__all__ = ["main"]

HTML = {"Content-Type": "text/html; charset=utf-8"}
CLAUSES = [
    "We collect your name, postal address and email address when you place an order with us.",
    "We use the information we collect to process your orders and to answer your questions.",
    "We do not sell, trade or rent your personal information to others, except as this policy says.",
    "We share it with the carriers and payment processors that complete your order, and when the law requires.",
    "If we change this policy, we post the changes on this page for seven days before they take effect.",
    "You may ask us for a copy of the information we hold about you, and ask us to correct or delete it.",
]
# One-run faults. "clean" ones still deliver the true page (after a retry, or in a wrong charset).
CLEAN_FAULTS = ("503-then-ok", "429-then-ok", "charset")
FAULTS = ("503", "reset", "stall", "challenge", "access-denied", "maintenance", "truncated", "404", "403",
          "empty", "tiny", "redirect-home", "flap", "stale-date", "lost-text", *CLEAN_FAULTS)


def page(pid: str, state: int, *, revised: date | None = None, clauses: int = len(CLAUSES)) -> str:
    """The policy page in a true state: one clause names the state, the revision date moves with it."""
    revised = revised or date(2024, 1, 1) + timedelta(days=7 * state)
    body = "".join(f"<p>{c}</p>" for c in CLAUSES[:clauses])
    return (f"<!DOCTYPE html><html><head><title>Privacy</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<main><h1>Privacy Policy of {pid}</h1><p>Last Revised: {revised.isoformat()}</p>{body}"
            f"<p>Edition {state} of this policy keeps order records for {12 + state} months.</p></main>"
            f"<footer>Example shop</footer></body></html>")


def truth(pid: str, state: int) -> str:
    return hashlib.sha256(extract(page(pid, state), "http://x/").encode()).hexdigest()


def serve_fault(server: SiteServer, path: str, fault: str, pid: str, state: int, stop: threading.Event) -> bool:
    """Route ``path`` for this run; True when the true page still gets through (a clean observation)."""
    true = page(pid, state).encode()
    ok = (200, HTML, true)
    simple = {
        "challenge": "<html><head><title>Just a moment...</title></head><body>window._cf_chl_opt={}</body></html>",
        "access-denied": "<html><head><title>Access Denied</title></head><body>Reference #18</body></html>",
        "maintenance": "<html><body><h1>Down for maintenance</h1><p>We'll be back soon.</p></body></html>",
        "tiny": "<html><body><main><p>Privacy policy coming soon.</p></main></body></html>",
        "empty": "",
    }
    if fault in simple:
        server.route(path, simple[fault])
    elif fault in ("503", "404", "403"):
        server.route(path, "<html><body>error</body></html>", status=int(fault))
    elif fault == "reset":
        server.route(path, handler=handlers.reset)
    elif fault == "stall":
        server.route(path, handler=handlers.stall_headers(stop))
    elif fault == "truncated":
        server.route(path, true[: len(true) // 2])
    elif fault == "redirect-home":
        server.route(path, status=302, headers={"Location": "/", "Content-Length": "0"})
    elif fault == "flap":  # an old node serving the previous state
        server.route(path, page(pid, state - 1))
    elif fault == "stale-date":  # a stale mirror: other words, an older date
        server.route(path, page(pid, state + 1000, revised=date(2020, 1, 1)))
    elif fault == "lost-text":
        server.route(path, page(pid, state, clauses=1))
    elif fault == "503-then-ok":
        server.route(path, handler=handlers.sequence((503, HTML, b"busy"), ok))
    elif fault == "429-then-ok":
        server.route(path, handler=handlers.sequence((429, {**HTML, "Retry-After": "0"}, b"slow down"), ok))
    elif fault == "charset":  # windows-1252 bytes, labelled utf-8
        server.route(path, page(pid, state).encode("windows-1252"), headers=HTML)
    else:
        raise ValueError(fault)
    return fault in CLEAN_FAULTS


def crawl(workdir: Path, config: Path) -> None:
    env = {**os.environ, "POLICYDIFF_DB": str(workdir / "archive.db"), "POLICYDIFF_CONFIG": str(config)}
    result = subprocess.run([sys.executable, "-m", "policydiff.cli", "crawl"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    if result.returncode not in (0, 1) or "Traceback" in result.stderr:
        raise SystemExit(f"crawl crashed ({result.returncode}):\n{result.stderr[-3000:]}")


def soak(runs: int, n: int, seed: int, workdir: Path) -> dict:
    rng = random.Random(seed)
    ids = [f"p{i:02d}" for i in range(n)]
    state = {pid: 0 for pid in ids}
    clean: dict[str, list[str]] = {pid: [] for pid in ids}  # true states served cleanly, in order
    injected: Counter[str] = Counter()
    with SiteServer() as server:
        server.route("/robots.txt", "User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
        server.route("/", page("home", 0))
        config = workdir / "policies.toml"
        config.write_text("[crawl]\ndelay = 0\nbackoff = 0.01\ntimeout = 1\nretries = 1\n\n" + "".join(
            f"[policies.{pid}]\nurl = '{server.url('/' + pid)}'\n" for pid in ids), encoding="utf-8")
        for number in range(runs + 1):  # the last run has no faults: the final true states arrive
            stop = threading.Event()
            for pid in ids:
                if rng.random() < 0.15:
                    state[pid] += 1  # a real change: the site now serves a new true state
                fault = rng.choice(FAULTS) if number < runs and rng.random() < 0.5 else None
                if fault == "flap" and state[pid] == 0:
                    fault = "challenge"  # nothing to flap back to yet
                if fault:
                    injected[fault] += 1
                    delivered = serve_fault(server, f"/{pid}", fault, pid, state[pid], stop)
                else:
                    server.route(f"/{pid}", page(pid, state[pid]))
                    delivered = True
                if delivered and (not clean[pid] or clean[pid][-1] != truth(pid, state[pid])):
                    clean[pid].append(truth(pid, state[pid]))
            crawl(workdir, config)
            stop.set()
    con = sqlite3.connect(workdir / "archive.db")
    try:
        recorded = {pid: [hashlib.sha256(t.encode()).hexdigest() for (t,) in con.execute(
            "SELECT text FROM versions WHERE policy = ? ORDER BY id", [pid])] for pid in ids}
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        outcomes = Counter(dict(con.execute("SELECT outcome, count(*) FROM fetches GROUP BY outcome")))
    finally:
        con.close()
    false = lost = 0
    for pid in ids:
        matched = sum(b.size for b in difflib.SequenceMatcher(None, recorded[pid], clean[pid],
                                                              autojunk=False).get_matching_blocks())
        false += len(recorded[pid]) - matched
        lost += len(clean[pid]) - matched
    return {"runs": runs + 1, "policies": n, "fetches": sum(outcomes.values()),
            "faults injected": sum(injected.values()), "fault kinds": len(injected),
            "true changes": sum(len(c) - 1 for c in clean.values()),
            "versions recorded": sum(len(r) for r in recorded.values()),
            "false versions": false, "lost changes": lost, "integrity_check": integrity,
            "outcomes": dict(sorted(outcomes.items())), "faults": dict(sorted(injected.items()))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--policies", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="policydiff-soak-") as workdir:
        figures = soak(args.runs, args.policies, args.seed, Path(workdir))
    for key, value in figures.items():
        print(f"| {key} | {value} |")
    return 0 if figures["false versions"] == figures["lost changes"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
