"""Dates a policy states about itself ("Last Revised: 2016.02.15", "Effective Date: ...").

Only *labelled* dates count: a policy mentions many dates ("the CAN-SPAM act of 2003, effective
January 1, 2004") and only the ones it states as its own revision or effective date may be judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

__all__ = ["StatedDate", "find_stated_dates", "preferred_stated_date", "stated_date", "mask_stated_dates"]

# `(?![a-z])` keeps "Mayor" or "Marching" from reading as a month; the optional dot allows "Feb. 15".
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}

# [0-9], not \d: \d also matches other scripts' digits, which no policy uses for its date.
_DATE = (
    r"(?:(?P<ymd_y>[0-9]{4})(?P<sep>[.\-/])(?P<ymd_m>[0-9]{1,2})(?P=sep)(?P<ymd_d>[0-9]{1,2})"
    r"|(?P<mdy_m>[0-9]{1,2})(?P<sep2>[/\-])(?P<mdy_d>[0-9]{1,2})(?P=sep2)(?P<mdy_y>[0-9]{4})"
    rf"|(?P<name_m>{_MONTH})\s*(?P<name_d>[0-9]{{1,2}})(?:st|nd|rd|th)?,?\s*(?P<name_y>[0-9]{{4}})"
    rf"|(?P<dname_d>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dname_m>{_MONTH}),?\s*(?P<dname_y>[0-9]{{4}})"
    r")(?![0-9])"
)
_REVISED = (
    r"(?:date\s+of\s+)?last\s+(?:revised|updated|modified|amended|changed|revision|update|modification)"
    r"(?:\s+date)?|revised|updated|revision\s+date"
)
_EFFECTIVE = r"effective(?:\s+date)?"
# The lookbehind is (?<![a-z]), not \b: captures glue lines together ("1999.07.15Last Revised").
_STATEMENT = re.compile(
    rf"(?<![a-z])(?P<label>{_REVISED}|{_EFFECTIVE})(?P<colon>\s*[:\-\u2013\u2014])?\s*"
    rf"(?:(?P<prep>on|as\s+of|from)\s+)?(?P<date>{_DATE})",
    re.IGNORECASE,
)
_LINE_START = re.compile(r"[#\s*_>-]*")
# Every label starts with one of these words. _STATEMENT (case-insensitive, a lookbehind first) is tried
# at every character by finditer, 3x slower over a whole policy than finding these words in the
# lower-cased text and trying _STATEMENT only there.
_LABEL_WORD = re.compile("date|last|revis|updat|effect")


@dataclass(frozen=True)
class StatedDate:
    label: str   # as written, whitespace collapsed: "Last Revised"
    kind: str    # "revised" (revised/updated/modified) or "effective"
    date: date
    start: int   # span of the whole statement in the text
    end: int


def _to_date(m: re.Match[str]) -> date | None:
    g = m.groupdict()
    if g["ymd_y"]:
        y, mo, d = g["ymd_y"], g["ymd_m"], g["ymd_d"]
    elif g["mdy_y"]:  # numeric with the year last is read the US way (02/15/2016)
        y, mo, d = g["mdy_y"], g["mdy_m"], g["mdy_d"]
    elif g["name_y"]:
        y, mo, d = g["name_y"], str(_MONTHS[g["name_m"][:3].lower()]), g["name_d"]
    else:
        y, mo, d = g["dname_y"], str(_MONTHS[g["dname_m"][:3].lower()]), g["dname_d"]
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:  # "2016.02.30", "13/45/2016"
        return None


def _is_statement(text: str, m: re.Match[str]) -> bool:
    """A bare "effective"/"updated" is a statement only with a colon, "as of", or at line start."""
    label = m["label"].lower()
    if label.startswith(("last", "date of")) or m["colon"]:
        return True
    if label.startswith("effective") and (m["prep"] or "").lower().startswith("as"):
        return True
    line_start = text.rfind("\n", 0, m.start()) + 1
    return _LINE_START.fullmatch(text, line_start, m.start()) is not None


# Judging one change reads the stated dates of both texts five times over (the promise, the findings,
# the masked diff); each text comes back as the old side of the next change. A few cached results.
@lru_cache(maxsize=16)
def find_stated_dates(text: str) -> tuple[StatedDate, ...]:
    """Every labelled revision/effective date in `text`, in document order."""
    found = []
    for m in _statements(text):
        when = _to_date(m)
        if when is None or not _is_statement(text, m):
            continue
        label = " ".join(m["label"].split())
        kind = "effective" if label.lower().startswith("effective") else "revised"
        found.append(StatedDate(label, kind, when, m.start(), m.end()))
    return tuple(found)


def _statements(text: str):
    """_STATEMENT.finditer(text), trying the pattern only where a label word starts."""
    lowered = text.lower()
    # Positions carry over only when lower() maps each character to one ("\u0130" gives two), and the
    # words are found only when no character matches a letter of them just under IGNORECASE (long s,
    # dotless i): otherwise scan the plain way.
    if len(lowered) != len(text) or "\u017f" in text or "\u0131" in text:
        yield from _STATEMENT.finditer(text)
        return
    end = 0
    # A word starting inside an earlier one follows a letter, so the lookbehind rejects it anyway:
    # non-overlapping matches of _LABEL_WORD miss no statement.
    for word in _LABEL_WORD.finditer(lowered):
        if word.start() >= end and (m := _STATEMENT.match(text, word.start())):
            end = m.end()
            yield m


def _norm_label(label: str) -> str:
    return " ".join(label.replace(":", " ").split()).casefold()


def preferred_stated_date(statements: tuple[StatedDate, ...], label: str | None = None) -> StatedDate | None:
    """The statement under `label` if present, else the first revised/updated one, else effective.

    A revision date says when the text last changed; an effective date may be years old or in the
    future (advance notice), so it is only the fallback.
    """
    if label:
        wanted = _norm_label(label)
        for s in statements:
            if _norm_label(s.label) == wanted:
                return s
    for kind in ("revised", "effective"):
        for s in statements:
            if s.kind == kind:
                return s
    return None


def stated_date(text: str, label: str | None = None) -> date | None:
    """The date the policy states as its revision (or, failing that, effective) date."""
    chosen = preferred_stated_date(find_stated_dates(text), label)
    return chosen.date if chosen else None


def mask_stated_dates(text: str) -> str:
    """`text` with every date statement replaced by one placeholder, to compare the rest."""
    parts, pos = [], 0
    for s in find_stated_dates(text):
        parts += [text[pos:s.start], "[stated date]"]
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts)
