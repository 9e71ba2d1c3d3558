"""The `policydiff` command: parses arguments and calls one library function per command.

Exit status: 0 success, 1 when a fetch or import was rejected or failed (or a page is rejected),
when mail stays queued or is given up, or when `status` finds a failing policy; 2 for usage and
configuration errors.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path

from archive import ArchiveError, open_db, require_archive, sync_policies
from policydiff.config import ConfigError, load_config
from policydiff.lock import Busy, writer_lock

__all__ = ["main"]

DEFAULT_DB = "var/policydiff.db"
DEFAULT_CONFIG = "policies.toml"
DEFAULT_REPORTS = "var/reports"


# A full disk or a read-only file system under the archive, its folder or its lock file.
_STORAGE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


class UsageError(Exception):
    """Bad arguments: exit 2 with one line."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # told by the command's own parser, so the hint names `policydiff COMMAND --help`
        getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "handler", None):
        parser.error("a command is required")  # one line, exit 2, like every other usage error
    try:
        return args.handler(args)
    except (ConfigError, UsageError) as exc:
        print(f"policydiff: {exc}", file=sys.stderr)
        return 2
    except Busy as exc:
        then = ("the next scheduled run goes on" if args.command == "run"
                else f"run `policydiff {args.command}` again once it has finished")
        print(f"policydiff: {exc}; this {args.command} exits without doing anything ({then})", file=sys.stderr)
        return 0 if args.command == "run" else 1
    except ArchiveError as exc:
        print(f"policydiff: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        if exc.errno in _STORAGE_ERRORS:
            print(f"policydiff: cannot write {exc.filename or 'the archive'}: {exc.strerror} "
                  "(free disk space or make it writable, then run again; nothing was half-written)", file=sys.stderr)
        elif exc.filename:  # a path that cannot be: under /proc, through a file, a folder for a file
            target, db = str(exc.filename), str(_db(args))
            check = ("the --db path and POLICYDIFF_DB: the archive's folder must be a folder you can write"
                     if db.startswith(target) or target.startswith(db) else "that path")
            print(f"policydiff: cannot use {exc.filename}: {exc.strerror} (check {check})", file=sys.stderr)
        else:
            raise
        return 1
    except KeyboardInterrupt:
        return 130


# -- commands -----------------------------------------------------------------------------------

def cmd_crawl(args) -> int:
    from policydiff.jobs import crawl_now

    config = _config(args)
    with writer_lock(_db(args)):
        lines = crawl_now(config, _db(args), config.pick(args.ids), _overrides(args))
    return _print_lines(lines)


def cmd_run(args) -> int:
    from policydiff.cycle import after_crawl
    from policydiff.jobs import run_due

    config = _config(args)
    with writer_lock(_db(args)):
        lines = run_due(config, _db(args), _overrides(args))
        if not lines:
            print("nothing is due")
        status = _print_lines(lines)  # before the mail step: what was archived is told whatever happens next
        after = after_crawl(config, _db(args), Path(DEFAULT_REPORTS))
    if after.reports:
        print(f"{len(after.reports)} new report(s) in {DEFAULT_REPORTS}")
    return _print_mail(after.mail) or status


def cmd_extract(args) -> int:
    from crawler.extract import Rejected
    from policydiff.extracting import Unreachable, extract_source

    config = _config(args) if args.policy else None
    policy = config.pick([args.policy])[0] if config else None
    try:
        select = tuple(_selector(s) for s in args.select) or (policy.select if policy else ())
        remove = tuple(_selector(s) for s in args.remove) or (policy.remove if policy else ())
        text = extract_source(args.source, select=select, remove=remove, url=policy.url if policy else None)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except Rejected as exc:  # a rejected page: the reason, exit 1
        print(f"policydiff: rejected: {exc}", file=sys.stderr)
        return 1
    except Unreachable as exc:  # a failed fetch, as crawl counts it: exit 1
        print(f"policydiff: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


def cmd_import(args) -> int:
    from policydiff.imports import import_files, import_manifest
    from policydiff.warc import import_warcs
    from reports.judge import judge_pending

    config = _config(args)
    if args.warc and (args.id or args.files or args.at or args.manifest):
        raise UsageError("import --warc FILE... takes no ID, FILE, --at or --manifest (records match policies by URL)")
    if args.manifest and (args.id or args.files or args.at):
        raise UsageError("import takes either --manifest FILE or ID FILE... --at TIME, not both")
    if args.id and args.files and not args.at:  # --warc or --manifest beside them was refused above
        raise UsageError("import ID FILE... needs --at TIME: when the files were fetched (ISO 8601)")
    if not args.warc and not args.manifest and not (args.id and args.files and args.at):
        raise UsageError("import needs ID FILE... --at TIME, --manifest FILE or --warc FILE...")
    with _writing(args, config, create=True) as db:
        try:
            if args.warc:
                summary = import_warcs(db, config.pick(), [Path(f) for f in args.warc])
            elif args.manifest:
                summary = import_manifest(db, config, Path(args.manifest))
            else:
                summary = import_files(db, config.pick([args.id])[0], [Path(f) for f in args.files], args.at)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        except OSError as exc:  # a manifest or page that is missing or a folder: its path and why
            raise UsageError(f"{exc.filename or 'import'}: {exc.strerror or exc}") from None
        judge_pending(db)
    return _print_summary(summary)


def cmd_export(args) -> int:
    from policydiff.warc import export_warc

    config = _config(args)
    out = Path(args.warc)
    try:
        summary = export_warc(_read(args, config)[0], out, [p.id for p in config.pick(args.ids)])
    except OSError as exc:
        raise UsageError(f"{out}: cannot write ({exc.strerror})") from None
    print(summary.line(out))
    return 0


def cmd_backfill(args) -> int:
    from policydiff.backfill import backfill
    from reports.judge import judge_pending

    config = _config(args)
    policy = config.pick([args.id])[0]
    with _writing(args, config, create=True) as db:
        try:
            summary = backfill(db, policy, start=args.start, end=args.end, limit=args.limit,
                               base_url=args.wayback_url, delay=args.delay)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        judge_pending(db)  # also after a stop: what was recorded is judged now
    if summary.stopped:
        print(f"policydiff: backfill stopped: {summary.stopped}; run it again to resume", file=sys.stderr)
    return max(_print_summary(summary), 1 if summary.stopped else 0)


def cmd_add_declarations(args) -> int:
    from policydiff.declarations import add_declarations

    try:
        result = add_declarations(Path(args.source), _config_path(args))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for line in result.lines():
        print(line)
    return 1 if result.skipped else 0


def cmd_history(args) -> int:
    from archive import history

    config = _config(args)
    config.pick([args.id])
    rows = history(_read(args, config)[0], args.id)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"{args.id}: no versions yet")
    for row in rows:
        print(f"v{row['number']:<4} {row['kind']:<10} {row['first_seen']} .. {row['last_seen']}  {row['size']} chars")
    return 0


def cmd_reextract(args) -> int:
    from crawler.record import reextract_policy

    config = _config(args)
    with _writing(args, config) as db:
        for policy in config.pick(args.ids):
            recorded = reextract_policy(db, policy)
            print(f"{policy.id:<24} " + (recorded if isinstance(recorded, str) else
                                         f"technical v{recorded.version_number}"))
    return 0


def cmd_report(args) -> int:
    from policydiff.cycle import deliver, require_email
    from reports.judge import judge_pending
    from reports.report import write_reports

    config = _config(args)
    if args.email:
        require_email(config)  # before writing anything
    with _writing(args, config) as db:
        judge_pending(db)
        written = write_reports(db, Path(args.out), config.public_url)
        mail = deliver(db, config) if args.email else None
    print(f"{len(written)} new report(s) in {args.out}" + (f": changes {', '.join(map(str, written))}" if written else ""))
    return _print_mail(mail)


def cmd_email(args) -> int:
    from policydiff.cycle import send_test

    if not args.test:
        raise UsageError("email needs --test (digests and alerts go out with `run` and `report --email`)")
    config = _config(args)
    with _writing(args, config, create=True) as db:
        recipients, result = send_test(db, config)
    if result.sent:
        print(f"email: test message queued for {', '.join(recipients)}; {result.sent} message(s) sent")
    for line in result.problems():
        print(line, file=sys.stderr)
    return 0 if result.ok else 1


def cmd_status(args) -> int:
    from policydiff.health import health

    config = _config(args)
    states = health(_read(args, config)[0], config.pick(args.ids))
    if args.json:
        print(json.dumps([state.as_dict() for state in states], indent=2))
    else:
        print(f"{'policy':<24} {'last success':<20} {'failures':>8}  last reason")
        for state in states:
            print(f"{state.policy:<24} {state.last_success or 'never':<20} {state.consecutive_failures:>8}  "
                  f"{(state.last_reason or '-') if state.failing else '-'}")
    return 1 if any(state.failing for state in states) else 0


def cmd_changes(args) -> int:
    from archive import parse_time
    from reports.changes import list_changes
    from reports.judge import judge_pending

    config = _config(args)
    config.pick(args.ids)
    try:
        since = parse_time(args.since) if args.since else None
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None
    db, writable = _read(args, config)
    if writable:  # on read-only media, the changes are listed with the findings judged when written
        judge_pending(db)
    changes = list_changes(db, args.ids, since)
    if args.json:
        print(json.dumps(changes, indent=2))
        return 0
    for change in changes:
        print(f"{change['detected_at']}  {change['policy']:<20} v{change['from_version']} -> v{change['to_version']}"
              f"  {change['kind']}  change {change['change_id']}")
        for finding in change["findings"]:
            print(f"    [{finding['severity']}] {finding['code']}: {finding['message']}")
    if not changes:
        print("no changes")
    return 0


def cmd_promises(args) -> int:
    from reports.promises import describe_promises

    config = _config(args)
    described = describe_promises(_read(args, config)[0], config.pick(args.ids))
    if args.json:
        print(json.dumps(described, indent=2))
        return 0
    for entry in described:
        print(f"{entry['policy']}:")
        for source in ("declared", "detected"):
            promise = entry[source]
            print(f"  {source}: " + (", ".join(f"{k}={v}" for k, v in promise.items()
                                              if v is not None and k not in ("clause", "source")) or "-"
                                    if promise else "nothing"))
        if entry["clause"]:
            print(f"  clause: {entry['clause']}")
    return 0


def cmd_demo(args) -> int:
    from policydiff.demo import run_demo

    return run_demo(Path(args.workdir), out=sys.stdout)


def cmd_serve(args) -> int:
    from policydiff.serve import serve

    return serve(_db(args), host=args.host, port=args.port)


# -- plumbing ------------------------------------------------------------------------------------

def _db(args) -> Path:
    return Path(args.db or os.environ.get("POLICYDIFF_DB") or DEFAULT_DB)


def _config_path(args) -> Path:
    return Path(args.config or os.environ.get("POLICYDIFF_CONFIG") or DEFAULT_CONFIG)


def _config(args):
    return load_config(_config_path(args))


@contextmanager
def _writing(args, config, *, create: bool = False):
    """The lock first, then the archive: a second writer never even opens (or migrates) it."""
    if not create:
        require_archive(_db(args))  # before the lock file: a mistyped path leaves nothing behind
    with writer_lock(_db(args)):
        db = _open(args, config, create=create)
        try:
            yield db
        finally:
            db.close()


def _open(args, config, *, create: bool = False):
    """The archive, with the config's policies; only commands that record fetches may create it (a
    mistyped --db must not give a report on an empty archive that says all is well)."""
    db = open_db(_db(args), create=create)
    sync_policies(db, list(config.policies.values()))
    return db


def _read(args, config) -> tuple:
    """The archive for a command that only reads it, and whether it is writable: as _open, or, where it
    cannot be written (read-only media, an archive handed over), read-only as it is."""
    try:
        return _open(args, config), True
    except (ArchiveError, sqlite3.OperationalError):
        return open_db(_db(args), readonly=True), False  # or its ArchiveError, which says why


def _overrides(args) -> dict:
    return {"LOG_LEVEL": "INFO"} if getattr(args, "verbose", False) else {}


def _port(text: str) -> int:
    """A TCP port number, else a usage error (one line, exit 2)."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


def _selector(text: str):
    """A CSS selector, or a range given as JSON: '{"startBefore": "h1", "endBefore": "footer"}'."""
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"range selector {text!r} is not valid JSON: {exc}") from None
    return text


def _print_summary(summary) -> int:
    """An import's rejected pages, then its summary line; exit 1 when a page was rejected."""
    for problem in summary.problems:
        print(f"rejected: {problem}", file=sys.stderr)
    print(summary.line())
    return 1 if summary.problems else 0


def _print_mail(mail) -> int:
    """What the mail step did on stdout, its problems on stderr; 1 when mail stays queued or failed."""
    if mail is None:
        return 0
    for line in mail.lines():
        print(line)
    for line in mail.result.problems():
        print(line, file=sys.stderr)
    return 0 if mail.ok else 1


def _print_lines(lines) -> int:
    for line in lines:
        print(line)
    return 0 if all(line.ok for line in lines) else 1


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line saying what to do (a cron mail stays readable), exit 2.

    Sub-command parsers are made with the same class (argparse uses the parent's class for them).
    """

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help=f"archive file (env POLICYDIFF_DB, default {DEFAULT_DB})")
    common.add_argument("--config", help=f"policies file (env POLICYDIFF_CONFIG, default {DEFAULT_CONFIG})")
    parser = _Parser(prog="policydiff", description="Archive privacy policies and report their changes.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler, help: str, *, archive: bool = True) -> argparse.ArgumentParser:
        """``archive``: the command takes --db and --config (the demo makes its own in --workdir)."""
        p = sub.add_parser(name, parents=[common] if archive else [], help=help, description=help)
        p.set_defaults(handler=handler, parser=p)
        return p

    p = command("crawl", cmd_crawl, "fetch the named policies (default: all) now and record them")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request (the direct path's and Scrapy's)")
    p = command("run", cmd_run, "the cron job: fetch the policies that are due, report and email changes")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request (the direct path's and Scrapy's)")
    p = command("extract", cmd_extract, "print the normalized text of a local HTML file or URL; writes nothing")
    p.add_argument("source", help="a file path or an http(s) URL")
    p.add_argument("--policy", help="use this policy's selectors and URL")
    p.add_argument("--select", action="append", default=[], help="CSS selector or JSON range (repeatable)")
    p.add_argument("--remove", action="append", default=[], help="CSS selector or JSON range (repeatable)")
    p = command("import", cmd_import, "record saved pages as if fetched at the given times")
    p.add_argument("id", nargs="?", metavar="ID")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--at", help="the time the files were fetched (ISO 8601)")
    p.add_argument("--manifest", help='a JSON-lines file of {"policy", "observed_at", "path"}')
    p.add_argument("--warc", nargs="+", metavar="FILE", help="WARC files (.warc or .warc.gz): captures of the "
                   "policies' URLs, after redirects, at their WARC-Date")
    p = command("export", cmd_export, "write the raw snapshots of the named policies (default: all) as a WARC file")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--warc", required=True, metavar="OUT", help="the WARC file to write (.warc.gz compresses)")
    p = command("backfill", cmd_backfill, "import a policy's past captures from the Wayback Machine, oldest first")
    p.add_argument("id", metavar="ID")
    p.add_argument("--from", dest="start", help="first capture time (ISO 8601 date or time)")
    p.add_argument("--to", dest="end", help="last capture time (ISO 8601 date or time)")
    p.add_argument("--limit", type=int, help="import at most this many captures in this run")
    p.add_argument("--delay", type=float, help="seconds between requests to the Wayback Machine "
                   "(env POLICYDIFF_WAYBACK_DELAY, default 2)")
    p.add_argument("--wayback-url", help="base URL of the Wayback Machine (env POLICYDIFF_WAYBACK_URL, "
                   "default https://web.archive.org)")
    p = command("add-declarations", cmd_add_declarations,
                "add Open Terms Archive declarations' Privacy Policy to the policies file")
    p.add_argument("source", metavar="DIR|FILE.json", help="a declaration file or a folder of them")
    p = command("history", cmd_history, "the versions of a policy")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true")
    p = command("reextract", cmd_reextract, "re-derive current versions from their snapshots (technical versions)")
    p.add_argument("ids", nargs="*", metavar="ID")
    p = command("report", cmd_report, "write the reports of every change not yet reported")
    p.add_argument("--out", default=DEFAULT_REPORTS, help=f"folder for the reports (default {DEFAULT_REPORTS})")
    p.add_argument("--email", action="store_true", help="then queue and send the digest and operator alerts")
    p = command("email", cmd_email, "mail: `email --test` sends a test message to the operators")
    p.add_argument("--test", action="store_true", help="send a test message to check the [email] settings")
    p = command("status", cmd_status, "each policy's last success, consecutive failures and last reason")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--json", action="store_true")
    p = command("changes", cmd_changes, "list the changes of the archive with their findings")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--since", help="only changes detected at or after this time (ISO 8601)")
    p.add_argument("--json", action="store_true")
    p = command("promises", cmd_promises, "each policy's change-notification promise: declared, detected, clause")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--json", action="store_true")
    p = command("demo", cmd_demo, "offline demo: serve sample pages on 127.0.0.1, crawl, edit, crawl again",
                archive=False)
    p.add_argument("--workdir", default="var/demo", help="where the demo database and reports go")
    p = command("serve", cmd_serve, "browse the archive in Datasette (read-only, while cron keeps writing)")
    p.add_argument("--port", type=_port, default=8001, help="default 8001; 0 picks a free port")
    p.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1; 0.0.0.0 for every interface")
    return parser


if __name__ == "__main__":
    sys.exit(main())
