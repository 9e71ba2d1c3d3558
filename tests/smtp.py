"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the email tests.

``smtp_server`` is a factory fixture: ``smtp_server(refuse={"x@example.org"}, login=("user", "pw"))``
starts a server that answers 550 for the refused recipients and, with ``login``, accepts mail only
after AUTH with exactly those credentials. Also: ``closed_port()`` (SMTP down) and ``hung_port()``
(a server that accepts the connection and never says a word).
"""

from __future__ import annotations

import socket
from contextlib import closing, contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["Received", "SmtpServer", "closed_port", "hung_port", "smtp_server"]


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


class _Handler:
    def __init__(self, refuse: set[str]):
        self.refuse = refuse
        self.received: list[Received] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd API)
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        # Recorded before the 250 goes out: once the client has its answer, the message is here.
        raw = envelope.content
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      message_from_bytes(raw, policy=default), raw))
        return "250 2.0.0 accepted"


class _Controller(Controller):
    """aiosmtpd's Controller on port 0: learn the port the OS chose before its readiness probe."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    def __init__(self, refuse: set[str] = frozenset(), login: tuple[str, str] | None = None):
        self.handler = _Handler(set(refuse))
        auth = {}
        if login:
            auth = {"auth_required": True, "auth_require_tls": False, "authenticator": _authenticator(*login)}
        self.controller = _Controller(self.handler, hostname="127.0.0.1", port=0, **auth)

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def to(self, recipient: str) -> list[Received]:
        return [r for r in self.received if recipient in r.recipients]

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def _authenticator(user: str, password: str):
    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            user.encode(), password.encode())
        return AuthResult(success=ok, handled=False)

    return check


@pytest.fixture
def smtp_server():
    started: list[SmtpServer] = []

    def start(refuse: set[str] = frozenset(), login: tuple[str, str] | None = None) -> SmtpServer:
        server = SmtpServer(refuse, login).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound then released: connections are refused)."""
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def hung_port():
    """A port whose listener never accepts: connecting works, the SMTP greeting never comes."""
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]
