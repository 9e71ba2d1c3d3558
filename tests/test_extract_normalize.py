"""The Markdown-like normalization: what must and must not change the text (docs/design.md)."""

from __future__ import annotations

import pytest

from crawler.extract import extract

URL = "https://example.com/legal/privacy/"
SENTENCES = ("We collect your name and address when you order. We never sell it to anyone at all. "
             "You can ask us to delete it by writing to our support team.")


def sel(body: str, select: str = "#c") -> str:
    """Selector path on a small page."""
    return extract(f"<html><body><div id='c'>{body}</div><p>outside</p></body></html>", URL, [select])


def test_headings_paragraphs_lists() -> None:
    got = sel("<h1>Privacy  Policy</h1><p>One.</p><p>Two.</p><ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>"
              "<ol><li>x</li><li>y</li></ol><h6>Small</h6>")
    assert got == "# Privacy Policy\n\nOne.\n\nTwo.\n\n- a\n  - b\n- c\n\n1. x\n2. y\n\n###### Small\n"


def test_links_absolute_and_javascript_dropped() -> None:
    got = sel('<p>See <a href="../terms/">terms</a>, <a href="javascript:void(0)">this</a> and '
              '<a href="#top">top</a>.</p>')
    assert got == "See [terms](https://example.com/legal/terms/), this and [top](https://example.com/legal/privacy/#top).\n"


def test_base_href() -> None:
    html = '<html><head><base href="https://cdn.example.org/x/"></head><body><p id=c><a href="y">y</a></p></body></html>'
    assert extract(html, URL, ["#c"]) == "[y](https://cdn.example.org/x/y)\n"


def test_table_rows() -> None:
    got = sel("<table><tr><th>Data</th><th>Purpose</th></tr><tr><td>Email</td><td>Receipts | notices</td></tr></table>")
    assert got == "| Data | Purpose |\n| Email | Receipts \\| notices |\n"


def test_no_emphasis_markers_b_strong_span() -> None:
    a = sel("<p>We <b>never</b> sell <i>your</i> data.</p>")
    b = sel("<p>We <strong>never</strong> sell <em>your</em> data.</p>")
    c = sel("<p>We <span class=bold>never</span> sell <span>your</span> data.</p>")
    assert a == b == c == "We never sell your data.\n"


def test_br_br_p_div_identical() -> None:
    p = sel("<p>First paragraph here.</p><p>Second paragraph here.</p>")
    br = sel("First paragraph here.<br><br>Second paragraph here.")
    br3 = sel("First paragraph here.<br> <br />\n<br>Second paragraph here.")
    div = sel("<div>First paragraph here.</div><div><div>Second paragraph here.</div></div>")
    assert p == br == br3 == div == "First paragraph here.\n\nSecond paragraph here.\n"


def test_single_br_is_a_line_break() -> None:
    assert sel("<p>Line one<br>line two</p>") == "Line one\nline two\n"


def test_whitespace_wrapping_and_entities() -> None:
    one = sel(f"<p>{SENTENCES}</p>")
    wrapped = sel("<p>\n   " + SENTENCES.replace(" ", "\n\t  ", 5).replace("name", "name&nbsp;&#8203;") + "  </p>")
    assert one == wrapped == SENTENCES + "\n"


def test_zero_width_soft_hyphen_nfc() -> None:
    got = sel("<p>Caf\u0065\u0301 pri\u00advacy\u200b\ufeff pol\u200dicy\u00a0\u2009x</p>")
    assert got == "Caf\u00e9 privacy policy x\n"


def test_attributes_scripts_hidden_tokens_irrelevant() -> None:
    plain = sel(f"<p>{SENTENCES}</p>")
    noisy = sel(f'<p class="a b" data-x="1" style="color:red" id="p1">{SENTENCES}</p>'
                '<script>document.write("x")</script><style>p{}</style><noscript>enable js</noscript>'
                '<input type="hidden" name="csrf" value="123"><template><p>t</p></template>'
                '<!-- comment --><svg><text>svg</text></svg>')
    assert noisy == plain


def test_run_in_headings_never_glued() -> None:
    a = sel("<p><strong>Security</strong>We use industry-standard technology.</p>")
    b = sel("<p><b>Security</b><br>We use industry-standard technology.</p>")
    c = sel("<p><b>Security</b> We use industry-standard technology.</p>")
    assert a == b == c == "Security\n\nWe use industry-standard technology.\n"
    mid = sel("<p>Write to us for changes. <strong>Surveys</strong>Any feedback is voluntary.</p>")
    assert mid == "Write to us for changes.\n\nSurveys\n\nAny feedback is voluntary.\n"
    label = sel("<p><strong>Last Revised:</strong>2016.02.15</p>")
    assert label == "Last Revised: 2016.02.15\n"
    inline = sel("<p>We <b>do not</b> sell information.</p>")
    assert inline == "We do not sell information.\n"


def test_cloudflare_email_forms() -> None:
    from policydiff.sites import cf_encode

    for key in (0x00, 0x42, 0xFF):
        h = cf_encode("privacy@example.com", key)
        span = sel(f'<p>Mail <a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="{h}">[email&#160;protected]</a> now.</p>')
        link = sel(f'<p>Mail <a href="/cdn-cgi/l/email-protection#{h}"><span class="__cf_email__" data-cfemail="{h}">[email&#160;protected]</span></a> now.</p>')
        plain = sel('<p>Mail <a href="mailto:privacy@example.com">privacy@example.com</a> now.</p>')
        assert span == link == plain == "Mail privacy@example.com now.\n"
        named = sel(f'<p><a href="/cdn-cgi/l/email-protection#{h}">Write to us</a></p>')
        assert named == "[Write to us](mailto:privacy@example.com)\n"
    broken = sel('<p>Mail <span class="__cf_email__" data-cfemail="zz">[email&#160;protected]</span>.</p>')
    assert broken == "Mail [email protected].\n"


def test_entity_obfuscated_mailto() -> None:
    got = sel('<p><a href="mailto:&amp;#105;&amp;#x6e;fo@example.com">info@example.com</a></p>')
    assert got == "info@example.com\n"


def test_one_trailing_newline_and_empty() -> None:
    assert sel("<p>x</p>\n\n\n").endswith("x\n")
    assert extract("", URL) == ""
    assert extract("   ", URL) == ""


def test_layout_table_cells_are_blocks() -> None:
    html = ("<table><tr><td><a href=/a>Apollo</a><br><a href=/b>Brother</a><br><a href=/c>Canon</a></td>"
            f"<td><table><tr><td><font size=2>{SENTENCES}<br><br>{SENTENCES}</font></td></tr></table></td></tr></table>")
    got = extract(f"<html><body>{html}</body></html>", URL)
    assert got == f"{SENTENCES}\n\n{SENTENCES}\n"


@pytest.mark.parametrize("wrapper", ["<main>{}</main>", "<article>{}</article>", "<div role=main>{}</div>",
                                     "<div class=content>{}</div>"])
def test_generic_drops_semantic_chrome(wrapper: str) -> None:
    policy = f"<h1>Privacy Policy</h1><p>{SENTENCES}</p><ul><li>We do not sell information.</li><li>Ever.</li></ul>"
    html = ("<html><body><header><a href=/>Logo</a><nav><ul><li><a href=/a>Shop</a></li><li><a href=/b>Blog</a>"
            "</li><li><a href=/c>Help</a></li></ul></nav></header>"
            f"{wrapper.format(policy)}<aside><p>Sign up for our newsletter to receive the latest deals and offers.</p>"
            "</aside><footer><p>Copyright © 2024 Example Inc. All rights reserved.</p></footer></body></html>")
    got = extract(html, URL)
    assert got == f"# Privacy Policy\n\n{SENTENCES}\n\n- We do not sell information.\n- Ever.\n"


def test_generic_keeps_title_before_content() -> None:
    html = (f"<html><body><div class=page-title><h1>Privacy Policy</h1></div><div class=text><p>{SENTENCES}</p>"
            f"<p>{SENTENCES}</p></div><div class=footer>© 2020 Example</div></body></html>")
    assert extract(html, URL) == f"# Privacy Policy\n\n{SENTENCES}\n\n{SENTENCES}\n"


def test_generic_title_only_when_just_before() -> None:
    logo = (f"<html><body><div class=top><h1><a href=/>Shop Name</a></h1></div><div class=text><p>{SENTENCES}</p>"
            f"<p>{SENTENCES}</p></div></body></html>")
    assert extract(logo, URL) == f"{SENTENCES}\n\n{SENTENCES}\n"
    far = (f"<html><body><h1>Welcome</h1><div class=promo>{SENTENCES}</div><div class=text><p>{SENTENCES}</p>"
           f"<p>{SENTENCES}</p><p>{SENTENCES}</p><p>{SENTENCES}</p></div></body></html>")
    assert not extract(far, URL).startswith("# Welcome")


def test_generic_keeps_prose_boxes_around_the_content() -> None:
    body = "".join(f"<h2>Section {n}</h2><p>{SENTENCES}</p>" for n in range(12))
    html = ("<html><body><div><div class=meta>Last updated: January 5, 2024</div>"
            "<div><p>This short introduction explains who we are.</p></div>"
            "<ul class=toc><li><a href=#1>Section one</a></li><li><a href=#2>Section two</a></li>"
            "<li><a href=#3>Section three</a></li></ul>"
            f"<div class=body>{body}</div></div>"
            "<div class=footer><a href=/a>About</a> <a href=/b>Jobs</a> © 2024 Example</div></body></html>")
    got = extract(html, URL)
    assert got.startswith("Last updated: January 5, 2024\n\nThis short introduction explains who we are.\n\n## Section 0")
    assert "Section one" not in got and "Jobs" not in got and "2024 Example" not in got
