"""RFC 5322 messages as policydiff sends them, and keeping the SMTP password out of every text."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr

from policydiff.config import EmailSettings

__all__ = ["address", "build_message", "redact"]

FALLBACK_DOMAIN = "policydiff.invalid"  # RFC 2606: never a real host, so a Message-ID cannot collide


def address(settings: EmailSettings) -> str:
    """The bare sender address (``from`` may be ``"Name <addr>"``), for the envelope and mailto links."""
    return parseaddr(settings.sender)[1] or settings.sender


def build_message(settings: EmailSettings, recipient: str, subject: str, text: str, html: str | None = None) -> str:
    """The whole message: text/plain, or multipart/alternative (text then HTML, so clients that can
    show HTML prefer it), UTF-8, quoted-printable (readable in the outbox, safe without 8BITMIME),
    CRLF line ends as SMTP wants them."""
    sender = address(settings)
    domain = sender.rpartition("@")[2] or FALLBACK_DOMAIN
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.sender
    message["To"] = recipient
    message["Subject"] = subject
    # The time it was queued: RFC 5322's "ready to enter the mail delivery system", also on retries.
    message["Date"] = formatdate(usegmt=True)
    # The sender's domain, not the host's name: stable across machines, and getfqdn() can stall on DNS.
    message["Message-ID"] = make_msgid(idstring="policydiff", domain=domain)
    message["List-Unsubscribe"] = f"<mailto:{sender}?subject=unsubscribe>"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_string()


def redact(text: str, settings: EmailSettings) -> str:
    """``text`` without the SMTP password: server replies and exception texts are not ours to trust."""
    password = settings.password()
    return text.replace(password, "********") if password else text
