"""The direct path's HTTP/1.1 client (crawler/http1.py) against a real server on loopback: every way
HTTP/1.1 frames a body, and the answers it must refuse."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
from http.client import BadStatusLine, HTTPException, IncompleteRead, InvalidURL

import pytest

from crawler.http1 import Connection, TooLarge


def raw(*answers: bytes, close: bool = False):
    """A route handler that writes ``answers`` as they are, byte for byte."""
    def handle(handler) -> None:
        for answer in answers:
            handler.wfile.write(answer)
        handler.wfile.flush()
        handler.close_connection = close
    return handle


def get(server, path: str, *, limit: int = 1 << 20) -> tuple[Connection, object]:
    connection = Connection("http", f"127.0.0.1:{server.port}")
    return connection, connection.get(path, {"Accept": "text/html"}, limit=limit, deadline=time.monotonic() + 5)


def test_content_length_and_keep_alive_one_connection_for_both_requests(server):
    server.route("/a", "one")
    server.route("/b", "two", etag='"b1"')
    connection, first = get(server, "/a")
    second = connection.get("/b", {"If-None-Match": '"b1"'}, limit=100, deadline=time.monotonic() + 5)
    assert (first.status, first.body, second.status, second.body) == (200, b"one", 304, b"")
    assert connection.is_open and len({r["client"] for r in server.requests}) == 1
    assert server.requests[0]["headers"]["Host"] == f"127.0.0.1:{server.port}"
    assert server.requests[1]["headers"]["If-None-Match"] == '"b1"'


def test_chunked_body_with_extensions_and_trailers(server):
    server.route("/c", handler=raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                                   b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n"))
    server.route("/after", "next")
    connection, answer = get(server, "/c")
    assert answer.body == b"hello world" and connection.is_open
    assert connection.get("/after", {}, limit=100, deadline=time.monotonic() + 5).body == b"next"


def test_http10_body_ends_with_the_connection(server):
    server.route("/old", handler=raw(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<p>Privacy</p>", close=True))
    connection, answer = get(server, "/old")
    assert answer.body == b"<p>Privacy</p>" and not connection.is_open


def test_interim_answers_are_skipped_and_folded_headers_joined(server):
    server.route("/hints", handler=raw(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n",
                                       b"HTTP/1.1 200 OK\r\nX-Note: first\r\n  second\r\nContent-Length: 2\r\n\r\nok"))
    _, answer = get(server, "/hints")
    assert answer.status == 200 and answer.body == b"ok"
    assert ("X-Note", "first second") in answer.headers


def test_connection_close_is_honoured(server):
    server.route("/bye", handler=raw(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye", close=True))
    connection, answer = get(server, "/bye")
    assert answer.body == b"bye" and not connection.is_open


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",  # refused from its length, before any body is read
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + b"x" * 1024 + b"\r\n0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 5000,
], ids=["content-length", "chunked", "to-the-end"])
def test_a_body_over_the_limit_is_refused(server, answer):
    server.route("/big", handler=raw(answer, close=True))
    with pytest.raises(TooLarge):
        get(server, "/big", limit=1000)


def test_a_body_cut_short_is_incomplete(server):
    server.route("/cut", handler=raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..", close=True))
    server.route("/cut-chunk", handler=raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nshort", close=True))
    for path in ("/cut", "/cut-chunk"):
        with pytest.raises(IncompleteRead):
            get(server, path)


def test_an_answer_that_is_not_http_is_refused(server):
    server.route("/junk", handler=raw(b"SSH-2.0-OpenSSH_9.2\r\n\r\n", close=True))
    with pytest.raises(BadStatusLine):
        get(server, "/junk")


def test_one_deadline_bounds_a_server_that_trickles_its_headers(server):
    """Each header line arrives well within any per-read timeout; the answer never completes. The
    deadline ends the wait (http.client read each header line under its own timeout: no bound)."""
    stop = threading.Event()

    def trickle(handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        end = time.monotonic() + 30  # a client with no deadline would fail the test, not hang it
        while not stop.wait(0.05) and time.monotonic() < end:
            try:
                handler.wfile.write(b"X-Slow: 1\r\n")
                handler.wfile.flush()
            except OSError:
                return  # the client gave up
        handler.close_connection = True

    server.route("/slow", handler=trickle)
    connection = Connection("http", f"127.0.0.1:{server.port}")
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            connection.get("/slow", {}, limit=1000, deadline=started + 1)
        assert time.monotonic() - started < 10  # the trickle itself would go on until the test ends
    finally:
        stop.set()


def test_lines_ended_by_a_bare_line_feed_are_read(server):
    """RFC 9112 lets a client accept LF for CRLF, as http.client and Twisted do."""
    server.route("/lf", handler=raw(b"HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Length: 2\n\nok"))
    server.route("/lf-chunked", handler=raw(b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\n\n"))
    for path in ("/lf", "/lf-chunked"):
        assert get(server, path)[1].body == b"ok"


def test_transfer_encoding_frames_the_body_before_content_length(server):
    server.route("/te", handler=raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    b"2\r\nok\r\n0\r\n\r\n"))
    # A final coding other than chunked: the body runs to the connection's end (RFC 9112, 6.3).
    server.route("/te-other", handler=raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 1\r\n"
                                          b"\r\nall of it", close=True))
    assert get(server, "/te")[1].body == b"ok"
    assert get(server, "/te-other")[1].body == b"all of it"


def test_transfer_codings_under_chunked_are_named_for_the_caller_to_undo(server):
    """"gzip, chunked" (or gzip alone, to the connection's end): the body comes back de-chunked with
    gzip named, never passed off as the page (the fetcher undoes it, tests/test_direct.py)."""
    packed = gzip.compress(b"<p>Privacy</p>")
    server.route("/gz-chunked", handler=raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                                            b"%x\r\n" % len(packed), packed, b"\r\n0\r\n\r\n"))
    server.route("/gz-close", handler=raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", packed, close=True))
    for path in ("/gz-chunked", "/gz-close"):
        answer = get(server, path)[1]
        assert (answer.body, answer.codings) == (packed, ("gzip",))


def test_a_repeated_content_length_is_that_length_and_conflicting_ones_are_refused(server):
    """RFC 9110 (8.6) lets a client read "2, 2" as 2; an answer with two lengths has no known end."""
    server.route("/list", handler=raw(b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok"))
    server.route("/conflict", handler=raw(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!"))
    connection, answer = get(server, "/list")
    assert answer.body == b"ok" and connection.is_open  # not read to the end of a kept-alive connection
    with pytest.raises(HTTPException, match="invalid Content-Length: 2, 3"):
        get(server, "/conflict")


def test_bytes_arriving_on_an_idle_connection_are_never_taken_for_the_next_answer(server):
    """A server that times an idle connection out with a 408 and closes: the next request goes on a
    new connection and gets its own answer (sent on the old one, it would read the 408)."""
    asked, sent = threading.Event(), threading.Event()

    def answer_then_time_out(handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none")
        handler.wfile.flush()
        asked.wait(10)  # the client has read its answer
        handler.wfile.write(b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        handler.wfile.flush()
        handler.close_connection = True
        sent.set()

    server.route("/first", handler=answer_then_time_out)
    server.route("/second", "two")
    connection, first = get(server, "/first")
    asked.set()
    assert sent.wait(10)
    second = connection.get("/second", {}, limit=100, deadline=time.monotonic() + 5)
    assert (first.body, second.status, second.body) == (b"one", 200, b"two")
    assert server.requests[0]["client"] != server.requests[1]["client"]


def test_one_deadline_covers_every_address_of_a_name(monkeypatch):
    """A name with two addresses that both drop connection attempts (listeners whose queue is full):
    the two attempts share the deadline instead of taking the whole timeout each."""
    listeners, queued = [], []
    for address in ("127.0.0.2", "127.0.0.3"):
        listener = socket.socket()
        listener.bind((address, 0))
        listener.listen(0)
        queued.append(socket.create_connection(listener.getsockname()))  # the queue's one place, taken
        listeners.append(listener)
    addresses = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", s.getsockname()) for s in listeners]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: addresses)  # the resolver's answer
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            Connection("http", "two-addresses.example").get("/", {}, limit=100, deadline=started + 1)
        assert time.monotonic() - started < 1.6  # each address with the whole timeout: 2 s
    finally:
        for s in listeners + queued:
            s.close()


def test_a_body_of_tiny_chunks_costs_memory_as_its_size_not_its_chunk_count(server):
    """50,000 one-byte chunks: a list of chunk objects held about 2 MB for a 50 KB body."""
    chunks = 50_000
    server.route("/tiny", handler=raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                                      b"1\r\nx\r\n" * chunks, b"0\r\n\r\n"))
    tracemalloc.start()
    try:
        answer = get(server, "/tiny")[1]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answer.body == b"x" * chunks
    assert peak < 1_000_000


@pytest.mark.parametrize("netloc, address", [
    ("bücher.example", ("xn--bcher-kva.example", 80, "xn--bcher-kva.example")),
    ("[::1]:8080", ("::1", 8080, "[::1]:8080")),
    ("user:secret@shop.example:443", ("shop.example", 443, "shop.example:443")),
])
def test_host_names_are_sent_as_dns_knows_them(netloc, address):
    assert Connection("http", netloc)._parse_address() == address


def test_a_port_that_is_not_a_number_fails_the_request_not_the_connection_object():
    connection = Connection("http", "shop.example:abc")  # made for every site: must not raise
    with pytest.raises(InvalidURL):
        connection.get("/privacy", {}, limit=100, deadline=time.monotonic() + 5)
