"""Generate a large archive: P policies x V versions, F fetch rows in all, years of daily-ish history.

The schema is the one the migrations build (``open_db``); rows are written the way ``record_fetch``
writes them: a snapshot per distinct body (zlib), a version and a change per new text, and every
other fetch one small row (not-modified: no snapshot; unchanged: the existing snapshot's id). Every
change is judged and reported, and every policy was crawled successfully within the hour, so a
``policydiff run`` on it has nothing to do: what it costs is its overhead at this scale.
"""

from __future__ import annotations

import hashlib
import json
import random
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from archive import open_db, sync_policies
from archive.store import now_iso
from policydiff.config import load_config
from reports.judge import RULES

__all__ = ["generate"]

_WORDS = ("we collect use share personal information data your account services providers partners "
          "cookies device location advertising analytics security retain delete request access rights "
          "consent purposes third parties process contact email payment browser choices children").split()
FINDINGS = [("revision-date-not-updated", "warning", "The text changed but the stated revision date did not."),
            ("posting-period-not-met", "violation", "The change was posted for fewer days than promised.")]


def write_config(path: Path, policies: int) -> Path:
    """policies.toml for the archive: every policy fetched daily, on a loopback URL nobody serves."""
    path.write_text("".join(f"[policies.p{i:04d}]\nurl = \"http://127.0.0.{i % 50 + 1}:9/policy/{i}.html\"\n"
                            f"every = \"1d\"\n\n" for i in range(policies)))
    return path


def _text(rng: random.Random, size: int) -> list[str]:
    paragraphs, total = [], 0
    while total < size:
        p = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(30, 80))).capitalize() + "."
        paragraphs.append(p)
        total += len(p) + 2
    return paragraphs


def generate(db_path: Path, config_path: Path, *, policies: int, versions: int, fetches: int,
             text_bytes: int = 15_000, seed: int = 1) -> None:
    rng = random.Random(seed)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    per_policy = fetches // policies
    step = timedelta(days=2 * 365) / per_policy  # two years of history, the last fetch an hour ago
    db = open_db(db_path)
    sync_policies(db, list(load_config(config_path).policies.values()))
    conn = db.conn
    conn.execute("PRAGMA synchronous = OFF")  # a generated file: nothing to lose on a crash
    snapshot_id = version_id = change_id = 0
    for p in range(policies):
        pid = f"p{p:04d}"
        paragraphs = _text(rng, text_bytes)
        # Bodies of one policy share their page: compress the common prefix once, then each version's tail.
        head = ("<html><head><title>Privacy</title></head><body><nav>" + "<a href='/x'>menu</a>" * 200
                + "</nav><main>").encode()
        base = zlib.compressobj(6)
        base_out = base.compress(head)
        version_at = sorted(rng.sample(range(1, per_policy), versions - 1))
        version_at = [0, *version_at]
        snaps, vers, fetch_rows, changes, finding_rows = [], [], [], [], []
        current_v = current_s = None
        next_change = 0
        for k in range(per_policy):
            started = now_iso(now - timedelta(hours=1) - step * (per_policy - 1 - k))
            if next_change < len(version_at) and k == version_at[next_change]:
                next_change += 1
                edit = rng.randrange(len(paragraphs))
                paragraphs[edit] = " ".join(rng.choice(_WORDS) for _ in range(40)).capitalize() + "."
                text = "\n\n".join(paragraphs) + "\n"
                body = ("".join(f"<p>{x}</p>" for x in paragraphs) + "</main></body></html>").encode()
                tail = base.copy()
                blob = base_out + tail.compress(body) + tail.flush()
                snapshot_id += 1
                version_id += 1
                snaps.append((snapshot_id, _sha(head + body + pid.encode()), "text/html", "{}", len(head) + len(body),
                              "zlib", blob))
                vers.append((version_id, pid, text, _sha(text.encode()), started, started, snapshot_id, "1", "policy"))
                if current_v is not None:
                    change_id += 1
                    changes.append((change_id, pid, current_v, version_id, started))
                    if rng.random() < 0.3:
                        finding_rows.append((change_id, *rng.choice(FINDINGS)))
                current_v, current_s = version_id, snapshot_id
                fetch_rows.append((pid, started, "new-version", 200, None, 30_000, snapshot_id, version_id))
                continue
            roll = rng.random()
            if roll < 0.85:
                fetch_rows.append((pid, started, "not-modified", 304, None, None, None, current_v))
            elif roll < 0.97:
                fetch_rows.append((pid, started, "unchanged", 200, None, 30_000, current_s, current_v))
            elif roll < 0.99:
                fetch_rows.append((pid, started, "failed", None, "timeout: no complete answer within 30 s; "
                                   "the next run tries again", None, None, None))
            else:
                fetch_rows.append((pid, started, "rejected", 503, "server-error: HTTP 503 after retries", None,
                                   None, None))
        last = fetch_rows[-1]
        if last[2] not in ("new-version", "unchanged", "not-modified"):  # crawled successfully within the hour
            fetch_rows[-1] = (pid, last[1], "not-modified", 304, None, None, None, current_v)
        with conn:
            conn.executemany("INSERT INTO snapshots (id, sha256, content_type, headers, size, compression, body)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?)", snaps)
            last_seen = {}  # last_seen moves with unchanged and not-modified fetches, as record_fetch does
            for row in fetch_rows:
                if row[7] is not None:
                    last_seen[row[7]] = row[1]
            vers = [(*v[:5], last_seen[v[0]], *v[6:]) for v in vers]
            conn.executemany("INSERT INTO versions (id, policy, text, sha256, first_seen, last_seen, snapshot,"
                             " extractor_version, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", vers)
            conn.executemany("INSERT INTO fetches (policy, started_at, url, final_url, status, outcome, reason,"
                             " bytes, duration_ms, etag, last_modified, snapshot, version, source)"
                             " VALUES (?1, ?2, 'http://x/', NULL, ?4, ?3, ?5, ?6, 120, NULL, NULL, ?7, ?8, 'crawl')",
                             fetch_rows)
            conn.executemany("INSERT INTO changes (id, policy, from_version, to_version, detected_at)"
                             " VALUES (?, ?, ?, ?, ?)", changes)
            conn.executemany("INSERT INTO findings (change, code, severity, message) VALUES (?, ?, ?, ?)",
                             finding_rows)
            conn.executemany("INSERT INTO judgements (change, judged_at, rules) VALUES (?, ?, ?)",
                             [(c[0], c[4], RULES) for c in changes])
            conn.executemany("INSERT INTO reported (change, reported_at) VALUES (?, ?)",
                             [(c[0], c[4]) for c in changes])
    db.close()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--fetches", type=int, default=1_000_000)
    args = parser.parse_args()
    config = write_config(args.db.with_suffix(".toml"), args.policies)
    generate(args.db, config, policies=args.policies, versions=args.versions, fetches=args.fetches)
    print(json.dumps({"db": str(args.db), "config": str(config)}))
