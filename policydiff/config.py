"""Load and validate ``policies.toml``.

Every problem becomes one :class:`ConfigError` line naming the file, the policy and the problem, so
that an operator reading a cron mail knows what to fix.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

__all__ = ["Config", "ConfigError", "EmailSettings", "Policy", "load_config", "parse_interval"]

POLICY_KEYS = {"name", "url", "select", "remove", "every", "promise", "notify"}
EMAIL_KEYS = {"host", "port", "security", "username", "password_env", "from", "to", "operators",
              "alert_after"}
TOP_KEYS = {"policies", "email", "archive", "crawl"}
# [crawl] keys and the Scrapy settings they set (see crawler/settings.py for the defaults and reasons).
CRAWL_KEYS = {"delay": "DOWNLOAD_DELAY", "timeout": "DOWNLOAD_TIMEOUT", "retries": "RETRY_TIMES",
              "backoff": "RETRY_BACKOFF_BASE", "max_bytes": "DOWNLOAD_MAXSIZE"}
ARCHIVE_KEYS = {"public_url"}
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_INTERVAL = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_DUPLICATE = re.compile(r"Cannot declare \('policies', '([^']+)'\) twice")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ConfigError(Exception):
    """A configuration problem, as one line: ``FILE: policy 'ID': problem``."""


@dataclass(frozen=True)
class Policy:
    id: str
    name: str
    url: str
    select: tuple = ()
    remove: tuple = ()
    every: timedelta = timedelta(days=1)
    promise: Any = None  # reports.promise.Promise, declared in the config, or None
    notify: tuple[str, ...] = ()
    declaration: dict = field(default_factory=dict, compare=False)  # the raw table, archived as JSON


@dataclass(frozen=True)
class EmailSettings:
    host: str = "localhost"
    port: int = 25
    security: str = "none"  # "starttls", "ssl" or "none"
    username: str | None = None
    password_env: str | None = None  # the name of the variable holding the password, never the password
    sender: str = "policydiff@localhost"
    to: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    alert_after: int = 3  # consecutive failed runs before operators are told

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True)
class Config:
    path: Path
    policies: dict[str, Policy]
    email: EmailSettings | None = None
    public_url: str | None = None  # Datasette's public base URL, for links in reports
    crawl: dict[str, Any] = field(default_factory=dict)  # Scrapy settings from [crawl]

    def pick(self, ids: list[str] | tuple[str, ...] = ()) -> list[Policy]:
        """The named policies (all when none are named), or a ConfigError naming the unknown id."""
        for pid in ids:
            if pid not in self.policies:
                known = ", ".join(sorted(self.policies)) or "none"
                raise ConfigError(f"{self.path}: no policy '{pid}' (known: {known})")
        return [self.policies[p] for p in ids] if ids else list(self.policies.values())


def parse_interval(text: str) -> timedelta:
    """``"6h"``, ``"1d"``, ``"2w"``, ``"30m"`` as a timedelta."""
    match = _INTERVAL.match(str(text))
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"every = {text!r} is not an interval like \"30m\", \"6h\", \"1d\" or \"1w\"")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def load_config(path: str | os.PathLike) -> Config:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file (pass --config or set POLICYDIFF_CONFIG)") from None
    except OSError as exc:  # a folder, no permission to read
        raise ConfigError(f"{path}: cannot read the configuration file: {exc.strerror} "
                          "(pass --config or set POLICYDIFF_CONFIG to a policies.toml you can read)") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        duplicate = _DUPLICATE.search(str(exc))
        if duplicate:  # tomllib's wording is obscure; say it in our words, naming the policy
            raise ConfigError(f"{path}: policy '{duplicate.group(1)}': duplicate id ({exc})") from None
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key '{sorted(unknown)[0]}' (allowed: {', '.join(sorted(TOP_KEYS))})")
    tables = data.get("policies", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: 'policies' must be tables like [policies.<id>]")
    policies = {pid: _policy(path, pid, table) for pid, table in tables.items()}
    return Config(path=path, policies=policies, email=_email(path, data.get("email")),
                  public_url=_archive(path, data.get("archive", {})), crawl=_crawl(path, data.get("crawl", {})))


def _policy(path: Path, pid: str, table: Any) -> Policy:
    def fail(problem: str) -> ConfigError:
        return ConfigError(f"{path}: policy '{pid}': {problem}")

    if not _ID.match(pid):
        raise fail("ids are lower-case letters, digits, '-' and '_'")
    if not isinstance(table, dict):
        raise fail("must be a table [policies.<id>]")
    unknown = set(table) - POLICY_KEYS
    if unknown:
        raise fail(f"unknown key '{sorted(unknown)[0]}' (allowed: {', '.join(sorted(POLICY_KEYS))})")
    url = table.get("url")
    if not url:
        raise fail("missing url")
    parts = _http_url(url)
    if parts is None:
        raise fail(f"url {url!r} is not an http(s) URL")
    try:
        parts.port  # noqa: B018 (raises for a port that is not a number from 0 to 65535)
    except ValueError:
        raise fail(f"url {url!r} has a port that is not a number from 0 to 65535") from None
    select, remove = _selectors(table, "select", fail), _selectors(table, "remove", fail)
    try:
        from crawler.extract import check_selectors  # import here: config loading must stay cheap

        check_selectors(select, remove)
        every = parse_interval(table.get("every", "1d"))
        promise = _promise(table.get("promise"))
    except ValueError as exc:
        raise fail(str(exc)) from None
    notify = table.get("notify", [])
    if not isinstance(notify, list) or not all(isinstance(a, str) and "@" in a for a in notify):
        raise fail("notify must be a list of email addresses")
    return Policy(id=pid, name=str(table.get("name") or pid), url=url, select=select, remove=remove,
                  every=every, promise=promise, notify=tuple(notify), declaration=table)


def _selectors(table: dict, key: str, fail) -> tuple:
    value = table.get(key, [])
    if isinstance(value, (str, dict)):
        value = [value]  # OTA declarations allow a single selector where a list is expected
    if not isinstance(value, list) or not all(isinstance(s, (str, dict)) for s in value):
        raise fail(f"{key} must be a list of CSS selectors or range tables")
    return tuple(value)


def _promise(table: Any):
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ValueError("promise must be a table [policies.<id>.promise]")
    from reports.promise import promise_from_config

    return promise_from_config(table)


def _email(path: Path, table: Any) -> EmailSettings | None:
    if table is None:
        return None

    def fail(problem: str) -> ConfigError:
        return ConfigError(f"{path}: [email]: {problem}")

    if not isinstance(table, dict):
        raise fail("must be a table")
    if "password" in table:
        raise fail("put the password in an environment variable and name it with password_env")
    unknown = set(table) - EMAIL_KEYS
    if unknown:
        raise fail(f"unknown key '{sorted(unknown)[0]}' (allowed: {', '.join(sorted(EMAIL_KEYS))})")
    security = table.get("security", "none")
    if security not in ("starttls", "ssl", "none"):
        raise fail(f"security must be starttls, ssl or none, not {security!r}")
    lists = {}
    for key in ("to", "operators"):
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(a, str) and "@" in a for a in value):
            raise fail(f"{key} must be a list of email addresses")
        lists[key] = tuple(value)
    port = table.get("port", 465 if security == "ssl" else 587 if security == "starttls" else 25)
    alert_after = table.get("alert_after", 3)
    if not isinstance(port, int) or not 0 < port < 65536:
        raise fail(f"port must be a number from 1 to 65535, not {port!r}")
    if not isinstance(alert_after, int) or alert_after < 1:
        raise fail(f"alert_after must be a positive whole number, not {alert_after!r}")
    return EmailSettings(host=str(table.get("host", "localhost")), port=port, security=security,
                         username=table.get("username"), password_env=table.get("password_env"),
                         sender=str(table.get("from", "policydiff@localhost")), to=lists["to"],
                         operators=lists["operators"], alert_after=alert_after)


def _archive(path: Path, table: Any) -> str | None:
    if not isinstance(table, dict) or set(table) - ARCHIVE_KEYS:
        raise ConfigError(f"{path}: [archive]: the only key is public_url (Datasette's public base URL)")
    url = table.get("public_url")
    if url is None:
        return None
    if _http_url(url) is None:
        raise ConfigError(f"{path}: [archive]: public_url must be an http(s) URL such as "
                          f"\"https://policies.example.org\", not {url!r} (links in reports start with it)")
    return url.rstrip("/")


def _http_url(url: Any) -> SplitResult | None:
    """The parts of an absolute http(s) URL, else None."""
    parts = urlsplit(url) if isinstance(url, str) else None
    return parts if parts and parts.scheme in ("http", "https") and parts.netloc else None


def _crawl(path: Path, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [crawl]: must be a table")
    settings = {}
    for key, value in table.items():
        if key not in CRAWL_KEYS:
            raise ConfigError(f"{path}: [crawl]: unknown key '{key}' (allowed: {', '.join(sorted(CRAWL_KEYS))})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{path}: [crawl]: {key} must be a number of zero or more, not {value!r}")
        settings[CRAWL_KEYS[key]] = value
    return settings
