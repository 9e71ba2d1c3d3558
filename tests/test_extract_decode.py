"""decode_html: header, BOM, <meta>, UTF-8, then sniffing."""

from __future__ import annotations

import codecs

from crawler.extract import decode_html, extract

TEXT = "Caf\u00e9 \u201cquoted\u201d \u2014 \u00a9 2020 \u2019s"


def page(charset_meta: str = "") -> str:
    return f"<html><head>{charset_meta}</head><body><p>{TEXT}</p></body></html>"


def test_header_wins_over_meta() -> None:
    body = page('<meta charset="utf-8">').encode("cp1252")
    assert TEXT in decode_html(body, "text/html; charset=windows-1252")


def test_meta_charset_and_http_equiv() -> None:
    assert TEXT in decode_html(page('<meta charset="windows-1252">').encode("cp1252"))
    assert TEXT in decode_html(page('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">').encode("cp1252"))


def test_latin1_label_means_windows_1252() -> None:
    body = page('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">').encode("cp1252")
    assert TEXT in decode_html(body)
    assert TEXT in decode_html(body, "text/html; charset=ISO-8859-1")


def test_bom() -> None:
    assert TEXT in decode_html(codecs.BOM_UTF8 + page().encode())
    assert TEXT in decode_html(codecs.BOM_UTF16_LE + page().encode("utf-16-le"), "text/html; charset=windows-1252")


def test_utf8_without_declaration() -> None:
    assert TEXT in decode_html(page().encode())


def test_undeclared_windows_1252_is_sniffed() -> None:
    assert TEXT in decode_html(page().encode("cp1252"))


def test_wrong_declaration_falls_back() -> None:
    body = page('<meta charset="utf-8">').encode("cp1252")  # lies: not UTF-8
    assert TEXT in decode_html(body)
    assert "\u00e9" in decode_html(body, "text/html; charset=bogus-charset")


def test_never_raises_on_junk() -> None:
    for body in (b"", b"\xff\xfe\xfd", bytes(range(256)), b"<meta charset=utf-16>\xff\xfe"):
        assert isinstance(decode_html(body, "text/html; charset=utf-8"), str)
        assert isinstance(decode_html(body), str)


def test_decoded_pages_extract_identically() -> None:
    utf8 = decode_html(page('<meta charset="utf-8">').encode())
    cp = decode_html(page('<meta charset="windows-1252">').encode("cp1252"))
    assert extract(utf8, "https://x/", ["p"]) == extract(cp, "https://x/", ["p"]) == TEXT.replace("\u00a0", " ") + "\n"
