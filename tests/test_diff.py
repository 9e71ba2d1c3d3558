"""reports.diff: alignment, word diff, moves, context, headings, invariants."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reports.diff
from reports.diff import NEW_SIDE, OLD_SIDE, Diff, diff_texts, split_blocks, word_diff

BASE = """# Introduction

We respect your privacy.

This policy explains what we collect.

# Data we collect

We collect your name and email address.

- Contact details
- Payment information

We keep logs for security purposes.

# Sharing

We share data with service providers.

We never sell your personal information.

# Contact

Write to privacy@example.com.
"""


def ops(diff: Diff) -> list:
    return [op for hunk in diff.hunks for op in hunk.ops]


def changes(diff: Diff) -> list:
    return [op for op in ops(diff) if op.kind != "equal"]


def reconstruct(diff: Diff) -> tuple[list[str], list[str]]:
    old = [op.old_block for op in ops(diff) if op.kind in OLD_SIDE]
    new = [op.new_block for op in ops(diff) if op.kind in NEW_SIDE]
    return old, new


def test_split_blocks_headings_paragraphs_and_list_items() -> None:
    assert split_blocks("# A\n\npara one\ncontinued\n\n- x\n- y\n  wrapped\n\n| a | b |\n| c | d |\n") == [
        "# A",
        "para one\ncontinued",
        "- x",
        "- y\nwrapped",
        "| a | b |",
        "| c | d |",
    ]


def test_identical_texts_give_an_empty_diff() -> None:
    diff = diff_texts(BASE, BASE)
    assert not diff.changed
    assert diff.hunks == ()
    assert diff.skipped_after == len(split_blocks(BASE))
    assert diff.stats.paragraphs_added == diff.stats.words_added == 0


def test_empty_old_text_is_all_insertions() -> None:
    diff = diff_texts("", BASE, context=None)
    assert {op.kind for op in ops(diff)} == {"insert"}
    assert diff.stats.paragraphs_added == len(split_blocks(BASE))
    assert reconstruct(diff) == ([], split_blocks(BASE))


def test_sentence_edit_is_a_replace_with_word_highlights() -> None:
    new = BASE.replace("We collect your name and email address.", "We collect your name, email address and location.")
    diff = diff_texts(BASE, new)
    (op,) = changes(diff)
    assert op.kind == "replace"
    assert ("delete", " and") in op.words or any(t == "insert" and "location" in s for t, s in op.words)
    assert "".join(s for t, s in op.words if t != "insert") == op.old_block
    assert "".join(s for t, s in op.words if t != "delete") == op.new_block
    assert diff.stats.paragraphs_changed == 1
    assert diff.stats.words_added >= 1


def test_alignment_keeps_unrelated_paragraphs_equal() -> None:
    new = BASE.replace("We keep logs for security purposes.\n\n", "")
    new = new.replace("# Contact", "We added a brand new paragraph about cookies.\n\n# Contact")
    diff = diff_texts(BASE, new)
    kinds = [(op.kind, op.old_block or op.new_block) for op in changes(diff)]
    assert kinds == [
        ("delete", "We keep logs for security purposes."),
        ("insert", "We added a brand new paragraph about cookies."),
    ]


def test_moved_paragraph_is_reported_as_moved() -> None:
    moved = "We never sell your personal information."
    new = BASE.replace(moved + "\n\n", "").replace("We respect your privacy.", "We respect your privacy.\n\n" + moved)
    diff = diff_texts(BASE, new)
    kinds = sorted(op.kind for op in changes(diff))
    assert kinds == ["move-from", "move-to"]
    source, target = sorted(changes(diff), key=lambda op: op.kind)
    assert source.move_id == target.move_id is not None
    assert target.words == ()  # identical text: nothing highlighted inside
    assert diff.stats.paragraphs_moved == 1
    assert diff.stats.paragraphs_added == diff.stats.paragraphs_removed == 0


def test_near_identical_move_carries_word_diff() -> None:
    moved = "We never sell your personal information."
    touched = "We never sell your personal information to anyone."
    new = BASE.replace(moved + "\n\n", "").replace("We respect your privacy.", "We respect your privacy.\n\n" + touched)
    (target,) = [op for op in changes(diff_texts(BASE, new)) if op.kind == "move-to"]
    assert target.old_block == moved and target.new_block == touched
    assert ("insert", " to anyone") in target.words


def test_context_collapsing_and_section_headings() -> None:
    paragraphs = [f"Paragraph number {n} about topic {n}." for n in range(30)]
    old = "# First\n\n" + "\n\n".join(paragraphs[:15]) + "\n\n# Second\n\n" + "\n\n".join(paragraphs[15:]) + "\n"
    new = old.replace("Paragraph number 2 about", "Paragraph number 2 concerning").replace(
        "Paragraph number 25 about", "Paragraph number 25 concerning"
    )
    diff = diff_texts(old, new, context=1)
    assert [hunk.heading for hunk in diff.hunks] == ["First", "Second"]
    assert [len(hunk.ops) for hunk in diff.hunks] == [3, 3]
    # 32 blocks: paragraph n is block n + 1 before "# Second" (block 16), n + 2 after.
    first, second = diff.hunks
    assert first.skipped_before == 2  # "# First", paragraph 0
    assert second.skipped_before == 26 - 5  # blocks 5..25
    assert diff.skipped_after == 32 - 29


def test_deleted_section_uses_old_heading() -> None:
    old = "# Kept\n\nAlpha.\n\n# Removed\n\nBeta paragraph gone.\n"
    new = "# Kept\n\nAlpha.\n"
    diff = diff_texts(old, new, context=0)
    assert [op.kind for op in ops(diff)] == ["delete", "delete"]
    assert diff.hunks[0].heading == "Kept"


def test_heading_of_insertion_comes_from_new_text() -> None:
    old = "# Old name\n\nText.\n"
    new = "# New name\n\nText.\n\nAdded paragraph at the end.\n"
    diff = diff_texts(old, new, context=0)
    assert diff.hunks[-1].heading == "New name"


def test_unicode_word_diff() -> None:
    old = "Nous collectons vos données personnelles. 我们收集您的数据。"
    new = "Nous collectons vos données sensibles. 我们保护您的数据。"
    words = word_diff(old, new)
    assert ("delete", "personnelles") in words and ("insert", "sensibles") in words
    assert ("delete", "收集") in words and ("insert", "保护") in words


@pytest.mark.parametrize("size", [400, 2000])  # below and above INDEX_MAX_BLOCKS
def test_full_rewrite_is_consistent(size: int) -> None:
    old = "\n\n".join(f"Old clause {n} with wording alpha{n}." for n in range(size))
    new = "\n\n".join(f"Entirely different {n} beta{n} text here." for n in range(size))
    # Two surviving clauses, swapped: one aligns, the other is an exact move.
    new = "Old clause 300 with wording alpha300.\n\n" + new + "\n\nOld clause 7 with wording alpha7."
    diff = diff_texts(old, new, context=None)
    assert reconstruct(diff) == (split_blocks(old), split_blocks(new))
    assert diff.stats.paragraphs_moved == 1
    assert [op.kind for op in ops(diff)].count("equal") == 1


def test_repeated_blocks_still_align() -> None:
    old = "\n\n".join(["- Yes"] * 100 + ["Unique tail."])
    new = "\n\n".join(["- Yes"] * 100 + ["Unique tail changed."])
    diff = diff_texts(old, new)
    assert [op.kind for op in changes(diff)] == ["replace"]


blocks = st.lists(
    st.sampled_from(["# Title", "# Other", "Alpha beta gamma.", "Alpha beta delta.", "- item", "Zeta <b>eta</b>.", "ünï cødé 字"])
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    max_size=12,
)


def as_text(parts: list[str]) -> str:
    return "\n\n".join(parts) + "\n"


@settings(max_examples=300, deadline=None)
@given(blocks, blocks)
def test_ops_reconstruct_both_texts(old_parts: list[str], new_parts: list[str]) -> None:
    old, new = as_text(old_parts), as_text(new_parts)
    diff = diff_texts(old, new, context=None)
    if diff.changed:
        assert reconstruct(diff) == (split_blocks(old), split_blocks(new))
    else:  # no hunks at all
        assert split_blocks(old) == split_blocks(new) and diff.skipped_after == len(split_blocks(old))
    for op in ops(diff):
        if op.words:
            assert "".join(s for t, s in op.words if t != "insert") == op.old_block
            assert "".join(s for t, s in op.words if t != "delete") == op.new_block
        if op.kind == "equal":
            assert op.old_block == op.new_block
    collapsed = diff_texts(old, new, context=1)
    shown_old = sum(op.kind in OLD_SIDE for op in ops(collapsed))
    skipped = sum(h.skipped_before for h in collapsed.hunks) + collapsed.skipped_after
    assert shown_old + skipped == len(split_blocks(old))
    assert collapsed.stats == diff.stats


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_word_diff_reconstructs(old: str, new: str) -> None:
    words = word_diff(old, new)
    assert "".join(s for t, s in words if t != "insert") == old
    assert "".join(s for t, s in words if t != "delete") == new


tokens = st.lists(st.sampled_from(["a", "b", "c", ".", " ", "  ", "\n"]), max_size=40)


@settings(max_examples=500, deadline=None)
@given(tokens, tokens)
def test_token_matcher_is_difflibs(a: list[str], b: list[str]) -> None:
    # word_diff's own matcher must find exactly the blocks difflib's would, its fallback too.
    matcher = difflib.SequenceMatcher(str.isspace, a, b, autojunk=False)
    expected = [tuple(block) for block in matcher.get_matching_blocks()]
    assert reports.diff._token_matches(a, b) == expected
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reports.diff, "MATCH_PAIRS_CAP", 0)
        assert reports.diff._token_matches(a, b) == expected


def test_giant_paragraph_edit_is_word_level_and_giant_rewrite_is_capped() -> None:
    words = " ".join(f"w{n}" for n in range(50_000))
    (op,) = changes(diff_texts(words, words.replace("w25000 ", "changed ")))
    assert [(t, s) for t, s in op.words if t != "equal"] == [("delete", "w25000"), ("insert", "changed")]
    # A 6000-token middle rewrite is past WORD_DIFF_TOKENS: one delete + one insert.
    middle = " ".join(f"v{n}" for n in range(20_000, 23_000))
    rewritten = " ".join(f"w{n}" for n in range(20_000)) + " " + middle + " " + " ".join(
        f"w{n}" for n in range(23_000, 50_000)
    )
    (op,) = changes(diff_texts(words, rewritten))
    assert [t for t, _ in op.words] == ["equal", "delete", "insert", "equal"]
    assert "".join(s for t, s in op.words if t != "delete") == rewritten


def test_pathological_repeats_stay_consistent() -> None:
    old = "\n\n".join(f"- row {n % 3}" for n in range(3000))
    new = "\n\n".join(f"- row {n % 4}" for n in range(3000))
    diff = diff_texts(old, new, context=None)
    assert reconstruct(diff) == (split_blocks(old), split_blocks(new))
