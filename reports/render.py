"""Renderings of a :class:`reports.diff.Diff`: plain text, web HTML, email HTML.

All HTML comes from the one auto-escaping Jinja2 environment :data:`env` (templates in
``reports/templates/``), so policy text, which is untrusted, is escaped exactly once,
by Jinja2. Other modules add their templates to the same directory and render them
with :func:`render_template`.

Templates of the diff (``{% include %}`` them with ``diff``, a :class:`Diff`, in context):

- ``diff_style.html``: ``<style>`` holding ``diff.css``; once per web page showing either
  web partial;
- ``diff_inline.html``: inline web diff (``<div class="pd-diff pd-inline">``);
- ``diff_side_by_side.html``: two-column web table (optional ``old_label``,
  ``new_label``, default "Before"/"After");
- ``diff_email.html``: email diff with inline styles only (optional ``hidden_changes``:
  int, ``full_report_url``: str); give it ``diff`` from :func:`truncate_for_email`;
- ``email_diff_document.html``: a whole email around ``diff_email.html`` (``title``);
- ``diff_fragment.html``: what the two ``render_html_*`` functions return;
- ``diff_macros.html``: ``hunks(diff, layout, a)``, the one loop over hunks and ops that
  all diff partials share (web classes, or the email's inline styles ``a``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from reports.diff import NEW_SIDE, Diff, Hunk, Op, WordTag

__all__ = [
    "EMAIL_MAX_BYTES",
    "REPORT_KEPT",
    "diff_pieces",
    "diff_sections",
    "env",
    "render_email_html",
    "render_html_inline",
    "render_html_side_by_side",
    "render_template",
    "render_text",
    "truncate_for_email",
]

TEMPLATES = Path(__file__).with_name("templates")
EMAIL_MAX_BYTES = 100_000
EMAIL_BLOCK_CHARS = 2_000  # a longer block is clipped in email; the full report has it

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt context variable fails loudly, not blank
    trim_blocks=True,
    lstrip_blocks=True,
)


Piece = tuple[str, str]  # (role, text); role: "text", "del", "ins" or "label"
_ROLE = {"equal": "text", "delete": "del", "insert": "ins"}
_HIDDEN_WORDS = {"old": "insert", "new": "delete", "both": None}


def diff_pieces(op: Op, side: str) -> list[Piece]:
    """What one side ("old", "new" or "both" for inline) of an op shows, as plain
    (role, text) pieces; templates escape and wrap them (role "del" → <del> ...).
    Branching here rather than in Jinja keeps big diffs fast to render."""
    old = side != "new"
    new = side != "old"
    if op.kind == "equal":
        return [("text", op.new_block or "")]
    if op.kind == "replace":
        hidden = _HIDDEN_WORDS[side]
        return [(_ROLE[tag], text) for tag, text in op.words if tag != hidden]
    if op.kind == "delete":
        return [("del", op.old_block or "")] if old else []
    if op.kind == "insert":
        return [("ins", op.new_block or "")] if new else []
    if op.kind == "move-from":
        if not old:
            return []
        return [("label", f"Moved to new ¶{op.new_index + 1}"), ("text", " "), ("del", op.old_block or "")]  # type: ignore[operator]
    if not new:  # move-to
        return []
    body = [(_ROLE[tag], text) for tag, text in op.words] or [("text", op.new_block or "")]
    return [("label", f"Moved from old ¶{op.old_index + 1}"), ("text", " "), *body]  # type: ignore[operator]


def _skipped(count: int) -> str:
    """The label of ``count`` collapsed unchanged blocks ("" for none)."""
    return f"… {count} unchanged paragraph{'' if count == 1 else 's'} …" if count else ""


def _section(hunk: Hunk) -> str:
    return f"§ {hunk.heading or '(before the first heading)'}"


Row = tuple[str, tuple[list[Piece], ...]]  # (op kind, pieces of each side)


def diff_sections(diff: Diff, sides: tuple[str, ...]) -> list[tuple[str, str | None, list[Row]]]:
    """What a diff partial shows, as plain text for templates to escape: for each hunk,
    the label of the unchanged blocks collapsed before it ("" when none), its section
    label and its rows (op kind, :func:`diff_pieces` of each side); then the label of
    the unchanged blocks after the last hunk, with no section. One call per diff: Jinja
    function calls are what costs in a diff of thousands of blocks; loops are cheap."""
    sections: list[tuple[str, str | None, list[Row]]] = [
        (
            _skipped(hunk.skipped_before),
            _section(hunk),
            [(op.kind, tuple([diff_pieces(op, side) for side in sides])) for op in hunk.ops],
        )
        for hunk in diff.hunks
    ]
    sections.append((_skipped(diff.skipped_after), None, []))
    return sections


env.globals["diff_sections"] = diff_sections
# What a cut diff says of the rest without [archive] public_url (a link to the change's page otherwise).
REPORT_KEPT = "the full report is kept in the policydiff archive."
env.globals["REPORT_KEPT"] = REPORT_KEPT


def render_template(name: str, **context: object) -> str:
    return env.get_template(name).render(**context)


def render_html_inline(diff: Diff, *, style: bool = True) -> str:
    """Inline diff fragment; ``style`` prepends the ``<style>`` it needs."""
    return render_template("diff_fragment.html", diff=diff, partial="diff_inline.html", style=style)


def render_html_side_by_side(diff: Diff, *, style: bool = True) -> str:
    """Two-column diff fragment; ``style`` prepends the ``<style>`` it needs."""
    return render_template("diff_fragment.html", diff=diff, partial="diff_side_by_side.html", style=style)


# --- plain text ---------------------------------------------------------------------

_TEXT_MARKS = {"equal": " ", "insert": "+", "delete": "-", "replace": "~", "move-from": "<", "move-to": ">"}
_WORD_MARKS = {"equal": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}


def _text_body(op: Op) -> str:
    if op.words:
        body = "".join(f"{_WORD_MARKS[tag][0]}{text}{_WORD_MARKS[tag][1]}" for tag, text in op.words)
    else:
        body = (op.new_block if op.kind in NEW_SIDE else op.old_block) or ""
    if op.kind == "move-from":
        return f"[moved to new ¶{op.new_index + 1}] {body}"  # type: ignore[operator]
    if op.kind == "move-to":
        return f"[moved from old ¶{op.old_index + 1}] {body}"  # type: ignore[operator]
    return body


def render_text(diff: Diff) -> str:
    """Unified-diff-like text: ``@@ § heading @@`` above each hunk, one mark per block
    (`` `` same, ``+`` added, ``-`` removed, ``~`` changed with ``[-old-]{+new+}``
    words, ``<``/``>`` moved away/here)."""
    if not diff.changed:
        return "No changes.\n"
    lines: list[str] = []
    for hunk in diff.hunks:
        if hunk.skipped_before:
            lines.append(_skipped(hunk.skipped_before))
        lines.append(f"@@ {_section(hunk)} @@")
        for op in hunk.ops:
            mark = _TEXT_MARKS[op.kind]
            # Blocks may span lines (list item continuations): keep the mark column.
            lines += [f"{mark} {line}" for line in _text_body(op).split("\n")]
    if diff.skipped_after:
        lines.append(_skipped(diff.skipped_after))
    return "\n".join(lines) + "\n"


# --- email --------------------------------------------------------------------------

def _clip_words(words: tuple[tuple[WordTag, str], ...], limit: int) -> tuple[tuple[WordTag, str], ...]:
    clipped: list[tuple[WordTag, str]] = []
    for tag, text in words:
        if limit <= 0:
            break
        clipped.append((tag, text[:limit] + ("…" if len(text) > limit else "")))
        limit -= len(text)
    return tuple(clipped)


def _clip(op: Op, limit: int) -> Op:
    """The op with each text cut to about ``limit`` characters."""
    def cut(text: str | None) -> str | None:
        return text if text is None or len(text) <= limit else text[:limit] + "…"

    return op._replace(old_block=cut(op.old_block), new_block=cut(op.new_block), words=_clip_words(op.words, limit))


def _cost(op: Op) -> int:
    """Rough email size of an op: its texts (×1.2 for escaping) plus markup."""
    texts = sum(len(t) for _, t in op.words) or len(op.old_block or "") + len(op.new_block or "")
    return 300 + 40 * len(op.words) + texts * 6 // 5


def truncate_for_email(diff: Diff, budget: int) -> tuple[Diff, int]:
    """The leading part of ``diff`` that fits about ``budget`` characters of email
    HTML (blocks clipped to EMAIL_BLOCK_CHARS), and how many changes were left out.
    Cuts between ops, not only between hunks: a full rewrite is one giant hunk."""
    hunks: list[Hunk] = []
    hidden = 0
    spent = 0
    for hunk in diff.hunks:
        spent += 400  # heading and skipped-paragraphs line
        ops: list[Op] = []
        for op in hunk.ops:
            if not hidden:
                clipped = _clip(op, EMAIL_BLOCK_CHARS)
                spent += _cost(clipped)
            if hidden or spent > budget:
                hidden += op.kind != "equal"
            else:
                ops.append(clipped)
        if ops:
            hunks.append(replace(hunk, ops=tuple(ops)))
    return replace(diff, hunks=tuple(hunks), skipped_after=0 if hidden else diff.skipped_after), hidden


def render_email_html(
    diff: Diff, *, title: str, full_report_url: str | None = None, max_bytes: int = EMAIL_MAX_BYTES
) -> str:
    """A complete HTML email (inline CSS only) under ``max_bytes`` UTF-8 bytes: when
    the diff does not fit, it ends with "N more changes not shown; see the full report"
    linking ``full_report_url``."""
    budget = max_bytes * 3 // 4
    while True:
        shown, hidden = truncate_for_email(diff, budget)
        html = render_template(
            "email_diff_document.html", title=title, diff=shown, hidden_changes=hidden, full_report_url=full_report_url
        )
        # The cost estimate is rough (escaping can grow text ×6): shrink until it fits.
        if len(html.encode()) <= max_bytes or not shown.hunks:
            return html
        budget //= 2
