"""A policy's own promise about how it announces changes: declared in policies.toml or detected.

Detection is a heuristic over the normalized text: find the change-notification clause (a heading
such as "Privacy Policy Changes", a run-in heading glued to its paragraph, or failing both the
paragraphs saying the policy may change), then read channels, scopes and days from its sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import Any

from reports.dates import find_stated_dates, preferred_stated_date, stated_date

__all__ = [
    "PROMISE_KEYS",
    "SCOPES",
    "Promise",
    "detect_promise",
    "promise_from_config",
    "promise_in_force",
    "sentences",
    "stated_date",
]

# Narrowest first: the index orders scopes, so findings can tell a narrowed promise.
SCOPES = ("personal-info-use", "material", "any")
PROMISE_KEYS = ("posted", "email", "date_label", "posting_days", "notice_days", "clause")


@dataclass(frozen=True)
class Promise:
    posted: str | None = None        # scope of changes posted on the page
    email: str | None = None         # scope of changes announced by email / personal notice
    date_label: str | None = None    # the page states a revision date under this label
    posting_days: int | None = None  # changes stay posted at least this many days
    notice_days: int | None = None   # advance notice before changes take effect
    clause: str | None = None        # the clause text (detected) or its heading (declared)
    source: str = "detected"         # "declared" | "detected" | "merged"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def states_nothing(self) -> bool:
        """Neither a clause nor any term of one: nothing a change can be checked against."""
        return not any(getattr(self, f.name) for f in fields(self) if f.name != "source")


# --- configuration -------------------------------------------------------------------------------

def promise_from_config(table: dict[str, Any]) -> Promise:
    """Validate a `[policies.<id>.promise]` table; ValueError messages name the offending key."""
    if not isinstance(table, dict):
        raise ValueError("promise must be a table")
    for key in table:
        if key not in PROMISE_KEYS:
            raise ValueError(f"unknown promise key {key!r} (expected one of: {', '.join(PROMISE_KEYS)})")
    for key in ("posted", "email"):
        if key in table and table[key] not in SCOPES:
            raise ValueError(f"promise key {key!r} must be one of {', '.join(SCOPES)}; got {table[key]!r}")
    for key in ("posting_days", "notice_days"):
        value = table.get(key)
        # bool is an int subclass: `posting_days = true` must not read as 1 day.
        if key in table and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            raise ValueError(f"promise key {key!r} must be a positive whole number of days; got {value!r}")
    for key in ("date_label", "clause"):
        if key in table and (not isinstance(table[key], str) or not table[key].strip()):
            raise ValueError(f"promise key {key!r} must be a non-empty string; got {table[key]!r}")
    values = {key: table[key].strip() if isinstance(table[key], str) else table[key] for key in table}
    return Promise(**values, source="declared")


def promise_in_force(declared: Promise | None, old_text: str) -> Promise:
    """The promise before a change: declared keys win, detection from `old_text` fills the rest."""
    detected = detect_promise(old_text, clause=declared.clause if declared else None)
    if declared is None:
        return detected or Promise()
    if detected is None:
        return declared
    keys = [f.name for f in fields(Promise) if f.name != "source"]
    merged = {k: getattr(declared, k) if getattr(declared, k) is not None else getattr(detected, k) for k in keys}
    detected_fills = any(getattr(declared, k) is None and getattr(detected, k) is not None for k in keys)
    return Promise(**merged, source="merged" if detected_fills else "declared")


# --- locating the clause -------------------------------------------------------------------------

_NUMBERING = r"(?:(?:[0-9]+(?:\.[0-9]+)*|[ivx]+|[a-z])[.)]\s+)?"
_CHANGE_HEADING = re.compile(
    r"(?:how\s+(?:we|will\s+we|do\s+we)\s+(?:notify|inform|tell)\s+you\s+(?:of|about)\s+)?"
    r"(?:(?:changes?|updates?|revisions?|modifications?|amendments?)\s+(?:to|of|in)\s+(?:this|our|the)\s+"
    r"(?:\w+\s+){0,2}?(?:policy|statement|notice)"
    r"|(?:privacy\s+)?(?:policy|statement|notice)\s+(?:changes|updates|revisions|modifications|amendments)"
    r"|(?:notification|notice)\s+of\s+changes)",
    re.IGNORECASE,
)
_NUMBERED_HEADING = re.compile(rf"{_NUMBERING}(?:{_CHANGE_HEADING.pattern})", re.IGNORECASE)
_BARE_HEADING = re.compile(r"(?:changes|updates|amendments)(?:\s+(?:and|&)\s+(?:changes|updates|amendments))?",
                           re.IGNORECASE)
_HEADING_MARK = re.compile(rf"^#+\s*{_NUMBERING}", re.IGNORECASE)
# A run-in heading glued to its paragraph: "...Changes to Our PolicyIf we decide ..."
_RUN_IN_BODY = re.compile(r"[:.]?\s*(?=[A-Z\"\u201c])")
_CHANGE_SENTENCE = re.compile(
    r"(?:chang|updat|revis|modif|amend)\w*\s+(?:\w+\s+){0,4}?(?:this|our|the)\s+(?:privacy\s+)?"
    r"(?:policy|statement|notice)"
    r"|(?:this|the|our)\s+(?:privacy\s+)?(?:policy|statement|notice)\s+(?:\w+\s+){0,3}?"
    r"(?:chang|updat|revis|modif|amend)",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"(?:[-*+]|[0-9]+[.)])\s+")
# Words _CHANGE_SENTENCE needs, one of each list: substring tests rule out most paragraphs before the
# regex, which tries its two alternatives at every position (65 us a paragraph; a policy has hundreds).
_CHANGE_VERBS = ("chang", "updat", "revis", "modif", "amend")
_CHANGE_NOUNS = ("policy", "statement", "notice")


def _says_policy_changes(block: str) -> bool:
    lowered = block.lower()
    # Only on ASCII: IGNORECASE also matches the few letters whose lower() differs (the long s, K).
    if block.isascii() and not (any(n in lowered for n in _CHANGE_NOUNS) and any(v in lowered for v in _CHANGE_VERBS)):
        return False
    return _CHANGE_SENTENCE.search(block) is not None


def _is_heading_like(block: str) -> bool:
    """`# x` lines, and the short unpunctuated lines that plain captures use as headings."""
    if block.startswith("#"):
        return True
    if _LIST_ITEM.match(block) or block.startswith("|"):
        return False
    return len(block) <= 80 and len(block.split()) <= 12 and block[-1] not in ".!?,;:"


def _standalone_heading(block: str) -> bool:
    if block.startswith("#"):
        title = _HEADING_MARK.sub("", block).strip().rstrip(":")
        return bool(_CHANGE_HEADING.search(title) or _BARE_HEADING.fullmatch(title))
    return _is_heading_like(block) and bool(_NUMBERED_HEADING.fullmatch(block.rstrip(": ")))


def _split_run_in(block: str, heading: re.Pattern[str]) -> tuple[str, str] | None:
    m = heading.match(block)
    if m and m.end() < len(block) and len(m.group().split()) <= 12 and _RUN_IN_BODY.match(block, m.end()):
        return block[:m.end()], block[m.end():].lstrip(":. ")
    return None


def _hint_pattern(clause: str) -> re.Pattern[str] | None:
    """The declared clause (a heading or the clause's first words) as a whitespace-tolerant prefix."""
    words = clause.strip().split("\n", 1)[0].lstrip("# ")[:80].split()
    return re.compile(r"\s*".join(map(re.escape, words)), re.IGNORECASE) if words else None


def _following(blocks: list[str], start: int) -> list[str]:
    """Paragraphs from `start` up to the next heading, list items folded into the paragraph above."""
    body: list[str] = []
    for block in blocks[start:]:
        if _LIST_ITEM.match(block) and body:
            body[-1] += (" " if body[-1].endswith(":") else "; ") + _LIST_ITEM.sub("", block, count=1)
        elif _is_heading_like(block):
            break
        else:
            body.append(block)
    return body


def _candidates(blocks: list[str], hint: str | None) -> Iterator[tuple[str | None, list[str]]]:
    """(heading, body) of possible clauses: the declared one first, then change headings in order."""
    pattern = _hint_pattern(hint) if hint else None
    for i, block in enumerate(blocks if pattern else ()):
        stripped = block.lstrip("# ")
        m = pattern.match(stripped)
        if not m:
            continue
        if m.end() == len(stripped.rstrip(": ")):
            yield stripped, _following(blocks, i + 1)
        elif split := _split_run_in(stripped, pattern):
            yield split[0], [split[1]] + _following(blocks, i + 1)
        else:  # the declared clause gave the paragraph's first words
            yield None, [block] + _following(blocks, i + 1)
    for i, block in enumerate(blocks):
        if _standalone_heading(block):
            yield block.lstrip("# "), _following(blocks, i + 1)
        elif split := _split_run_in(block, _NUMBERED_HEADING):
            yield split[0], [split[1]] + _following(blocks, i + 1)


def _locate(blocks: list[str], hint: str | None) -> tuple[str | None, list[str]]:
    """(heading, body paragraphs) of the change-notification clause; both empty if none.

    A heading with nothing under it (a table of contents line) only counts if nothing better
    follows; without any heading, the paragraphs saying the policy may change are the clause.
    """
    bare_heading = None
    for heading, body in _candidates(blocks, hint):
        if body:
            return heading, body
        bare_heading = bare_heading or heading
    if bare_heading:
        return bare_heading, []
    return None, [b for b in blocks if not _is_heading_like(b) and _says_policy_changes(b)]


# --- reading the clause --------------------------------------------------------------------------

_POSTED = re.compile(
    r"\bpost(?:s|ed|ing)?\b|\bpublish\w*|\b(?:on|at)\s+(?:this|our)\s+(?:web\s*site|site|page|home\s*page)\b"
    r"|\bupdat\w*\s+the\s+.{0,30}?\bdate\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(
    r"\b(?:by|via|through|over|send(?:s|ing)?|sent|(?:way|means)\s+of)[\s:]+(?:(?:you|us)\s+)?"
    r"(?:(?:an?|the)\s+)?(?:\w+\s+)?e-?mails?\b"
    r"|\be-?mail\s+(?:notices?|notifications?|messages?)\b"
    r"|\bnotify\s+(?:you|customers|users)\s+(?:directly|personally|individually)\b"
    r"|\b(?:direct|personal|individual)\s+(?:notice|notification)",
    re.IGNORECASE,
)
# "We will notify you" naming no channel is a personal notice unless the sentence posts it.
_NOTIFY = re.compile(r"\b(?:notify|inform|tell|alert)\s+(?:you|customers|users|our\s+\w+)\b", re.IGNORECASE)
_MATERIAL = re.compile(r"\b(?:material(?:ly)?|significant(?:ly)?|substantial(?:ly)?|substantive|important|major)\b",
                       re.IGNORECASE)
_PERSONAL_INFO = re.compile(r"\bpersonal(?:ly)?\s+(?:ident\w+\s+)?(?:information|data)\b", re.IGNORECASE)
_NEW_USE = re.compile(
    r"\b(?:different|new|other|another|incompatible)\s+(?:manner|way|purpose|use)s?\b|\bmanner\s+different\b"
    r"|\bpurposes?\s+other\s+than\b",
    re.IGNORECASE,
)
# "such changes", "do so", "we will also": the sentence takes its scope from the one before.
_BACK_REFERENCE = re.compile(
    r"\b(?:such|these)\s+(?:changes?|updates?|revisions?)\b|\bdo\s+so\b|\bin\s+(?:that|such)\s+case\b|\balso\b",
    re.IGNORECASE,
)

_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
          "seventeen eighteen nineteen").split()
_TENS = dict(zip("twenty thirty forty fifty sixty seventy eighty ninety".split(), range(20, 100, 10)))
# Longest first, so "seventeen" is not read as "seven".
_NUMBER_WORD = (rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_SMALL[1:10])}))?"
                rf"|{'|'.join(sorted(_SMALL, key=len, reverse=True))})")
_DAYS = re.compile(
    rf"(?<![\w-])(?P<n>[0-9]{{1,3}}|{_NUMBER_WORD})\s*(?:\(\s*(?P<digits>[0-9]{{1,3}})\s*\)\s*)?[\s-]*"
    r"(?:calendar\s+|business\s+|working\s+)?(?P<unit>days?|weeks?)\b",
    re.IGNORECASE,
)
_NOTICE_AFTER = re.compile(
    r"\s*(?:['\u2019]s?)?\s*(?:(?:advance|prior|written)\s+)*notice\b"
    r"|\s*(?:\w+\s+){0,2}?(?:before|prior\s+to|in\s+advance|ahead\s+of)\b",
    re.IGNORECASE,
)
_NOTICE_BEFORE = re.compile(r"\bnotice\s+(?:period\s+)?(?:of\s+)?(?:at\s+least\s+)?$", re.IGNORECASE)
_POSTING_BEFORE = re.compile(r"\bfor\s+(?:at\s+least\s+|a\s+(?:minimum|period)\s+of\s+(?:at\s+least\s+)?)?$",
                             re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^a-z\s])")
_MARKER = re.compile(r"^(?:#+|[-*+]|[0-9]+[.)])\s+")


def sentences(text: str) -> list[str]:
    """The sentences of `text`, line by line, without heading/list markers or extra whitespace."""
    return [" ".join(s.split()) for line in text.splitlines()
            for s in _SENTENCE_END.split(_MARKER.sub("", line.strip())) if s.strip()]


def _number(word: str) -> int | None:
    word = word.lower().replace("-", " ")
    if word.isdigit():
        return int(word)
    tens, _, unit = word.partition(" ")
    if tens in _TENS:
        return _TENS[tens] + (_SMALL.index(unit) if unit else 0)
    return _SMALL.index(word) if word in _SMALL else None


def _days(sentence: str, posts: bool) -> tuple[int | None, int | None]:
    """(posting_days, notice_days) stated in one sentence."""
    posting = notice = None
    for m in _DAYS.finditer(sentence):
        count = int(m["digits"]) if m["digits"] else _number(m["n"])
        if not count:
            continue
        count *= 7 if m["unit"].lower().startswith("week") else 1
        before = sentence[max(0, m.start() - 40):m.start()]
        if _NOTICE_AFTER.match(sentence, m.end()) or _NOTICE_BEFORE.search(before):
            notice = notice or count
        elif posts and _POSTING_BEFORE.search(before):
            posting = posting or count
    return posting, notice


def _broadest(a: str | None, b: str | None) -> str | None:
    return max((s for s in (a, b) if s), key=SCOPES.index, default=None)


def _read(clause_sentences: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {"posted": None, "email": None, "posting_days": None, "notice_days": None}
    previous_scope = "any"
    for sentence in clause_sentences:
        if _PERSONAL_INFO.search(sentence) and _NEW_USE.search(sentence):
            scope = "personal-info-use"
        elif _MATERIAL.search(sentence):
            scope = "material"
        elif _BACK_REFERENCE.search(sentence):
            scope = previous_scope
        else:
            scope = "any"
        previous_scope = scope
        posts = bool(_POSTED.search(sentence))
        emails = bool(_EMAIL.search(sentence)) or (not posts and bool(_NOTIFY.search(sentence)))
        if posts:
            found["posted"] = _broadest(found["posted"], scope)
        if emails:
            found["email"] = _broadest(found["email"], scope)
        posting, notice = _days(sentence, posts)
        found["posting_days"] = found["posting_days"] or posting
        found["notice_days"] = found["notice_days"] or notice
    return found


@lru_cache(maxsize=8)  # judging a change reads each text's promise more than once
def detect_promise(text: str, clause: str | None = None) -> Promise | None:
    """The notification promise stated in `text`, or None if it states neither clause nor date.

    `clause` (a declared heading or first words) is tried first, so a policy whose clause heading
    the generic patterns miss can still be read.
    """
    blocks = [line.strip() for line in text.splitlines() if line.strip()]
    heading, body = _locate(blocks, clause)
    chosen = preferred_stated_date(find_stated_dates(text))
    if heading is None and not body and chosen is None:
        return None
    found = _read(sentences("\n".join(body))) if body else {}
    clause_text = "\n\n".join(([heading] if heading else []) + body) or None
    return Promise(**found, date_label=chosen.label if chosen else None, clause=clause_text)
