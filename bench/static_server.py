"""Serve a folder on 127.0.0.1 .. 127.0.0.<hosts>, one port: nginx when installed, else Python.

nginx (``apt-get install -y nginx-light``) costs the benchmark machine least CPU, so the crawlers
under test get the cores. Both servers answer conditional GETs (ETag, Last-Modified -> 304), as a
real static site does. Loopback only: every listening address is in 127.0.0.0/8.

Run alone: ``python bench/static_server.py ROOT --hosts 50`` (serves until Ctrl-C).
"""

from __future__ import annotations

import argparse
import email.utils
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

__all__ = ["serve"]

_NGINX_CONF = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log error;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    types {{ text/html html; text/plain txt; }}
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 100000;
    open_file_cache off;  # an edited page must be seen at once
    server {{
{listen}
        root {root};
        charset utf-8;
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(root: Path, hosts: int, *, prefer_nginx: bool = True) -> Iterator[tuple[str, int]]:
    """Yield (server kind, port) while ``root`` is served on 127.0.0.1..127.0.0.<hosts>:port."""
    port = free_port()
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if prefer_nginx and nginx:
        with _nginx(nginx, Path(root), hosts, port):
            yield "nginx", port
    else:
        with _python(Path(root), hosts, port):
            yield "python", port


@contextmanager
def _nginx(binary: str, root: Path, hosts: int, port: int) -> Iterator[None]:
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as tmp:
        listen = "\n".join(f"        listen 127.0.0.{h}:{port};" for h in range(1, hosts + 1))
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(_NGINX_CONF.format(tmp=tmp, listen=listen, root=root.resolve()))
        # -p keeps every path nginx derives under our temp folder; run as the current user, no root needed.
        proc = subprocess.Popen([binary, "-p", tmp, "-c", str(conf), "-g", _user_directive()],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_listening(port, hosts, proc)
            yield
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _user_directive() -> str:
    # nginx started as root switches workers to 'nobody', who may not read our temp folders.
    return "user root;" if os.geteuid() == 0 else ""


def _wait_listening(port: int, hosts: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {proc.stderr.read().decode(errors='replace')}")
        try:
            with socket.create_connection((f"127.0.0.{hosts}", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not start listening within 10 s")


class _Handler(BaseHTTPRequestHandler):
    """GET/HEAD of files under the server's root, with ETag and Last-Modified like a static server."""

    protocol_version = "HTTP/1.1"
    root: Path

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        path = (self.root / self.path.split("?", 1)[0].lstrip("/")).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return self._send(404, {"Content-Type": "text/plain"}, b"not found")
        stat = path.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        if self.headers.get("If-None-Match") == etag:
            return self._send(304, {"ETag": etag, "Last-Modified": modified}, b"")
        kind = "text/html; charset=utf-8" if path.suffix == ".html" else "text/plain"
        self._send(200, {"Content-Type": kind, "ETag": etag, "Last-Modified": modified}, path.read_bytes())

    do_HEAD = do_GET

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def _python(root: Path, hosts: int, port: int) -> Iterator[None]:
    handler = type("Handler", (_Handler,), {"root": root.resolve()})
    servers = []
    for h in range(1, hosts + 1):
        server = ThreadingHTTPServer((f"127.0.0.{h}", port), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        yield
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--python", action="store_true", help="use the Python server even if nginx is installed")
    args = parser.parse_args(argv)
    with serve(args.root, args.hosts, prefer_nginx=not args.python) as (kind, port):
        print(f"{kind} serving {args.root} on 127.0.0.1-127.0.0.{args.hosts}:{port}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
