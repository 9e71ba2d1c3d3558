"""The subscribers' digest: every policy change not yet mailed to a recipient, in one message per run.

Who gets what: ``[email] to`` gets every tracked policy's changes; a policy's ``notify`` gets that
policy's changes. Recipients waiting for the same changes share one composed digest (one outbox
row each); a change is never queued twice for the same recipient; technical changes are never
mailed (they are not changes of the policy).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlite_utils

from policydiff.config import Config, EmailSettings
from reports.diff import Diff
from reports.mail.message import address, build_message
from reports.mail.outbox import enqueue, mailed_changes
from reports.render import EMAIL_MAX_BYTES, REPORT_KEPT, render_template, truncate_for_email
from reports.report import ChangeReport, load_report, report_text

__all__ = ["DIGEST_MAX_CHANGES", "Digest", "compose_digest", "pending", "queue_digests"]

# A larger backlog (a new subscriber, mail switched on for an old archive) goes out in several
# digests in the same run: past this many changes each one would show almost no diff.
DIGEST_MAX_CHANGES = 20
SUBJECT_NAMES = 3  # policy names in a subject before "and N more"


@dataclass(frozen=True)
class Digest:
    recipients: tuple[str, ...]
    changes: tuple[int, ...]
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _Item:
    report: ChangeReport
    diff: Diff    # what fits in the email
    hidden: int   # changes of the diff left out


def pending(db: sqlite_utils.Database, config: Config) -> dict[tuple[int, ...], list[str]]:
    """Change ids not yet queued for each recipient, grouped: {changes: recipients}."""
    assert config.email is not None
    tracked = list(config.policies.values())
    follows: dict[str, set[str]] = {}
    for recipient in config.email.to:
        follows.setdefault(recipient, set()).update(p.id for p in tracked)
    for policy in tracked:
        for recipient in policy.notify:
            follows.setdefault(recipient, set()).add(policy.id)
    changes = [(row[0], row[1]) for row in db.execute(
        "SELECT id, policy FROM change_log WHERE kind = 'policy' ORDER BY id")]
    groups: dict[tuple[int, ...], list[str]] = {}
    for recipient, policies in follows.items():
        done = mailed_changes(db, recipient)
        todo = tuple(cid for cid, policy in changes if policy in policies and cid not in done)
        if todo:
            groups.setdefault(todo, []).append(recipient)
    return groups


def queue_digests(db: sqlite_utils.Database, config: Config) -> list[Digest]:
    """Compose and queue this run's digests; returns them."""
    assert config.email is not None
    queued = []
    for changes, recipients in pending(db, config).items():
        for start in range(0, len(changes), DIGEST_MAX_CHANGES):
            part = changes[start:start + DIGEST_MAX_CHANGES]
            reports = [load_report(db, cid, config.public_url) for cid in part]
            digest = compose_digest(reports, config.email, tuple(recipients))
            with db.conn:  # a digest's rows and the changes they carry commit together
                enqueue(db, config.email, "changes", recipients, digest.subject, digest.text, digest.html, part)
            queued.append(digest)
    return queued


def compose_digest(reports: list[ChangeReport], settings: EmailSettings, recipients: tuple[str, ...]) -> Digest:
    """Subject, text and HTML of one digest, diffs cut so the whole message stays under
    EMAIL_MAX_BYTES (measured on the encoded message, for the longest recipient address)."""
    subject = _subject(reports)
    unsubscribe = f"mailto:{address(settings)}?subject=unsubscribe"
    longest = max(recipients, key=len)

    def attempt(budget: int) -> tuple[Digest, int]:
        """The digest with each diff cut to about ``budget`` characters of HTML, and its size."""
        items = [_Item(report, *truncate_for_email(report.diff, budget)) for report in reports]
        text = _text(items, unsubscribe)
        html = render_template("email_digest.html", title=subject, items=items, unsubscribe=unsubscribe)
        size = len(build_message(settings, longest, subject, text, html).encode("utf-8"))
        return Digest(recipients, tuple(r.change_id for r in reports), subject, text, html), size

    digest, size = attempt(EMAIL_MAX_BYTES)  # the usual case: everything fits
    if size < EMAIL_MAX_BYTES:
        return digest
    # The size grows with the per-change budget: bisect for the largest that fits, to within about
    # 1 KB of message. Small diffs leave their share unused, so a big one among them gets the room.
    best, low, high = attempt(0)[0], 0, EMAIL_MAX_BYTES
    while high - low > 1_000 // len(reports):
        middle = (low + high) // 2
        candidate, size = attempt(middle)
        if size < EMAIL_MAX_BYTES:
            best, low = candidate, middle
        else:
            high = middle
    return best


def _subject(reports: list[ChangeReport]) -> str:
    names = list(dict.fromkeys(r.policy_name for r in reports))
    shown = ", ".join(names[:SUBJECT_NAMES])
    more = f" and {len(names) - SUBJECT_NAMES} more" if len(names) > SUBJECT_NAMES else ""
    return f"policydiff: {shown}{more} changed"


def _text(items: list[_Item], unsubscribe: str) -> str:
    parts = []
    for item in items:
        part = report_text(replace(item.report, diff=item.diff))
        if item.hidden and not item.diff.changed:
            part = part.removesuffix("No changes.\n")  # nothing of the diff fit, which is not "no changes"
        if item.hidden:
            # Without [archive] public_url there is nothing to link: the same words as the HTML part.
            # (No full stop after a URL: mail clients would take it into the link.)
            where = f"see {item.report.archive_url}" if item.report.archive_url else REPORT_KEPT
            part += f"{item.hidden} more change{'' if item.hidden == 1 else 's'} not shown; {where}\n"
        parts.append(part)
    return "\n\n".join(parts) + f"\n-- \nTo unsubscribe: {unsubscribe}\n"
