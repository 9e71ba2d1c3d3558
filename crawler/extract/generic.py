"""The generic extractor: find the policy on a page never seen before and drop the site chrome.

Readability-like but conservative: the content root is the deepest element that still holds nearly
all of the page's prose (text in sentence-like runs, outside links), once prose inside obvious chrome
(navigation, footers, cookie and newsletter boxes, ...) is set aside. Losing a policy sentence is worse
than keeping a chrome line, so chrome is only dropped where it is recognisable as such.
"""

from __future__ import annotations

import re

from lxml import etree

from .dom import drop

__all__ = ["content_roots"]

# Share of the page's (non-chrome) prose the content root must hold.
_ROOT_SHARE = 0.97
# A chrome-looking element holding more than this share of all prose is the content after all.
_CHROME_MAX_SHARE = 0.3
_CHROME_TAGS = frozenset(("nav", "aside", "header", "footer", "form", "menu", "dialog"))
_CHROME_ROLES = frozenset(("navigation", "banner", "contentinfo", "complementary", "search", "menu",
                           "menubar", "dialog", "alertdialog", "toolbar", "tablist"))
# class/id words that name chrome; words that name content veto them ("main-nav" is still chrome).
_CHROME_WORDS = frozenset(
    "nav navbar navigation menu menus megamenu header footer sidebar side breadcrumb breadcrumbs crumbs "
    "newsletter subscribe signup cookie cookies consent gdpr social share sharing skip topbar toolbar "
    "masthead copyright promo modal popup account search minicart cart widget links toc brand brands "
    "footnav utility banner".split()
)
_CONTENT_WORDS = frozenset("main article content policy privacy post entry".split())
_SEMANTIC_MAIN = frozenset(("main", "article"))
_NEVER_CHROME = frozenset(("html", "body", "main", "article"))
_COPYRIGHT = re.compile(r"^\s*(?:copyright\b|©|\(c\)\s*\d{4})|\ball rights reserved\b", re.I)
_SENTENCE_MARK = re.compile(r"[.,;:!?]")
_DENSE_TAGS = frozenset(("ul", "ol", "div", "table", "p", "section", "td", "dl", "tr", "span", "center", "font"))


def _prose(text: str | None) -> int:
    """Characters of a text run that reads like prose (enough words, or words with punctuation)."""
    if not text:
        return 0
    words = len(text.split())
    if words >= 6 or (words >= 3 and _SENTENCE_MARK.search(text)):
        return len(text.strip())
    return 0


def _looks_chrome(el: etree._Element) -> bool:
    tag = el.tag
    if tag in _NEVER_CHROME:
        return False
    if tag in _CHROME_TAGS:
        # A header or footer of the article itself (title, dates) belongs to it.
        return not (tag in ("header", "footer") and any(a.tag in _SEMANTIC_MAIN for a in el.iterancestors()))
    attrib = el.attrib
    if not attrib:
        return False
    if attrib.get("role") in _CHROME_ROLES:
        return True
    words = f"{attrib.get('class', '')} {attrib.get('id', '')}".lower().replace("-", " ").replace("_", " ").split()
    return not _CHROME_WORDS.isdisjoint(words) and _CONTENT_WORDS.isdisjoint(words)


class _Stats:
    """Per-element subtree counts, in flat lists indexed like `elements` (document order)."""

    def __init__(self, doc: etree._Element) -> None:
        els = self.elements = [el for el in doc.iter() if isinstance(el.tag, str)]
        self.index = index = {el: i for i, el in enumerate(els)}
        n = len(els)
        parent = [index.get(el.getparent(), -1) for el in els]
        own = [0] * n  # prose directly in the element (its text, its children's tails)
        chars = [0] * n
        for i, el in enumerate(els):
            text, tail = el.text, el.tail
            if text:
                own[i] += _prose(text)
                chars[i] += len(text.strip())
            if tail and (p := parent[i]) >= 0:
                own[p] += _prose(tail)
                chars[p] += len(tail.strip())
        prose = own[:]
        link_chars = [0] * n
        links = [0] * n
        is_link = [el.tag == "a" for el in els]
        for i in range(n - 1, -1, -1):  # children before parents
            if is_link[i]:
                prose[i], link_chars[i], links[i] = 0, chars[i], links[i] + 1
            if (p := parent[i]) >= 0:
                prose[p] += prose[i]
                chars[p] += chars[i]
                link_chars[p] += link_chars[i]
                links[p] += links[i]
        limit = _CHROME_MAX_SHARE * (prose[0] if n else 0)
        chrome = [prose[i] <= limit and _looks_chrome(el) for i, el in enumerate(els)]
        good = [0 if is_link[i] else own[i] for i in range(n)]
        for i in range(n - 1, -1, -1):
            if chrome[i]:
                good[i] = 0
            elif (p := parent[i]) >= 0:
                good[p] += good[i]
        self.chrome, self.good, self.chars, self.link_chars, self.links = chrome, good, chars, link_chars, links

    def good_of(self, el: etree._Element) -> int:
        i = self.index.get(el)
        return self.good[i] if i is not None else 0

    def link_dense(self, i: int) -> bool:
        """A menu-like block: mostly links, several of them, each a few words."""
        n = self.links[i]
        lc = self.link_chars[i]
        return n >= 3 and lc >= 0.7 * self.chars[i] and lc / n < 30


def _root(doc: etree._Element, stats: _Stats) -> etree._Element:
    body = doc.find("body")
    node = body if body is not None else doc
    total = stats.good_of(node)
    if total == 0:
        return node
    while True:
        best = max((ch for ch in node if isinstance(ch.tag, str)), key=stats.good_of, default=None)
        if best is None or stats.good_of(best) < _ROOT_SHARE * total:
            return node
        node = best


_PRECEDING_TITLE = etree.XPath("preceding::*[self::h1 or self::h2][1]")
_HAS_HEADING = etree.XPath("boolean(.//h1)")


def _title(root: etree._Element, stats: _Stats) -> etree._Element | None:
    """The page's title heading when it sits just before the content root (outside it)."""
    if _HAS_HEADING(root):
        return None
    found = _PRECEDING_TITLE(root)
    if not found:
        return None
    heading = found[0]
    if any(a.tag in ("nav", "footer", "aside") for a in heading.iterancestors()):
        return None
    # Just before: no prose in between.
    between = 0
    for el in heading.itersiblings():
        if root in el.iterancestors() or el is root:
            break
        if any(el is a for a in root.iterancestors()):
            break
        between += stats.good_of(el)
    return heading if between == 0 and len("".join(heading.itertext())) < 200 else None


def content_roots(doc: etree._Element) -> list[etree._Element]:
    """Locate the content (the title heading, then the root), dropping the chrome inside it in place."""
    stats = _Stats(doc)
    root = _root(doc, stats)
    title = _title(root, stats)
    doomed = []
    for el in root.iter():
        i = stats.index.get(el)
        if i is None or el is root:
            continue
        if stats.chrome[i] or (el.tag in _DENSE_TAGS and stats.link_dense(i)):
            doomed.append(el)
        elif stats.chars[i] < 300 and el.tag in _DENSE_TAGS and el.tag != "span" and _COPYRIGHT.search(
            "".join(el.itertext())
        ):
            doomed.append(el)
    for el in doomed:
        drop(el)
    return [title, root] if title is not None else [root]
