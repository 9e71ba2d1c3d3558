"""Promises: detection from the seeds' own wording, declared config, merging, stated dates."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.promise import (
    PROMISE_KEYS,
    Promise,
    detect_promise,
    promise_from_config,
    promise_in_force,
    stated_date,
)

# TonerRefillKits.com, normalized as the extractor writes it: the bold run-in headings stay glued to
# their paragraph, as on the live page.
TONERREFILLKITS = """\
# Privacy

## Our Commitments to You

- We do not sell information to third parties.
- We do not and will not share your information to any outside parties who may wish to market their products to our customers.

Effective Date: 1999.07.15Last Revised: 2016.02.15

# Personally Identifyable Information Collection and Use

TonerRefillKits.com complies with state laws regarding privacy including the California Online Privacy Protection Act, effective July 1, 2004.

How To Make Changes By Updating or Correcting Your InformationIf a customer's information changes (such as your email address or title), we will provide a way to update that customer's information.

How We Notify You of Changes to Our PolicyIf we decide to change any of the terms of our privacy policy, we will post those changes on our website so customers are always aware of what information we collect, how we use it, and under what circumstances, if any, we disclose it. If at any point we decide to use personally identifiable information in a manner different from that stated at the time it was collected, we will notify customers by way of an email. Customers will have a choice as to whether or not we use their information in this different manner. We will use information in accordance with the privacy policy under which the information was collected.
"""

MEGATONERS_CLAUSE = (
    "If we decide to change our privacy policy, we will post those changes here for seven (7) days so that "
    "you will always know what information we have gathered, how we might use that information and whether "
    "we will disclose it to anyone."
)
# MegaToners.com as the plain capture shows it: one block a line, headings as short lines, chrome after.
MEGATONERS = f"""\
Cookies
"Cookies" are pieces of data your browser stores on your computer's hard drive.
Privacy Policy Changes
{MEGATONERS_CLAUSE}
Our Guarantee|Affiliate Program|Privacy Policy|About Us | Contact Us|Support
Copyright \u00a9 1999-2020 Mega Toners, Inc. All rights reserved.
"""


def test_tonerrefillkits_clause():
    p = detect_promise(TONERREFILLKITS)
    assert (p.posted, p.email, p.date_label, p.posting_days, p.notice_days, p.source) == (
        "any", "personal-info-use", "Last Revised", None, None, "detected")
    assert p.clause.startswith("How We Notify You of Changes to Our Policy\n\nIf we decide to change")
    assert "How To Make Changes" not in p.clause


@pytest.mark.parametrize("heading, dates", [
    # What crawler.extract emits: the run-in heading as its own short paragraph, one date a line.
    ("How We Notify You of Changes to Our Policy\n\n", "Effective Date: 1999.07.15\nLast Revised: 2016.02.15"),
    ("## How We Notify You of Changes to Our Policy\n\n", "Effective Date: 1999.07.15 Last Revised: 2016.02.15"),
])
def test_tonerrefillkits_heading_forms(heading, dates):
    text = (TONERREFILLKITS.replace("How We Notify You of Changes to Our Policy", heading)
            .replace("Effective Date: 1999.07.15Last Revised: 2016.02.15", dates))
    p = detect_promise(text)
    assert (p.posted, p.email, p.date_label) == ("any", "personal-info-use", "Last Revised")
    assert p.clause.startswith("How We Notify You of Changes to Our Policy\n\nIf we decide")


def test_megatoners_clause():
    p = detect_promise(MEGATONERS)
    assert (p.posted, p.email, p.date_label, p.posting_days, p.notice_days) == ("any", None, None, 7, None)
    assert p.clause == f"Privacy Policy Changes\n\n{MEGATONERS_CLAUSE}"


def test_megatoners_normalized():
    p = detect_promise(f"# Cookies\n\nWe use cookies.\n\n# Privacy Policy Changes\n\n{MEGATONERS_CLAUSE}\n")
    assert (p.posted, p.posting_days) == ("any", 7)


@pytest.mark.parametrize("text, expected", [
    # GitHub/npm/Brevo style: material changes, both channels, advance notice.
    ("## Changes to our Privacy Statement\n\nGitHub may change our Privacy Statement from time to time. "
     "We will notify you of material changes at least 30 days before they take effect by posting a notice "
     "on our website or sending email.",
     ("material", "material", None, 30)),
    ("# Changes to This Privacy Policy\n\nWe will give you thirty (30) days' notice of any change by email.",
     (None, "any", None, 30)),
    ("# Updates to this notice\n\nIf we make significant changes, we will notify you directly. "
     "Such changes will remain posted on this page for at least fourteen days.",
     ("material", "material", 14, None)),
    ("# 12. Amendments to this Privacy Policy\n\nWe may modify this Privacy Policy. In case of material changes, "
     "we will inform you by email or through a notice on our website at least 30 days before they take effect."
     "\n\n# 13. Contact\n\nWrite to us by email.",
     ("material", "material", None, 30)),
    ("## Changes\n\nWhen we change the policy in a material way, a notice will be posted on our website. "
     "We will also contact you, for example by email.",
     ("material", "material", None, None)),
    ("We may update this privacy policy from time to time. The updated policy will be posted on this page.",
     ("any", None, None, None)),
    ("# Changes\n\nWe will notify you by:\n\n- email to your account address\n- a banner on our home page",
     ("any", "any", None, None)),
])
def test_common_phrasings(text, expected):
    p = detect_promise(text)
    assert (p.posted, p.email, p.posting_days, p.notice_days) == expected


def test_table_of_contents_line_is_not_the_clause():
    text = "Contents\nChanges to this Policy\nCookies\nWe use cookies.\nChanges to this Policy\nWe post changes here for 10 days.\n"
    p = detect_promise(text)
    assert (p.posted, p.posting_days, p.clause) == (
        "any", 10, "Changes to this Policy\n\nWe post changes here for 10 days.")


def test_no_clause_no_date_is_none():
    assert detect_promise("# About us\n\nWe sell toner. Call us at 800.527.3712.") is None


def test_date_label_only():
    p = detect_promise("# Privacy\n\nLast updated: March 3, 2024\n\nWe sell toner.")
    assert (p.date_label, p.posted, p.clause) == ("Last updated", None, None)


def test_declared_clause_finds_unusual_heading():
    text = "# What happens next\n\nWe keep revised terms posted for 10 days.\n\n# Contact\n\nWrite to us."
    assert detect_promise(text) is None
    p = detect_promise(text, clause="What happens next")
    assert (p.posted, p.posting_days) == ("any", 10)


# --- configuration -------------------------------------------------------------------------------

def test_config_full_table():
    table = {"posted": "any", "email": "personal-info-use", "date_label": " Last Revised ", "posting_days": 7,
             "notice_days": 30, "clause": "How We Notify You of Changes to Our Policy"}
    p = promise_from_config(table)
    assert p == Promise("any", "personal-info-use", "Last Revised", 7, 30,
                        "How We Notify You of Changes to Our Policy", "declared")
    assert set(p.to_dict()) == set(PROMISE_KEYS) | {"source"}


def test_config_empty_table():
    assert promise_from_config({}) == Promise(source="declared")


@pytest.mark.parametrize("table, key", [
    ({"emial": "any"}, "emial"),
    ({"posted": "all"}, "posted"),
    ({"email": "material changes"}, "email"),
    ({"posting_days": 0}, "posting_days"),
    ({"notice_days": -3}, "notice_days"),
    ({"posting_days": "7"}, "posting_days"),
    ({"posting_days": True}, "posting_days"),
    ({"date_label": ""}, "date_label"),
    ({"clause": 3}, "clause"),
])
def test_config_errors_name_the_key(table, key):
    with pytest.raises(ValueError, match=key):
        promise_from_config(table)


# --- merge ---------------------------------------------------------------------------------------

def test_declared_wins_detected_fills():
    declared = promise_from_config({"email": "material", "clause": "How We Notify You of Changes to Our Policy"})
    p = promise_in_force(declared, TONERREFILLKITS)
    assert (p.posted, p.email, p.date_label, p.clause, p.source) == (
        "any", "material", "Last Revised", "How We Notify You of Changes to Our Policy", "merged")


def test_declared_only():
    declared = promise_from_config({"posted": "any", "posting_days": 7})
    assert promise_in_force(declared, "# About\n\nWe sell toner.") == declared
    # Detection adding nothing the declaration lacks keeps the declared source.
    full = promise_from_config({"posted": "any", "posting_days": 7, "clause": "Privacy Policy Changes"})
    assert promise_in_force(full, MEGATONERS).source == "declared"


def test_detected_only_and_nothing():
    assert promise_in_force(None, MEGATONERS) == detect_promise(MEGATONERS)
    assert promise_in_force(None, "Nothing here.") == Promise()


# --- stated dates --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Last Revised: 2016.02.15", date(2016, 2, 15)),
    ("Last Revised: 2016-02-15", date(2016, 2, 15)),
    ("Last Revised: 02/15/2016", date(2016, 2, 15)),
    ("Last updated: February 15, 2016", date(2016, 2, 15)),
    ("Last updated: 15 February 2016", date(2016, 2, 15)),
    ("Last updated: Feb. 15, 2016", date(2016, 2, 15)),
    ("This policy was last updated on Sept. 3rd, 2024.", date(2024, 9, 3)),
    ("Effective Date: 1999.07.15", date(1999, 7, 15)),
    ("## Updated 1 Jan 2020", date(2020, 1, 1)),
    ("Effective Date: 1999.07.15Last Revised: 2016.02.15", date(2016, 2, 15)),
    ("Last Revised: 2016.02.15\n\nEffective Date: 2016.03.01", date(2016, 2, 15)),
    ("The CAN-SPAM act of 2003, effective January 1, 2004.", None),
    ("Last updated: 2016.02.30", None),
    ("Call 800.527.3712", None),
])
def test_stated_date(text, expected):
    assert stated_date(text) == expected


def test_stated_date_label_preferred():
    text = "Effective Date: 1999.07.15Last Revised: 2016.02.15"
    assert stated_date(text, "Effective Date") == date(1999, 7, 15)
    assert stated_date(text, "Last Updated") == date(2016, 2, 15)  # label missing: usual preference


@settings(max_examples=300)
@given(st.text())
def test_never_crashes_on_arbitrary_text(text):
    detect_promise(text)
    detect_promise(text, clause=text[:20])
    stated_date(text)


@given(st.lists(st.sampled_from([
    "# Privacy Policy Changes", "Last Revised: 2016.02.15", "seven (7) days", "- by email", "", "\n",
    "We will post changes here for 30 days.", "Effective Date: 1999.07.15", "notify you", "Changes",
])).map("\n".join))
def test_never_crashes_on_policy_like_text(text):
    p = detect_promise(text)
    assert p is None or p.source == "detected"
    stated_date(text, "Last Revised")
