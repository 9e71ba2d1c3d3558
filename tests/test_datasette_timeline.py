"""reports.timeline: the SVG picture of a policy's versions and changes (a pure function of rows)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from archive import open_db
from reports.timeline import describe_duration, policy_timeline, timeline_svg, version_spans
from tests.datasette_archive import build_archive

SVG = "{http://www.w3.org/2000/svg}"


def version(id: int, first: str, last: str, size: int = 1000, kind: str = "policy") -> dict:
    return {"id": id, "number": id, "kind": kind, "first_seen": first, "last_seen": last, "size": size}


VERSIONS = [
    version(1, "2024-01-01T00:00:00Z", "2024-01-31T00:00:00Z", 1000),
    version(2, "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", 2000, "technical"),
    version(3, "2024-03-02T00:00:00Z", "2024-04-01T00:00:00Z", 500),
]
CHANGES = [
    {"id": 7, "to_version": 2, "detected_at": "2024-02-01T00:00:00Z", "findings": []},
    {"id": 8, "to_version": 3, "detected_at": "2024-03-02T00:00:00Z", "findings": [
        {"code": "posting-period-not-met", "severity": "violation", "message": "<script>alert(1)</script>"},
        {"code": "note", "severity": "info", "message": "x & y"}]},
]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    """The version bars (the legend's swatches sit in a translated group)."""
    return [g.find(f"{SVG}rect") for g in root.iter(f"{SVG}g") if g.find(f"{SVG}rect") is not None
            and g.find(f"{SVG}title") is not None]


def test_bars_span_each_version_until_the_next_and_their_height_is_the_size():
    root = parse(timeline_svg(VERSIONS, CHANGES, title="Timeline"))
    drawn = bars(root)
    assert len(drawn) == 3
    xs = [float(r.get("x")) for r in drawn]
    widths = [float(r.get("width")) for r in drawn]
    heights = [float(r.get("height")) for r in drawn]
    assert xs == sorted(xs) and xs[0] == 16.0
    assert abs(xs[0] + widths[0] + 1 - xs[1]) < 0.2  # v1 stands until v2 appears
    assert heights[1] == 2 * heights[0] == 4 * heights[2]
    assert drawn[1].get("stroke-dasharray")  # a technical version is drawn differently
    titles = [g.findtext(f"{SVG}title") for g in root.iter(f"{SVG}g") if g.find(f"{SVG}rect") is not None]
    assert "Version 1 (policy): first seen 2024-01-01T00:00:00Z, stood 31 days; 1,000 characters" in titles
    assert any(t and t.startswith("Version 3 (policy): first seen 2024-03-02T00:00:00Z, still current") for t in titles)


def test_changes_are_dots_coloured_by_their_worst_finding_with_findings_as_tooltips():
    root = parse(timeline_svg(VERSIONS, CHANGES, change_href=lambda c: f"/changes/{c['id']}"))
    circles = [c for c in root.iter(f"{SVG}circle") if c.get("r") == "10"]
    assert [c.get("fill") for c in circles] == ["#6e7781", "#cf222e"]  # no finding, violation
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["/changes/7", "/changes/8"]
    [tooltip] = [t.text for t in root.iter(f"{SVG}title") if t.text.startswith("Change 8")]
    assert "[violation] posting-period-not-met: <script>alert(1)</script>" in tooltip  # as text
    assert "[info] note: x & y" in tooltip


def test_markup_in_titles_and_findings_is_escaped_once():
    svg = timeline_svg(VERSIONS, CHANGES, title='<b>"Toner" & co</b>')
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert parse(svg).get("aria-label") == '<b>"Toner" & co</b>'
    assert "&amp;amp;" not in svg


def test_empty_and_single_version_timelines():
    root = parse(timeline_svg([], []))
    assert "No versions archived yet." in "".join(root.itertext())
    one = parse(timeline_svg([version(1, "2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z")], []))
    [bar] = bars(one)
    assert float(bar.get("width")) >= 2  # seen once, still visible


def test_axis_labels_first_and_last_dates_and_months_between():
    labels = [t.text for t in parse(timeline_svg(VERSIONS, CHANGES)).iter(f"{SVG}text")]
    axis = [label for label in labels if label and label.startswith("20")]
    assert axis == ["2024-01-01", "2024-02", "2024-03", "2024-04-01"]


def test_spans_and_durations():
    spans = version_spans(VERSIONS)
    assert [(a.day, b.day) for a, b in spans] == [(1, 1), (1, 2), (2, 1)]
    assert describe_duration(timedelta(days=1)) == "1 day"
    assert describe_duration(timedelta(hours=5)) == "5 hours"
    assert version_spans([]) == []


def test_policy_timeline_reads_an_archive(tmp_path):
    archive = build_archive(tmp_path)
    db = open_db(archive.path)
    root = parse(policy_timeline(db, "megatoners", title="MegaToners"))
    db.close()
    assert len(bars(root)) == 3
    assert [c.get("fill") for c in root.iter(f"{SVG}circle") if c.get("r") == "10"] == ["#9a6700", "#cf222e"]


moments = st.integers(min_value=0, max_value=20 * 365 * 86400)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(moments, st.integers(0, 90 * 86400), st.integers(0, 500_000)), min_size=1, max_size=40))
def test_any_history_draws_well_formed_svg_inside_its_box(rows):
    base = datetime(2015, 1, 1, tzinfo=timezone.utc)
    stamp = lambda s: (base + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    starts = sorted(r[0] for r in rows)
    versions = [version(i + 1, stamp(start), stamp(start + stay), size)
                for i, (start, (_, stay, size)) in enumerate(zip(starts, rows))]
    changes = [{"id": i, "to_version": i + 1, "detected_at": v["first_seen"], "findings": []}
               for i, v in enumerate(versions[1:], 1)]
    root = parse(timeline_svg(versions, changes))
    width = float(root.get("viewBox").split()[2])
    for bar in bars(root):
        assert 0 <= float(bar.get("x")) and float(bar.get("x")) + float(bar.get("width")) <= width + 2
        assert float(bar.get("height")) >= 4
