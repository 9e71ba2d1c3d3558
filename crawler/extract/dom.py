"""Parsing and the few tree edits every path needs (plain lxml.etree elements: cheapest proxies)."""

from __future__ import annotations

import re

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
_NOT_CONTENT = ("head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object",
                "embed", "canvas", "audio", "video", "link", "meta", "base", "title")
# Narrowed in C first; the Python check below settles the inline styles. The union of three attribute
# steps, then their elements, is 3-4x faster in libxml2 than one predicate "[@hidden or @aria-hidden or
# @style]" per element (same elements, in document order).
_MAYBE_HIDDEN = etree.XPath(
    "(descendant-or-self::*/@hidden | descendant-or-self::*/@aria-hidden | descendant-or-self::*/@style)/.."
)
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def parse(html: str) -> etree._Element | None:
    """The document element, or None when there is nothing to parse."""
    data = html.encode("utf-8", "replace").translate(None, _CONTROLS)
    if not data.strip():
        return None
    try:
        doc = etree.fromstring(data, _PARSER)
        if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in _PARSER.error_log):
            doc = etree.fromstring(_NESTING_TAG.sub(b" ", data), _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError):
        return None
    return doc


def drop(el: etree._Element) -> None:
    """Remove el and its subtree but keep the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def strip_non_content(doc: etree._Element) -> None:
    """Scripts, styles, head, embedded objects: never text a reader sees."""
    etree.strip_elements(doc, *_NOT_CONTENT, with_tail=False)


def drop_hidden(doc: etree._Element) -> None:
    """Elements the page hides (hidden, aria-hidden, inline display:none); inputs never give text."""
    for el in _MAYBE_HIDDEN(doc):
        if (
            el.get("hidden") is not None
            or el.get("aria-hidden", "").lower() == "true"
            or _HIDING_STYLE.search(el.get("style", ""))
        ):
            drop(el)
