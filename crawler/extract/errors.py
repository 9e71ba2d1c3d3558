"""The one exception the extractor raises for a page that must not become a version."""

from __future__ import annotations

__all__ = ["Rejected"]


class Rejected(Exception):
    """The page must not become a version; `reason` is a short code, `message` a readable sentence."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
