"""`policydiff extract`: the text a page would become, without writing anything."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from crawler.classify import check_response, check_text
from crawler.extract import Rejected, decode_html, extract

__all__ = ["Unreachable", "extract_source"]


class Unreachable(Exception):
    """The URL gave no answer (DNS, refused, timeout): a failed fetch, not a usage error."""


def extract_source(source: str, *, select=(), remove=(), url: str | None = None) -> str:
    """Normalized text of a local file or an http(s) URL; raises Rejected like a crawl would."""
    if urlsplit(source).scheme in ("http", "https"):
        status, headers, body = _get(source)
        url = url or source
    elif urlsplit(source).scheme not in ("", "file") and not Path(source).exists():
        raise ValueError(f"{source}: only local files and http(s) URLs can be extracted")
    else:
        path = Path(source.removeprefix("file://"))
        try:
            status, headers, body = 200, {"Content-Type": "text/html"}, path.read_bytes()
        except OSError as exc:
            raise ValueError(f"{path}: cannot read ({exc.strerror})") from None
        url = url or path.resolve().as_uri()
    verdict = check_response(status, headers, body)
    if verdict:
        raise Rejected(verdict.code, verdict.message)
    text = extract(decode_html(body, headers.get("Content-Type")), url, select, remove)
    verdict = check_text(text, None)
    if verdict:
        raise Rejected(verdict.code, verdict.message)
    return text


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    from crawler.settings import DOWNLOAD_TIMEOUT, USER_AGENT

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise Unreachable(f"{url}: cannot fetch ({getattr(exc, 'reason', exc)}); check the URL and the network") from None
