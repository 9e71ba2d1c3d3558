"""Decide which responses and extractions must never become a version.

Each check returns ``None`` (fine) or a :class:`Verdict`: an outcome (``rejected`` for a page we got
but must not trust, ``failed`` for a transient failure worth retrying next run) and a reason that
starts with a short code and then says, in words, what happened and what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import urlsplit

from reports.dates import stated_date

__all__ = ["CONFIRMABLE", "Verdict", "check_redirect", "check_response", "check_text", "header", "redirect_note"]

MIN_WORDS = 40  # a privacy policy shorter than this is an error page or a broken extraction
LOST_SHARE = 0.5  # a new version keeping less than half of the previous version's words is suspect
# Suspicious changes: recorded only when the next fetch extracts the same text (see crawler.record).
CONFIRMABLE = ("lost-text", "date-backwards", "flapping")
PERMANENT = (301, 308)

# Markers that only challenge/block pages carry (not the scripts a protected site adds to every page:
# Cloudflare injects /cdn-cgi/challenge-platform/ and email-decode on normal pages too).
# Matched on lowered bytes. The fixed markers are substring tests and the title a regex starting with a
# literal: 5x faster than one alternation, which the regex engine tried at every "<" of the page.
_CHALLENGE_TITLE = re.compile(
    rb"<title>\s*(?:just a moment\.\.\.|attention required! \| cloudflare|access denied|"
    rb"ddos-guard|checking your browser[^<]*|security check[^<]*|please wait[^<]*verif[^<]*)\s*</title>")
_CHALLENGE_MARKERS = (b"window._cf_chl_opt", b"cf-browser-verification", b"_incapsula_resource",
                      b"incapsula incident id", b"px-captcha", b"/_sec/cp_challenge/", b"errors.edgesuite.net")
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
    if status in (401, 403, 406, 407, 451):
        return Verdict("rejected", f"blocked: the site answered HTTP {status}; it refuses our crawler "
                                   "(check robots.txt and the User-Agent, or ask the site)")
    if status == 429:  # a rate limit is transient: the middleware already waited as Retry-After asked
        return Verdict("failed", "rate-limited: HTTP 429 after retries (or Retry-After beyond the backoff cap); "
                                 "the next run tries again")
    if status in (404, 410):
        return Verdict("rejected", f"gone: HTTP {status}, the policy page is missing "
                                   "(find its new URL and update policies.toml)")
    if status >= 500:
        return Verdict("failed", f"server-error: HTTP {status} after retries; the next run tries again")
    location = header(headers, "location") or ""
    if 300 <= status < 400 and urlsplit(location).scheme not in ("", "http", "https"):
        # Scrapy follows only http(s) redirects and hands us the others (ftp:, file:, javascript:...).
        return Verdict("rejected", f"redirect-scheme: the page redirects to {location[:200]}, which is not an "
                                   "http(s) URL; not followed (check the URL in policies.toml)")
    if status >= 400 or status < 200 or 300 <= status < 400:
        return Verdict("rejected", f"http-error: unexpected HTTP {status}")
    if not body.strip():
        return Verdict("rejected", "empty: the page body is empty; the next run tries again")
    content_type = header(headers, "content-type") or ""
    kind = content_type.split(";")[0].strip().lower()
    if kind and kind not in ("text/html", "application/xhtml+xml") and not _HTML.search(body[:4096]):
        return Verdict("rejected", f"not-html: the page is {kind}, not HTML "
                                   "(is the URL in policies.toml the policy page?)")
    # Lower-casing then matching case-sensitively is 3x faster than re.IGNORECASE, and this runs on
    # every page fetched or imported (it was the slowest step of an import, slower than lxml's parse).
    head = body[:200_000].lower()
    if any(marker in head for marker in _CHALLENGE_MARKERS) or _CHALLENGE_TITLE.search(head):
        return Verdict("rejected", "blocked: a bot challenge or access-denied page came back instead of "
                                   "the policy (status 200 or not); nothing recorded")
    lower = body[-4096:].lower()
    if re.search(rb"<html\b", body[:4096], re.IGNORECASE) and b"</html>" not in lower and b"</body>" not in lower:
        return Verdict("rejected", "truncated: the page ends before </html>; the connection was probably "
                                   "cut, the next run tries again")
    return None


def check_redirect(url: str, final_url: str | None) -> Verdict | None:
    """A policy URL that now lands on the site's home page: the policy moved or was removed."""
    if not final_url or final_url == url:
        return None
    if urlsplit(final_url).path in ("", "/") and urlsplit(url).path not in ("", "/"):
        return Verdict("rejected", f"moved: the policy URL now redirects to the home page {final_url}; the "
                                   "policy moved or was removed (find its new URL and update policies.toml)")
    return None


def redirect_note(url: str, final_url: str | None, statuses: tuple[int, ...]) -> str | None:
    """The reason recorded with a fetch that followed a permanent redirect.

    The page is still archived (it is the policy), but every run says so until policies.toml is
    updated: a permanent move is reported to operators, never silently followed forever.
    """
    permanent = [s for s in statuses if s in PERMANENT]
    if not permanent or not final_url or final_url == url:
        return None
    return (f"moved: {url} redirects permanently (HTTP {permanent[0]}) to {final_url}; "
            "update the url in policies.toml")


def check_text(text: str, previous: str | None) -> Verdict | None:
    """Checks on the extracted text: too short, a maintenance notice, most of the policy gone, a date
    that goes backwards."""
    words = _words(text, 150)  # the most any check below asks of the new text, unless it is compared
    if words < MIN_WORDS:
        if _MAINTENANCE.search(text):
            return Verdict("rejected", "maintenance: the site shows a maintenance page; the next run tries again")
        return Verdict("rejected", f"too-short: only {words} words were extracted; the page is not the "
                                   "policy or its structure changed (try `policydiff extract`)")
    if words < 150 and _MAINTENANCE.search(text):
        return Verdict("rejected", "maintenance: the site shows a maintenance page; the next run tries again")
    if previous:
        # Counted in full, and cached: in an import or a run of captures this text is the next one's
        # `previous`, counted once for both.
        before, words = _word_count(previous), _word_count(text)
        if before and words < before * LOST_SHARE:
            return Verdict("rejected", f"lost-text: the extraction has {words} words where the previous "
                                       f"version had {before}; recorded once the same text is seen again")
        now, then = _stated_date(text), _stated_date(previous)
        if now and then and now < then:  # an old copy (cache, mirror, rollback) or a backdated edit
            return Verdict("rejected", f"date-backwards: the page states {now} where the previous version "
                                       f"stated {then}; recorded once the same text is seen again")
    return None


# Each text is checked twice: as the new text, then as `previous` of the next fetch of the policy (often
# equal to it). Both scans take milliseconds on a policy; a few cached results skip the second.
@lru_cache(maxsize=8)
def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _words(text: str, enough: int) -> int:
    """The number of words, counted up to ``enough``: a check needs only to know it is reached, and
    counting a whole policy costs a millisecond. Exact whenever it is below ``enough``."""
    end = enough * 16  # a prefix that usually holds that many words (a word cut at its end counts once)
    while True:
        words = len(_WORD.findall(text, 0, end))  # never more than the whole text's count
        if words >= enough or end >= len(text):
            return min(words, enough)
        end *= 4


@lru_cache(maxsize=8)
def _stated_date(text: str) -> date | None:
    return stated_date(text)


def header(headers: dict[str, str], name: str) -> str | None:
    """A response header by its lower-case name (stored headers keep the server's spelling)."""
    return next((v for k, v in headers.items() if k.lower() == name), None)
