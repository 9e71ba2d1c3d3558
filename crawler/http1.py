"""A lean HTTP/1.1 client: GET over one keep-alive connection, for the direct path's fetches.

The standard library's http.client spent about 180 us of CPU on each answer (it parses headers with
the email package, through a buffered file object): 210 us for a 304 from nginx on loopback, against
30 us for reading the answer into one buffer and splitting it, as here. The body is framed as
HTTP/1.1 says: no body for 1xx, 204 and 304, then chunked encoding, Content-Length, or the
connection's end. Failures raise what http.client would (``RemoteDisconnected``, ``IncompleteRead``,
``BadStatusLine``, ``TimeoutError``), so they read the same in the archive (crawler/failures.py).
"""

from __future__ import annotations

import re
import select
import socket
import ssl
import time
from dataclasses import dataclass
from http.client import BadStatusLine, HTTPException, IncompleteRead, InvalidURL, LineTooLong, RemoteDisconnected

__all__ = ["Answer", "Connection", "TooLarge"]

_MAX_HEAD = 65536  # status line and headers, in bytes (http.client: 65536 a line)
_MAX_HEADERS = 100  # as http.client
_RECV = 65536
# The end of the head: an empty line, each line ended by CRLF or, as RFC 9112 lets a client accept, LF.
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_DECIMAL = re.compile(r"[0-9]+")
_HEX = re.compile(rb"[0-9A-Fa-f]+")


class TooLarge(Exception):
    """The body is larger than the caller's limit."""


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]  # as received, in order
    body: bytes  # chunked framing removed; still content-encoded
    codings: tuple[str, ...] = ()  # transfer codings other than chunked, in the order the server applied them


class Connection:
    """One connection to ``scheme://netloc``, opened on first use and kept for the next request
    unless the server closes it."""

    def __init__(self, scheme: str, netloc: str, tls: ssl.SSLContext | None = None):
        self.scheme, self.netloc = scheme, netloc  # read at the first request: a bad one fails that request
        self.tls = tls if scheme == "https" else None
        self.sock: socket.socket | None = None
        self.buffer = bytearray()  # received and not yet consumed
        self._address: tuple[str, int, str] | None = None  # host, port, Host header
        self.reused = False  # whether the last request went on a connection kept from an earlier one

    @property
    def is_open(self) -> bool:
        return self.sock is not None

    def get(self, target: str, headers: dict[str, str], *, limit: int, deadline: float) -> Answer:
        """Send one GET and read its whole answer by ``deadline`` (monotonic: connecting, sending and
        every wait for data count; a host name's lookup is the resolver's). Raises TooLarge past
        ``limit`` bytes of body."""
        host, port, host_header = self._address or self._parse_address()
        lines = [f"GET {target} HTTP/1.1", f"Host: {host_header}", *(f"{k}: {v}" for k, v in headers.items())]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # Bytes or the end that arrived while the connection sat idle (the late body of a 204 or 304, a
        # 408 sent before closing) would be read as this answer: such a connection is not reused.
        if self.sock is not None and _stale(self.sock):
            self.close()
        self.reused = self.sock is not None
        try:
            if self.sock is None:
                sock = _connect(host, port, deadline)
                sock.settimeout(_remaining(deadline))  # the TLS handshake counts too
                self.sock = self.tls.wrap_socket(sock, server_hostname=host) if self.tls else sock
            self.sock.settimeout(_remaining(deadline))
            self.sock.sendall(request)
            answer, keep = self._answer(limit, deadline)
        except BaseException:
            self.close()
            raise
        if not keep or self.buffer:  # closing, or more than one answer came: never reuse
            self.close()
        return answer

    def _parse_address(self) -> tuple[str, int, str]:
        default = 443 if self.scheme == "https" else 80
        hostport = self.netloc.rpartition("@")[2]  # credentials in a URL are not sent
        if hostport.startswith("["):  # [IPv6]:port
            host, _, rest = hostport[1:].partition("]")
            port = rest[1:]
        else:
            host, _, port = hostport.partition(":")
        if port and not (port.isascii() and port.isdigit()):
            raise InvalidURL(f"nonnumeric port: {port!r}")
        if not host.isascii():
            try:
                host = host.encode("idna").decode("ascii")  # an internationalised name as DNS and Host know it
            except UnicodeError:
                raise InvalidURL(f"host name {host!r} cannot be encoded") from None
        number = int(port) if port else default
        shown = f"[{host}]" if ":" in host else host
        self._address = host, number, shown if number == default else f"{shown}:{number}"  # as http.client
        return self._address

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buffer.clear()

    # -- reading ---------------------------------------------------------------------------------

    def _answer(self, limit: int, deadline: float) -> tuple[Answer, bool]:
        status = 100
        while 100 <= status < 200:  # interim answers (100 Continue, 103 Early Hints) come first
            version, status, headers = self._head(deadline)
        keep = version == "HTTP/1.1"
        lengths: set[str] = set()  # a repeated value, in one field or several, is that value (RFC 9110, 8.6)
        codings: list[str] = []  # transfer codings, in the order applied
        for name, value in headers:
            name = name.lower()
            if name == "content-length":
                lengths.update(item.strip() for item in value.split(","))
            elif name == "transfer-encoding":
                codings += [coding.strip() for coding in value.lower().split(",")]
            elif name == "connection":
                tokens = value.lower()
                keep = "close" not in tokens and (keep or "keep-alive" in tokens)
        # Framing as RFC 9112 section 6.3 orders it.
        applied = codings
        if status in (204, 304):
            body = b""
        elif codings and codings[-1] == "chunked":
            body, applied = self._chunked(limit, deadline), codings[:-1]
        elif codings or not lengths:  # the body ends with the connection
            body, keep = self._to_end(limit, deadline), False
        elif len(lengths) == 1 and _DECIMAL.fullmatch(length := next(iter(lengths))):
            if int(length) > limit:
                raise TooLarge(f"Content-Length {length}")
            body = self._exactly(int(length), deadline)
        else:  # the message's end cannot be known: RFC 9112 has the client discard it, as Twisted does
            raise HTTPException(f"invalid Content-Length: {', '.join(sorted(lengths))[:100]}")
        # The caller undoes the rest (gzip, say), as it undoes a content coding; identity is none.
        return Answer(status, headers, body, tuple(c for c in applied if c != "identity")), keep

    def _head(self, deadline: float) -> tuple[str, int, list[tuple[str, str]]]:
        start = 0
        while (end := _HEAD_END.search(self.buffer, start)) is None:
            if len(self.buffer) > _MAX_HEAD:
                raise LineTooLong("header")
            start = max(0, len(self.buffer) - 3)
            if not self._receive(deadline):
                raise RemoteDisconnected("Remote end closed connection without response")
        head = self._take(end.start()).decode("latin-1")
        del self.buffer[:end.end() - end.start()]
        status_line, *lines = (line.removesuffix("\r") for line in head.split("\n"))
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not _DECIMAL.fullmatch(parts[1]) or len(parts[1]) != 3:
            raise BadStatusLine(status_line)
        if len(lines) > _MAX_HEADERS:
            raise HTTPException(f"got more than {_MAX_HEADERS} headers")
        headers: list[tuple[str, str]] = []
        for line in lines:
            if line[:1] in (" ", "\t") and headers:  # an obsolete folded line continues the header above
                name, value = headers[-1]
                headers[-1] = (name, f"{value} {line.strip()}")
            elif ":" in line:
                name, _, value = line.partition(":")
                headers.append((name.strip(), value.strip()))
        return parts[0], int(parts[1]), headers

    def _exactly(self, size: int, deadline: float) -> bytes:
        while len(self.buffer) < size:
            if not self._receive(deadline):
                raise IncompleteRead(bytes(self.buffer), size - len(self.buffer))
        return self._take(size)

    def _take(self, size: int) -> bytes:
        with memoryview(self.buffer) as view:
            data = bytes(view[:size])
        del self.buffer[:size]
        return data

    def _line(self, deadline: float, partial: bytearray) -> bytes:
        while (end := self.buffer.find(b"\n")) < 0:
            if len(self.buffer) > _MAX_HEAD:
                raise LineTooLong("chunk size")
            if not self._receive(deadline):
                raise IncompleteRead(bytes(partial))
        line = self._take(end)
        del self.buffer[:1]
        return line.removesuffix(b"\r")

    def _chunked(self, limit: int, deadline: float) -> bytes:
        # One growing buffer: a list of chunks costs an object per chunk, and a hostile site sending
        # one-byte chunks would make that over a hundred bytes of memory per byte of body.
        body = bytearray()
        while True:
            line = self._line(deadline, body).split(b";", 1)[0].strip()
            if not _HEX.fullmatch(line):
                raise IncompleteRead(bytes(body))
            chunk = int(line, 16)
            if chunk == 0:
                while self._line(deadline, body):  # trailer fields, up to the empty line
                    pass
                return bytes(body)
            if len(body) + chunk > limit:
                raise TooLarge("chunked body")
            body += self._exactly(chunk, deadline)
            if self._line(deadline, body):
                raise IncompleteRead(bytes(body))  # data past the chunk's announced size

    def _to_end(self, limit: int, deadline: float) -> bytes:
        while len(self.buffer) <= limit and self._receive(deadline):
            pass
        if len(self.buffer) > limit:
            raise TooLarge("body")
        return self._take(len(self.buffer))

    def _receive(self, deadline: float) -> bool:
        """Append what arrives to the buffer; False at the connection's end."""
        self.sock.settimeout(_remaining(deadline))  # a trickling server gets no longer than the deadline
        data = self.sock.recv(_RECV)
        self.buffer += data
        return bool(data)


def _connect(host: str, port: int, deadline: float) -> socket.socket:
    """A connection to the first of the name's addresses that accepts one by ``deadline``: all of
    them together get the time that is left (socket.create_connection gives each address the whole
    timeout)."""
    error: OSError | None = None
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        left = _remaining(deadline)
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(left)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"no address for {host}")


def _stale(sock: socket.socket) -> bool:
    """Whether bytes or the connection's end arrived while it sat idle."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    poller = select.poll()  # not select.select: file descriptors past 1023 are fine here
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("no complete answer within the timeout")
    return left
