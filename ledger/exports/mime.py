"""An outbox message as the bytes an SMTP server receives (pure: values in, a message out).

Built with the standard library's ``email.mime`` classes and ``email.header.Header``: a
Vietnamese subject or name becomes RFC 2047 encoded-words split inside the encoded text, so
every space survives (the newer ``EmailMessage`` folding of Python 3.11 drops the space where
it folds between two encoded-words: "huyện Thường Tín" arrived as "huyệnThường Tín"). Header
values are made one line first and an address must be one plain mailbox, so a name, subject
or address can never add a header or a recipient.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

#: (file name, MIME type "type/subtype", bytes)
AttachmentParts = tuple[str, str, bytes]
_MAILBOX = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+")


def build_message(
    *,
    sender: str,
    to_address: str,
    to_name: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    attachments: Iterable[AttachmentParts] = (),
    sent_at: datetime | None = None,
    message_key: str = "",
) -> Message:
    """The message: From, To, Subject, Date, Message-ID, text (and HTML) body, attachments.
    ``ValueError`` when an address is not one plain mailbox."""
    sender_name, sender_address = parseaddr(sender)
    for address in (to_address, sender_address):
        if not _MAILBOX.fullmatch(address or ""):
            raise ValueError(f"not one mailbox: {address!r}")
    message = _body(body_text, body_html, list(attachments))
    message["From"] = formataddr((_one_line(sender_name), sender_address), charset="utf-8")
    message["To"] = formataddr((_one_line(to_name), to_address), charset="utf-8")
    # a Header, not its text: the legacy generator folds it at encoded-word boundaries
    message["Subject"] = Header(_one_line(subject), "utf-8")  # type: ignore[assignment]
    message["Date"] = format_datetime((sent_at or datetime.now(UTC)).replace(tzinfo=UTC))
    domain = sender_address.rsplit("@", 1)[1]
    message["Message-ID"] = make_msgid(idstring=message_key or None, domain=domain)
    return message


def _body(text: str, html: str, attachments: list[AttachmentParts]) -> MIMEBase:
    body: MIMEBase = MIMEText(text, "plain", "utf-8")
    if html:
        body = MIMEMultipart("alternative", _subparts=[body, MIMEText(html, "html", "utf-8")])
    if not attachments:
        return body
    mixed = MIMEMultipart("mixed", _subparts=[body])
    for name, content_type, data in attachments:
        main, _, sub = content_type.partition("/")
        part = (
            MIMEApplication(data, _subtype=sub or "octet-stream")
            if main in ("application", "")
            else _binary(main, sub, data)
        )
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
        mixed.attach(part)
    return mixed


def _binary(main: str, sub: str, data: bytes) -> MIMEBase:
    from email import encoders

    part = MIMEBase(main, sub or "octet-stream")
    part.set_payload(data)
    encoders.encode_base64(part)
    return part


def _one_line(text: str) -> str:
    return " ".join(str(text or "").split())
