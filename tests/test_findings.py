"""judge_change: each finding code, positively and negatively, on the two seed policies."""

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.findings import CODES, SEVERITIES, Finding, VersionFacts, judge_change, no_findings_note
from reports.promise import Promise, promise_from_config, promise_in_force

UTC = timezone.utc
T0 = datetime(2020, 3, 1, 6, 0, tzinfo=UTC)

TRK_SHARING = ("We protect the confidentiality of Customer Information. TonerRefillKits.com does not share or "
               "release customer information.")
TRK = f"""\
# Privacy

Effective Date: 1999.07.15Last Revised: 2016.02.15

Forms for Ordering or RegistrationsOur site's forms require customers to give us contact information such as name, email address and customer information for ordering and shipping our products.

{TRK_SHARING}

Opt-out/UnsubscribeCustomers who no longer wish to receive online communications or specific items from us may opt-out or unsubscribe from receiving these communications.

How We Notify You of Changes to Our PolicyIf we decide to change any of the terms of our privacy policy, we will post those changes on our website so customers are always aware of what information we collect, how we use it, and under what circumstances, if any, we disclose it. If at any point we decide to use personally identifiable information in a manner different from that stated at the time it was collected, we will notify customers by way of an email. Customers will have a choice as to whether or not we use their information in this different manner.
"""
TRK_PROMISE = promise_from_config({"posted": "any", "email": "personal-info-use", "date_label": "Last Revised",
                                   "clause": "How We Notify You of Changes to Our Policy"})

MEGA_CLAUSE = ("If we decide to change our privacy policy, we will post those changes here for seven (7) days so "
               "that you will always know what information we have gathered, how we might use that information "
               "and whether we will disclose it to anyone.")
MEGA = f"""\
# About Children

MegaToners.com does not target children nor does MegaToners.com expect to attract children to its site.

# Privacy Policy Changes

{MEGA_CLAUSE}
"""
MEGA_PROMISE = promise_from_config({"posted": "any", "posting_days": 7, "clause": "Privacy Policy Changes"})


def facts(text: str, first: datetime, last: datetime | None = None, is_change: bool = True) -> VersionFacts:
    return VersionFacts(text, first, last or first, is_change)


def codes(findings: list[Finding]) -> dict[str, str]:
    return {f.code: f.severity for f in findings}


def test_identical_text_has_no_findings():
    old = facts(TRK, T0)
    assert judge_change(old, facts(TRK, T0 + timedelta(days=1)), TRK_PROMISE) == []


# --- stated dates --------------------------------------------------------------------------------

def test_silent_sharing_change_on_tonerrefillkits():
    new_text = TRK.replace(TRK_SHARING, "We may share customer names and email addresses with marketing partners.")
    old = facts(TRK, T0, T0 + timedelta(days=40), is_change=False)
    found = judge_change(old, facts(new_text, T0 + timedelta(days=41)), TRK_PROMISE)
    assert codes(found) == {"revision-date-not-updated": "violation", "email-notice-promised": "warning"}
    by_code = {f.code: f.message for f in found}
    assert "2016-02-15" in by_code["revision-date-not-updated"]
    assert "2020-04-11" in by_code["revision-date-not-updated"]
    assert "marketing partners" in by_code["email-notice-promised"]
    assert "cannot see whether" in by_code["email-notice-promised"]


def test_date_not_updated_is_a_warning_without_a_date_promise():
    new_text = TRK.replace("opt-out or unsubscribe", "opt out or unsubscribe")
    found = judge_change(facts(TRK, T0), facts(new_text, T0 + timedelta(days=30)), Promise())
    assert codes(found) == {"revision-date-not-updated": "warning"}


def test_updated_date_is_not_flagged():
    new_text = (TRK.replace("opt-out or unsubscribe", "opt out or unsubscribe")
                .replace("Last Revised: 2016.02.15", "Last Revised: 2020.04.11"))
    old = facts(TRK, T0, T0 + timedelta(days=40))
    assert judge_change(old, facts(new_text, T0 + timedelta(days=41)), TRK_PROMISE) == []


def test_removed_date_is_flagged():
    new_text = TRK.replace("Effective Date: 1999.07.15Last Revised: 2016.02.15", "").replace(
        "opt-out or unsubscribe", "opt out or unsubscribe")
    found = judge_change(facts(TRK, T0), facts(new_text, T0 + timedelta(days=3)), TRK_PROMISE)
    assert codes(found) == {"revision-date-not-updated": "violation"}
    assert "no longer states" in found[0].message


def test_backdated_revision_date():
    # The old text was still online on 2020-04-10; the new one claims a revision on 2020-04-01.
    new_text = (TRK.replace("opt-out or unsubscribe", "opt out or unsubscribe")
                .replace("Last Revised: 2016.02.15", "Last Revised: April 1, 2020"))
    old = facts(TRK, T0, datetime(2020, 4, 10, 23, 0, tzinfo=UTC))
    found = judge_change(old, facts(new_text, datetime(2020, 4, 11, 6, 0, tzinfo=UTC)), TRK_PROMISE)
    assert codes(found) == {"revision-date-backdated": "violation"}
    assert "2020-04-01" in found[0].message and "2020-04-10" in found[0].message


def test_same_day_revision_date_is_not_backdated():
    new_text = (TRK.replace("opt-out or unsubscribe", "opt out or unsubscribe")
                .replace("Last Revised: 2016.02.15", "Last Revised: 2020.04.10"))
    old = facts(TRK, T0, datetime(2020, 4, 10, 9, 0, tzinfo=UTC))
    assert judge_change(old, facts(new_text, datetime(2020, 4, 11, tzinfo=UTC)), TRK_PROMISE) == []


def test_date_only_change():
    new_text = TRK.replace("Last Revised: 2016.02.15", "Last Revised: 2020.04.11")
    old = facts(TRK, T0, T0 + timedelta(days=40))
    found = judge_change(old, facts(new_text, T0 + timedelta(days=41)), TRK_PROMISE)
    assert codes(found) == {"date-only-change": "info"}
    assert "2016-02-15" in found[0].message and "2020-04-11" in found[0].message


def test_date_only_change_to_an_earlier_date_is_not_backdated():
    new_text = TRK.replace("Last Revised: 2016.02.15", "Last Revised: 2020.03.02")
    old = facts(TRK, T0, T0 + timedelta(days=40))
    found = judge_change(old, facts(new_text, T0 + timedelta(days=41)), TRK_PROMISE)
    assert codes(found) == {"date-only-change": "info"}


def test_added_date_earlier_than_old_text_is_backdated():
    new_text = MEGA.replace("# About Children", "Last updated: January 5, 2020\n\n# About Children").replace(
        "to attract children", "to attract minors")
    old = facts(MEGA, T0, T0 + timedelta(days=30), is_change=False)
    found = judge_change(old, facts(new_text, T0 + timedelta(days=31)), MEGA_PROMISE)
    assert codes(found) == {"revision-date-backdated": "violation"}


# --- posting period ------------------------------------------------------------------------------

def _mega_edit(n: int) -> str:
    return MEGA.replace("to attract children", f"to attract children (edit {n})")


def test_posting_period_not_met_after_three_days():
    posted = facts(_mega_edit(1), T0, T0 + timedelta(days=2, hours=20))
    found = judge_change(posted, facts(_mega_edit(2), T0 + timedelta(days=3)), MEGA_PROMISE)
    assert codes(found) == {"posting-period-not-met": "violation"}
    assert "3 days" in found[0].message and "7 days" in found[0].message
    assert "2020-03-01" in found[0].message and "2020-03-04" in found[0].message


def test_posting_period_met_after_eight_days():
    posted = facts(_mega_edit(1), T0, T0 + timedelta(days=7))
    assert judge_change(posted, facts(_mega_edit(2), T0 + timedelta(days=8)), MEGA_PROMISE) == []


def test_posting_period_not_judged_for_first_archived_version():
    first = facts(_mega_edit(1), T0, is_change=False)
    assert judge_change(first, facts(_mega_edit(2), T0 + timedelta(days=1)), MEGA_PROMISE) == []


def test_posting_period_from_detected_promise():
    promise = promise_in_force(None, MEGA)
    posted = facts(_mega_edit(1), T0)
    found = judge_change(posted, facts(_mega_edit(2), T0 + timedelta(days=6, hours=23)), promise)
    assert codes(found) == {"posting-period-not-met": "violation"}
    assert "6 days and 23 hours later" in found[0].message


# --- email notice --------------------------------------------------------------------------------

def test_email_not_promised_for_unrelated_change():
    new_text = TRK.replace("opt-out or unsubscribe", "opt out or unsubscribe").replace(
        "2016.02.15", "2020.04.11")
    found = judge_change(facts(TRK, T0), facts(new_text, T0 + timedelta(days=30)), TRK_PROMISE)
    assert "email-notice-promised" not in codes(found)


def test_email_any_scope_covers_every_change():
    new_text = TRK.replace("opt-out or unsubscribe", "opt out or unsubscribe").replace(
        "2016.02.15", "2020.04.11")
    found = judge_change(facts(TRK, T0), facts(new_text, T0 + timedelta(days=30)), Promise(email="any"))
    assert codes(found) == {"email-notice-promised": "warning"}


def test_no_email_promise_no_email_finding():
    new_text = MEGA.replace("does not target children", "shares your email address with advertisers")
    found = judge_change(facts(MEGA, T0, is_change=False), facts(new_text, T0 + timedelta(days=9)), MEGA_PROMISE)
    assert found == []


# --- the notification clause ---------------------------------------------------------------------

def test_megatoners_drops_its_seven_days():
    weakened = MEGA.replace("we will post those changes here for seven (7) days",
                            "we will post those changes here from time to time")
    old = facts(MEGA, T0, T0 + timedelta(days=30), is_change=False)
    found = judge_change(old, facts(weakened, T0 + timedelta(days=31)), MEGA_PROMISE)
    assert codes(found) == {"notice-promise-changed": "violation"}
    assert "from 7 days to none" in found[0].message
    assert "“If we decide to change our privacy policy, we will post those changes here from time to time" in (
        found[0].message)


def test_tonerrefillkits_drops_email():
    weakened = TRK.replace(" we will notify customers by way of an email.", " we will post a notice here.")
    weakened = weakened.replace("2016.02.15", "2020.04.11")
    found = judge_change(facts(TRK, T0), facts(weakened, T0 + timedelta(days=30)), TRK_PROMISE)
    assert codes(found)["notice-promise-changed"] == "violation"
    assert "notice by email is no longer promised" in " ".join(f.message for f in found)


def test_clause_rewording_without_weakening_is_a_warning():
    reworded = MEGA.replace("so that you will always know", "so that you always know")
    found = judge_change(facts(MEGA, T0, is_change=False), facts(reworded, T0 + timedelta(days=9)), MEGA_PROMISE)
    assert codes(found) == {"notice-promise-changed": "warning"}


def test_longer_posting_period_is_not_a_violation():
    stronger = MEGA.replace("seven (7) days", "thirty (30) days")
    found = judge_change(facts(MEGA, T0, is_change=False), facts(stronger, T0 + timedelta(days=9)), MEGA_PROMISE)
    assert codes(found) == {"notice-promise-changed": "warning"}


def test_removed_clause_is_a_violation():
    removed = MEGA.replace(f"# Privacy Policy Changes\n\n{MEGA_CLAUSE}\n", "")
    found = judge_change(facts(MEGA, T0, is_change=False), facts(removed, T0 + timedelta(days=9)), MEGA_PROMISE)
    assert codes(found) == {"notice-promise-changed": "violation"}
    assert "removed" in found[0].message


@settings(max_examples=100, deadline=None)
@given(st.text(), st.text(), st.integers(0, 20), st.booleans())
def test_judge_never_crashes(old_text, new_text, days, is_change):
    old = facts(old_text, T0, is_change=is_change)
    for finding in judge_change(old, facts(new_text, T0 + timedelta(days=days)), MEGA_PROMISE):
        assert finding.code in CODES and finding.severity in SEVERITIES and finding.message


def test_no_findings_claims_consistency_only_with_a_promise_to_be_consistent_with():
    assert no_findings_note(Promise(date_label="Last updated")).startswith("No findings: the change is consistent")
    assert no_findings_note(Promise()).startswith("No findings, and nothing to check: the policy states no promise")
    assert no_findings_note(None).startswith("Not judged: a re-extraction")


def test_a_notice_period_added_to_the_email_sentence_is_not_a_change_in_personal_information():
    """The demo's edit: the sentence about using personal information in a new way only gains "at least 30
    days before the change takes effect". The clause changed (quoted from where it changed); how personal
    information is collected, used or shared did not."""
    sentence = "we will notify customers by way of an email."
    longer = "we will notify customers by way of an email at least 30 days before the change takes effect."
    new_text = TRK.replace(sentence, longer).replace("2016.02.15", "2020.04.11")
    found = judge_change(facts(TRK, T0), facts(new_text, T0 + timedelta(days=30)), TRK_PROMISE)
    assert "email-notice-promised" not in codes(found)
    [notice] = [f for f in found if f.code == "notice-promise-changed"]
    # The 160-character quote of that long sentence shows the words that changed, not its unchanged start.
    assert "at least 30 days before the change takes effect.”" in notice.message
    assert "“…" in notice.message and "If at any point" not in notice.message


def test_a_sentence_about_sharing_changed_outside_the_clause_is_a_change_in_personal_information():
    """Words taken away ("not") or added that name no practice ("without an order"): sharing changed."""
    for old, new in (("does not share or release customer information", "does share or release customer information"),
                     ("does not share or release customer information.",
                      "does not share or release customer information without an order.")):
        text = TRK.replace(old, new)
        found = judge_change(facts(TRK, T0), facts(text, T0 + timedelta(days=30)), TRK_PROMISE)
        assert "email-notice-promised" in codes(found), (new, found)
