"""Benchmark: diff_texts + render_html_side_by_side against difflib.HtmlDiff.

Run: ``python bench/bench_diff.py`` (``--quick`` for a tiny smoke run). Two pairs, both
timed in the same run: (a) a ~500 KB policy and a copy with 200 scattered sentence
edits, (b) the policy and a full rewrite. HtmlDiff().make_file compares the same texts
with one line per paragraph. The two run alternately, ``--repeats`` rounds, in this one
process, timed in CPU seconds: load from other processes then slows neither, and any
drift of the machine's speed touches both alike. Times are the best of the rounds; the
ratio is the median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import difflib
import os
import random
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports.diff import diff_texts, split_blocks  # noqa: E402
from reports.render import render_html_side_by_side  # noqa: E402

__all__ = ["make_policy", "edit_sentences", "main"]

_WORDS = (
    "we collect use share personal information data your account services providers "
    "partners cookies device location advertising analytics security retain delete "
    "request access rights law enforcement consent purposes third parties process "
    "contact email address payment transaction browser settings choices children "
    "transfer international safeguards period necessary legitimate interests comply"
).split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 22))]
    return " ".join(words).capitalize() + "."


def make_policy(rng: random.Random, target_bytes: int) -> str:
    """Headings, paragraphs of a few sentences, and short lists, up to target_bytes."""
    blocks: list[str] = []
    size = 0
    while size < target_bytes:
        if rng.random() < 0.05:
            block = "# " + " ".join(rng.choice(_WORDS) for _ in range(3)).title()
        elif rng.random() < 0.1:
            block = "\n".join("- " + _sentence(rng) for _ in range(rng.randint(2, 5)))
        else:
            block = " ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
        blocks.append(block)
        size += len(block) + 2
    return "\n\n".join(blocks) + "\n"


def edit_sentences(rng: random.Random, text: str, edits: int) -> str:
    """Replace one sentence in each of ``edits`` distinct random paragraphs."""
    blocks = text.rstrip("\n").split("\n\n")
    candidates = [k for k, block in enumerate(blocks) if not block.startswith(("#", "- "))]
    for k in rng.sample(candidates, min(edits, len(candidates))):
        sentences = blocks[k].split(". ")
        sentences[rng.randrange(len(sentences))] = _sentence(rng).rstrip(".")
        blocks[k] = ". ".join(sentences)
    return "\n\n".join(blocks) + "\n"


class _Stopped(Exception):
    """HtmlDiff ran past the time limit."""


def _cpu(fn: Callable[[], object]) -> float:
    """CPU seconds of one call: on a shared machine, wall time also measures the other processes."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def _htmldiff(old: list[str], new: list[str], limit: float) -> float | None:
    """CPU seconds of HtmlDiff().make_file (one line per paragraph), or None when it runs past
    ``limit`` seconds: it is quadratic on a rewrite. difflib is pure Python, so an alarm's
    exception stops it cleanly."""

    def stop(signum: int, frame: object) -> None:
        raise _Stopped

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return _cpu(lambda: difflib.HtmlDiff().make_file(old, new))
    except _Stopped:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _ours(old: str, new: str) -> None:
    render_html_side_by_side(diff_texts(old, new))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny texts, smoke run only")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--repeats", type=int, default=5, help="runs per measurement; the best counts")
    parser.add_argument("--limit", type=float, default=60.0, help="seconds before HtmlDiff is stopped")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    size, edits = (5_000, 5) if args.quick else (500_000, 200)
    old = make_policy(rng, size)
    pairs = {
        f"{edits} sentence edits": edit_sentences(rng, old, edits),
        "full rewrite": make_policy(rng, size),
    }
    _ours(old, old)  # compile the templates once, as a long-running process would have
    print(f"old: {len(old):,} bytes, {len(split_blocks(old)):,} blocks; {args.repeats} alternating rounds, "
          f"CPU seconds; load average {os.getloadavg()[0]:.1f}")
    worst = 0.0
    for name, new in pairs.items():
        ours: list[float] = []
        theirs: list[float] = []
        lines = split_blocks(old), split_blocks(new)
        for _ in range(args.repeats):
            ours.append(_cpu(lambda: _ours(old, new)))
            if len(theirs) == len(ours) - 1:  # until HtmlDiff is stopped once
                took = _htmldiff(*lines, args.limit)
                theirs += [] if took is None else [took]
        worst = max(worst, max(ours))
        if not theirs:
            print(f"{name:>22}: policydiff {min(ours):.3f}s  HtmlDiff > {args.limit:.0f}s (stopped)  "
                  f"ratio > {args.limit / max(ours):.0f}x")
        else:
            ratios = [t / o for o, t in zip(ours, theirs)]
            print(f"{name:>22}: policydiff {min(ours):.3f}s  HtmlDiff {min(theirs):.3f}s  "
                  f"ratio {statistics.median(ratios):.1f}x (rounds: {min(ratios):.1f}-{max(ratios):.1f}x)")
    print(f"slowest policydiff run: {worst:.3f}s (target < 2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
