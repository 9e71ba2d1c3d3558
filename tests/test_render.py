"""reports.render: every rendering escapes policy text; email constraints; partials."""

from __future__ import annotations

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.diff import Diff, diff_texts
from reports.render import (
    EMAIL_MAX_BYTES,
    env,
    render_email_html,
    render_html_inline,
    render_html_side_by_side,
    render_template,
    render_text,
)

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"

OLD = f"""# Terms {SCRIPT}

We collect data. {SCRIPT}

Paragraph that will be removed, with an image {IMG} inside it.

A paragraph that moves {IMG} to the end of the document.

Stable one.

Stable two.

Stable three.

Stable four.
"""

NEW = f"""# Terms {SCRIPT}

We collect more data. {SCRIPT}

Brand new text that mentions {SCRIPT} today.

Stable one.

Stable two.

Stable three.

Stable four.

A paragraph that moves {IMG} to the very end of the document.
"""


def hostile_diff() -> Diff:
    diff = diff_texts(OLD, NEW, context=0)
    kinds = {op.kind for hunk in diff.hunks for op in hunk.ops}
    assert {"replace", "delete", "insert", "move-from", "move-to"} <= kinds
    return diff


def fragment(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


HTML_RENDERINGS = {
    "inline": lambda diff: fragment(render_html_inline(diff)),
    "side_by_side": lambda diff: fragment(render_html_side_by_side(diff)),
    "email": lambda diff: lxml.html.document_fromstring(
        render_email_html(diff, title=f"Policy {SCRIPT}", full_report_url="https://example.org/r?a=1&b=2")
    ),
}


@pytest.mark.parametrize("name", sorted(HTML_RENDERINGS))
def test_html_escapes_policy_text(name: str) -> None:
    root = HTML_RENDERINGS[name](hostile_diff())
    assert root.xpath("//script") == []
    assert root.xpath("//img") == []
    assert not any(key.startswith("on") for element in root.iter() for key in element.attrib)
    text = root.text_content()
    assert SCRIPT in text
    assert IMG in text


def test_text_rendering_keeps_markup_as_text() -> None:
    text = render_text(hostile_diff())
    assert SCRIPT in text and IMG in text
    assert "&lt;" not in text


def test_text_rendering_format() -> None:
    old = "# Cookies\n\nWe use cookies.\n\nOne.\n\nTwo.\n\nThree.\n\nFour.\n"
    new = "# Cookies\n\nWe use many cookies.\n\nOne.\n\nTwo.\n\nThree.\n\nFour.\n\nAdded.\n"
    assert render_text(diff_texts(old, new)) == (
        "@@ § Cookies @@\n"
        "  # Cookies\n"
        "~ We use {+many +}cookies.\n"
        "  One.\n"
        "… 2 unchanged paragraphs …\n"
        "@@ § Cookies @@\n"
        "  Four.\n"
        "+ Added.\n"
    )


def test_empty_diff_renders_no_changes() -> None:
    diff = diff_texts("Same.\n", "Same.\n")
    assert render_text(diff) == "No changes.\n"
    for name, render in HTML_RENDERINGS.items():
        assert "No changes." in render(diff).text_content(), name


def test_web_renderings_mark_changes_without_colour() -> None:
    diff = hostile_diff()
    for render in (render_html_inline, render_html_side_by_side):
        root = fragment(render(diff))
        assert root.xpath("//del") and root.xpath("//ins")
        labels = " ".join(root.xpath("//*[contains(@class, 'pd-label')]//text()"))
        assert "Moved to new ¶8" in labels and "Moved from old ¶4" in labels
        assert "line-through" in "".join(root.xpath("//style//text()"))


def test_collapsed_context_is_labelled() -> None:
    old = "\n\n".join(f"Paragraph {n}." for n in range(20)) + "\n"
    new = old.replace("Paragraph 10.", "Paragraph ten.")
    diff = diff_texts(old, new)
    for html in (render_html_inline(diff), render_html_side_by_side(diff), render_email_html(diff, title="t")):
        assert "… 9 unchanged paragraphs …" in html
        assert "… 8 unchanged paragraphs …" in html
    assert "… 9 unchanged paragraphs …" in render_text(diff)


def test_side_by_side_has_two_columns() -> None:
    root = fragment(render_html_side_by_side(hostile_diff(), style=False))
    assert root.xpath("//style") == []
    for row in root.xpath("//tbody/tr"):
        cells = row.xpath("./td|./th")
        assert len(cells) == 2 or cells[0].get("colspan") == "2"


def test_email_uses_inline_styles_only() -> None:
    html = render_email_html(hostile_diff(), title="Example policy changed")
    root = lxml.html.document_fromstring(html)
    assert root.xpath("//style") == [] and root.xpath("//link") == []
    assert root.xpath("//*[@class]") == []
    for element in root.xpath("//del"):
        assert "line-through" in element.get("style")
    for element in root.xpath("//ins"):
        assert "underline" in element.get("style")
    # Every coloured element sets its own background, so dark-mode recolouring keeps contrast.
    for element in root.xpath("//*[contains(@style, 'color:#')]"):
        style = element.get("style")
        if element.tag in ("del", "ins", "span"):
            assert "background-color" in style


def test_email_of_huge_diff_is_truncated_under_limit() -> None:
    old = "\n\n".join(f"Clause {n}: we may process {SCRIPT} data for purpose {n}." for n in range(3000))
    new = "\n\n".join(f"Clause {n}: we shall process {IMG} records for reason {n * 7}." for n in range(3000))
    diff = diff_texts(old, new)
    html = render_email_html(diff, title="Huge", full_report_url="https://example.org/report/1")
    assert len(html.encode()) < EMAIL_MAX_BYTES
    root = lxml.html.document_fromstring(html)
    text = " ".join(root.text_content().split())
    assert "more changes not shown; see the full report" in text
    (link,) = root.xpath("//a[@href='https://example.org/report/1']")
    assert link.text_content() == "see the full report"
    assert root.xpath("//script") == [] and root.xpath("//img") == []


def test_email_clips_a_giant_paragraph() -> None:
    diff = diff_texts("Short.\n", "x" * 300_000 + "\n")
    html = render_email_html(diff, title="Giant")
    assert len(html.encode()) < EMAIL_MAX_BYTES
    assert "xxxx…" in html


def test_partials_are_includable() -> None:
    diff = hostile_diff()
    page = env.from_string(
        "<html><head>{% include 'diff_style.html' %}</head><body>"
        "{% include 'diff_inline.html' %}{% include 'diff_side_by_side.html' %}"
        "{% include 'diff_email.html' %}</body></html>"
    ).render(diff=diff)
    root = lxml.html.document_fromstring(page)
    assert root.xpath("//script") == [] and SCRIPT in root.text_content()
    assert render_template("diff_inline.html", diff=diff) in page


policy_text = st.lists(
    st.sampled_from(["# Head <b>", "Alpha & beta.", "Alpha & gamma.", "- <i>item</i>", SCRIPT, IMG, "ünï 字"])
    | st.text(max_size=25),
    max_size=10,
).map(lambda parts: "\n\n".join(parts) + "\n")


@settings(max_examples=150, deadline=None)
@given(policy_text, policy_text, st.sampled_from([0, 1, None]))
def test_renderings_never_crash_nor_inject(old: str, new: str, context: int | None) -> None:
    diff = diff_texts(old, new, context=context)
    assert render_text(diff)
    for render in HTML_RENDERINGS.values():
        root = render(diff)
        assert root.xpath("//script") == [] and root.xpath("//img") == []


def test_diff_pieces_per_side() -> None:
    from reports.render import diff_pieces

    diff = hostile_diff()
    by_kind = {op.kind: op for hunk in diff.hunks for op in hunk.ops}
    replace = by_kind["replace"]
    assert {role for role, _ in diff_pieces(replace, "old")} <= {"text", "del"}
    assert {role for role, _ in diff_pieces(replace, "new")} <= {"text", "ins"}
    assert diff_pieces(by_kind["delete"], "new") == [] and diff_pieces(by_kind["insert"], "old") == []
    assert diff_pieces(by_kind["move-from"], "both")[0] == ("label", "Moved to new ¶8")
    assert diff_pieces(by_kind["move-to"], "new")[0] == ("label", "Moved from old ¶4")
