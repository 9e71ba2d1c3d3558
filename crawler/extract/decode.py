"""Bytes to text: the charset a browser would pick, without guessing when the page says it."""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_html"]

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
# <meta charset=x> and <meta http-equiv=Content-Type content="text/html; charset=x">, in the prologue only.
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
_PROLOGUE = 4096
# WHATWG: these labels mean windows-1252 in browsers (pages labelled latin-1 routinely use curly quotes).
_ALIASES = {"iso-8859-1": "windows-1252", "latin1": "windows-1252", "latin-1": "windows-1252",
            "us-ascii": "windows-1252", "ascii": "windows-1252", "iso8859-1": "windows-1252",
            "l1": "windows-1252", "cp819": "windows-1252", "x-user-defined": "windows-1252"}


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    # Python also registers codecs that are not text encodings (rot13, base64, zlib): a page naming one is
    # mislabelled, as with a name nobody knows.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a page: BOM, then the Content-Type charset, then <meta>, then UTF-8, then sniffing."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace")
    declared = []
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        declared.append(_codec(m.group(1)))
    if m := _META_CHARSET.search(body[:_PROLOGUE]):
        declared.append(_codec(m.group(1).decode("ascii", "replace")))
    for name in [*declared, "utf-8"]:
        if name is None or name.startswith("utf-16"):  # a <meta> saying utf-16 in an ASCII prologue is a lie
            continue
        try:
            return body.decode(name)
        except UnicodeError:  # undecodable, or a codec that cannot decode at all ("undefined", punycode)
            continue
    # Only here (no usable declaration, not UTF-8): the slow sniffer.
    from bs4.dammit import UnicodeDammit

    guess = UnicodeDammit(body, ["windows-1252"], is_html=True)
    if guess.unicode_markup is not None:
        return guess.unicode_markup
    return body.decode("utf-8", errors="replace")
