"""Block model of a policy, its HTML renderings (markup variants) and the text extraction must give."""

from __future__ import annotations

import html
import textwrap
import unicodedata
from dataclasses import dataclass, replace
from typing import Union

__all__ = ["B", "BR", "Email", "H", "P", "UL", "Style", "cf_encode", "render_blocks", "expected_text",
           "edit_blocks"]


@dataclass(frozen=True)
class B:
    """A bold run: a run-in heading ("Security" + text) or a label ending in ':'."""

    text: str


@dataclass(frozen=True)
class Email:
    """An address; the sites behind Cloudflare obfuscate it."""

    addr: str


class _LineBreak:
    def __repr__(self) -> str:
        return "BR"


BR = _LineBreak()
Inline = Union[str, B, Email, _LineBreak]


@dataclass(frozen=True)
class H:
    level: int
    text: str


@dataclass(frozen=True)
class P:
    parts: tuple[Inline, ...]

    def __init__(self, *parts: Inline) -> None:
        object.__setattr__(self, "parts", parts)


@dataclass(frozen=True)
class UL:
    items: tuple[str, ...]

    def __init__(self, *items: str) -> None:
        object.__setattr__(self, "items", items)


Block = Union[H, P, UL]


@dataclass(frozen=True)
class Style:
    """How a template writes the policy markup; none of it may change the extracted text."""

    bold: str = "strong"          # "strong" or "b"
    paragraphs: str = "p"         # "p", "br" (text runs separated by <br><br>) or "div"
    cloudflare: bool = False      # obfuscate addresses as Cloudflare does
    cf_key: int = 0x5A
    wrap: int = 0                 # hard-wrap text at this width (0: one line per block)
    attrs: str = ""               # extra attributes on blocks (classes, data-*, inline styles)
    heading_font: bool = False    # old-style <font size> inside bold run-in headings


def cf_encode(addr: str, key: int) -> str:
    """Cloudflare's data-cfemail encoding: key byte, then each byte of the address XOR key."""
    return "".join(f"{b:02x}" for b in bytes([key]) + bytes(c ^ key for c in addr.encode()))


def _text(s: str, style: Style, indent: str) -> str:
    escaped = html.escape(s, quote=False).replace("\xa0", "&nbsp;")
    if not style.wrap or len(escaped) <= style.wrap:
        return escaped
    lead = " " if escaped[:1].isspace() else ""
    trail = " " if escaped[-1:].isspace() else ""
    lines = textwrap.wrap(escaped, style.wrap, break_long_words=False, break_on_hyphens=False)
    return lead + ("\n" + indent).join(lines) + trail


def _email(addr: str, style: Style, n: int) -> str:
    if not style.cloudflare:
        return f'<a href="mailto:{addr}">{addr}</a>'
    hexed = cf_encode(addr, style.cf_key)
    # Cloudflare rewrites both shapes; alternate them so pages carry each.
    if n % 2 == 0:
        return (f'<a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
                f'data-cfemail="{hexed}">[email&#160;protected]</a>')
    return (f'<a href="/cdn-cgi/l/email-protection#{hexed}"><span class="__cf_email__" '
            f'data-cfemail="{hexed}">[email&#160;protected]</span></a>')


def _bold(text: str, style: Style) -> str:
    inner = html.escape(text, quote=False)
    if style.heading_font:
        inner = f'<font size="3" color="#003366">{inner}</font>'
    return f"<{style.bold}>{inner}</{style.bold}>"


def _inline(parts: tuple[Inline, ...], style: Style, indent: str, counter: list[int]) -> str:
    out = []
    for part in parts:
        if isinstance(part, B):
            out.append(_bold(part.text, style))
        elif isinstance(part, Email):
            out.append(_email(part.addr, style, counter[0]))
            counter[0] += 1
        elif part is BR:
            out.append("<br>\n" + indent)
        else:
            out.append(_text(part, style, indent))
    return "".join(out)


def render_blocks(blocks: tuple[Block, ...], style: Style, indent: str = "") -> str:
    """The policy's HTML in the given markup style."""
    attrs = f" {style.attrs}" if style.attrs else ""
    counter = [0]
    out: list[str] = []
    run: list[str] = []  # <br><br>-separated paragraphs waiting for their container

    def close_run() -> None:
        if run:
            joined = f"\n{indent}<br><br>\n{indent}".join(run)
            out.append(f"{indent}<div{attrs}>\n{indent}{joined}\n{indent}</div>")
            run.clear()

    for block in blocks:
        if isinstance(block, P):
            body = _inline(block.parts, style, indent + "  ", counter)
            if style.paragraphs == "br":
                run.append(body)
                continue
            tag = "div" if style.paragraphs == "div" else "p"
            out.append(f"{indent}<{tag}{attrs}>{body}</{tag}>")
            continue
        close_run()
        if isinstance(block, H):
            out.append(f"{indent}<h{block.level}{attrs}>{html.escape(block.text)}</h{block.level}>")
        else:
            items = "".join(f"\n{indent}  <li>{_text(i, style, indent + '    ')}</li>" for i in block.items)
            out.append(f"{indent}<ul{attrs}>{items}\n{indent}</ul>")
    close_run()
    return "\n".join(out)




def _ws(s: str) -> str:
    return " ".join(s.replace("\xa0", " ").split())


def _paragraph_text(parts: tuple[Inline, ...]) -> list[str]:
    """What the extractor must make of a paragraph: run-in headings become their own paragraphs."""
    pars: list[str] = []
    lines: list[str] = []
    cur = ""
    for part in parts:
        if isinstance(part, B) and not part.text.endswith(":"):
            if _ws(cur):
                lines.append(_ws(cur))
            if lines:
                pars.append("\n".join(lines))
            pars.append(_ws(part.text))
            lines, cur = [], ""
        elif isinstance(part, B):
            cur += part.text + " "
        elif isinstance(part, Email):
            cur += part.addr
        elif part is BR:
            lines.append(_ws(cur))
            cur = ""
        else:
            cur += part
    if _ws(cur):
        lines.append(_ws(cur))
    if lines:
        pars.append("\n".join(lines))
    return pars


def expected_text(blocks: tuple[Block, ...]) -> str:
    """The exact normalized text (docs/design.md) of the blocks."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, H):
            out.append("#" * block.level + " " + _ws(block.text))
        elif isinstance(block, P):
            out += _paragraph_text(block.parts)
        else:
            out.append("\n".join("- " + _ws(i) for i in block.items))
    return unicodedata.normalize("NFC", "\n\n".join(out)) + "\n"


def edit_blocks(blocks: tuple[Block, ...], old: str, new: str) -> tuple[Block, ...]:
    """The blocks with one sentence replaced (it must occur exactly once)."""
    hits = 0

    def sub(s: str) -> str:
        nonlocal hits
        hits += s.count(old)
        return s.replace(old, new)

    edited: list[Block] = []
    for block in blocks:
        if isinstance(block, P):
            edited.append(P(*(sub(p) if isinstance(p, str) else p for p in block.parts)))
        elif isinstance(block, UL):
            edited.append(UL(*(sub(i) for i in block.items)))
        else:
            edited.append(replace(block, text=sub(block.text)))
    if hits != 1:
        raise ValueError(f"edit {old!r} matched {hits} times")
    return tuple(edited)
