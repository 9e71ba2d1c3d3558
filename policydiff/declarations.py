"""Open Terms Archive service declarations as ``policies.toml`` entries (their Privacy Policy terms).

What carries over: ``fetch`` (url), ``select`` and ``remove`` (CSS and range selectors have the same
meaning here). What does not, and is said in a comment above the entry and on the command's output:
``filter`` (custom JavaScript in the service's ``.filters.js``) and ``executeClientScripts`` (policydiff
fetches HTML and runs no browser). A ``combine`` of N source documents becomes N policies
``<id>-1`` .. ``<id>-N``: policydiff tracks one URL per policy, so each part gets its own versions.
PDF documents are skipped: policydiff extracts HTML only.

The entries are appended to the policies file as text, after the whole result has been loaded and
validated like any configuration: existing entries and comments are never rewritten.
"""

from __future__ import annotations

import json
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crawler.extract import check_selectors
from policydiff.config import ConfigError, load_config

__all__ = ["AddResult", "Entry", "add_declarations", "entries_from_declaration", "slug"]

TERMS_TYPE = "Privacy Policy"
SOURCE_KEYS = {"fetch", "select", "remove", "filter", "executeClientScripts"}
RANGE_KEYS = {"startBefore", "startAfter", "endBefore", "endAfter"}


@dataclass
class Entry:
    id: str
    name: str
    url: str
    select: list = field(default_factory=list)
    remove: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the entry cannot express
    origin: str = ""  # the declaration file

    def toml(self) -> str:
        lines = [f"# From the Open Terms Archive declaration {self.origin} ({TERMS_TYPE})."]
        lines += [f"# Not expressed: {note}" for note in self.notes]
        lines += [f"[policies.{self.id}]", f"name = {_string(self.name)}", f"url = {_string(self.url)}"]
        lines += [f"{key} = [{', '.join(map(_value, value))}]"
                  for key, value in (("select", self.select), ("remove", self.remove)) if value]
        return "\n".join(lines) + "\n"


@dataclass
class AddResult:
    config: Path
    added: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "file: why" of terms not added at all
    present: list[str] = field(default_factory=list)  # "file: where" of policies the file already tracks
    others: list[str] = field(default_factory=list)  # "file: types" of other terms, never tracked

    def lines(self) -> list[str]:
        lines = []
        for entry in self.added:
            lines.append(f"added [policies.{entry.id}] {entry.url}")
            lines += [f"  not expressed: {note}" for note in entry.notes]
        lines += [f"already tracked: {where}" for where in self.present]
        lines += [f"not tracked: {terms} (policydiff tracks the {TERMS_TYPE} only)" for terms in self.others]
        lines += [f"skipped {reason}" for reason in self.skipped]
        lines.append(f"{len(self.added)} policies added to {self.config}, {len(self.present)} already tracked, "
                     f"{len(self.skipped)} skipped")
        return lines


def slug(text: str) -> str:
    """A policy id from a service name: ASCII lower-case words joined by '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def add_declarations(source: Path, config: Path) -> AddResult:
    """Append the Privacy Policy of each declaration in ``source`` (a file or folder) to ``config``."""
    existing = config.read_text(encoding="utf-8") if config.exists() else ""
    known = load_config(config).policies if existing else {}
    taken_ids, taken_urls = set(known), {p.url: p.id for p in known.values()}
    result = AddResult(config)
    for path, data in _read(source):
        entries, problems = entries_from_declaration(data, path)
        result.skipped += problems
        terms = _terms(data)
        if TERMS_TYPE in terms and (others := sorted(t for t in terms if t != TERMS_TYPE)):
            result.others.append(f"{path.name}: {', '.join(others)}")
        for entry in entries:
            if entry.id in taken_ids and taken_urls.get(entry.url) != entry.id:  # the id, for another page
                result.skipped.append(f"{path.name}: [policies.{entry.id}] already exists in {config} for another "
                                      f"URL; {entry.url} was not added (rename one of them)")
            elif entry.id in taken_ids:
                result.present.append(f"{path.name}: [policies.{entry.id}] already exists in {config}")
            elif entry.url in taken_urls:
                tracked = taken_urls[entry.url]
                result.present.append(f"{path.name}: {entry.url} is [policies.{tracked}]")
            else:
                taken_ids.add(entry.id)
                taken_urls[entry.url] = entry.id
                result.added.append(entry)
    if result.added:
        _append(config, existing, "".join("\n" + entry.toml() for entry in result.added))
    return result


def entries_from_declaration(data, path: Path) -> tuple[list[Entry], list[str]]:
    """The entries of one declaration's Privacy Policy, and why parts of it could not be added."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return [], [f"{path.name}: not a service declaration (no \"name\")"]
    terms = _terms(data)
    document = terms.get(TERMS_TYPE)
    if not isinstance(document, dict):
        return [], [f"{path.name}: no {TERMS_TYPE} terms (has: {', '.join(sorted(terms)) or 'none'})"]
    base = slug(data["name"]) or slug(path.name.removesuffix(".json"))
    if not base:
        return [], [f"{path.name}: cannot make a policy id from the name {data['name']!r}"]
    parts = document.get("combine")
    shared = {k: v for k, v in document.items() if k != "combine"}
    sources = [{**shared, **part} if isinstance(part, dict) else {} for part in parts] \
        if isinstance(parts, list) and parts else [document]
    entries, problems = [], []
    for number, source in enumerate(sources, 1):
        suffix = f"-{number}" if len(sources) > 1 else ""
        try:
            entry = _entry(source, f"{base}{suffix}", data["name"], path)
        except ValueError as exc:
            problems.append(f"{path.name}{f' (part {number})' if suffix else ''}: {exc}")
            continue
        if suffix:
            entry.name += f" (part {number} of {len(sources)})"
            entry.notes.append(f"combine: part {number} of {len(sources)}, tracked as its own policy "
                               "(Open Terms Archive joins the parts into one version)")
        entries.append(entry)
    return entries, problems


def _terms(data) -> dict:
    """A declaration's terms by type ({} when it has none)."""
    terms = data.get("terms", data.get("documents")) if isinstance(data, dict) else None  # "documents" before 2023
    return terms if isinstance(terms, dict) else {}


def _entry(source: dict, pid: str, service: str, path: Path) -> Entry:
    url = source.get("fetch")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ValueError(f"fetch {url!r} is not an http(s) URL")
    if urlsplit(url).path.lower().endswith(".pdf"):
        raise ValueError(f"{url} is a PDF; policydiff extracts HTML pages only")
    entry = Entry(id=pid, name=f"{service} {TERMS_TYPE}", url=url, select=_selectors(source, "select"),
                  remove=_selectors(source, "remove"), origin=path.name)
    check_selectors(tuple(entry.select), tuple(entry.remove))  # ValueError naming the bad selector
    filters = source.get("filter") or []
    names = [f if isinstance(f, str) else f.get("name", "?") if isinstance(f, dict) else "?"
             for f in (filters if isinstance(filters, list) else [filters])]
    if names:
        entry.notes.append(f"filter {', '.join(names)} (custom JavaScript of the service's .filters.js); "
                           "the changes it would hide may show up as noise")
    if source.get("executeClientScripts"):
        entry.notes.append("executeClientScripts (policydiff fetches the HTML and runs no browser): if the "
                           "text is written by scripts, fetches are rejected instead of recorded")
    entry.notes += [f"unknown key {key!r}" for key in sorted(set(source) - SOURCE_KEYS)]
    return entry


def _selectors(source: dict, key: str) -> list:
    value = source.get(key, [])
    value = [value] if isinstance(value, (str, dict)) else value
    if not isinstance(value, list) or not all(
            isinstance(s, str) or (isinstance(s, dict) and s and set(s) <= RANGE_KEYS
                                   and all(isinstance(v, str) for v in s.values())) for s in value):
        raise ValueError(f"{key} must be CSS selectors or range selectors ({', '.join(sorted(RANGE_KEYS))})")
    return value


def _read(source: Path) -> list[tuple[Path, object]]:
    """The declarations in a file or folder (history and filter files left out); ValueError if unreadable."""
    if source.is_dir():
        paths = sorted(p for p in source.glob("*.json") if not p.name.endswith(".history.json"))
        if not paths:
            raise ValueError(f"{source}: no declaration (*.json) in this folder")
    else:
        paths = [source]
    declarations = []
    for path in paths:
        try:
            declarations.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except OSError as exc:
            raise ValueError(f"{path}: cannot read ({exc.strerror})") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a JSON declaration ({exc})") from None
    return declarations


def _append(config: Path, existing: str, block: str) -> None:
    """Validate the whole result as a configuration, then append (never rewrite) the new text."""
    if existing and not existing.endswith("\n"):
        block = "\n" + block
    if not existing:
        block = "# Tracked privacy policies: one [policies.<id>] table each.\n" + block
    with tempfile.TemporaryDirectory() as folder:
        trial = Path(folder) / config.name
        trial.write_text(existing + block, encoding="utf-8")
        try:
            load_config(trial)
        except ConfigError as exc:
            raise ValueError(f"the new entries would make {config} invalid: {exc}") from None
    with open(config, "a", encoding="utf-8") as handle:
        handle.write(block)


def _string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's; DEL is the one control JSON leaves raw."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(selector) -> str:
    if isinstance(selector, dict):
        return "{ " + ", ".join(f"{key} = {_string(value)}" for key, value in selector.items()) + " }"
    return _string(selector)
