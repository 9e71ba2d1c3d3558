"""Judge one change of a policy against the promise in force before it (pure: no database, no clock).

Every message is meant to be read as evidence: it names the dates and days it relies on, and says
what a crawler cannot know.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from reports.dates import find_stated_dates, mask_stated_dates, preferred_stated_date
from reports.promise import SCOPES, Promise, detect_promise, sentences

__all__ = ["Finding", "VersionFacts", "judge_change", "no_findings_note", "CODES", "SEVERITIES"]

CODES = (
    "revision-date-not-updated",
    "revision-date-backdated",
    "date-only-change",
    "posting-period-not-met",
    "email-notice-promised",
    "notice-promise-changed",
)
SEVERITIES = ("info", "warning", "violation")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class VersionFacts:
    text: str
    first_seen: datetime
    last_seen: datetime
    is_change: bool  # False for a policy's first archived version: its real appearance date is unknown


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _span(delta: timedelta) -> str:
    """Whole days and hours: rounding 6 days 23 hours to "7 days" would contradict a 7-day finding."""
    hours = delta.seconds // 3600
    days = _plural(delta.days, "day")
    return f"{days} and {_plural(hours, 'hour')}" if hours else days


def _quote(text: str, limit: int = 160, focus: int = 0) -> str:
    """`text` in quotes, whitespace collapsed, cut at word boundaries to about `limit` characters: from
    its start, or around character `focus` of the collapsed text (where an edit begins) when a quote
    from the start would stop before it."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return "\u201c" + flat + "\u201d"
    start = 0
    if focus >= limit * 2 // 3:
        # A third of the room before the edit, or all the room the end of the text leaves; from the next
        # word start when one comes before the edit (a long URL there is cut instead).
        start = min(focus - limit // 3, len(flat) - limit)
        space = flat.find(" ", start, focus)
        start = space + 1 if space != -1 else start
    piece = flat[start:start + limit]
    if start + limit < len(flat):
        piece = (piece.rsplit(" ", 1)[0] if " " in piece else piece).rstrip(" ,;:") + "\u2026"
    return "\u201c" + ("\u2026" if start else "") + piece + "\u201d"


def _edit_start(sentence: str, others: Iterable[str]) -> int:
    """Where `sentence` starts to differ from the most alike of `others` (its longest common prefix)."""
    return max((len(os.path.commonprefix([sentence, other])) for other in others), default=0)


# --- stated dates --------------------------------------------------------------------------------

def _date_findings(old: VersionFacts, new: VersionFacts, promise: Promise, text_changed: bool) -> list[Finding]:
    old_dates, new_dates = find_stated_dates(old.text), find_stated_dates(new.text)
    old_stated = preferred_stated_date(old_dates, promise.date_label)
    new_stated = preferred_stated_date(new_dates, promise.date_label)
    findings = []
    if not text_changed:
        shown = (f" ({old_stated.label}: {old_stated.date} \u2192 {new_stated.date})"
                 if old_stated and new_stated and old_stated.date != new_stated.date else "")
        findings.append(Finding("date-only-change", "info",
                                f"Only the stated date changed{shown}; the policy text is otherwise identical."))
    elif old_stated is not None:
        # Any stated date that is new counts as updated: some pages move only "Effective Date".
        unchanged = {d.date for d in new_dates} <= {d.date for d in old_dates}
        if new_stated is None or unchanged:
            if new_stated is None:
                detail = (f"the new version no longer states a {old_stated.label} date we can read "
                          f"(it was {old_stated.date})")
            else:
                detail = f"its stated {new_stated.label} date is still {new_stated.date}"
            promised = (f", though the policy promises a \u201c{promise.date_label}\u201d date"
                        if promise.date_label else "")
            findings.append(Finding(
                "revision-date-not-updated", "violation" if promise.date_label else "warning",
                f"The policy text changed (first seen {_day(new.first_seen)}) but {detail}{promised}."))
    # Only a text change can be backdated: a date-only edit may be correcting the date of an earlier
    # version, which this pair of versions cannot refute.
    if (text_changed and new_stated is not None and (old_stated is None or new_stated.date != old_stated.date)
            and new_stated.date < old.last_seen.date()):
        findings.append(Finding(
            "revision-date-backdated", "violation",
            f"The new version states {new_stated.label} {new_stated.date}, but the previous text was still "
            f"online on {_day(old.last_seen)}: the stated date is earlier than the change."))
    return findings


# --- posting period ------------------------------------------------------------------------------

def _posting_findings(old: VersionFacts, new: VersionFacts, promise: Promise) -> list[Finding]:
    if not (old.is_change and promise.posting_days):
        return []
    lived = new.first_seen - old.first_seen
    if lived >= timedelta(days=promise.posting_days):
        return []
    return [Finding(
        "posting-period-not-met", "violation",
        f"The version first seen on {_day(old.first_seen)} (itself a change) was replaced by the version "
        f"first seen on {_day(new.first_seen)}, {_span(lived)} later, though the policy promises to post "
        f"changes for {promise.posting_days} days.")]


# --- personal-information changes ----------------------------------------------------------------

_PRACTICE = re.compile(
    r"\b(?:collect\w*|gather\w*|us(?:e|es|ed|ing|age)|shar(?:e|es|ed|ing)|disclos\w*|sell\w*|sold|rent\w*|"
    r"trad(?:e|es|ed|ing)|transfer\w*|releas\w*|process\w*|stor(?:e|es|ed|ing)|retain\w*|retention|track\w*|"
    r"third[- ]part(?:y|ies)|partners?|advertis\w*|market(?:s|ed|ing)?)\b",
    re.IGNORECASE,
)
_DATA = re.compile(
    r"\b(?:personal(?:ly)?\s+ident\w+\s+information|personal\s+(?:information|data|details)|"
    r"(?:your|customer|customers|user|users|contact|account|payment|credit\s+card|location|usage|this|that|"
    r"such|the)['\u2019]?\s+(?:information|data|details)|data|cookies?|e-?mail\s+address(?:es)?|"
    r"ip\s+address(?:es)?|phone\s+numbers?)\b",
    re.IGNORECASE,
)


# Judged in order, each text comes back as the old side of the next change: splitting a long policy into
# sentences was half the time of judging an import.
@lru_cache(maxsize=4)
def _sentences(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The sentences of `text`, in order and as a set."""
    found = tuple(sentences(text))
    return found, frozenset(found)


def _personal_info_sentence(old_masked: str, new_masked: str, clause: frozenset[str]) -> str | None:
    """A changed sentence (added or removed) about collecting, using or sharing personal information,
    outside the change-notification `clause` (its sentences before and after the change): a clause that
    promises an email "if we use personal information in a new way" is about the notice, and an edit of
    it is judged as such (notice-promise-changed), not as a new use of personal information."""
    (old_s, old_set), (new_s, new_set) = _sentences(old_masked), _sentences(new_masked)
    changed = [s for s in new_s if s not in old_set] + [s for s in old_s if s not in new_set]
    return next((s for s in changed if s not in clause and _PRACTICE.search(s) and _DATA.search(s)), None)


def _clause_sentences(old: VersionFacts, new: VersionFacts, promise: Promise) -> frozenset[str]:
    """The sentences of the change-notification clause in both texts, dates masked as in the compared texts."""
    found: set[str] = set()
    for facts in (old, new):
        detected = detect_promise(facts.text, clause=promise.clause)
        if detected and detected.clause:
            found.update(sentences(mask_stated_dates(detected.clause)))
    return frozenset(found)


_SCOPE_PHRASES = {
    "any": "of any change",
    "material": "of material changes",
    "personal-info-use": "before personal information is used in a new way",
}


def _email_findings(old: VersionFacts, new: VersionFacts, old_masked: str, new_masked: str,
                    promise: Promise) -> list[Finding]:
    if promise.email is None:
        return []
    sentence = _personal_info_sentence(old_masked, new_masked, _clause_sentences(old, new, promise))
    if sentence is None and promise.email != "any":
        return []
    about = (f"This change alters how personal information is collected, used or shared ({_quote(sentence)})"
             if sentence else "This change alters the policy")
    return [Finding(
        "email-notice-promised", "warning",
        f"{about}; the policy promises to notify customers by email {_SCOPE_PHRASES[promise.email]}, so "
        f"customers should have been emailed. A crawler cannot see whether that email was sent.")]


# --- the notification clause itself --------------------------------------------------------------

def _weakenings(before: Promise | None, after: Promise | None) -> list[str]:
    def get(p: Promise | None, key: str):
        return getattr(p, key) if p else None
    weaker = []
    for key, name in (("posted", "posting changes on the page"), ("email", "notice by email")):
        was, now = get(before, key), get(after, key)
        if was and not now:
            weaker.append(f"{name} is no longer promised")
        elif was and now and SCOPES.index(now) < SCOPES.index(was):
            weaker.append(f"{name} now covers {now} changes instead of {was}")
    for key, name in (("posting_days", "posting period"), ("notice_days", "advance-notice period")):
        was, now = get(before, key), get(after, key)
        if was and (not now or now < was):
            weaker.append(f"the {name} went from {was} days to {f'{now} days' if now else 'none'}")
    return weaker


def _clause_key(p: Promise | None) -> tuple[object, ...]:
    """What the clause promises and says; a date statement inside it is judged by the date findings."""
    if p is None:
        return (None,) * 5
    wording = " ".join(mask_stated_dates(p.clause or "").split()).casefold()
    return (p.posted, p.email, p.posting_days, p.notice_days, wording)


def _notice_findings(old: VersionFacts, new: VersionFacts, promise: Promise) -> list[Finding]:
    before = detect_promise(old.text, clause=promise.clause)
    after = detect_promise(new.text, clause=promise.clause)
    if _clause_key(before) == _clause_key(after):
        return []
    weaker = _weakenings(before, after)
    if not (after and after.clause):
        description = "The policy's change-notification clause was removed"
    elif not (before and before.clause):
        description = f"The policy now has a change-notification clause: {_quote(after.clause)}"
    else:
        was = sentences(before.clause)
        kept = set(was)
        added = [s for s in sentences(after.clause) if s not in kept]
        description = ("The policy's change-notification clause changed; it now reads "
                       f"{_quote(added[0], focus=_edit_start(added[0], was)) if added else _quote(after.clause)}")
    if weaker:
        return [Finding("notice-promise-changed", "violation",
                        f"{description}. The promise was weakened: {'; '.join(weaker)}.")]
    return [Finding("notice-promise-changed", "warning", f"{description}.")]


def judge_change(old: VersionFacts, new: VersionFacts, promise: Promise) -> list[Finding]:
    """Findings for the step `old` -> `new`, judged against `promise` (the promise in force in `old`)."""
    if old.text == new.text:
        return []
    old_masked, new_masked = mask_stated_dates(old.text), mask_stated_dates(new.text)
    text_changed = old_masked != new_masked
    findings = _date_findings(old, new, promise, text_changed) + _posting_findings(old, new, promise)
    if text_changed:
        findings += _email_findings(old, new, old_masked, new_masked, promise) + _notice_findings(old, new, promise)
    return findings


def no_findings_note(promise: Promise | None) -> str:
    """What a change without findings says of itself: that it was checked against a promise only when
    there was one (`promise`: what it was judged against; None: not judged, a re-extraction)."""
    if promise is None:
        return ("Not judged: a re-extraction, not a change of the policy (the page did not change; the way "
                "its text is taken from it did).")
    if promise.states_nothing:
        return ("No findings, and nothing to check: the policy states no promise about announcing its changes "
                "(no posting period, notice or revision date), and policies.toml declares none.")
    return "No findings: the change is consistent with the policy's own promise about announcing changes."
