"""Open Terms Archive selectors: CSS strings and range dicts, `remove` first, then `select`."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any, Iterable

from cssselect import HTMLTranslator, SelectorError
from lxml import etree

from .dom import drop
from .errors import Rejected

__all__ = ["check_selectors", "apply_remove", "apply_select", "as_list"]

_STARTS = ("startBefore", "startAfter")
_ENDS = ("endBefore", "endAfter")
_MARK = "policydiff-range-mark"
_TRANSLATOR = HTMLTranslator()
_WHAT_TO_DO = ("the site's markup changed: update the policy's selectors in policies.toml "
               "(try them with `policydiff extract URL --select ...`)")


@lru_cache(maxsize=512)
def _compiled(css: str) -> etree.XPath:
    """CSS -> compiled XPath, once per selector for the life of the process."""
    try:
        return etree.XPath(_TRANSLATOR.css_to_xpath(css))
    except (SelectorError, etree.XPathSyntaxError) as exc:
        raise ValueError(f"invalid CSS selector {css!r}: {exc}") from None


def _range_keys(entry: dict) -> tuple[str, str]:
    unknown = set(entry) - set(_STARTS) - set(_ENDS)
    starts = [k for k in _STARTS if k in entry]
    ends = [k for k in _ENDS if k in entry]
    if unknown or len(starts) != 1 or len(ends) != 1:
        raise ValueError(
            f"invalid range selector {entry!r}: needs exactly one of startBefore/startAfter and one of "
            f"endBefore/endAfter" + (f", unknown keys {sorted(unknown)}" if unknown else "")
        )
    return starts[0], ends[0]


def _check_one(entry: Any) -> None:
    if isinstance(entry, str):
        if not entry.strip():
            raise ValueError("empty CSS selector")
        _compiled(entry)
    elif isinstance(entry, dict):
        for key in _range_keys(entry):
            if not isinstance(entry[key], str):
                raise ValueError(f"invalid range selector {entry!r}: {key} must be a CSS string")
            _compiled(entry[key])
    else:
        raise ValueError(f"invalid selector {entry!r}: expected a CSS string or a range table")


def check_selectors(select: Iterable = (), remove: Iterable = ()) -> None:
    """Raise ValueError naming the first bad selector (used when loading configuration)."""
    for entry in [*as_list(select), *as_list(remove)]:
        _check_one(entry)


def as_list(entries: Any) -> list:
    """One entry or an iterable of entries (None: none) as a list."""
    if entries is None:
        return []
    return [entries] if isinstance(entries, (str, dict)) else list(entries)


def _first(doc: etree._Element, css: str, what: str) -> etree._Element:
    found = _compiled(css)(doc)
    if not found:
        raise Rejected("structure-changed", f"The {what} selector {css!r} matched nothing on the page; {_WHAT_TO_DO}")
    return found[0]


def _mark_range(doc: etree._Element, entry: dict) -> tuple[etree._Element, etree._Element]:
    """Insert empty marker elements at the range's two boundary points."""
    start_key, end_key = _range_keys(entry)
    start = _first(doc, entry[start_key], f"range {start_key}")
    end = _first(doc, entry[end_key], f"range {end_key}")
    marks = []
    for el, after in ((start, start_key == "startAfter"), (end, end_key == "endAfter")):
        mark = el.makeelement(_MARK, {})
        if el.getparent() is None:  # the root element itself: the range covers the whole document
            mark = el
        elif after:
            mark.tail, el.tail = el.tail, None  # "after the element" is before its tail text
            el.addnext(mark)
        else:
            el.addprevious(mark)
        marks.append(mark)
    return marks[0], marks[1]


def _prune(doc: etree._Element, start: etree._Element, end: etree._Element, keep_inside: bool) -> None:
    """Delete the content inside the range (keep_inside=False) or outside it (True), in document order."""
    # Element proxies (not id()s) in the set: they stay alive, so identity is stable.
    holds = {a for m in (start, end) for a in m.iterancestors()} | {start, end}
    inside = False
    doomed = []
    walker = etree.iterwalk(doc, events=("start", "end"))
    for event, el in walker:
        if event == "start":
            if el is start:
                inside = True
            elif el is end:
                inside = False
            elif el not in holds:
                if inside != keep_inside:
                    doomed.append(el)
                walker.skip_subtree()
                continue
            elif inside != keep_inside:
                el.text = None
        if event == "end" and el is not doc and inside != keep_inside:
            el.tail = None
    for el in doomed:
        el.getparent().remove(el)
    drop(mark for mark in (start, end) if mark.tag == _MARK)


def apply_remove(doc: etree._Element, remove: Iterable) -> None:
    """Remove matches of every `remove` entry, in place (text following a removed element stays)."""
    for entry in as_list(remove):
        if isinstance(entry, dict):
            start, end = _mark_range(doc, entry)
            _prune(doc, start, end, keep_inside=False)
            continue
        drop(_compiled(entry)(doc))


def apply_select(doc: etree._Element, select: Iterable) -> list[etree._Element]:
    """The selected fragments in document order; a selector matching nothing rejects the page.

    The page is pruned in place when a range is the only entry: the caller renders the result and
    nothing else.
    """
    entries = as_list(select)
    # Only several entries need merging in document order: one XPath result comes in document order,
    # and indexing every element of the page costs more than the selection. The index holds the
    # proxies, so identity is stable.
    order = {el: i for i, el in enumerate(doc.iter())} if len(entries) > 1 else {}
    picked: list[tuple[int, etree._Element]] = []
    for entry in entries:
        if isinstance(entry, dict):
            start_el = _first(doc, entry[_range_keys(entry)[0]], "range start")
            # Ranges may overlap other selections: prune a copy, unless there are none.
            twin = copy.deepcopy(doc) if order else doc
            start, end = _mark_range(twin, entry)
            _prune(twin, start, end, keep_inside=True)
            picked.append((order.get(start_el, 0), twin))
            continue
        found = _compiled(entry)(doc)
        if not found:
            raise Rejected("structure-changed", f"The select selector {entry!r} matched nothing on the page; {_WHAT_TO_DO}")
        picked += [(order.get(el, 0), el) for el in found if isinstance(el, etree._Element)]
    picked.sort(key=lambda p: p[0])
    chosen = {el for _, el in picked}
    # An element inside another selected element is already rendered with it.
    return [el for _, el in picked if not any(a in chosen for a in el.iterancestors())]
