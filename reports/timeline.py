"""A policy's timeline as an SVG picture: its versions (when each appeared, how long it stood, its
size) and the changes between them with their findings.

:func:`timeline_svg` is a pure function from rows to SVG text; the drawing is the template
``timeline.svg``, rendered by the one escaping environment (``reports.render``), so policy names
and finding messages stay text. :data:`VERSIONS_SQL` and :data:`CHANGES_SQL` give the rows it
expects; :func:`policy_timeline` runs them on an open archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import sqlite_utils
from markupsafe import Markup

from reports.render import render_template

__all__ = ["CHANGES_SQL", "FINDINGS_SQL", "VERSIONS_SQL", "describe_duration", "policy_timeline", "timeline_svg",
           "version_spans"]

# The rows timeline_svg draws, oldest first (parameter: the policy id).
VERSIONS_SQL = ("SELECT id, row_number() OVER (ORDER BY id) AS number, kind, first_seen, last_seen,"
                " length(text) AS size FROM versions WHERE policy = ? ORDER BY id")
CHANGES_SQL = "SELECT id, from_version, to_version, detected_at FROM changes WHERE policy = ? ORDER BY id"
FINDINGS_SQL = ("SELECT f.change, f.code, f.severity, f.message FROM findings f JOIN changes c ON c.id = f.change"
                " WHERE c.policy = ? ORDER BY f.id")

WIDTH = 960
PAD = 16
TOP = 46             # room for the change markers above the bars
BAR_MAX = 96         # height of the longest version
AXIS = 34            # date labels under the baseline
LEGEND = 26
SEVERITY_ORDER = ("violation", "warning", "info")
SEVERITY_COLOURS = {"violation": "#cf222e", "warning": "#9a6700", "info": "#0969da", None: "#6e7781"}


@dataclass(frozen=True)
class _Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    tooltip: str
    technical: bool
    shade: int         # alternate two shades so that neighbouring versions stay apart
    href: str | None


@dataclass(frozen=True)
class _Marker:
    x: float
    colour: str
    text: str          # the number of findings, or empty
    tooltip: str
    href: str | None


@dataclass(frozen=True)
class _Tick:
    x: float
    label: str


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def version_spans(versions: list[dict]) -> list[tuple[datetime, datetime]]:
    """When each version stood: from its first sighting to the next version's first sighting (the
    current version: to its last sighting)."""
    if not versions:
        return []
    starts = [_time(v["first_seen"]) for v in versions]
    ends = starts[1:] + [max(_time(versions[-1]["last_seen"]), starts[-1])]
    return list(zip(starts, ends))


def describe_duration(delta: timedelta) -> str:
    """"3 days" or, under a day, "5 hours"."""
    days = delta.total_seconds() / 86400
    if days >= 1:
        return f"{days:.0f} day{'' if round(days) == 1 else 's'}"
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hour{'' if round(hours) == 1 else 's'}"


def _ticks(start: datetime, end: datetime, scale: Callable[[datetime], float]) -> list[_Tick]:
    """The first and last dates, and year, month or day starts between them that leave room for
    their labels (at most about eight)."""
    days = (end - start).total_seconds() / 86400
    if days > 3 * 366:
        fmt, moment = "%Y", datetime(start.year, 1, 1, tzinfo=timezone.utc)
        advance = lambda m: m.replace(year=m.year + 1)  # noqa: E731
    elif days > 62:
        fmt, moment = "%Y-%m", datetime(start.year, start.month, 1, tzinfo=timezone.utc)
        advance = lambda m: m.replace(year=m.year + m.month // 12, month=m.month % 12 + 1)  # noqa: E731
    else:
        fmt, moment = "%Y-%m-%d", datetime(start.year, start.month, start.day, tzinfo=timezone.utc)
        advance = lambda m: m + timedelta(days=1)  # noqa: E731
    moments = []
    while moment <= end:
        if moment > start:
            moments.append(moment)
        moment = advance(moment)
    first, last = _Tick(scale(start), start.strftime("%Y-%m-%d")), _Tick(scale(end), end.strftime("%Y-%m-%d"))
    room = 70  # pixels a date label needs
    inner = [_Tick(scale(m), m.strftime(fmt)) for m in moments[::max(1, -(-len(moments) // 8))]]
    return [first, *(t for t in inner if first.x + room <= t.x <= last.x - room and t.label != last.label), last]


def _label(version: dict, width: float) -> str:
    """As much of "v3 · 12,345 chars" as fits over a bar ``width`` pixels wide."""
    if width >= 110:
        return f"v{version['number']} · {version['size']:,} chars"
    return f"v{version['number']}" if width >= 28 else ""


def _worst(findings: list[dict]) -> str | None:
    severities = {f["severity"] for f in findings}
    return next((s for s in SEVERITY_ORDER if s in severities), None)


def timeline_svg(versions: list[dict], changes: list[dict], *, title: str = "",
                 version_href: Callable[[dict], str] | None = None,
                 change_href: Callable[[dict], str] | None = None) -> Markup:
    """The SVG (a ``Markup`` string, ready to embed in HTML) of one policy's history.

    ``versions``: dicts with ``id``, ``number``, ``kind``, ``first_seen``, ``last_seen``, ``size``
    (rows of :data:`VERSIONS_SQL`), oldest first. ``changes``: dicts with ``id``, ``to_version`` (a
    version id), ``detected_at`` and ``findings`` (dicts with ``code``, ``severity``, ``message``).
    Each bar spans from a version's first sighting to the next version's (the current one to its
    last sighting) and its height is the text's size; each change is a dot coloured by its worst
    finding. ``version_href``/``change_href`` make bars and dots links.
    """
    if not versions:
        return _svg(width=WIDTH, height=TOP + LEGEND, bars=[], markers=[], ticks=[], baseline=TOP,
                    title=title or "No versions yet", empty=True, legend_y=TOP)
    spans = version_spans(versions)
    t0 = spans[0][0]
    t1 = max(spans[-1][1], t0 + timedelta(days=1))  # a single sighting still gets a visible span
    usable = WIDTH - 2 * PAD

    def x(moment: datetime) -> float:
        return round(PAD + usable * (moment - t0).total_seconds() / (t1 - t0).total_seconds(), 1)

    baseline = TOP + BAR_MAX
    largest = max(v["size"] for v in versions) or 1
    bars = []
    for index, (version, (start, end)) in enumerate(zip(versions, spans)):
        left, right = x(start), x(end)
        height = max(4.0, round(BAR_MAX * version["size"] / largest, 1))
        current = index == len(versions) - 1
        stood = f"still current, last seen {version['last_seen'][:10]}" if current else f"stood {describe_duration(end - start)}"
        tooltip = (f"Version {version['number']} ({version['kind']}): first seen {version['first_seen']}, {stood}; "
                   f"{version['size']:,} characters")
        bars.append(_Bar(x=left, y=baseline - height, width=max(2.0, round(right - left - 1, 1)), height=height,
                         label=_label(version, right - left), tooltip=tooltip,
                         technical=version["kind"] == "technical", shade=index % 2,
                         href=version_href(version) if version_href else None))
    numbers = {v["id"]: v["number"] for v in versions}
    markers = []
    for change in changes:
        findings = change["findings"]
        lines = [f"Change {change['id']} on {change['detected_at']}: to version {numbers.get(change['to_version'], '?')}"]
        lines += [f"[{f['severity']}] {f['code']}: {f['message']}" for f in findings] or ["no findings"]
        markers.append(_Marker(x=x(_time(change["detected_at"])), colour=SEVERITY_COLOURS[_worst(findings)],
                               text=str(len(findings)) if findings else "", tooltip="\n".join(lines),
                               href=change_href(change) if change_href else None))
    return _svg(
        width=WIDTH, height=baseline + AXIS + LEGEND, bars=bars, markers=markers,
        ticks=_ticks(t0, t1, x), baseline=baseline, title=title, empty=False, legend_y=baseline + AXIS,
        colours=SEVERITY_COLOURS)


def _svg(**context: object) -> Markup:
    # Markup: the template escaped every value already; embedding pages must not escape it again.
    return Markup(render_template("timeline.svg", **context))


def policy_timeline(db: sqlite_utils.Database, policy: str, **options) -> Markup:
    """:func:`timeline_svg` of a policy in an open archive (options as for timeline_svg)."""
    versions = list(db.query(VERSIONS_SQL, [policy]))
    findings: dict[int, list[dict]] = {}
    for finding in db.query(FINDINGS_SQL, [policy]):
        findings.setdefault(finding.pop("change"), []).append(finding)
    changes = [{**c, "findings": findings.get(c["id"], [])} for c in db.query(CHANGES_SQL, [policy])]
    return timeline_svg(versions, changes, **options)
