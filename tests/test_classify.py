"""crawler.classify's text checks: words are counted only as far as a check needs, and exactly when told."""

from __future__ import annotations

import re

from crawler.classify import check_text


def words(n: int, word: str = "privacy") -> str:
    return " ".join(f"{word}{i}" for i in range(n)) + "."


def test_a_short_text_is_rejected_with_its_exact_word_count():
    verdict = check_text(words(39), None)
    assert verdict.reason.startswith("too-short: only 39 words")
    assert check_text(words(40), None) is None


def test_lost_text_counts_both_texts_exactly():
    previous = words(1000) + " don't e-mail"  # \w+ words: 1000 + don, t, e, mail
    verdict = check_text(words(501), previous)
    assert verdict.reason.startswith("lost-text: the extraction has 501 words where the previous version had 1004")
    assert check_text(words(502), previous) is None  # exactly half is kept: not lost
    assert re.match(r"lost-text: the extraction has 40 words", check_text(words(40), previous).reason)


def test_words_after_a_long_wordless_start_are_all_counted():
    start = "[](" + "/" * 6000 + ") "  # a link with no words, longer than the prefix first looked at
    assert check_text(start + words(39), None).reason.startswith("too-short: only 39 words")
    assert check_text(start + words(45), None) is None
