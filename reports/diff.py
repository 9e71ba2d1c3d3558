"""Block and word diff between two normalized policy texts.

The result (:class:`Diff`) is a plain data structure that every rendering consumes
(``reports.render``); nothing here knows about HTML.

Pipeline:

1. split both texts into blocks (headings, paragraphs, list items, table rows);
2. align blocks: blocks that occur once in each text, kept in order, anchor the
   alignment (patience diff); the gaps between anchors go through
   :class:`difflib.SequenceMatcher` with autojunk off (a clause repeated in a long
   policy still aligns; only blocks repeated more than JUNK_REPEATS times may not start
   a match, which bounds the matcher's inner loop);
3. match changed blocks one-to-one, exact copies first, then by similarity: pairs in
   the same changed region, kept in order, become ``replace`` (with a word-level diff,
   or ``equal`` when identical); identical or near-identical blocks deleted in one
   place and inserted in another become ``move-from``/``move-to``;
4. cut the op sequence into hunks with ``context`` unchanged blocks around changes,
   each labelled with its section heading.

Similar-block search never compares all pairs of a large region: candidates come from
an inverted index of each block's rarest features (bounded work per block), skipped
altogether past INDEX_MAX_BLOCKS unmatched blocks on both sides (a rewrite: exact moves
are still found, near-identical ones are not); a giant paragraph's word diff is capped
at WORD_DIFF_TOKENS. Unchanged blocks become :class:`Op` objects only where a hunk shows
them: a long policy with scattered edits is mostly unchanged blocks.
"""

from __future__ import annotations

import bisect
import difflib
import gc
import re
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, count
from typing import Iterable, Iterator, Literal, NamedTuple, Sequence

__all__ = [
    "NEW_SIDE",
    "OLD_SIDE",
    "Diff",
    "Hunk",
    "Op",
    "OpKind",
    "Stats",
    "WordTag",
    "diff_texts",
    "heading_text",
    "split_blocks",
    "word_diff",
]

OpKind = Literal["equal", "insert", "delete", "replace", "move-from", "move-to"]
WordTag = Literal["equal", "insert", "delete"]

# Kinds whose old_block / new_block belong to the old / new text at this position.
OLD_SIDE: frozenset[str] = frozenset({"equal", "delete", "replace", "move-from"})
NEW_SIDE: frozenset[str] = frozenset({"equal", "insert", "replace", "move-to"})

PAIR_THRESHOLD = 0.5  # similarity for "this block was edited" inside a changed region
MOVE_THRESHOLD = 0.75  # similarity for "this block moved (and maybe was touched up)"
ALL_PAIRS_BUDGET = 2_500  # a region with n*m up to this scores all its pairs
SIGNATURE_SIZE = 6  # rarest features per block used to find candidates
POSTING_CAP = 40  # features shared by more blocks than this are useless as a signature
CANDIDATES_PER_BLOCK = 2  # candidates scored exactly per old block
INDEX_MAX_BLOCKS = 1_500  # more unmatched blocks than this on both sides: a rewrite
JUNK_REPEATS = 32  # a block repeated more often than this may not start a match
WORD_DIFF_TOKENS = 4_000  # beyond this (after trimming), a paragraph diff is one replace
MATCH_PAIRS_CAP = 20_000  # equal token pairs past which difflib's matcher (less memory) runs

_HEADING = re.compile(r"#{1,6} ")
_BLOCK_START = re.compile(r"(?:#{1,6} |[-*+] |\d+[.)] |\|)")
# CJK ideographs and kana count as one word each: those scripts put no spaces between
# words, so a \w+ run would make a whole sentence one token.
_CJK = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_WORD_PATTERN = _CJK + r"|\w+"
_CJK_CHAR = re.compile(_CJK)
_WORD = re.compile(_WORD_PATTERN)
# For ASCII text, \w+ runs are what str.split() leaves once every non-word character is a
# space; translate + split runs in C and is several times faster than the regex.
_NON_WORD_TO_SPACE = {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")}
_TOKEN = re.compile(_WORD_PATTERN + r"|\s+|[^\w\s]")  # words, whitespace runs, punctuation
_ASCII_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")  # same tokens on ASCII text, faster


class Op(NamedTuple):
    """One block-level step (a named tuple: a long diff makes thousands, and a frozen
    dataclass's ``__init__`` costs five times as much).

    ``old_block``/``new_block`` hold the block texts (``None`` on a side the op lacks);
    ``old_index``/``new_index`` are 0-based block positions. For moves both sides are
    set on both ops: ``move-from`` sits at the old position, ``move-to`` at the new one,
    and they share ``move_id``. ``words`` is the word-level diff for ``replace`` and for
    near-identical moves (empty otherwise: the block text is shown as a whole).
    """

    kind: OpKind
    old_block: str | None = None
    new_block: str | None = None
    old_index: int | None = None
    new_index: int | None = None
    words: tuple[tuple[WordTag, str], ...] = ()
    move_id: int | None = None


@dataclass(frozen=True)
class Hunk:
    """Consecutive ops around changes; ``skipped_before`` unchanged blocks precede it."""

    heading: str | None
    ops: tuple[Op, ...]
    skipped_before: int = 0


@dataclass(frozen=True)
class Stats:
    paragraphs_added: int = 0
    paragraphs_removed: int = 0
    paragraphs_changed: int = 0
    paragraphs_moved: int = 0
    words_added: int = 0
    words_removed: int = 0


@dataclass(frozen=True)
class Diff:
    hunks: tuple[Hunk, ...]
    stats: Stats
    skipped_after: int = 0  # unchanged blocks after the last hunk
    old_blocks: int = 0
    new_blocks: int = 0

    @property
    def changed(self) -> bool:
        return any(op.kind != "equal" for hunk in self.hunks for op in hunk.ops)


def split_blocks(text: str) -> list[str]:
    """Blocks of a normalized text: blank-line separated chunks, with each heading,
    list item and table row its own block (a line not starting one continues the
    previous block)."""
    blocks: list[str] = []
    for chunk in re.split(r"\n[ \t]*\n", text):
        chunk = chunk.strip()
        if "\n" not in chunk:  # fast path: most blocks are one-line paragraphs
            if chunk:
                blocks.append(chunk)
            continue
        current: list[str] = []
        for line in chunk.split("\n"):
            line = line.strip()
            if not line:
                continue
            if current and _BLOCK_START.match(line):
                blocks.append("\n".join(current))
                current = []
            current.append(line)
        if current:
            blocks.append("\n".join(current))
    return blocks


def heading_text(block: str) -> str | None:
    """The title of a ``# heading`` block, else ``None``."""
    match = _HEADING.match(block)
    return block[match.end():].strip() if match else None


def _words(text: str) -> list[str]:
    """The words of ``text``, as ``_WORD`` finds them."""
    if text.isascii():
        return text.translate(_NON_WORD_TO_SPACE).split()
    return _WORD.findall(text)


def _tokens(text: str) -> list[str]:
    return (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text)


def _char_class(ch: str) -> str:
    """Token class of a character, as _TOKEN splits: runs of "w"ord or "s"pace
    characters form one token; anything else ("p": punctuation, CJK) stands alone."""
    if ch.isspace():
        return "s"
    if (ch.isalnum() or ch == "_") and not _CJK_CHAR.match(ch):
        return "w"
    return "p"


def _common_prefix(a: str, b: str) -> int:
    # Binary search over C-level slice comparisons: no per-character Python loop.
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _trim_bounds(old: str, new: str) -> tuple[int, int]:
    """Lengths of the common prefix and suffix, both cut back to token boundaries, so
    only the middle needs tokenizing and diffing."""
    prefix = _common_prefix(old, new)
    if prefix:  # drop the token holding old[prefix - 1]: it may continue differently
        cls = _char_class(old[prefix - 1])
        prefix -= 1
        while cls != "p" and prefix and _char_class(old[prefix - 1]) == cls:
            prefix -= 1
    room = min(len(old), len(new)) - prefix
    suffix = min(_common_prefix(old[::-1], new[::-1]), room)
    if suffix:  # drop the token holding old[-suffix], for the same reason
        cls = _char_class(old[-suffix])
        suffix -= 1
        while cls != "p" and suffix and _char_class(old[-suffix]) == cls:
            suffix -= 1
    return prefix, suffix


def word_diff(old: str, new: str) -> list[tuple[WordTag, str]]:
    """Word/whitespace/punctuation-level diff as ``(tag, text)`` segments whose
    equal+delete texts concatenate to ``old`` and equal+insert texts to ``new``."""
    prefix, suffix = _trim_bounds(old, new)
    mid_a = _tokens(old[prefix:len(old) - suffix])
    mid_b = _tokens(new[prefix:len(new) - suffix])
    segments: list[tuple[WordTag, str]] = []
    _add_equal(segments, old[:prefix])
    i = j = 0
    for match_i, match_j, size in _word_matches(mid_a, mid_b):
        if match_i > i or match_j > j:
            _add_change(segments, "".join(mid_a[i:match_i]), "".join(mid_b[j:match_j]))
        i, j = match_i + size, match_j + size
        if size:
            _add_equal(segments, "".join(mid_a[match_i:i]))
    _add_equal(segments, old[len(old) - suffix:])
    return segments


def _word_matches(a: list[str], b: list[str]) -> list[tuple[int, int, int]]:
    """Matching blocks of two token lists, ending with ``(len(a), len(b), 0)``. A
    whitespace-only match between two changes is dropped, so "[-a b-]{+c d+}" reads as
    one change rather than "[-a-]{+c+} [-b-]{+d+}"."""
    if len(a) > WORD_DIFF_TOKENS or len(b) > WORD_DIFF_TOKENS:
        return [(len(a), len(b), 0)]
    blocks = _token_matches(a, b)
    kept = []
    end_a = end_b = 0
    for (i, j, size), (next_i, next_j, _) in zip(blocks, blocks[1:]):
        changed_before = i > end_a or j > end_b
        end_a, end_b = i + size, j + size
        changed_after = next_i > end_a or next_j > end_b
        if not (changed_before and changed_after and "".join(a[i:end_a]).isspace()):
            kept.append((i, j, size))
    kept.append(blocks[-1])
    return kept


def _token_matches(a: list[str], b: list[str]) -> list[tuple[int, int, int]]:
    """``difflib.SequenceMatcher(str.isspace, a, b, autojunk=False).get_matching_blocks()``,
    as plain tuples, computed the same way but faster for the short token lists of a
    sentence edit, where building the matcher and its per-row dicts is most of the cost.

    Whitespace is junk: it may extend a match but never anchor one, so that "a b" →
    "a c" does not align on the lone space. The matcher's longest match in a range is
    the longest of the non-junk diagonal runs clipped to that range (ties: the one
    starting first in a, then in b), extended by equal junk on both sides; the runs are
    found once, then each sub-range only scans the runs that reach into it."""
    common = {token for token in set(a).intersection(b) if not token.isspace()}
    b2j: dict[str, list[int]] = defaultdict(list)
    for j in [j for j, token in enumerate(b) if token in common]:
        b2j[b[j]].append(j)
    in_a = [i for i, token in enumerate(a) if token in common]
    if sum(len(b2j[a[i]]) for i in in_a) > MATCH_PAIRS_CAP:
        matcher = difflib.SequenceMatcher(str.isspace, a, b, autojunk=False)
        return [tuple(block) for block in matcher.get_matching_blocks()]  # type: ignore[misc]
    runs: list[list[int]] = []  # maximal non-junk diagonal runs [i, j, size], by start
    previous: dict[int, list[int]] = {}  # the run ending at each b position in row i - 1
    for i in in_a:
        if previous and a[i - 1] not in common:
            previous = {}
        current = {}
        for j in b2j[a[i]]:
            run = previous.get(j - 1)
            if run is None:
                run = [i, j, 0]
                runs.append(run)
            run[2] += 1
            current[j] = run
        previous = current

    found: list[tuple[int, int, int]] = []
    pending = [(0, len(a), 0, len(b), runs)]  # ranges to search, with the runs crossing them
    while pending:
        alo, ahi, blo, bhi, candidates = pending.pop()
        inside = []  # the candidates clipped to this range
        best_i, best_j, best_size = alo, blo, 0
        for i, j, size in candidates:
            if i < alo or j < blo:
                cut = alo - i if alo - i > blo - j else blo - j
                i, j, size = i + cut, j + cut, size - cut
            if i + size > ahi or j + size > bhi:
                size = min(size, ahi - i, bhi - j)
            if size > 0:
                inside.append((i, j, size))
                if size > best_size or size == best_size and (i, j) < (best_i, best_j):
                    best_i, best_j, best_size = i, j, size
        while best_i > alo and best_j > blo and a[best_i - 1] == b[best_j - 1] and b[best_j - 1].isspace():
            best_i, best_j, best_size = best_i - 1, best_j - 1, best_size + 1
        end_i, end_j = best_i + best_size, best_j + best_size
        while end_i < ahi and end_j < bhi and a[end_i] == b[end_j] and b[end_j].isspace():
            end_i, end_j, best_size = end_i + 1, end_j + 1, best_size + 1
        if best_size:
            found.append((best_i, best_j, best_size))
            if alo < best_i and blo < best_j:
                pending.append((alo, best_i, blo, best_j, [r for r in inside if r[0] < best_i and r[1] < best_j]))
            if end_i < ahi and end_j < bhi:
                after = [r for r in inside if r[0] + r[2] > end_i and r[1] + r[2] > end_j]
                pending.append((end_i, ahi, end_j, bhi, after))
    found.sort()
    return _merge_adjacent(found) + [(len(a), len(b), 0)]


def _merge_adjacent(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Sorted matching blocks with each pair that touches on both sides joined."""
    merged: list[tuple[int, int, int]] = []
    for i, j, size in blocks:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            i, j, size = merged[-1][0], merged[-1][1], merged.pop()[2] + size
        merged.append((i, j, size))
    return merged


def _add_equal(segments: list[tuple[WordTag, str]], text: str) -> None:
    """Append unchanged text, merged into an unchanged segment before it."""
    if not text:
        return
    if segments and segments[-1][0] == "equal":
        text = segments.pop()[1] + text
    segments.append(("equal", text))


def _add_change(segments: list[tuple[WordTag, str]], deleted: str, inserted: str) -> None:
    """Append one change as its deletion then its insertion; whitespace both sides start
    or end with is unchanged: "[-a -]{+b +}" → "[-a-]{+b+} "."""
    lead = trail = ""
    if deleted and inserted:
        lead = _common_space(deleted, inserted)
        deleted, inserted = deleted[len(lead):], inserted[len(lead):]
        trail = _common_space(deleted[::-1], inserted[::-1])[::-1]
        deleted, inserted = deleted[:len(deleted) - len(trail)], inserted[:len(inserted) - len(trail)]
    _add_equal(segments, lead)
    if deleted:
        segments.append(("delete", deleted))
    if inserted:
        segments.append(("insert", inserted))
    _add_equal(segments, trail)


def _common_space(a: str, b: str) -> str:
    """The whitespace both strings start with (kept short of either's whole length)."""
    n = 0
    while n < min(len(a), len(b)) - 1 and a[n] == b[n] and a[n].isspace():
        n += 1
    return a[:n]


# --- similarity ---------------------------------------------------------------------

Feature = str | tuple[str, str]


class _Features:
    """Casefolded words + word bigrams per block, cached. Bigrams keep two paragraphs
    drawn from the same legal vocabulary apart while an edited copy keeps most of its
    own; words keep short blocks ("We use cookies." → "We use many cookies.")
    comparable. Kept as dict keys: set operations plus first-occurrence order, which
    makes signatures deterministic (set order changes with the hash seed)."""

    def __init__(self) -> None:
        self._cache: dict[str, dict[Feature, None]] = {}

    def __call__(self, block: str) -> dict[Feature, None]:
        found = self._cache.get(block)
        if found is None:
            words = _words(block.casefold())
            found = dict.fromkeys(chain(words, zip(words, words[1:])))
            self._cache[block] = found
        return found

    def similarity(self, a: str, b: str) -> float:
        fa, fb = self(a), self(b)
        if not fa or not fb:
            return 1.0 if a == b else 0.0
        return 2 * len(fa.keys() & fb.keys()) / (len(fa) + len(fb))


def _indexed_pairs(
    olds: Sequence[int], news: Sequence[int], old: list[str], new: list[str], features: _Features
) -> Iterable[tuple[int, int]]:
    """Candidate (old, new) index pairs: each old block's best few new blocks by shared
    rare features. Bounded work per block, so a full rewrite stays linear-ish."""
    df = Counter(chain.from_iterable(features(new[j]) for j in news))  # a dict iterates its keys
    index: dict[Feature, list[int]] = defaultdict(list)
    for j in news:
        for feature in _signature(features(new[j]), df):
            index[feature].append(j)
    for i in olds:
        postings = (index.get(feature, ()) for feature in _signature(features(old[i]), df))
        hits = Counter(chain.from_iterable(p for p in postings if len(p) <= POSTING_CAP))
        # Stable sort on counts: ties keep posting order, so results are reproducible.
        yield from ((i, j) for j in sorted(hits, key=hits.__getitem__, reverse=True)[:CANDIDATES_PER_BLOCK])


def _identical_pairs(olds: Sequence[int], news: Sequence[int], old: list[str], new: list[str]) -> Iterable[tuple[int, int]]:
    """k-th changed occurrence of a text in old ↔ its k-th changed occurrence in new:
    O(n), and finds every exact move even among blocks repeated too often to index."""
    positions: dict[str, list[int]] = defaultdict(list)
    for j in reversed(news):
        positions[new[j]].append(j)
    for i in olds:
        if positions.get(old[i]):
            yield i, positions[old[i]].pop()


def _signature(feats: dict[Feature, None], df: Counter[Feature]) -> list[Feature]:
    # Stable sort: ties stay in text order, so the same texts give the same diff.
    return sorted(filter(df.__contains__, feats), key=df.__getitem__)[:SIGNATURE_SIZE]


def _monotone(pairs: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Longest chain of pairs increasing on both sides (patience LIS, O(k log k)):
    inside one region, edits keep their order; crossings are left to move detection."""
    pairs = sorted(pairs)
    js = [j for _, j, _ in pairs]
    if all(map(int.__lt__, js, js[1:])):  # already in order, as most anchors are
        return pairs
    tails: list[int] = []  # new index at the end of the best chain of each length
    tail_at: list[int] = []  # position in pairs of that end
    back: list[int] = []
    for k, (_, j, _) in enumerate(pairs):
        length = bisect.bisect_left(tails, j)
        if length == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[length] = j
            tail_at[length] = k
        back.append(tail_at[length - 1] if length else -1)
    chain = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        chain.append(pairs[k])
        k = back[k]
    return chain[::-1]


# --- block alignment ----------------------------------------------------------------

def _align(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes as :meth:`difflib.SequenceMatcher.get_opcodes` gives them.

    Blocks occurring exactly once in each text, kept in order, anchor the alignment
    (patience diff); only the gaps between anchors go through SequenceMatcher, so a
    long policy with scattered edits costs O(n log n) instead of the matcher's repeated
    scans of the whole range. In the gaps, autojunk stays off (a clause repeated in a
    long policy must still align) but blocks repeated more than JUNK_REPEATS times may
    not start a match, which bounds the matcher's inner loop.
    """
    ids = dict(zip(dict.fromkeys(chain(old, new)), count()))  # each distinct block's number
    a, b = list(map(ids.__getitem__, old)), list(map(ids.__getitem__, new))
    count_a, count_b = Counter(a), Counter(b)
    where_b = dict(zip(b, count()))
    unique = [(i, where_b[x], 1.0) for i, x in enumerate(a) if count_a[x] == 1 and count_b[x] == 1]
    popular = {x for x, n in count_b.items() if n > JUNK_REPEATS}
    isjunk = popular.__contains__ if popular else None

    runs: list[tuple[int, int, int]] = []  # matching (i, j, size), in order
    run_i = run_j = run_size = 0  # consecutive anchors, gathered into one run
    i0 = j0 = 0  # just past the last anchor
    for i1, j1, _ in _monotone(unique) + [(len(a), len(b), 0.0)]:
        if i1 > i0 or j1 > j0:
            if run_size:
                runs.append((run_i, run_j, run_size))
            # Most gaps are an edited block or two with nothing in common: no matcher needed.
            if i1 > i0 and j1 > j0 and not set(a[i0:i1]).isdisjoint(b[j0:j1]):
                matcher = difflib.SequenceMatcher(isjunk, a[i0:i1], b[j0:j1], autojunk=False)
                runs += [(i0 + i, j0 + j, size) for i, j, size in matcher.get_matching_blocks()[:-1]]
            run_i, run_j, run_size = i1, j1, 0
        run_size += 1
        i0, j0 = i1 + 1, j1 + 1
    if run_size > 1:  # the sentinel closed a run of anchors running to the end
        runs.append((run_i, run_j, run_size - 1))
    runs.append((len(a), len(b), 0))  # the sentinel, as get_matching_blocks ends
    return _opcodes(runs)


def _opcodes(runs: list[tuple[int, int, int]]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes from matching runs in order, adjacent runs merged into one ``equal``."""
    opcodes: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    for ri, rj, size in runs:
        if ri > i or rj > j:
            tag = "replace" if ri > i and rj > j else "delete" if ri > i else "insert"
            opcodes.append((tag, i, ri, j, rj))
        elif opcodes and size:  # touches the previous equal run: extend it
            tag, i1, _, j1, _ = opcodes.pop()
            ri, rj, size = i1, j1, size + ri - i1
        if size:
            opcodes.append(("equal", ri, ri + size, rj, rj + size))
        i, j = ri + size, rj + size
    return opcodes


def _match_blocks(
    old: list[str], new: list[str], opcodes: list[tuple[str, int, int, int, int]]
) -> tuple[dict[int, int], dict[int, int]]:
    """Pair changed blocks, as two maps old index → new index: ``paired`` blocks
    (same changed region, in order: identical → equal, similar → replace) and
    ``moved`` blocks (identical or near-identical text elsewhere).

    Greedy one-to-one matching, exact texts first, then best similarity: first over
    every pair inside each small region (plus exact copies anywhere), then over the
    feature-index candidates among the blocks still unmatched, across the whole diff.
    """
    features = _Features()
    region_old: dict[int, int] = {}
    region_new: dict[int, int] = {}
    candidates: set[tuple[int, int]] = set()
    for region, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            continue
        region_old.update(dict.fromkeys(range(i1, i2), region))
        region_new.update(dict.fromkeys(range(j1, j2), region))
        if (i2 - i1) * (j2 - j1) <= ALL_PAIRS_BUDGET:
            candidates.update((i, j) for i in range(i1, i2) for j in range(j1, j2))
    olds, news = sorted(region_old), sorted(region_new)
    exact = set(_identical_pairs(olds, news, old, new))
    used_old: set[int] = set()
    used_new: set[int] = set()
    by_region: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    loose: list[tuple[bool, float, int, int]] = []

    def match(candidates: Iterable[tuple[int, int]]) -> None:
        scored = []
        for i, j in candidates:
            score = 1.0 if (i, j) in exact else features.similarity(old[i], new[j])
            if score >= PAIR_THRESHOLD:
                scored.append(((i, j) in exact, score, i, j))
        scored.sort(key=lambda s: (not s[0], -s[1], s[2], s[3]))
        for is_exact, score, i, j in scored:
            if i in used_old or j in used_new:
                continue
            used_old.add(i)
            used_new.add(j)
            if region_old[i] == region_new[j]:
                by_region[region_old[i]].append((i, j, score))
            else:
                loose.append((is_exact, score, i, j))

    # Cheap, local candidates first; the index then only sees what they left over,
    # unless that is a wholesale rewrite: then unmatched blocks stay delete + insert.
    match(candidates | exact)
    rest_old = [i for i in olds if i not in used_old]
    rest_new = [j for j in news if j not in used_new]
    if min(len(rest_old), len(rest_new)) <= INDEX_MAX_BLOCKS:
        match(_indexed_pairs(rest_old, rest_new, old, new, features))

    paired: dict[int, int] = {}
    for pairs in by_region.values():
        kept = _monotone(pairs)
        paired.update((i, j) for i, j, _ in kept)
        kept_set = set(kept)
        loose += [(old[i] == new[j], score, i, j) for i, j, score in pairs if (i, j, score) not in kept_set]
    moved = {i: j for is_exact, score, i, j in loose if is_exact or score >= MOVE_THRESHOLD}
    return paired, moved


# An unchanged block as its (old index, new index). Most blocks of a long policy are;
# only the few shown as context around a change become an Op (see _hunks).
_Same = tuple[int, int]


def _build_ops(old: list[str], new: list[str]) -> list[Op | _Same]:
    """Every block in diff order: an Op for each change, a _Same for each unchanged block."""
    opcodes = _align(old, new)
    paired, moved = _match_blocks(old, new, opcodes)
    # Number moves in new-text order so labels read top to bottom in the new version.
    move_ids = {i: n for n, i in enumerate(sorted(moved, key=moved.__getitem__), start=1)}
    moved_from = {j: i for i, j in moved.items()}

    def old_op(i: int) -> Op:
        if i in moved:
            return Op("move-from", old[i], new[moved[i]], i, moved[i], move_id=move_ids[i])
        return Op("delete", old_block=old[i], old_index=i)

    def new_op(j: int) -> Op:
        if j in moved_from:
            i = moved_from[j]
            words = () if old[i] == new[j] else tuple(word_diff(old[i], new[j]))
            return Op("move-to", old[i], new[j], i, j, words, move_ids[i])
        return Op("insert", new_block=new[j], new_index=j)

    def pair_op(i: int, j: int) -> Op | _Same:
        if old[i] == new[j]:
            return i, j
        return Op("replace", old[i], new[j], i, j, tuple(word_diff(old[i], new[j])))

    ops: list[Op | _Same] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            ops += zip(range(i1, i2), range(j1, j2))
            continue
        i, j = i1, j1
        anchors = sorted((p, paired[p]) for p in range(i1, i2) if p in paired)
        for pi, pj in anchors + [(i2, j2)]:
            # Between anchors: deletions first, then insertions (reads like a unified diff).
            ops += [old_op(x) for x in range(i, pi)]
            ops += [new_op(y) for y in range(j, pj)]
            if pi < i2:
                ops.append(pair_op(pi, pj))
            i, j = pi + 1, pj + 1
    return ops


# --- hunks --------------------------------------------------------------------------

class _Sections:
    """Nearest preceding ``#`` heading of any block of a text, by binary search."""

    def __init__(self, blocks: list[str]) -> None:
        found = [(k, heading_text(b)) for k, b in enumerate(blocks) if b[0] == "#"]  # blocks are never empty
        self._positions = [k for k, title in found if title is not None]
        self._titles = [title for _, title in found if title is not None]

    def before(self, index: int) -> str | None:
        p = bisect.bisect_left(self._positions, index)
        return self._titles[p - 1] if p else None


def _hunk_heading(op: Op, old: _Sections, new: _Sections) -> str | None:
    """Section of a change: the new text's for ops that exist there, else the old's."""
    if op.kind in NEW_SIDE:
        return new.before(op.new_index)  # type: ignore[arg-type]
    return old.before(op.old_index)  # type: ignore[arg-type]


def _hunks(
    ops: list[Op | _Same], context: int | None, old: list[str], new: list[str]
) -> tuple[list[Hunk], int]:
    changes = [k for k, op in enumerate(ops) if isinstance(op, Op)]
    if not changes:
        return [], len(ops)
    old_sections, new_sections = _Sections(old), _Sections(new)

    def hunk(start: int, end: int, first_change: int, skipped_before: int) -> Hunk:
        shown = tuple(
            op if isinstance(op, Op) else Op("equal", old[op[0]], new[op[1]], op[0], op[1]) for op in ops[start:end]
        )
        return Hunk(_hunk_heading(ops[first_change], old_sections, new_sections), shown, skipped_before)

    if context is None:
        return [hunk(0, len(ops), changes[0], 0)], 0
    spans: list[list[int]] = []  # [start, end, first change] op ranges, merged when contexts touch
    for k in changes:
        start, end = max(0, k - context), min(len(ops), k + context + 1)
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end, k])
    hunks = []
    previous_end = 0
    for start, end, first_change in spans:
        hunks.append(hunk(start, end, first_change, start - previous_end))
        previous_end = end
    return hunks, len(ops) - previous_end


def _stats(changes: list[Op]) -> Stats:
    def words(texts: Iterable[str | None]) -> int:
        return len(_words("\n".join(text or "" for text in texts)))

    kinds = Counter(op.kind for op in changes)
    segments = [segment for op in changes for segment in op.words]
    return Stats(
        paragraphs_added=kinds["insert"],
        paragraphs_removed=kinds["delete"],
        paragraphs_changed=kinds["replace"],
        paragraphs_moved=kinds["move-to"],
        words_added=words(op.new_block for op in changes if op.kind == "insert")
        + words(text for tag, text in segments if tag == "insert"),
        words_removed=words(op.old_block for op in changes if op.kind == "delete")
        + words(text for tag, text in segments if tag == "delete"),
    )


def diff_texts(old: str, new: str, context: int | None = 1) -> Diff:
    """Diff two normalized texts; ``context`` unchanged blocks are kept around each
    change (``None``: keep every block, one hunk)."""
    with _no_cyclic_gc():
        old_blocks, new_blocks = split_blocks(old), split_blocks(new)
        ops = _build_ops(old_blocks, new_blocks)
        hunks, skipped_after = _hunks(ops, context, old_blocks, new_blocks)
        stats = _stats([op for op in ops if isinstance(op, Op)])
    return Diff(tuple(hunks), stats, skipped_after, len(old_blocks), len(new_blocks))


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: a diff allocates hundreds of thousands of
    small tuples, lists and strings, none of them in a cycle, and each allocation burst
    would start a collection that traverses them all again (5% of a long diff)."""
    if not gc.isenabled():  # paused by the caller, or by another thread's diff
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
