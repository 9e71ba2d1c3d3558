"""Misbehaving route handlers for SiteServer: each one a way a real site fails.

No handler sleeps for a fixed time: a stalling handler waits until the client gives up (its socket
closes) or the test ends, whichever comes first, so the crawler's own timeout decides the pace.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time
from typing import Callable, Iterator

# Upper bound on how long a stalling handler holds a connection if the client never gives up:
# only reached when the crawler's timeout is broken, and then the test fails on its assertions.
STALL_LIMIT = 30.0


def _wait_for_client_to_close(handler, stop: threading.Event) -> None:
    """Block until the client closes its end (the crawler timed out) or ``stop`` is set."""
    sock = handler.connection
    deadline = time.monotonic() + STALL_LIMIT
    while not stop.is_set() and time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], 0.05)
        if readable:
            try:
                if not sock.recv(1024):
                    return
            except OSError:
                return


def stall_headers(stop: threading.Event) -> Callable:
    """Accept the request, never answer."""
    def handle(handler) -> None:
        _wait_for_client_to_close(handler, stop)
        handler.close_connection = True
    return handle


def stall_body(stop: threading.Event, first: bytes = b"<!DOCTYPE html><html><body><p>Privacy") -> Callable:
    """Send the headers and the start of the body, then stop sending."""
    def handle(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        handler.wfile.write(first)
        handler.wfile.flush()
        _wait_for_client_to_close(handler, stop)
        handler.close_connection = True
    return handle


def reset(handler) -> None:
    """Close the connection with a TCP RST before answering (SO_LINGER 0)."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def short_body(body: bytes, claimed: int) -> Callable:
    """Announce ``claimed`` bytes in Content-Length, send ``body`` (fewer), close."""
    def handle(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(claimed))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.close_connection = True
    return handle


def sequence(*responses: tuple[int, dict[str, str], bytes], times: list[float] | None = None) -> Callable:
    """Answer the n-th request with the n-th response (the last one repeats); record arrival times."""
    calls = []

    def handle(handler) -> None:
        if times is not None:
            times.append(time.monotonic())
        status, headers, body = responses[min(len(calls), len(responses) - 1)]
        calls.append(status)
        handler._send(status, headers, body)
    return handle


def tripwire(body: bytes, counter: Iterator[int], at: int, tripped: threading.Event) -> Callable:
    """Serve ``body``; when the ``at``-th request counted by ``counter`` (shared by routes) arrives, set
    ``tripped`` (the test then kills the crawler, which is mid-run, at a point it cannot choose)."""
    def handle(handler) -> None:
        if next(counter) == at:
            tripped.set()
        handler._send(200, {"Content-Type": "text/html; charset=utf-8"}, body)
    return handle


def gate(body: bytes, go: threading.Event) -> Callable:
    """Hold the answer until ``go`` is set (or STALL_LIMIT passes), then serve ``body``."""
    def handle(handler) -> None:
        go.wait(STALL_LIMIT)
        handler._send(200, {"Content-Type": "text/html; charset=utf-8"}, body)
    return handle
