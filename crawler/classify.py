"""Decide which responses and extractions must never become a version.

Each check returns ``None`` (fine) or a :class:`Verdict`: an outcome (``rejected`` for a page we got
but must not trust, ``failed`` for a transient failure worth retrying next run) and a reason that
starts with a short code and then says, in words, what happened and what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Verdict", "check_response", "check_text"]

MIN_WORDS = 40  # a privacy policy shorter than this is an error page or a broken extraction
LOST_SHARE = 0.5  # a new version keeping less than half of the previous version's words is suspect

# Markers that only challenge/block pages carry (not the scripts a protected site adds to every page:
# Cloudflare injects /cdn-cgi/challenge-platform/ and email-decode on normal pages too).
_CHALLENGE = re.compile(
    rb"<title>\s*(?:just a moment\.\.\.|attention required! \| cloudflare|access denied|"
    rb"ddos-guard|checking your browser[^<]*|security check[^<]*|please wait[^<]*verif[^<]*)\s*</title>"
    rb"|window\._cf_chl_opt|cf-browser-verification|_incapsula_resource|incapsula incident id"
    rb"|px-captcha|/_sec/cp_challenge/|errors\.edgesuite\.net")  # lower case: matched on lowered bytes
_MAINTENANCE = re.compile(
    r"\b(?:down for (?:scheduled )?maintenance|under maintenance|(?:scheduled )?maintenance in progress|"
    r"temporarily unavailable|we(?:'|’)ll be (?:right )?back|be back soon|under construction)\b",
    re.IGNORECASE)
_HTML = re.compile(rb"<(?:!doctype html|html|head|body|p|div|table)\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Verdict:
    outcome: str  # 'rejected' or 'failed'
    reason: str  # "code: what happened; what to do"

    @property
    def code(self) -> str:
        return self.reason.split(":", 1)[0]

    @property
    def message(self) -> str:
        return self.reason.split(":", 1)[1].strip()


def check_response(status: int, headers: dict[str, str], body: bytes) -> Verdict | None:
    """Checks on the raw response, before any parsing (cheap: regexes over bytes)."""
    if status in (401, 403, 406, 407, 451) or status == 429:
        return Verdict("rejected", f"blocked: the site answered HTTP {status}; it refuses our crawler "
                                   "(check robots.txt and the User-Agent, or ask the site)")
    if status in (404, 410):
        return Verdict("rejected", f"gone: HTTP {status}, the policy page is missing "
                                   "(find its new URL and update policies.toml)")
    if status >= 500:
        return Verdict("failed", f"server-error: HTTP {status} after retries; the next run tries again")
    if status >= 400 or status < 200 or 300 <= status < 400:
        return Verdict("rejected", f"http-error: unexpected HTTP {status}")
    if not body.strip():
        return Verdict("rejected", "empty: the page body is empty; the next run tries again")
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    kind = content_type.split(";")[0].strip().lower()
    if kind and kind not in ("text/html", "application/xhtml+xml") and not _HTML.search(body[:4096]):
        return Verdict("rejected", f"not-html: the page is {kind}, not HTML "
                                   "(is the URL in policies.toml the policy page?)")
    # Lower-casing then matching case-sensitively is 3x faster than re.IGNORECASE, and this runs on
    # every page fetched or imported (it was the slowest step of an import, slower than lxml's parse).
    if _CHALLENGE.search(body[:200_000].lower()):
        return Verdict("rejected", "blocked: a bot challenge or access-denied page came back instead of "
                                   "the policy (status 200 or not); nothing recorded")
    lower = body[-4096:].lower()
    if re.search(rb"<html\b", body[:4096], re.IGNORECASE) and b"</html>" not in lower and b"</body>" not in lower:
        return Verdict("rejected", "truncated: the page ends before </html>; the connection was probably "
                                   "cut, the next run tries again")
    return None


def check_text(text: str, previous: str | None) -> Verdict | None:
    """Checks on the extracted text: too short, a maintenance notice, most of the policy gone."""
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS:
        if _MAINTENANCE.search(text):
            return Verdict("rejected", "maintenance: the site shows a maintenance page; the next run tries again")
        return Verdict("rejected", f"too-short: only {len(words)} words were extracted; the page is not the "
                                   "policy or its structure changed (try `policydiff extract`)")
    if len(words) < 150 and _MAINTENANCE.search(text):
        return Verdict("rejected", "maintenance: the site shows a maintenance page; the next run tries again")
    if previous:
        before = len(_WORD.findall(previous))
        if before and len(words) < before * LOST_SHARE:
            return Verdict("rejected", f"lost-text: the extraction has {len(words)} words where the previous "
                                       f"version had {before}; recorded once the same text is seen again")
    return None
