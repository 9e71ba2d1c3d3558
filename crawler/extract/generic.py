"""The generic extractor: find the policy on a page never seen before and drop the site chrome.

Readability-like but conservative: the content root is the deepest element that still holds nearly
all of the page's prose (text in sentence-like runs, outside links), once prose inside obvious chrome
(navigation, footers, cookie and newsletter boxes, ...) is set aside. Losing a policy sentence is worse
than keeping a chrome line, so chrome is only dropped where it is recognisable as such.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from .dom import drop

__all__ = ["content_roots"]

# Share of the page's (non-chrome) prose the content root must hold; prose boxes right next to it are
# added back afterwards (_neighbours), so this can leave room for site chrome that reads like prose.
_ROOT_SHARE = 0.9
# A box next to the root joins it when most of its text is prose (not a footer row with a copyright).
_NEIGHBOUR_PROSE_SHARE = 0.5
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


def _prose(text: str) -> int:
    """Characters of a text run that reads like prose (enough words, or words with punctuation)."""
    text = text.strip()
    n = len(text)
    if n < 6:
        return 0
    if n >= 80 and " " in text:  # long runs with spaces: prose, no need to count words
        return n
    words = len(text.split())
    if words >= 6 or (words >= 3 and _SENTENCE_MARK.search(text)):
        return n
    return 0


def _looks_chrome(el: etree._Element, tag: str) -> bool:
    if tag in _NEVER_CHROME:
        return False
    if tag in _CHROME_TAGS:
        # A header or footer of the article itself (title, dates) belongs to it.
        return not (tag in ("header", "footer") and any(a.tag in _SEMANTIC_MAIN for a in el.iterancestors()))
    # One call listing the attribute names costs less than three lookups that mostly miss.
    names = el.keys()
    if not names:
        return False
    get = el.get
    if "role" in names and get("role") in _CHROME_ROLES:
        return True
    cls = get("class") if "class" in names else None
    ident = get("id") if "id" in names else None
    return (cls is not None or ident is not None) and _chrome_words(cls or "", ident or "")


@lru_cache(maxsize=16384)
def _chrome_words(cls: str, ident: str) -> bool:
    """class/id naming chrome and not content; cached since a page repeats the same classes."""
    words = f"{cls} {ident}".lower().replace("-", " ").replace("_", " ").split()
    return not _CHROME_WORDS.isdisjoint(words) and _CONTENT_WORDS.isdisjoint(words)


class _Stats:
    """Per-element subtree counts in flat lists indexed like `elements` (document order), one pass."""

    def __init__(self, doc: etree._Element) -> None:
        els = self.elements = list(doc.iter(etree.Element))
        self.index = index = {el: i for i, el in enumerate(els)}
        n = len(els)
        parent = [index.get(el.getparent(), -1) for el in els]
        depth = self.depth = [0] * n
        for i in range(1, n):
            depth[i] = depth[parent[i]] + 1
        prose = [0] * n  # sentence-like text outside links
        chars = [0] * n
        link_chars = [0] * n
        links = [0] * n
        # Each lxml attribute read builds a new Python object: tags and texts are read once, here.
        tags = self.tags = [el.tag for el in els]
        texts = self.texts = [el.text for el in els]
        tails = [el.tail for el in els]
        looks = self.looks = {}  # _looks_chrome by index, as far as computed (chrome() asks again)
        for i in range(n - 1, -1, -1):  # children before parents: their sums are complete
            # Most texts and tails are indentation only: _prose (which strips too) is called only for words.
            if (text := texts[i]) and (stripped := text.strip()):
                chars[i] += len(stripped)
                prose[i] += _prose(stripped)
            if tags[i] == "a":
                link_chars[i], links[i], prose[i] = chars[i], links[i] + 1, 0
            elif prose[i]:  # a chrome-looking element with prose may set it aside (see _good)
                looks[i] = _looks_chrome(els[i], tags[i])
            if (p := parent[i]) < 0:
                continue
            if (tail := tails[i]) and (stripped := tail.strip()):
                chars[p] += len(stripped)
                prose[p] += _prose(stripped)
            if links[i]:
                links[p] += links[i]
                link_chars[p] += link_chars[i]
            if chars[i]:  # prose never exceeds chars
                chars[p] += chars[i]
                prose[p] += prose[i]
        self.limit = _CHROME_MAX_SHARE * (prose[0] if n else 0)
        excluded = {i for i, chrome in looks.items() if chrome and prose[i] <= self.limit}
        self.good = _good(prose, parent, tags, excluded)
        self.prose, self.chars, self.link_chars, self.links = prose, chars, link_chars, links

    def good_of(self, el: etree._Element) -> int:
        i = self.index.get(el)
        return self.good[i] if i is not None else 0

    def chrome(self, i: int) -> bool:
        """Chrome to drop: looks like chrome and does not hold a large share of the page's prose."""
        if self.prose[i] > self.limit:
            return False
        if (looks := self.looks.get(i)) is None:
            looks = self.looks[i] = _looks_chrome(self.elements[i], self.tags[i])
        return looks

    def link_dense(self, i: int) -> bool:
        """A menu-like block: mostly links, several of them, each a few words."""
        n = self.links[i]
        lc = self.link_chars[i]
        return n >= 3 and lc >= 0.7 * self.chars[i] and lc / n < 30


def _good(prose: list[int], parent: list[int], tags: list, excluded: set[int]) -> list[int]:
    """Prose outside the excluded (chrome-looking) elements, per subtree: prose less what they hold.

    An excluded element's prose leaves every ancestor's count up to the nearest link (whose prose is
    not counted anyway) or excluded ancestor (which sets its whole prose aside itself). The few excluded
    elements are walked up instead of summing a third list over every element; many of them deep down
    (thousands of navs under thousands of divs: 16 s for 1 MB) make the walk cost more than that pass,
    which then takes over.
    """
    good = prose[:]
    for i in excluded:
        good[i] = 0
    steps = len(prose)
    for i in excluded:
        w, k = prose[i], parent[i]
        while k >= 0 and k not in excluded and tags[k] != "a":
            good[k] -= w
            k = parent[k]
            steps -= 1
        if steps < 0:
            return _good_in_one_pass(prose, parent, tags, excluded)
    return good


def _good_in_one_pass(prose: list[int], parent: list[int], tags: list, excluded: set[int]) -> list[int]:
    """_good in one pass, children before parents: what each element passes up, summed."""
    good = prose[:]
    up = [0] * len(prose)
    for i in range(len(prose) - 1, -1, -1):
        if i in excluded:
            good[i], passed = 0, prose[i]
        elif tags[i] == "a":
            passed = 0
        else:
            good[i] -= up[i]
            passed = up[i]
        if passed and (k := parent[i]) >= 0:
            up[k] += passed
    return good


def _root(node: etree._Element, stats: _Stats) -> etree._Element:
    """The deepest element under `node` holding nearly all of its (non-chrome) prose."""
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
_NOT_TITLE_PLACES = frozenset(("nav", "footer", "aside", "header", "a"))


def _title(root: etree._Element, stats: _Stats) -> etree._Element | None:
    """The page's title heading when it sits just before the content root (outside it)."""
    if _HAS_HEADING(root):
        return None
    found = _PRECEDING_TITLE(root)
    if not found:
        return None
    heading = found[0]
    h, r = stats.index.get(heading), stats.index[root]
    if h is None or len("".join(heading.itertext())) > 200 or heading.find(".//a") is not None:
        return None  # a logo or a link, not a title
    if any(a.tag in _NOT_TITLE_PLACES or a.get("role") in _CHROME_ROLES for a in heading.iterancestors()):
        return None
    # "Just before": no prose between the heading's end and the root's start.
    level = stats.depth[h]
    i = h + 1
    while i < r and stats.depth[i] > level:  # the heading's own descendants
        i += 1
    if any(_prose(el.text) for el in stats.elements[i:r] if el.text):
        return None
    return heading


def _is_copyright(text: str | None) -> bool:
    # Substring tests first: the regex is costly on the many short texts of a page. Eight `in` tests
    # (each a fast scan in C) take half the time of one alternation of them, which sre tries at every "o"
    # and "i" of the text.
    return bool(text) and (
        "\u00a9" in text or "opyright" in text or "OPYRIGHT" in text or "(c)" in text or "(C)" in text
        or "ights reserved" in text or "ights Reserved" in text or "IGHTS RESERVED" in text
    ) and bool(_COPYRIGHT.search(text))


def _neighbours(root: etree._Element, top: etree._Element, stats: _Stats) -> list[etree._Element]:
    """Root plus the prose boxes around it (a "Last updated" line, an intro before a table of contents).

    At each level up to `top`, siblings are taken outwards: boxes without prose are stepped over,
    prose boxes join, and the first chrome with prose (a header, a cookie banner) or box whose text
    is not mostly prose (a footer row) ends it.
    """

    def verdict(el: etree._Element) -> bool | None:  # True: joins, None: step over, False: stop
        i = stats.index[el]
        if stats.prose[i] == 0:  # menus, a table of contents, images
            return None
        if stats.chrome(i):
            return False
        return stats.good[i] >= _NEIGHBOUR_PROSE_SHARE * stats.chars[i] and not stats.link_dense(i)

    def take(siblings) -> list[etree._Element]:
        found = []
        for sib in siblings:
            if (v := verdict(sib)) is False:
                break
            if v:
                found.append(sib)
        return found

    roots = [root]
    node = root
    while node is not top and (parent := node.getparent()) is not None:
        before = take(node.itersiblings(etree.Element, preceding=True))
        roots = before[::-1] + roots + take(node.itersiblings(etree.Element))
        node = parent
    return roots


def _drop_chrome(root: etree._Element, stats: _Stats) -> None:
    """Inside a content root: chrome-looking elements, menu-like link blocks, copyright lines."""
    doomed = []
    els, depth, tags, chars, texts = stats.elements, stats.depth, stats.tags, stats.chars, stats.texts
    start = stats.index[root]
    i, end, floor = start + 1, len(els), depth[start]
    while i < end and (level := depth[i]) > floor:  # root's subtree is contiguous in document order
        if (
            stats.chrome(i)
            or (tags[i] in _DENSE_TAGS and stats.link_dense(i))
            or (chars[i] < 300 and _is_copyright(texts[i]))
        ):
            doomed.append(els[i])
            i += 1
            while i < end and depth[i] > level:  # its descendants go with it
                i += 1
        else:
            i += 1
    drop(doomed)


def content_roots(doc: etree._Element) -> list[etree._Element]:
    """Locate the content (title heading, root and adjacent prose), dropping the chrome inside it."""
    stats = _Stats(doc)
    body = doc.find("body")
    top = body if body is not None else doc
    root = _root(top, stats)
    roots = _neighbours(root, top, stats) if root is not top else [root]
    title = _title(roots[0], stats)
    for el in roots:
        _drop_chrome(el, stats)
    return [title, *roots] if title is not None else roots
