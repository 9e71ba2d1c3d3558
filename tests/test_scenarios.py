"""Issue 3's scenarios through the CLI: `import --at` timelines of both seeds, findings from `changes --json`."""

from __future__ import annotations

import json

import pytest

from policydiff import sites
from tests.conftest import ROOT

CONFIG = (ROOT / "policies.toml").read_text(encoding="utf-8")


@pytest.fixture
def timeline(tmp_path, cli, write_config):
    config = write_config(CONFIG)

    def step(site: str, html: bytes, at: str) -> None:
        page = tmp_path / f"{site}-{at[:10]}.html"
        page.write_bytes(html)
        cli("import", site, str(page), "--at", at, config=config, check=0)

    def changes(*ids: str) -> list[dict]:
        return json.loads(cli("changes", *ids, "--json", config=config, check=0).stdout)

    return step, changes


def codes(change: dict) -> set[str]:
    return {f["code"] for f in change["findings"]}


def test_chrome_only_edit_is_no_change(timeline):
    step, changes = timeline
    step("megatoners", sites.render_page("megatoners"), "2024-01-01T00:00:00Z")
    step("megatoners", sites.render_page("megatoners", chrome_edit=True), "2024-01-02T00:00:00Z")
    step("megatoners", sites.render_page("megatoners", template="2024"), "2024-01-03T00:00:00Z")
    assert changes() == []


def test_silent_text_change_on_tonerrefillkits(timeline):
    step, changes = timeline
    old = sites.render_page("tonerrefillkits")
    sentence = "We do not sell information to third parties."
    new = old.replace(sentence.encode(), b"We may share your personal information with our marketing partners.")
    assert new != old
    step("tonerrefillkits", old, "2024-01-01T00:00:00Z")
    step("tonerrefillkits", new, "2024-02-01T00:00:00Z")
    [change] = changes("tonerrefillkits")
    assert set(change) == {"policy", "change_id", "from_version", "to_version", "detected_at", "kind", "findings"}
    assert (change["policy"], change["from_version"], change["to_version"], change["kind"]) == (
        "tonerrefillkits", 1, 2, "policy")
    assert {"revision-date-not-updated", "email-notice-promised"} <= codes(change)
    assert all(set(f) == {"code", "severity", "message"} for f in change["findings"])


def test_megatoners_change_replaced_after_three_days(timeline):
    step, changes = timeline
    base = sites.render_page("megatoners")
    first = base.replace(b"We also collect your email for special sales",
                         b"We also collect your phone number and email for special sales")
    second = first.replace(b"AOL.)", b"AOL and other providers.)")
    assert len({base, first, second}) == 3
    step("megatoners", base, "2024-01-01T00:00:00Z")
    step("megatoners", first, "2024-01-10T00:00:00Z")
    step("megatoners", second, "2024-01-13T00:00:00Z")
    one, two = changes("megatoners")
    assert "posting-period-not-met" not in codes(one)  # v1 was the first version we saw
    assert "posting-period-not-met" in codes(two)


def test_megatoners_edit_of_its_own_notice_clause(timeline):
    step, changes = timeline
    old, new = sites.policy_edit("megatoners")
    step("megatoners", sites.render_page("megatoners"), "2024-01-01T00:00:00Z")
    step("megatoners", sites.render_page("megatoners", policy_edit=True), "2024-01-20T00:00:00Z")
    [change] = changes()
    assert "notice-promise-changed" in codes(change)


def test_promises_command_shows_declared_detected_and_clause(timeline, cli, write_config):
    step, _ = timeline
    step("megatoners", sites.render_page("megatoners"), "2024-01-01T00:00:00Z")
    described = json.loads(cli("promises", "--json", config=write_config(CONFIG), check=0).stdout)
    mega = next(p for p in described if p["policy"] == "megatoners")
    assert mega["declared"]["posting_days"] == 7 and mega["detected"]["posting_days"] == 7
    assert "seven (7) days" in mega["clause"]
    toner = next(p for p in described if p["policy"] == "tonerrefillkits")
    assert toner["declared"]["email"] == "personal-info-use" and toner["detected"] is None
