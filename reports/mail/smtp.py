"""Deliver the outbox: one SMTP session per call, each queued row marked the moment the server accepts it.

A row leaves ``queued`` only for ``sent`` (the server said 250) or ``failed`` (a permanent 5xx
refusal, or MAX_ATTEMPTS temporary refusals). Failing to reach or log in to the server is not the
message's fault: the rows stay queued without using up attempts, so an outage loses nothing.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field

import sqlite_utils

from archive.store import now_iso
from policydiff.config import EmailSettings
from reports.mail.message import address, redact

__all__ = ["MAX_ATTEMPTS", "SMTP_TIMEOUT", "SendResult", "send_queued"]

MAX_ATTEMPTS = 10     # temporary (4xx) refusals of one message before it is given up
SMTP_TIMEOUT = 30.0   # seconds for any one network operation: a hung server must not hang cron


class _Setup(Exception):
    """The session cannot start for a reason of ours (no password in the environment)."""


@dataclass
class SendResult:
    sent: int = 0
    queued: int = 0                                      # rows still queued afterwards
    deferred: list[str] = field(default_factory=list)    # "recipient: error" refused for now
    failed: list[str] = field(default_factory=list)      # "recipient: error" given up now
    session_error: str | None = None                     # why the session could not start, or broke

    @property
    def ok(self) -> bool:
        return not (self.deferred or self.failed or self.session_error)

    def problems(self) -> list[str]:
        """One line per problem, for stderr; never the password."""
        lines = [f"email: {self.queued} message(s) queued, {self.session_error}; the next run retries"
                 ] if self.session_error else []
        lines += [f"email: to {entry}; kept queued, the next run retries" for entry in self.deferred]
        lines += [f"email: to {entry}; given up (outbox status 'failed')" for entry in self.failed]
        return lines


def send_queued(db: sqlite_utils.Database, settings: EmailSettings, *, timeout: float = SMTP_TIMEOUT) -> SendResult:
    """Send every queued row, oldest first."""
    rows = list(db.query("SELECT id, recipient, message, attempts FROM outbox WHERE status = 'queued' ORDER BY id"))
    result = SendResult(queued=len(rows))
    if not rows:
        return result
    try:
        session = _connect(settings, timeout)
    except (OSError, smtplib.SMTPException, _Setup) as exc:
        result.session_error = _session_error(exc, settings)
        _note(db, [row["id"] for row in rows], result.session_error)
        return result
    try:
        for index, row in enumerate(rows):
            try:
                session.sendmail(address(settings), [row["recipient"]], row["message"].encode("utf-8"))
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = exc.recipients[row["recipient"]]
                _refused(db, result, row, code, f"{code} {text.decode('utf-8', 'replace')}", settings)
            except smtplib.SMTPResponseException as exc:  # sender or data refused, or a reply we did not expect
                _refused(db, result, row, exc.smtp_code, _detail(exc), settings)
            except (OSError, smtplib.SMTPException) as exc:
                # The session broke: this row and the rest stay queued. If the server had already taken
                # this one, the next run sends it again: SMTP cannot tell us, and a duplicate beats a loss.
                result.session_error = _session_error(exc, settings)
                _note(db, [r["id"] for r in rows[index:]], result.session_error)
                break
            else:
                with db.conn:
                    db.execute("UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                               [now_iso(), row["id"]])
                result.sent += 1
                result.queued -= 1
    finally:
        _close(session)
    return result


def _connect(settings: EmailSettings, timeout: float) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.security == "ssl":
        session: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    else:
        session = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    try:
        if settings.security == "starttls":
            session.starttls(context=context)
        if settings.username:
            password = settings.password()
            if password is None:
                raise _Setup(f"no password: the environment variable {settings.password_env or '(password_env)'}"
                             " is not set")
            session.login(settings.username, password)
    except BaseException:
        _close(session)
        raise
    return session


def _refused(db: sqlite_utils.Database, result: SendResult, row: dict, code: int, error: str,
             settings: EmailSettings) -> None:
    """The server refused this message: 5xx is final (RFC 5321), 4xx is retried up to MAX_ATTEMPTS."""
    error = redact(error, settings)
    final = code >= 500 or row["attempts"] + 1 >= MAX_ATTEMPTS
    with db.conn:
        db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, status = ? WHERE id = ?",
                   [error, "failed" if final else "queued", row["id"]])
    (result.failed if final else result.deferred).append(f"{row['recipient']}: {error}")
    if final:
        result.queued -= 1


def _note(db: sqlite_utils.Database, ids: list[int], error: str) -> None:
    """Say why on the rows still queued, without counting an attempt against them."""
    with db.conn:
        db.conn.executemany("UPDATE outbox SET last_error = ? WHERE id = ?", [(error, i) for i in ids])


def _session_error(exc: BaseException, settings: EmailSettings) -> str:
    server = f"SMTP server {settings.host}:{settings.port}"
    if isinstance(exc, _Setup):
        problem = f"cannot log in to {server}: {exc}"
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        problem = f"{server} refused the login ({_detail(exc)})"
    elif isinstance(exc, smtplib.SMTPNotSupportedError):  # reachable: the settings ask what it lacks
        problem = f"{server} answered, but {_detail(exc).rstrip('.')} (check security and username in [email])"
    elif isinstance(exc, ssl.SSLCertVerificationError):
        problem = (f"the certificate of {server} is not trusted ({_detail(exc)}); check host in [email] "
                   "(the name on the certificate) and the system's CA certificates")
    elif isinstance(exc, ssl.SSLError):
        problem = (f"TLS with {server} failed ({_detail(exc)}); check security in [email]: "
                   '"ssl" for a port like 465, "starttls" for 587, "none" for a local relay')
    else:
        problem = f"{server} unreachable ({_detail(exc)})"
    return redact(problem, settings)


def _detail(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _close(session: smtplib.SMTP) -> None:
    try:
        session.quit()
    except (OSError, smtplib.SMTPException):
        session.close()
