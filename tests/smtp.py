"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the email tests.

``smtp_server`` is a factory fixture: ``smtp_server(refuse={"x@example.org": "550 ..."}, login=("user",
"pw"))`` starts a server that gives those replies to those recipients (``server.refuse`` can change
while it runs) and, with ``login``, accepts mail only
after AUTH with exactly those credentials; ``tls=("starttls" | "ssl", certificate)`` makes it require
STARTTLS or speak TLS from the start, with a :func:`self_signed` certificate. Also: ``closed_port()``
(SMTP down) and ``hung_port()`` (a server that accepts the connection and never says a word).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["Received", "SmtpServer", "closed_port", "hung_port", "self_signed", "smtp_server"]


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


class _Handler:
    def __init__(self, refuse: dict[str, str]):
        self.refuse = refuse
        self.received: list[Received] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd API)
        if address in self.refuse:
            return self.refuse[address]
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
    def __init__(self, refuse: dict[str, str] | None = None, login: tuple[str, str] | None = None,
                 tls: tuple[str, Path] | None = None):
        self.handler = _Handler(dict(refuse or {}))
        options: dict = {}
        if login:
            options = {"auth_required": True, "auth_require_tls": False, "authenticator": _authenticator(*login)}
        if tls:
            mode, certificate = tls
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certificate, certificate.with_suffix(".key"))
            # starttls: MAIL is refused until the client has switched to TLS; ssl: TLS from the first byte.
            options |= {"tls_context": context, "require_starttls": True} if mode == "starttls" else {
                "ssl_context": context}
        self.controller = _Controller(self.handler, hostname="127.0.0.1", port=0, **options)

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def refuse(self) -> dict[str, str]:
        return self.handler.refuse

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

    def start(refuse: dict[str, str] | None = None, login: tuple[str, str] | None = None,
              tls: tuple[str, Path] | None = None) -> SmtpServer:
        server = SmtpServer(refuse, login, tls).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def self_signed(folder: Path) -> Path:
    """A certificate for 127.0.0.1 (``cert.pem``, its key beside it as ``cert.key``); clients trust it
    through ``SSL_CERT_FILE``, which OpenSSL's default verify paths honour."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "policydiff test SMTP")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    path = folder / "cert.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    return path


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
