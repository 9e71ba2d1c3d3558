"""Parsing and the few tree edits every path needs (plain lxml.etree elements: cheapest proxies)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

__all__ = ["parse", "drop", "strip_non_content", "drop_hidden"]

# huge_tree: nesting up to 2048 levels and text nodes over 10 MB parse whole instead of being cut.
# collect_ids=False: no hash of id attributes (10% of the parse); only XPath's id() and getElementById
# use it, and cssselect compiles "#x" to an @id comparison.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, default_doctype=False,
                           huge_tree=True, collect_ids=False)
# Beyond libxml2's depth limit the parser silently drops content: parse again without nesting tags.
_NESTING_TAG = re.compile(rb"</?(?!(?:br|p|a|li|h[1-6])\b)[a-zA-Z][^>]*>")
# C0 controls other than tab/newline/CR never reach the tree: lxml refuses NUL, and the normalizer
# uses \x01-\x03 as sentinels.
# Deleted from the UTF-8 bytes, where they never occur inside a multi-byte sequence (bytes.translate
# is far faster than a regex over the str).
_CONTROLS = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# The same controls written as numeric character references (&#1; &#x1b;), which the parser would turn
# into the characters themselves: lxml then refuses any text edit holding them, and \x01-\x03 would act
# as the normalizer's sentinels. Decimal and hex, with or without the semicolon.
_CONTROL_REFS = re.compile(rb"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|127)(?![0-9])"
                           rb"|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])(?![0-9a-fA-F]));?")
_NOT_CONTENT = ("head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object",
                "embed", "canvas", "audio", "video", "link", "meta", "base", "title")
# Narrowed in C first; the Python check below settles the inline styles. The union of three attribute
# steps, then their elements, is 3-4x faster in libxml2 than one predicate "[@hidden or @aria-hidden or
# @style]" per element (same elements, in document order).
_MAYBE_HIDDEN = etree.XPath(
    "(descendant-or-self::*/@hidden | descendant-or-self::*/@aria-hidden | descendant-or-self::*/@style)/.."
)
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _drop_control_refs(data: bytes) -> bytes:
    """data without control character references. Most pages have a few references (&#39;), almost none
    a control one: each is looked at where bytes.find lands, which beats a regex scan of the whole page,
    up to a point past which that scan is cheaper."""
    at = data.find(b"&#")
    for _ in range(64):
        if at == -1:
            return data
        if _CONTROL_REFS.match(data, at):
            break
        at = data.find(b"&#", at + 2)
    return _CONTROL_REFS.sub(b"", data)


def parse(html: str) -> etree._Element | None:
    """The document element, or None when there is nothing to parse."""
    data = _drop_control_refs(html.encode("utf-8", "replace").translate(None, _CONTROLS))
    if not data.strip():
        return None
    try:
        doc = etree.fromstring(data, _PARSER)
        if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in _PARSER.error_log):
            doc = etree.fromstring(_NESTING_TAG.sub(b" ", data), _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError):
        return None
    return doc


def drop(elements: Iterable[etree._Element]) -> None:
    """Remove each element and its subtree but keep the text that follows it (its tail), joined to the
    text before it. The tails are gathered per receiving element and written once at the end: written
    one removal at a time, thousands of siblings copied the same growing string thousands of times."""
    tails: dict[etree._Element, list[str]] = {}  # kept element -> text to add to its tail
    texts: dict[etree._Element, list[str]] = {}  # parent -> text to add to its text
    for el in elements:
        parent = el.getparent()
        if parent is None:
            continue
        tail = (el.tail or "") + "".join(tails.pop(el, ()))  # what was gathered for it moves on with it
        if tail:
            prev = el.getprevious()
            (tails.setdefault(prev, []) if prev is not None else texts.setdefault(parent, [])).append(tail)
        parent.remove(el)
    for prev, gathered in tails.items():
        prev.tail = (prev.tail or "") + "".join(gathered)
    for parent, gathered in texts.items():
        parent.text = (parent.text or "") + "".join(gathered)


def strip_non_content(doc: etree._Element) -> None:
    """Scripts, styles, head, embedded objects: never text a reader sees."""
    etree.strip_elements(doc, *_NOT_CONTENT, with_tail=False)


def drop_hidden(doc: etree._Element) -> None:
    """Elements the page hides (hidden, aria-hidden, inline display:none); inputs never give text."""
    drop(el for el in _MAYBE_HIDDEN(doc) if (
        el.get("hidden") is not None
        or el.get("aria-hidden", "").lower() == "true"
        or _HIDING_STYLE.search(el.get("style", ""))
    ))
