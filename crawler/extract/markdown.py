"""A cleaned lxml tree to deterministic Markdown-like text (the contract in docs/design.md)."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote, urljoin

from lxml import etree

__all__ = ["to_markdown"]

BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption "
    "figure footer form header hgroup hr html li main menu nav ol p pre section summary table tbody td "
    "tfoot th thead tr ul legend caption".split()
)
# Inline elements that only contribute their text (no markers, no structure).
_PLAIN_INLINE = frozenset("span em i u code small sub sup abbr cite q mark time label font kbd samp var s del ins "
                          "bdi bdo data dfn tt big nobr".split())
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Block tags without a rendering of their own: their content between paragraph breaks.
_PLAIN_BLOCKS = BLOCK_TAGS - {"ul", "ol", "menu", "dir", "table", "pre"}
_BOLD = frozenset(("b", "strong"))
_SKIP = frozenset(("img", "input", "select", "button", "textarea", "option", "hr", "wbr", "map", "area"))
# Depth past which an element's text is taken whole: keeps hostile nesting from exhausting the stack.
_MAX_DEPTH = 180

# Sentinels for line breaks and bold runs inside a paragraph (control characters are stripped from input).
BR, BOLD_ON, BOLD_OFF = "\x01", "\x02", "\x03"
# Folded before whitespace is collapsed: no-break and typographic spaces become spaces, Unicode line and
# paragraph separators line breaks; zero-width characters and soft hyphens vanish.
_FOLD = {"\xa0": " ", "\u1680": " ", "\u202f": " ", "\u205f": " ", "\u3000": " ", "\u2028": BR, "\u2029": BR,
         "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\xad": ""}
_FOLD.update({chr(c): " " for c in range(0x2000, 0x200B)})
_FOLDABLE = re.compile("[" + "".join(_FOLD) + "]")
_PARA_BREAK = re.compile(BR + r"[^\S\x01]*(?:" + BR + r"[^\S\x01]*)+")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]?\s*$")


def _fold(text: str) -> str:
    if text.isascii():  # every foldable character is non-ASCII, and str.isascii() reads a flag: O(1)
        return text
    # A regex visiting only the matches beats str.translate(), which does a dict lookup per character.
    return _FOLDABLE.sub(lambda m: _FOLD[m.group()], text)


def _collapse(text: str) -> str:
    """Whitespace runs as one space, none at the ends: " ".join(text.split()), without splitting clean text."""
    # Splitting builds a string per word; most texts have single spaces only. A printable string holds no
    # whitespace but " " (checked for every code point), so these tests prove the split would change nothing.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def _inline(text: str) -> str:
    """One line: sentinels dropped, whitespace collapsed."""
    if BR in text or BOLD_ON in text or BOLD_OFF in text:
        text = text.replace(BR, " ").replace(BOLD_ON, "").replace(BOLD_OFF, "")
    return _collapse(text)


def _add_paragraphs(blocks: list[str], text: str) -> None:
    """Append the paragraphs of a run of text (sentinels resolved, whitespace collapsed) to blocks."""
    if text.isspace():
        return
    text = _fold(text)
    if BR not in text and BOLD_ON not in text:  # the common case: one plain paragraph
        if out := _collapse(text):
            blocks.append(out)
        return
    for par in _PARA_BREAK.split(text) if BR in text else (text,):
        for piece in _split_run_ins(par) if BOLD_ON in par else (par,):
            lines = [_inline(line) for line in piece.split(BR)]
            if out := "\n".join(line for line in lines if line):
                blocks.append(out)


def _split_run_ins(par: str) -> list[str]:
    """Separate bold run-in headings ("<b>Security</b>We use ...") from their paragraph text.

    A bold run is a run-in heading when it opens the paragraph or follows a finished sentence, is
    short, and is followed by text that does not continue a sentence. Labels ending in ':' stay inline
    ("Last Revised: 2016.02.15") but never glued to their value.
    """
    done: list[list[str]] = []
    current, *runs = par.split(BOLD_ON)  # markers never nest: each run is "bold BOLD_OFF after"
    current = [current]
    for run in runs:
        bold, closed, after = run.partition(BOLD_OFF)
        label = _inline(bold)
        if not closed or not label:
            current += [bold, after]
        elif label.endswith(":"):  # a label: inline, but never glued to its value
            current += [label, " " if after[:1].strip() else "", after]
        elif (
            len(label) <= 120 and (following := after.lstrip()) and not following[0].islower()
            and following[0] not in ",.;:)" and _sentence_boundary(current)
        ):
            done += [current, [label]]
            current = [after]
        else:
            current += [bold, after]
    done.append(current)
    return ["".join(pieces) for pieces in done]


def _sentence_boundary(pieces: list[str]) -> bool:
    """Whether the text so far is empty or ends a sentence or a line (looks back past blank pieces only)."""
    for piece in reversed(pieces):
        piece = piece.rstrip(" \t\n\r")
        if piece.replace(BOLD_OFF, "").strip():
            return piece.endswith(BR) or bool(_SENTENCE_END.search(piece))
        if piece.endswith(BR):
            return True
    return True


class _Converter:
    def __init__(self, base: str) -> None:
        self.base = base
        self.blocks: list[str] = []
        self.buf: list[str] = []
        self.bold = 0

    # -- output ---------------------------------------------------------------------------------
    def flush(self) -> None:
        if not self.buf:
            return
        text = "".join(self.buf)
        self.buf.clear()  # in place: children() holds self.buf.append
        _add_paragraphs(self.blocks, text)

    def block(self, text: str) -> None:
        self.flush()
        if text:
            self.blocks.append(text)

    # -- walking --------------------------------------------------------------------------------
    def children(self, el: etree._Element, depth: int) -> None:
        append = self.buf.append
        if text := el.text:  # each read of .text or .tail builds a new string: once each
            append(text)
        depth += 1
        for child in el:
            tag = child.tag
            if tag in _PLAIN_INLINE and depth <= _MAX_DEPTH:  # the common case, without a call
                if len(child):
                    self.children(child, depth)
                elif text := child.text:
                    append(text)
            else:
                self.node(child, depth, tag)
            if tail := child.tail:
                append(tail)

    def node(self, el: etree._Element, depth: int, tag: object) -> None:
        """Render el, whose tag the caller has read already (each read of .tag builds a new string)."""
        if not isinstance(tag, str) or tag in _SKIP:
            return
        if depth > _MAX_DEPTH:
            self.buf.append(" " + " ".join(el.itertext()) + " ")
            return
        if tag in _PLAIN_BLOCKS:  # the common case (div, p, li, ...), tested first
            self.flush()
            if len(el):
                self.children(el, depth)
                self.flush()
            elif text := el.text:  # a leaf: its text is the paragraph
                _add_paragraphs(self.blocks, text)
        elif tag == "br":
            self.buf.append(BR)
        elif tag in _BOLD:
            self.bold += 1
            if self.bold == 1:
                self.buf.append(BOLD_ON)
            self.children(el, depth)
            if self.bold == 1:
                self.buf.append(BOLD_OFF)
            self.bold -= 1
        elif tag == "a":
            self.link(el, depth)
        elif tag in _HEADINGS:
            if text := _inline(_fold(self.sub(el, depth, inline=True))):
                self.block("#" * _HEADINGS[tag] + " " + text)
            else:
                self.flush()
        elif tag in ("ul", "ol", "menu", "dir"):
            self.list(el, depth)
        elif tag == "table":
            self.table(el, depth)
        elif tag == "pre":
            self.flush()
            self.buf.append(BR.join(_fold("".join(el.itertext())).splitlines()))
            self.flush()
        else:
            self.children(el, depth)

    def sub(self, el: etree._Element, depth: int, inline: bool = False) -> str:
        """Render el's content apart: as one line (inline) or as blocks joined by newlines."""
        if len(el):
            conv = _Converter(self.base)
            conv.children(el, depth)
            conv.flush()
            blocks = conv.blocks
        else:  # a leaf (most list items and headings): no converter needed for its one text
            blocks = []
            if text := el.text:
                _add_paragraphs(blocks, text)
        return (" " if inline else "\n").join(blocks)

    def link(self, el: etree._Element, depth: int) -> None:
        href = (el.get("href") or "").strip()
        # len(): most links have no children, and the generator below costs more than the test.
        if len(el) and any(isinstance(d.tag, str) and (d.tag in BLOCK_TAGS or d.tag in _HEADINGS)
                           for d in el.iterdescendants()):
            self.flush()  # a card-like link wrapping blocks: its content, not one giant link
            self.children(el, depth)
            self.flush()
            return
        raw = el.text or "" if len(el) == 0 else self.sub(el, depth, inline=True)
        text = _inline(_fold(raw))
        if not text:
            return
        if not href or href.lower().startswith(("javascript:", "data:", "vbscript:")):
            self.buf.append(text)
            return
        if href[:7].lower() == "mailto:":
            # Sites hide addresses as (re-escaped) character references or %-escapes in the href.
            target = "mailto:" + unquote(html.unescape(href[7:]))
        else:
            target = _join(self.base, href)
        if target.startswith("mailto:") and target[7:].split("?")[0] == text:
            self.buf.append(text)  # an address shown as itself: plain text, however it was obfuscated
        else:
            self.buf.append(f"[{text}]({target.replace(' ', '%20')})")

    def list(self, el: etree._Element, depth: int) -> None:
        ordered = el.tag == "ol"
        try:
            number = int(el.get("start", "1")) if ordered else 1
        except ValueError:
            number = 1
        lines: list[str] = []
        self.flush()
        loose = _Converter(self.base)  # text sitting directly in the list, outside any <li>
        if (text := el.text) and text.strip():
            loose.buf.append(text)
        for child in el:
            tag = child.tag
            if tag == "li":
                if loose.buf or loose.blocks:
                    loose.flush()
                    lines += loose.blocks
                    loose.blocks = []
                marker = f"{number}. " if ordered else "- "
                number += 1
                body = self.sub(child, depth + 1)
                if "\n" in body:
                    first, *more = body.split("\n")
                    lines.append(marker + first)
                    lines += ["  " + line if line else line for line in more]
                elif body:
                    lines.append(marker + body)
            else:
                loose.node(child, depth + 1, tag)
            if (tail := child.tail) and tail.strip():
                loose.buf.append(tail)
        loose.flush()
        lines += loose.blocks
        self.block("\n".join(lines))

    def table(self, el: etree._Element, depth: int) -> None:
        rows = [r for r in el.iter("tr") if _owner_table(r) is el]
        if _is_layout(el, rows):
            self.flush()
            self.children(el, depth)
            self.flush()
            return
        out = []
        for row in rows:
            cells = [self.sub(c, depth + 2, inline=True) for c in row if c.tag in ("td", "th")]
            cells = [_inline(_fold(c)).replace("|", "\\|") for c in cells]
            if any(cells):
                out.append("| " + " | ".join(cells) + " |")
        caption = el.find("caption")
        if caption is not None:
            self.block(_inline(_fold("".join(caption.itertext()))))
        self.block("\n".join(out))


@lru_cache(maxsize=4096)
def _join(base: str, href: str) -> str:
    try:
        return urljoin(base, href)
    except ValueError:  # e.g. a malformed IPv6 host: keep the link as written
        return href


def _owner_table(el: etree._Element) -> etree._Element | None:
    for anc in el.iterancestors("table"):
        return anc
    return None


_LAYOUT_INSIDE = etree.XPath(".//table | .//p | .//div | .//ul | .//ol | .//h1 | .//h2 | .//h3 | .//h4 | .//form")


def _is_layout(table: etree._Element, rows: list) -> bool:
    """Old sites lay pages out with tables: such a table's cells are blocks, not data."""
    if not rows or all(sum(1 for c in r if c.tag in ("td", "th")) <= 1 for r in rows):
        return True
    for node in _LAYOUT_INSIDE(table):
        if node.tag == "table" or len("".join(node.itertext())) > 200:
            return True
    return any(len("".join(c.itertext())) > 600 for r in rows for c in r if isinstance(c.tag, str))


def to_markdown(roots: list[etree._Element], base: str) -> str:
    """Render elements (already cleaned and in document order) as one text."""
    conv = _Converter(base)
    for root in roots:
        conv.node(root, 0, root.tag)
        conv.flush()
    text = "\n\n".join(conv.blocks)
    text = unicodedata.normalize("NFC", text)
    return text + "\n" if text else ""
