"""`policydiff promises`: what each policy promises about announcing changes, declared and detected."""

from __future__ import annotations

import sqlite_utils

from archive.store import current_version
from reports.promise import detect_promise

__all__ = ["describe_promises"]


def describe_promises(db: sqlite_utils.Database, policies: list) -> list[dict]:
    """Per policy: the declared promise, the one detected in its current version, and the clause text."""
    described = []
    for policy in policies:
        current = current_version(db, policy.id)
        hint = policy.promise.clause if policy.promise else None
        detected = detect_promise(current["text"], clause=hint) if current else None
        described.append({
            "policy": policy.id,
            "declared": policy.promise.to_dict() if policy.promise else None,
            "detected": detected.to_dict() if detected else None,
            "clause": detected.clause if detected else None,
            "version": current["id"] if current else None,
        })
    return described
