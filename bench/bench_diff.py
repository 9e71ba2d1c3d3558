"""Benchmark: diff_texts + render_html_side_by_side against difflib.HtmlDiff.

Run: ``python bench/bench_diff.py`` (``--quick`` for a tiny smoke run). Each pair is
timed in the same process: (a) a policy with scattered sentence edits, (b) a full
rewrite. HtmlDiff compares the same texts with one line per paragraph.
"""

from __future__ import annotations

import argparse
import difflib
import random
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


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _ours(old: str, new: str) -> None:
    render_html_side_by_side(diff_texts(old, new))


def _htmldiff(old: str, new: str) -> None:
    difflib.HtmlDiff().make_file(split_blocks(old), split_blocks(new), context=True, numlines=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny texts, smoke run only")
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    size, edits = (20_000, 10) if args.quick else (500_000, 200)
    old = make_policy(rng, size)
    pairs = {
        f"{edits} sentence edits": edit_sentences(rng, old, edits),
        "full rewrite": make_policy(rng, size),
    }
    print(f"old: {len(old):,} bytes, {len(split_blocks(old)):,} blocks")
    worst = 0.0
    for name, new in pairs.items():
        ours = _timed(lambda: _ours(old, new))
        theirs = _timed(lambda: _htmldiff(old, new))
        worst = max(worst, ours)
        print(f"{name:>22}: policydiff {ours:.3f}s  HtmlDiff {theirs:.3f}s  ratio {theirs / ours:.1f}x")
    print(f"slowest policydiff pair: {worst:.3f}s (target < 2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
