"""select/remove with Open Terms Archive semantics, ranges, failures, and selector validation."""

from __future__ import annotations

import pytest

from crawler.extract import Rejected, check_selectors, extract

URL = "https://example.com/privacy"
PAGE = """<html><body>
<nav><a href=/>Home</a></nav>
<div id="intro"><h1>Privacy</h1><p>Intro text.</p></div>
<div class="ad">Buy now!</div>
<section id="main"><h2>Data</h2><p>We collect data.</p><details><summary>More</summary>Hidden detail.</details>
<p class="note">A note.</p><h2 id="end">Contact</h2><p>Write to us.</p></section>
<footer><p>Footer text.</p></footer>
</body></html>"""


def test_css_select_and_remove() -> None:
    assert extract(PAGE, URL, ["#main"], ["details", ".note"]) == "## Data\n\nWe collect data.\n\n## Contact\n\nWrite to us.\n"


def test_several_selects_joined_in_document_order() -> None:
    got = extract(PAGE, URL, ["#main", "#intro"])
    assert got.startswith("# Privacy\n\nIntro text.\n\n## Data")
    assert "Buy now" not in got and "Footer" not in got


def test_select_string_or_list_and_nested_matches_once() -> None:
    assert extract(PAGE, URL, "#intro") == extract(PAGE, URL, ["#intro"]) == "# Privacy\n\nIntro text.\n"
    assert extract(PAGE, URL, ["#intro", "#intro p"]) == "# Privacy\n\nIntro text.\n"


def test_remove_applies_before_select() -> None:
    # Removing the element a select needs makes the select fail: remove really runs first.
    with pytest.raises(Rejected) as err:
        extract(PAGE, URL, ["#main"], ["section"])
    assert err.value.reason == "structure-changed" and "#main" in err.value.message


def test_select_matching_nothing_is_rejected() -> None:
    with pytest.raises(Rejected) as err:
        extract(PAGE, URL, ["#intro", "#missing"])
    assert err.value.reason == "structure-changed"
    assert "#missing" in err.value.message and "update the policy's selectors in policies.toml" in err.value.message


@pytest.mark.parametrize(
    "rng,want",
    [
        ({"startBefore": "#main h2", "endBefore": "#end"}, "## Data\n\nWe collect data.\n\nMore\n\nHidden detail.\n\nA note.\n"),
        ({"startAfter": "#main h2", "endBefore": "#end"}, "We collect data.\n\nMore\n\nHidden detail.\n\nA note.\n"),
        ({"startAfter": ".note", "endAfter": "#end"}, "## Contact\n"),
        ({"startBefore": "#end", "endAfter": "#main"}, "## Contact\n\nWrite to us.\n"),
    ],
)
def test_ranges(rng: dict, want: str) -> None:
    assert extract(PAGE, URL, [rng]) == want


def test_range_text_right_after_start_is_kept() -> None:
    html = "<html><body><div><span id=s>S</span> tail text <b>bold</b> more <i id=e>E</i> after</div></body></html>"
    assert extract(html, URL, [{"startAfter": "#s", "endBefore": "#e"}]) == "tail text bold more\n"
    assert extract(html, URL, [{"startBefore": "#s", "endAfter": "#e"}]) == "S tail text bold more E\n"


def test_range_in_remove() -> None:
    got = extract(PAGE, URL, ["#main"], [{"startBefore": "details", "endBefore": "#end"}])
    assert got == "## Data\n\nWe collect data.\n\n## Contact\n\nWrite to us.\n"


def test_range_with_css_select_in_document_order() -> None:
    got = extract(PAGE, URL, [{"startBefore": "#end", "endAfter": "#main"}, "#intro"])
    assert got == "# Privacy\n\nIntro text.\n\n## Contact\n\nWrite to us.\n"


@pytest.mark.parametrize("rng", [{"startBefore": "#nope", "endBefore": "#end"}, {"startBefore": "h1", "endAfter": "#nope"}])
def test_range_boundary_missing_is_rejected(rng: dict) -> None:
    with pytest.raises(Rejected) as err:
        extract(PAGE, URL, [rng])
    assert err.value.reason == "structure-changed" and "#nope" in err.value.message


@pytest.mark.parametrize(
    "select,remove,named",
    [
        (["div[["], (), "div[["),
        ([], ["p:nth-child(x)"], "p:nth-child(x)"),
        ([{"startBefore": "h1", "endBefore": "h2", "endAfter": "h3"}], (), "endAfter"),
        ([{"startBefore": "h1", "end": "h2"}], (), "end"),
        ([{"startBefore": "h1", "endBefore": "h2", "colour": "red"}], (), "colour"),
        ([{"startBefore": "h1"}], (), "startBefore"),
        ([{"startBefore": "h1", "endBefore": ">>"}], (), ">>"),
        ([42], (), "42"),
        ([""], (), "empty"),
    ],
)
def test_check_selectors_names_the_bad_one(select, remove, named: str) -> None:
    with pytest.raises(ValueError) as err:
        check_selectors(select, remove)
    assert named in str(err.value)
    with pytest.raises(ValueError):
        extract(PAGE, URL, select, remove)


def test_check_selectors_accepts_valid() -> None:
    check_selectors(["main", "#a > p:not(.x)", {"startBefore": "h1", "endBefore": "#toc-heading"}], ["details", "[aria-hidden]"])
    check_selectors()


def test_selector_path_keeps_what_the_generic_path_would_drop() -> None:
    # Declared selectors are trusted: a nav inside the selection is the user's choice.
    html = "<html><body><div id=c><nav><a href=/a>A</a></nav><p>Text.</p></div></body></html>"
    assert extract(html, URL, ["#c"]) == "[A](https://example.com/a)\n\nText.\n"
