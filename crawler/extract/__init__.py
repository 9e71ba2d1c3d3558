"""Policy extraction: raw page -> normalized Markdown-like text (contract: docs/design.md).

Hot path: lxml only (no BeautifulSoup), CSS selectors compiled to XPath once per selector.
"""

from __future__ import annotations

from typing import Iterable
from urllib.parse import urljoin

from lxml import etree

from .cfemail import unprotect_emails
from .decode import decode_html
from .dom import drop_hidden, parse, strip_non_content
from .errors import Rejected
from .generic import content_roots
from .markdown import to_markdown
from .selectors import apply_remove, apply_select, as_list, check_selectors

__all__ = ["EXTRACTOR_VERSION", "Rejected", "check_selectors", "decode_html", "extract"]

EXTRACTOR_VERSION = "1"

_BASE_HREF = etree.XPath("string((/html/head/base/@href)[1])")


def extract(html: str, url: str, select: Iterable = (), remove: Iterable = ()) -> str:
    """The policy text of a page; without `select`, the generic extractor finds it.

    Raises Rejected("structure-changed", ...) when a selector matches nothing, ValueError for an
    invalid selector. An empty page gives "".
    """
    select, remove = as_list(select), as_list(remove)
    check_selectors(select, remove)
    doc = parse(html)
    if doc is None:
        if select:
            raise Rejected("structure-changed", "The page is empty, so the select selectors matched nothing.")
        return ""
    base = _base_url(doc, url)
    apply_remove(doc, remove)  # before anything else, as Open Terms Archive does
    strip_non_content(doc)
    if "email-protection" in html or "data-cfemail" in html:  # a substring scan is far cheaper than XPath
        unprotect_emails(doc)
    if select:
        roots = apply_select(doc, select)
    else:
        drop_hidden(doc)
        roots = content_roots(doc)
    return to_markdown(roots, base)


def _base_url(doc: etree._Element, url: str) -> str:
    """Links resolve against <base href> when the page sets one."""
    base = _BASE_HREF(doc).strip()
    try:
        return urljoin(url, base) if base else url
    except ValueError:
        return url
