"""Hostile input never crashes the extractor (only Rejected may escape) and output stays deterministic."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import Rejected, decode_html, extract

URL = "https://example.com/privacy"
TAGS = ["div", "p", "b", "strong", "a", "ul", "ol", "li", "table", "tr", "td", "br", "h1", "h3", "span", "nav",
        "footer", "script", "style", "pre", "font", "form", "main", "article", "details", "summary", "svg"]
ATTRS = ['', ' href="javascript:x"', ' href="/cdn-cgi/l/email-protection#zz"', ' data-cfemail="5a3b"',
         ' hidden', ' style="display:none"', ' class="nav footer"', ' href="mailto:&amp;#1;"', ' href="http://[::1"',
         ' role="main"', ' aria-hidden="true"', ' colspan="999999999999"', ' start="-3"']
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@st.composite
def soup(draw) -> str:
    """Tag soup: random open/close tags, attributes, entities, control characters, text."""
    parts = []
    for _ in range(draw(st.integers(0, 60))):
        kind = draw(st.integers(0, 4))
        tag = draw(st.sampled_from(TAGS))
        if kind == 0:
            parts.append(f"<{tag}{draw(st.sampled_from(ATTRS))}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(["&nbsp;", "&#0;", "&#xD800;", "&bogus;", "\x00", "\x01\x02\x03",
                                               "\u200b", "<!--", "]]>", "<![CDATA[", "<?xml?>", "<br><br>"])))
        else:
            parts.append(draw(TEXT))
    return "".join(parts)


def run(html: str, select=()) -> str | None:
    try:
        return extract(html, URL, select)
    except Rejected:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(soup())
def test_tag_soup_never_crashes_and_is_deterministic(html: str) -> None:
    first = run(html)
    assert first is not None and (first == "" or first.endswith("\n") and not first.endswith("\n\n"))
    assert run(html) == first
    assert run(html, ["div"]) == run(html, ["div"])
    assert run(html, [{"startBefore": "p", "endAfter": "li"}]) == run(html, [{"startBefore": "p", "endAfter": "li"}])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_including_surrogates_and_nul(text: str) -> None:
    out = run(text)
    assert out == run(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([None, "text/html", "text/html; charset=utf-8",
                                                  "text/html; charset=utf-16", "text/html; charset=nope"]))
def test_any_bytes_decode_and_extract(body: bytes, content_type: str | None) -> None:
    html = decode_html(body, content_type)
    assert isinstance(html, str)
    assert run(html) == run(html)


def test_deep_nesting() -> None:
    for tag in ("div", "b", "ul", "table", "a", "font", "li"):
        html = f"<{tag}>" * 5000 + "We keep this sentence in the deep end of the page." + f"</{tag}>" * 5000
        out = run(html)
        assert out == run(html)
        assert "We keep this sentence" in out


def test_huge_attributes_and_text() -> None:
    big = "x" * 2_000_000
    html = f'<div class="{big}" data-x="{big}"><p title="{big}">Short policy sentence stays here today.</p></div>'
    assert "Short policy sentence" in run(html)
    words = "word " * 200_000
    assert run(f"<p>{words}</p>").count("word") == 200_000


def test_broken_encodings() -> None:
    for body in (b"<p>caf\xe9 \x93quoted\x94</p>", b"\xef\xbb\xbf<p>\xff\xfe broken</p>", b"<p>\xc3\x28</p>" * 100):
        html = decode_html(body, "text/html; charset=utf-8")
        assert run(html) == run(html)


def test_control_characters_written_as_references_are_dropped_like_the_raw_ones() -> None:
    """&#1; after a dropped element made lxml refuse the merged text (ValueError); &#1;-&#3; also acted
    as the normalizer's own line-break and bold markers. Any other reference stays what it means."""
    assert run("<p>Text.<span hidden></span>&#1;</p>") == "Text.\n"
    assert extract("<p>x<a>y</a>&#x1b;</p>", URL, remove=["a"]) == "x\n"
    assert run("<p>A&#1;B&#2;C&#x3;D&#127;E&#x1F;F</p>") == "ABCDEF\n"
    assert run("<p>It&#39;s &#12345; and &#x1F600; and&#10;more</p>") == "It's \u3039 and \U0001F600 and more\n"


def test_a_charset_that_is_not_a_text_encoding_is_a_mislabelled_page() -> None:
    """Python also knows rot13, base64, zlib, "undefined": a page naming one decodes as if it named none."""
    for body, content_type in ((b'<meta charset="rot13"><p>caf\xc3\xa9</p>', None),
                               (b"<p>caf\xc3\xa9</p>", "text/html; charset=base64"),
                               (b'<meta charset="undefined"><p>caf\xc3\xa9</p>', None),
                               (b'<meta charset="zlib"><p>caf\xc3\xa9</p>', "text/html; charset=punycode")):
        assert "café" in decode_html(body, content_type)


def test_thousands_of_dropped_siblings_keep_the_text_between_them_in_order() -> None:
    """Hidden or removed elements between words: each parent's text is rebuilt once, in order."""
    words = [f"w{n}" for n in range(3000)]
    hidden = "<p>" + "".join(f"<i hidden>gone</i> {w}" for w in words) + "</p>"
    assert run(hidden).split() == words
    removed = "<p>" + "".join(f"{w} <b>gone</b>" for w in words) + "</p>"
    assert extract(removed, URL, remove=["b"]).split() == words
