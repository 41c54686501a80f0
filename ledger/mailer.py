"""``send-mail``'s engine: compose what is due, then hand the queue to the SMTP server.

No Flask here: the CLI passes the database URL and the settings read from ``LEDGER_SMTP_*``.
Each step commits on its own, so what one run claimed or sent is seen at once by another:
claim (commit) → talk to the server → record the outcome (commit). A message is sent only by
the run holding its claim; a failure queues it again with a longer wait each time.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr

from .engine import session_scope
from .exports.mime import build_message
from .models import OutboxMessage, utcnow
from .services import mail_compose, outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand messages over (``LEDGER_SMTP_HOST``, ``_PORT``, ``_USER``,
    ``_PASSWORD``, ``_STARTTLS``, ``_SSL``, ``_FROM``)."""

    host: str = ""
    port: int = 25
    user: str = ""
    password: str = ""
    starttls: bool = False
    use_ssl: bool = False
    sender: str = ""
    timeout: float = 30.0

    @property
    def envelope_sender(self) -> str:
        """The bare address of ``sender`` ("Quỹ BTTE <quy@…>" → "quy@…") for MAIL FROM."""
        return parseaddr(self.sender)[1] or self.sender

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)

    @classmethod
    def from_config(cls, config: Mapping, environ: Mapping[str, str] = os.environ) -> SmtpSettings:
        """From the app's config; the user and password as typed in the environment (Flask
        reads ``LEDGER_*`` values as JSON, which would turn a password ``1e5`` into 100000.0)."""
        use_ssl = _flag(config.get("SMTP_SSL"))
        return cls(
            host=str(config.get("SMTP_HOST") or ""),
            port=int(config.get("SMTP_PORT") or (465 if use_ssl else 25)),
            user=environ.get("LEDGER_SMTP_USER") or str(config.get("SMTP_USER") or ""),
            password=environ.get("LEDGER_SMTP_PASSWORD") or str(config.get("SMTP_PASSWORD") or ""),
            starttls=_flag(config.get("SMTP_STARTTLS")),
            use_ssl=use_ssl,
            sender=str(config.get("SMTP_FROM") or ""),
            timeout=float(config.get("SMTP_TIMEOUT") or 30),
        )


def _flag(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


@dataclass
class RunReport:
    """What one run did: messages queued per composer, sent, failed (to be retried or not)."""

    queued: dict[str, int]
    sent: int = 0
    failed: int = 0
    interrupted: int = 0
    #: claimed by this run but released by another before it was sent (not sent)
    skipped: int = 0
    #: why composing stopped (nothing of that run was queued), "" when it did not
    compose_error: str = ""


def run(
    url: str, smtp: SmtpSettings, context: mail_compose.Context, *, compose: bool = True
) -> RunReport:
    """Compose (unless told not to), then send every queued message whose time has come."""
    report = RunReport(queued={})
    if compose:
        try:
            with session_scope(url) as session:
                report.queued = mail_compose.compose_due(session, context)
        except Exception as error:  # what is already queued still goes out
            log.exception("composing mail failed")
            report.compose_error = _describe(error)
    with session_scope(url) as session:
        report.interrupted = outbox.release_stale(session, now=utcnow())
    if smtp.configured:
        send_queue(url, smtp, report)
    return report


def send_queue(url: str, smtp: SmtpSettings, report: RunReport) -> None:
    """Claim and send batches until nothing due is left (or the server cannot be reached)."""
    while True:
        with session_scope(url) as session:
            claimed = outbox.claim_due(session, now=utcnow())
        if not claimed:
            return
        if not _send_batch(url, smtp, claimed, report):
            return


def _send_batch(url: str, smtp: SmtpSettings, claimed, report: RunReport) -> bool:
    """Send the claimed messages over one connection; False when it could not be opened (every
    claimed message is then queued again with the error)."""
    try:
        connection = _connect(smtp)
    except (OSError, smtplib.SMTPException) as refused:
        for message_id, claim in claimed:
            _record(url, message_id, claim, refused, report)
        return False
    try:
        for at, (message_id, claim) in enumerate(claimed):
            if message_id not in _still_ours(url, claimed[at:]):
                report.skipped += 1
                continue
            _record(url, message_id, claim, _deliver(url, connection, smtp, message_id), report)
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
    return True


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    if smtp.use_ssl:
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
        )
    else:
        connection = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        if smtp.starttls:
            connection.starttls(context=ssl.create_default_context())
    if smtp.user:
        connection.login(smtp.user, smtp.password)
    return connection


def _still_ours(url: str, claims: list[tuple[int, str]]) -> set[int]:
    """Renew the batch's remaining claims before each send (a slow batch would outlive
    ``STALE_CLAIM`` otherwise) and say which are still this run's: a message released as
    interrupted meanwhile would go out twice once an admin requeues it."""
    with session_scope(url) as session:
        return outbox.renew_claims(session, claims, now=utcnow())


def _deliver(
    url: str, connection: smtplib.SMTP, smtp: SmtpSettings, message_id: int
) -> Exception | None:
    """Hand one message to the server: None when accepted, else the error."""
    with session_scope(url, write=False) as session:
        message = session.get_one(OutboxMessage, message_id)
        parts = [
            (a.file_name, a.content_type, a.data)
            for a in outbox.attachments_of(session, message_id)
        ]
    try:
        mime = build_message(
            sender=smtp.sender,
            to_address=message.to_address,
            to_name=message.to_name,
            subject=message.subject,
            body_text=message.body_text,
            body_html=message.body_html,
            attachments=parts,
            message_key=f"outbox{message.id}",
        )
        # the envelope names the one stored address, whatever the headers say
        connection.send_message(mime, from_addr=smtp.envelope_sender, to_addrs=[message.to_address])
    except (OSError, ValueError, smtplib.SMTPException) as error:
        return error
    return None


def _record(
    url: str, message_id: int, claim: str, error: Exception | None, report: RunReport
) -> None:
    with session_scope(url) as session:
        now = utcnow()
        if error is None:
            if outbox.record_sent(session, message_id, claim, now=now):
                report.sent += 1
            return
        log.warning("mail %s not sent: %s", message_id, error)
        outbox.record_failure(
            session,
            message_id,
            claim,
            now=now,
            error=_describe(error)[:2000],
            permanent=_permanent(error),
        )
        report.failed += 1


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _permanent(error: Exception) -> bool:
    """A refusal that sending again cannot change: a 5xx answer, a malformed message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500 and not isinstance(error, smtplib.SMTPAuthenticationError)
    return isinstance(error, ValueError)


def today_in_vietnam(now: datetime | None = None) -> date:
    """Today's date where the users are (reminders count days in Vietnam's calendar)."""
    from datetime import UTC

    from .dates import VIETNAM

    return (now or datetime.now(UTC)).astimezone(VIETNAM).date()
