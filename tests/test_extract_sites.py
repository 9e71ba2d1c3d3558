"""The extractor on realistic pages of both tracked retailers (policydiff.sites), every template."""

from __future__ import annotations

import difflib
import re

import pytest

from crawler.extract import decode_html, extract
from policydiff import sites

CASES = [(site, template) for site in sites.SITES for template in sites.TEMPLATES[site]]
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _extract(site: str, **kw) -> str:
    body = sites.render_page(site, **kw)
    return extract(decode_html(body, sites.content_type(kw.get("encoding", "utf-8"))), sites.url(site))


def _plain_lines(text: str) -> list[str]:
    """Output lines without Markdown markers, for comparing with chrome lines."""
    return [re.sub(r"^(#+|-|\d+\.) ", "", _LINK.sub(r"\1", line)).strip() for line in text.splitlines()]


@pytest.mark.parametrize("site,template", CASES)
def test_exact_expected_text(site: str, template: str) -> None:
    got = _extract(site, template=template)
    want = sites.expected_text(site)
    assert got == want, "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(), lineterm=""))


@pytest.mark.parametrize("site,template", CASES)
def test_every_policy_sentence_kept(site: str, template: str) -> None:
    flat = " ".join(_LINK.sub(r"\1", _extract(site, template=template)).split())
    missing = [s for s in sites.policy_sentences(site) if " ".join(s.split()) not in flat]
    assert not missing
    assert len(sites.policy_sentences(site)) > 40


@pytest.mark.parametrize("site,template", CASES)
def test_no_chrome_line_left(site: str, template: str) -> None:
    lines = set(_plain_lines(_extract(site, template=template)))
    assert not lines & set(sites.chrome_lines(site))
    text = _extract(site, template=template)
    for marker in ("800.527.3712", "(800)810-5408", "All Rights Reserved", "All rights reserved", "cookies to give you",
                   "Sign Up", "Brother\n", "form_key", "email-decode", "[email"):
        assert marker not in text


@pytest.mark.parametrize("site", sites.SITES)
def test_templates_give_identical_text(site: str) -> None:
    texts = {_extract(site, template=t) for t in sites.TEMPLATES[site]}
    assert len(texts) == 1


@pytest.mark.parametrize("site,template", CASES)
def test_chrome_edit_changes_nothing(site: str, template: str) -> None:
    assert sites.render_page(site, template=template, chrome_edit=True) != sites.render_page(site, template=template)
    assert _extract(site, template=template, chrome_edit=True) == _extract(site, template=template)


@pytest.mark.parametrize("site,template", CASES)
def test_policy_edit_changes_exactly_that_sentence(site: str, template: str) -> None:
    before = _extract(site, template=template).split("\n\n")
    after = _extract(site, template=template, policy_edit=True, chrome_edit=True).split("\n\n")
    old, new = sites.policy_edit(site)
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and len(changed) == 1
    a, b = changed[0]
    assert old in a and a.replace(old, new) == b
    assert "\n\n".join(after) == sites.expected_text(site, policy_edit=True)


@pytest.mark.parametrize("site,template", CASES)
def test_windows_1252(site: str, template: str) -> None:
    body = sites.render_page(site, template=template, encoding="windows-1252", chrome_edit=True)
    assert "©".encode("cp1252") in body  # really single-byte, not UTF-8 or a character reference
    html = decode_html(body, None)  # from the <meta> alone
    assert "©" in html and "Ã" not in html
    assert extract(html, sites.url(site)) == sites.expected_text(site)
    assert extract(decode_html(body, "text/html; charset=windows-1252"), sites.url(site)) == sites.expected_text(site)


@pytest.mark.parametrize("key", [0x00, 0x01, 0x5A, 0x7F, 0x80, 0xC3, 0xFF])
@pytest.mark.parametrize("template", sites.TEMPLATES["tonerrefillkits"])
def test_cloudflare_emails_any_key(template: str, key: int) -> None:
    body = sites.render_page("tonerrefillkits", template=template, cf_key=key)
    for addr in sites.emails("tonerrefillkits"):
        assert addr.encode() not in body
    assert b"data-cfemail" in body and b"/cdn-cgi/l/email-protection#" in body
    text = _extract("tonerrefillkits", template=template, cf_key=key)
    assert text == sites.expected_text("tonerrefillkits")
    for addr in sites.emails("tonerrefillkits"):
        assert addr in text


@pytest.mark.parametrize("site,template", CASES)
def test_deterministic(site: str, template: str) -> None:
    assert len({_extract(site, template=template) for _ in range(3)}) == 1


@pytest.mark.parametrize("site,template", CASES)
def test_generic_extractor_needs_no_class_names(site: str, template: str) -> None:
    """Without class/id/role/aria hints (a page styled some other way) the text is the same."""
    html = sites.render_page(site, template=template).decode()
    bare = re.sub(r'\s(?:class|id|role|aria-[a-z]+)="[^"]*"', "", html)
    assert "class=" not in bare
    assert extract(bare, sites.url(site)) == sites.expected_text(site)
