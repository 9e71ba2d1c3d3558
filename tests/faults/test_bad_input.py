"""Bad input: hostile pages through the real CLI under hard resource limits, the classifier under
hypothesis, and bad arguments (one line, exit 2)."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.classify import check_response, check_text
from tests.conftest import ROOT
from tests.pages import policy_html

CPU_SECONDS = 60  # the kernel kills the extractor past this: "bounded time" is enforced, not measured
MEMORY = 2 * 1024**3  # address space, bytes: "bounded memory" likewise


def hostile_10mb() -> bytes:
    """About 10 MB: deep nesting, a huge attribute, NUL bytes, bytes invalid in UTF-8, a real policy."""
    nest = b"<div>" * 50_000 + b"deep" + b"</div>" * 50_000
    attribute = b'<p title="' + b"A" * 3_000_000 + b'">attribute</p>'
    junk = (b"\x00\xff\xfe<b>\x80\x81 caf\xe9 </i>&#0;&bogus;<![CDATA[ ]]>" * 200_000)[:6_500_000]
    policy = policy_html().encode()
    return policy.replace(b"</main>", nest + attribute + junk + b"</main>")


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def test_a_10mb_hostile_page_extracts_within_limits_and_deterministically(tmp_path):
    page = tmp_path / "hostile.html"
    page.write_bytes(hostile_10mb())
    assert page.stat().st_size >= 10_000_000
    runs = [subprocess.run([sys.executable, "-m", "policydiff.cli", "extract", str(page)], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300, preexec_fn=limited) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]  # a signal (limits exceeded) would be negative
    assert runs[0].stdout == runs[1].stdout
    assert "We do not sell, trade or rent your personal information" in runs[0].stdout
    assert "\x00" not in runs[0].stdout


QUADRATIC_CPU_SECONDS = 10  # each page below took 16-38 s when a step was quadratic, under 0.5 s since


def quadratic_bait() -> dict[str, tuple[bytes, tuple[str, ...]]]:
    """1 MB pages built so that a quadratic step of the extractor shows: thousands of hidden or removed
    siblings (each drop re-copied the growing text), and thousands of navigation blocks under 2,000
    nested divs (each walked up through every ancestor)."""
    prose = b"<p>" + b"This is a privacy policy sentence, and it reads like prose. " * 5 + b"</p>"
    return {
        "hidden": (b"<body>" + prose + b"<div>" + b"<i hidden></i>xxxxxxxxxx" * 41_000 + b"</div>", ()),
        "removed": (b"<body>" + prose + b"<div>" + b"<i></i>xxxxxxx" * 70_000 + b"</div>", ("--remove", "i")),
        "nested chrome": (b"<div>" * 2_000 + prose + b"<nav>a b, c</nav>" * 58_000, ()),
    }


def test_pages_built_to_make_extraction_quadratic_stay_within_a_tight_cpu_limit(tmp_path):
    def tight() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (QUADRATIC_CPU_SECONDS, QUADRATIC_CPU_SECONDS))

    for name, (body, options) in quadratic_bait().items():
        page = tmp_path / "bait.html"
        page.write_bytes(body)
        run = subprocess.run([sys.executable, "-m", "policydiff.cli", "extract", str(page), *options], cwd=tmp_path,
                             capture_output=True, text=True, timeout=300, preexec_fn=tight)
        assert run.returncode == 0, (name, run.returncode, run.stderr[-2000:])  # killed by the limit: negative
        assert "This is a privacy policy sentence" in run.stdout, name


@settings(max_examples=200, deadline=None)
@given(status=st.integers(0, 999), headers=st.dictionaries(st.sampled_from(["Content-Type", "location", "ETag"]),
                                                           st.text(max_size=60)), body=st.binary(max_size=3000))
def test_the_response_classifier_takes_any_response(status: int, headers: dict, body: bytes) -> None:
    verdict = check_response(status, headers, body)
    assert verdict == check_response(status, headers, body)
    assert verdict is None or (verdict.outcome in ("rejected", "failed") and ": " in verdict.reason)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=3000), previous=st.none() | st.text(max_size=3000))
def test_the_text_classifier_takes_any_text(text: str, previous: str | None) -> None:
    verdict = check_text(text, previous)
    assert verdict == check_text(text, previous)
    assert verdict is None or ": " in verdict.reason


@pytest.mark.parametrize("args", [
    [], ["crawl", "--bogus"], ["nosuch"], ["history"], ["changes", "--since"], ["import", "--at"],
    ["extract"], ["crawl", "--db"], ["serve", "--port", "99999"],
])
def test_bad_arguments_are_one_line_and_exit_2(cli, args):
    result = cli(*args)
    assert result.returncode == 2, result
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("policydiff") and "--help`)" in result.stderr


@pytest.mark.parametrize("args", [
    ["status"], ["changes"], ["promises"], ["history", "megatoners"], ["report"], ["reextract"],
    ["export", "--warc", "out.warc"],
])
def test_a_mistyped_archive_path_is_one_line_and_creates_nothing(cli, tmp_path, args):
    """Cron's environment without POLICYDIFF_DB, a typo in --db: a command that reads the archive must
    not create an empty one there and report on it as if all were well."""
    typo = tmp_path / "typo" / "polcydiff.db"
    result = cli(*args, "--db", str(typo), "--config", str(ROOT / "policies.toml"))
    assert result.returncode == 1, result
    assert result.stderr == f"policydiff: no archive at {typo} (run `policydiff crawl` or `policydiff import` first, or pass --db)\n"
    assert not typo.parent.exists()


def test_an_archive_path_that_cannot_be_is_one_line(cli, tmp_path):
    """Through a file, or under /proc: one line naming the path, exit 1, no traceback."""
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    for db in (a_file / "policydiff.db", "/proc/policydiff.db"):
        result = cli("run", "--db", str(db), "--config", str(ROOT / "policies.toml"))
        assert result.returncode == 1 and result.stderr.count("\n") == 1, result
        assert result.stderr.startswith("policydiff: cannot use ") and "check the --db path" in result.stderr


def test_a_config_path_that_is_a_folder_is_a_configuration_error(cli, tmp_path):
    result = cli("status", "--config", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == (f"policydiff: {tmp_path}: cannot read the configuration file: Is a directory "
                             "(pass --config or set POLICYDIFF_CONFIG to a policies.toml you can read)\n")


@pytest.mark.parametrize("args, line", [
    (["run", "--bogus"], "policydiff run: unrecognized arguments: --bogus (see `policydiff run --help`)"),
    # The demo makes its own archive and config in --workdir: --db and --config were silently ignored.
    (["demo", "--db", "x.db"], "policydiff demo: unrecognized arguments: --db x.db (see `policydiff demo --help`)"),
])
def test_an_unknown_option_is_told_by_its_command(cli, args, line):
    result = cli(*args)
    assert (result.returncode, result.stderr) == (2, line + "\n")


def test_import_mistakes_say_what_is_missing(cli, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>Privacy</p></body></html>")
    config = str(ROOT / "policies.toml")
    no_at = cli("import", "megatoners", str(page), "--config", config)
    assert (no_at.returncode, no_at.stderr) == (
        2, "policydiff: import ID FILE... needs --at TIME: when the files were fetched (ISO 8601)\n")
    folder = cli("import", "--manifest", str(tmp_path), "--config", config)
    assert (folder.returncode, folder.stderr) == (2, f"policydiff: {tmp_path}: Is a directory\n")


def test_a_path_that_cannot_be_outside_the_archive_is_not_blamed_on_db(cli, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><main><p>" + "We collect your name and address. " * 20 + "</p></main></body></html>")
    config = str(ROOT / "policies.toml")
    cli("import", "megatoners", str(page), "--at", "2024-01-01", "--config", config, check=0)
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    result = cli("report", "--out", str(a_file / "reports"), "--config", config)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result
    assert result.stderr.endswith("(check that path)\n") and "--db" not in result.stderr
