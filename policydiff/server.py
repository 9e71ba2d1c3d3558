"""A small threaded HTTP server on 127.0.0.1: routes set by its user, every request logged.

Serves the offline demo and the tests; it never listens beyond loopback.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

__all__ = ["Route", "SiteServer"]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    etag: str | None = None  # answer If-None-Match with 304 when it matches
    handler: Callable | None = None  # (request_handler) -> None, for anything unusual


class SiteServer:
    def __init__(self, host: str = "127.0.0.1"):  # any of 127.0.0.0/8: one host name per server
        self.routes: dict[str, Route] = {}
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (the http.server API)
                server.requests.append({"path": self.path, "headers": dict(self.headers.items()),
                                        "at": time.monotonic(), "client": self.client_address})
                route = server.routes.get(self.path)
                if route is None:
                    return self._send(404, {"Content-Type": "text/plain"}, b"not found")
                if route.handler:
                    return route.handler(self)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    return self._send(304, {"ETag": route.etag}, b"")
                headers = dict(route.headers)
                if route.etag:
                    headers["ETag"] = route.etag
                self._send(route.status, headers, route.body)

            def _send(self, status, headers, body):
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, *args):
                pass

        if not host.startswith("127."):
            raise ValueError(f"{host}: the site server listens on loopback only")
        self.host = host
        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, body: bytes | str = b"", **kwargs) -> Route:
        route = Route(body=body.encode() if isinstance(body, str) else body, **kwargs)
        self.routes[path] = route
        return route

    def hits(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
