"""The outbox (hộp thư đi): each e-mail once, queued by the composers, sent by ``send-mail``.

``dedupe_key`` (purpose, recipient, period) is unique, so a message composed twice, by one run
or by two at once, is stored once. A run claims a queued row (``status`` → sending, a fresh
``claim`` token) before it talks to the server, and only the holder of the claim may record
the outcome, so two runs never send one message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, LargeBinary, Text
from sqlmodel import Field, SQLModel, col

from ..vocab import Language, MailStatus
from .base import one_of, timestamp


class OutboxMessage(SQLModel, table=True):
    """One e-mail to one recipient, with its delivery state."""

    __table_args__ = (
        one_of("status", MailStatus),
        one_of("language", Language),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )
    id: int = Field(default=None, primary_key=True)
    #: purpose:recipient:period, e.g. ``reminder:12:7:34`` — the same message is never queued twice
    dedupe_key: str = Field(max_length=200, unique=True)
    #: the composer that made it (``reminder``, ``weekly``…)
    purpose: str = Field(max_length=40)
    #: the user it is for (the outbox page shows a message to admins whose scope covers them)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    to_address: str = Field(max_length=254)
    to_name: str = Field(default="", max_length=200)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_type=Text)
    #: optional HTML alternative ("" = text only)
    body_html: str = Field(default="", sa_type=Text)
    language: str = Field(default=Language.VI, max_length=2)
    status: str = Field(default=MailStatus.QUEUED, max_length=20)
    #: how many times a run has tried to hand it to the server
    attempts: int = 0
    last_error: str = Field(default="", sa_type=Text)
    #: not tried again before this (backoff after a failure)
    next_attempt_at: datetime = timestamp()
    #: the current attempt's token; a run holding another records nothing
    claim: str = Field(default="", max_length=32)
    claimed_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp()
    sent_at: datetime | None = timestamp(nullable=True)


class OutboxAttachment(SQLModel, table=True):
    """A file sent with a message (a filed report's document…)."""

    id: int = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="outboxmessage.id", index=True)
    file_name: str = Field(max_length=200)
    #: the MIME type, e.g. ``application/pdf``
    content_type: str = Field(max_length=100)
    data: bytes = Field(sa_type=LargeBinary)


#: what a run claims next: queued rows whose time has come, oldest first
Index("ix_outboxmessage_due", col(OutboxMessage.status), col(OutboxMessage.next_attempt_at))
