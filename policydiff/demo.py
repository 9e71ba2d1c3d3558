"""`policydiff demo`: the whole job offline, on sample pages of both retailers served on 127.0.0.1.

It crawls both, then edits one sentence of TonerRefillKits' policy and only the chrome of MegaToners'
page (copyright year, brand menu, phone number), crawls again, and shows that exactly one policy
changed, and how. The crawls run the real CLI in subprocesses, exactly as cron would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TextIO

from policydiff import sites
from policydiff.server import SiteServer

__all__ = ["run_demo"]

PATHS = {"tonerrefillkits": "/tonerrefillkits/privacy/", "megatoners": "/megatoners/privacypolicy.html"}
EDITED = "tonerrefillkits"  # its policy sentence changes; the other site changes only its chrome


def demo_config(server: SiteServer) -> str:
    """The repository's two policies, pointed at the local sample pages, politeness delay off."""
    return f"""\
[crawl]
delay = 0

[policies.tonerrefillkits]
name = "TonerRefillKits.com Privacy Policy (demo copy)"
url = "{server.url(PATHS['tonerrefillkits'])}"

[policies.tonerrefillkits.promise]
posted = "any"
email = "personal-info-use"
date_label = "Last Revised"
clause = "How We Notify You of Changes to Our Policy"

[policies.megatoners]
name = "MegaToners.com Privacy Policy (demo copy)"
url = "{server.url(PATHS['megatoners'])}"

[policies.megatoners.promise]
posted = "any"
posting_days = 7
clause = "Privacy Policy Changes"
"""


def serve(server: SiteServer, *, edited: bool) -> None:
    for site, path in PATHS.items():
        page = sites.render_page(site, policy_edit=edited and site == EDITED,
                                 chrome_edit=edited and site != EDITED)
        server.route(path, page, headers={"Content-Type": sites.content_type()})


def run_demo(workdir: Path, out: TextIO) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    db, config = workdir / "demo.db", workdir / "policies.toml"
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)  # the demo starts from an empty archive every time

    def policydiff(*args: str) -> int:
        out.write(f"\n$ policydiff {' '.join(args)}\n")
        out.flush()
        env = {**os.environ, "POLICYDIFF_DB": str(db), "POLICYDIFF_CONFIG": str(config)}
        result = subprocess.run([sys.executable, "-m", "policydiff.cli", *args], env=env,
                                capture_output=True, text=True)
        out.write(result.stdout + result.stderr)
        return result.returncode

    with SiteServer() as server:
        server.route("/robots.txt", "User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
        config.write_text(demo_config(server), encoding="utf-8")
        out.write(f"Serving sample pages of both retailers at {server.url('/')}\n")
        serve(server, edited=False)
        status = policydiff("crawl")
        old, new = sites.policy_edit(EDITED)
        out.write(f"\nNow {EDITED} changes one sentence ({old!r} -> {new!r});\n"
                  "megatoners changes only its chrome (copyright year, brand menu, phone number).\n")
        serve(server, edited=True)
        status |= policydiff("crawl")
        for site in PATHS:
            status |= policydiff("history", site)
        status |= policydiff("changes")
        status |= policydiff("report", "--out", str(workdir / "reports"))
    out.write(f"\nReports: {workdir / 'reports' / 'index.html'}\n"
              f"The archive is {db}: browse it with `policydiff serve --db {db}`.\n")
    return status
