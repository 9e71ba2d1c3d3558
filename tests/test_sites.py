"""The sample sites themselves: API, variants and the facts tests rely on."""

from __future__ import annotations

import pytest

from policydiff import sites
from crawler.extract.cfemail import decode_cfemail


def test_api_shape() -> None:
    assert sites.SITES == ("tonerrefillkits", "megatoners")
    assert sites.url("tonerrefillkits") == "https://tonerrefillkits.com/privacy/"
    assert sites.url("megatoners") == "http://www.megatoners.com/privacypolicy.html"
    for site in sites.SITES:
        assert len(sites.TEMPLATES[site]) >= 2
    with pytest.raises(ValueError):
        sites.render_page("nope")
    with pytest.raises(ValueError):
        sites.render_page("megatoners", template="nope")


@pytest.mark.parametrize("site", sites.SITES)
def test_pages_differ_between_templates_and_carry_chrome(site: str) -> None:
    pages = [sites.render_page(site, template=t) for t in sites.TEMPLATES[site]]
    assert len(set(pages)) == len(pages)
    assert all(30_000 > len(page) > 8_000 for page in pages)
    every = "".join(page.decode() for page in pages)
    for line in sites.chrome_lines(site):  # each chrome line is printed by some template
        assert line.replace("&", "&amp;") in every, line


def test_capture_facts() -> None:
    trk = sites.expected_text("tonerrefillkits")
    assert "Effective Date: 1999.07.15\nLast Revised: 2016.02.15" in trk
    assert "identifyable" in trk and "clearning" in trk  # the capture's typos stay
    assert "\n\nHow We Notify You of Changes to Our Policy\n\nIf we decide" in trk
    mt = sites.expected_text("megatoners")
    assert "\n\nPrivacy Policy Changes\n\nIf we decide to change our privacy policy" in mt
    assert "seven (7) days" in mt and "For you protection" in mt
    assert "(800)810-5408" in sites.chrome_lines("megatoners")


@pytest.mark.parametrize("site", sites.SITES)
def test_policy_edit(site: str) -> None:
    old, new = sites.policy_edit(site)
    assert old in sites.expected_text(site) and new not in sites.expected_text(site)
    assert new in sites.expected_text(site, policy_edit=True)
    assert new.encode() in sites.render_page(site, policy_edit=True).replace(b"\n        ", b" ")


def test_cf_encode_roundtrip() -> None:
    for key in (0, 0x5A, 0xFF):
        assert decode_cfemail(sites.cf_encode("privacy@tonerrefillkits.com", key)) == "privacy@tonerrefillkits.com"
    assert sites.cf_encode("a@b", 0x5A).startswith("5a")


@pytest.mark.parametrize("site", sites.SITES)
def test_encodings(site: str) -> None:
    utf8 = sites.render_page(site, chrome_edit=True)
    cp = sites.render_page(site, chrome_edit=True, encoding="windows-1252")
    assert b"charset=windows-1252" in cp.replace(b'"', b"") and b"charset=utf-8" in utf8.replace(b'"', b"")
    assert cp.decode("cp1252") == utf8.decode("utf-8").replace("utf-8", "windows-1252")
    assert sites.content_type("windows-1252") == "text/html; charset=windows-1252"
