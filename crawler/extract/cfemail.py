"""Cloudflare email obfuscation: `data-cfemail` and `/cdn-cgi/l/email-protection#HEX` become addresses."""

from __future__ import annotations

from lxml import etree

__all__ = ["decode_cfemail", "unprotect_emails"]

_PROTECTED = "/cdn-cgi/l/email-protection"
_FIND = etree.XPath("//*[@data-cfemail] | //a[contains(@href, '/cdn-cgi/l/email-protection')]")


def decode_cfemail(hexstr: str) -> str | None:
    """The first byte is the XOR key of the rest; None when it is not a valid encoding."""
    try:
        data = bytes.fromhex(hexstr.strip())
    except ValueError:
        return None
    if len(data) < 2:
        return None
    key = data[0]
    try:
        address = bytes(b ^ key for b in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return address if address.isprintable() else None  # a control character is no address (lxml refuses NUL)


def unprotect_emails(doc: etree._Element) -> None:
    """Rewrite in place: protected elements get their address as text, protected links a mailto: href."""
    for el in _FIND(doc):
        if (hexstr := el.get("data-cfemail")) is not None:
            if (addr := decode_cfemail(hexstr)) is not None:
                for child in list(el):  # "[email protected]" markup is replaced, tails included
                    el.remove(child)
                el.text = addr
                del el.attrib["data-cfemail"]
                if el.tag == "a" and _PROTECTED in el.get("href", ""):
                    el.set("href", "mailto:" + addr)
        href = el.get("href", "")
        if _PROTECTED in href:
            _, _, fragment = href.partition("#")
            addr = decode_cfemail(fragment) if fragment else None
            if addr is not None:
                el.set("href", "mailto:" + addr)
            elif "".join(el.itertext()).strip() and "@" in "".join(el.itertext()):
                el.set("href", "mailto:" + "".join(el.itertext()).strip())
            else:
                del el.attrib["href"]  # undecodable: keep the text, drop the Cloudflare URL
