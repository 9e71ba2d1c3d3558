"""What a request that got no usable response came to: an outcome and a reason in words.

Shared by the spider (Scrapy's and Twisted's exceptions) and the direct path (the standard library's).
Exceptions are matched by class name, so that this module needs neither Scrapy nor Twisted.
"""

from __future__ import annotations

__all__ = ["describe_failure"]

# Scrapy 2.13+ raises its own exception types where older versions let Twisted's through: match names.
_FAILURES = [
    ({"DownloadConnectionRefusedError", "ConnectionRefusedError"}, "failed",
     "refused: the server refused the connection; the next run tries again"),
    ({"CannotResolveHostError", "DNSLookupError", "gaierror"}, "failed",
     "dns: the host name does not resolve; check the URL and the network"),
    ({"DownloadTimeoutError", "TimeoutError", "TCPTimedOutError"}, "failed",
     "timeout: no complete answer within {timeout:g} s; the next run tries again"),
    ({"ResponseDataLossError", "IncompleteRead"}, "rejected",
     "truncated: the connection closed before the whole page arrived; nothing recorded"),
    ({"DownloadCancelledError", "CancelledError"}, "rejected",
     "too-large: the response is larger than the size cap (max_bytes); not a policy page"),
    ({"UnsupportedURLSchemeError", "NotSupported"}, "rejected",
     "scheme: only http and https URLs are fetched (a redirect or meta refresh led elsewhere); nothing fetched"),
]
# A connection dropped before any answer: Scrapy wraps Twisted's error; its name shows in the repr.
_RESET = ("ConnectionLost", "ConnectionDone", "ConnectionResetError", "ResponseNeverReceived",
          "RemoteDisconnected", "BrokenPipeError")


def describe_failure(error: BaseException, timeout: float) -> tuple[str, str]:
    """(outcome, reason) for a request that got no usable response."""
    names = {cls.__name__ for cls in type(error).__mro__}
    if "IgnoreRequest" in names:
        text = str(error)
        if "robots.txt" in text:
            return "rejected", "robots: robots.txt forbids fetching this page; nothing fetched"
        if "redirect" in text.lower():
            return "rejected", f"redirect-loop: {text} (check the URL in policies.toml)"
        return "rejected", f"ignored: {text}"
    for known, outcome, reason in _FAILURES:
        if names & known:
            return outcome, reason.format(timeout=timeout)
    causes = " ".join(repr(r.value) for r in getattr(error, "reasons", []))
    if "DataLoss" in causes or "not all data" in causes.lower():
        return "rejected", "truncated: the connection closed before the whole page arrived; nothing recorded"
    if names & set(_RESET) or any(name in f"{error!r} {causes}" for name in _RESET):
        return "failed", "reset: the server dropped the connection before answering; the next run tries again"
    return "failed", f"connection: {type(error).__name__}: {error or causes}; the next run tries again"
