"""End to end in a real headless browser (Debian's chromium; .ci/run installs it): a real `policydiff
serve`, the list of latest changes, then the diff page its first link leads to, as the browser built
them (after parsing and running the pages), with screenshots in tests/artifacts/."""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest

from tests.conftest import ROOT
from tests.datasette_archive import HOSTILE, build_archive, served
from tests.test_datasette import Tags

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium (.ci/run installs Debian's)")


@pytest.fixture
def browser(tmp_path):
    """Run headless chromium once on a URL: --dump-dom (the DOM after the page ran) or --screenshot."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--window-size=1280,1100", f"--user-data-dir={tmp_path / 'profile'}"]

    def run(*args: str) -> str:
        result = subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    return run


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_a_reader_opens_the_latest_changes_then_a_diff_page(tmp_path, browser):
    archive = build_archive(tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    with served(archive.path) as base:
        listing = Tags(browser("--dump-dom", f"{base}/archive/latest_changes"))
        text = " ".join(" ".join(listing.text).split())
        assert "Latest changes" in text
        assert "violation: posting-period-not-met" in text and "violation: revision-date-not-updated" in text
        diff_links = [a["href"] for a in listing.named("a") if a.get("href", "").startswith("/-/policydiff/changes/")]
        assert diff_links == [f"/-/policydiff/changes/{c}" for c in
                              (archive.hostile_change, archive.posting_change, archive.silent_change)]
        browser(f"--screenshot={ARTIFACTS / 'latest-changes.png'}", f"{base}/archive/latest_changes")

        # The newest change: the version whose text contains markup.
        page = Tags(browser("--dump-dom", base + diff_links[0]))
        text = " ".join(" ".join(page.text).split())
        assert "MegaToners.com Privacy Policy changed" in text
        assert "Change 3: version 2 → version 3, first seen 2024-03-04T10:00:00Z" in text
        assert "posting-period-not-met" in text and "promises to post changes for 7 days" in text
        assert HOSTILE in text  # shown as the text it is...
        assert not page.named("script") and not page.named("img")  # ...never run or loaded
        assert not any("onerror" in attrs for _, attrs in page.tags)
        links = {" ".join(a.split()) for a in page.link_texts()}
        assert {"version 2", "version 3", "raw snapshot", "timeline of this policy", "← previous change"} <= links
        shot = ARTIFACTS / "diff-page.png"
        browser(f"--screenshot={shot}", base + diff_links[0])
    assert png_size(shot) == (1280, 1100)
    assert shot.stat().st_size > 40_000  # a rendered page of text and colour, not a blank one
