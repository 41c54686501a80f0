"""Users, the audit log, idempotency keys and settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from ..vocab import Language, Role, values
from .base import one_of, timestamp

#: the stored role names (the CLI offers them)
ROLES = values(Role)


class User(SQLModel, table=True):
    """A person who signs in; sees ``unit`` and everything under it."""

    __table_args__ = (one_of("role", Role), one_of("language", Language))
    id: int = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    full_name: str = Field(default="", max_length=200)
    #: argon2id hash, never the password
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    unit_id: int = Field(foreign_key="unit.id")
    active: bool = True
    #: may see children's names and birth dates unmasked (each unmask is audited)
    can_unmask: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = timestamp(nullable=True)
    #: bumped at logout and deactivation: sessions carrying an older value are refused
    session_version: int = 0
    created_at: datetime = timestamp()
    #: where reminders and summaries are sent ("" = none); checked by ``services.mail_settings``
    email: str = Field(default="", max_length=254)
    #: the language e-mail is written in (and pages are drawn in unless the switch says otherwise)
    language: str = Field(default=Language.VI, max_length=2)
    #: opted in to the weekly progress summary (bản tóm tắt tiến độ hằng tuần)
    weekly_summary: bool = False


class ApiToken(SQLModel, table=True):
    """A read-only API token: it expires, and whatever ends the owner's sessions revokes it."""

    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    #: sha256 of the token, never the token itself
    token_hash: str = Field(max_length=64, unique=True)
    #: what the owner calls it ("bảng tính của huyện")
    name: str = Field(default="", max_length=80)
    created_at: datetime = timestamp()
    expires_at: datetime = Field(sa_type=DateTime(), nullable=False)
    revoked_at: datetime | None = timestamp(nullable=True)
    revoked_by_id: int | None = Field(default=None, foreign_key="user.id")


class AuditEvent(SQLModel, table=True):
    """Who did what to which object, when, with the values before and after.

    Events form one hash chain per fund (``chain_key`` = the unit, 0 for events of no unit);
    ``digest`` seals the object's content after the action, so an edit behind the
    application's back no longer matches the last event about that object.
    """

    __table_args__ = (UniqueConstraint("chain_key", "seq"),)
    id: int = Field(default=None, primary_key=True)
    at: datetime = timestamp()
    user_id: int | None = Field(default=None, foreign_key="user.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    action: str = Field(max_length=60)
    object_type: str = Field(default="", max_length=60)
    object_id: int | None = None
    before: str = Field(default="", sa_type=Text)
    after: str = Field(default="", sa_type=Text)
    #: the chain this event extends: the event's unit, or 0
    chain_key: int = 0
    seq: int = 0
    #: sha256 of the sealed object's content after the action ("" when the object is gone)
    digest: str = Field(default="", max_length=64)
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)


class AuditHead(SQLModel, table=True):
    """The tip of one audit chain; locked while an event is appended to it."""

    chain_key: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_seq: int = 0
    last_hash: str = Field(default="", max_length=64)


Index("ix_auditevent_unit_at", col(AuditEvent.unit_id), col(AuditEvent.at))
#: a unit's audit log newest first (migration 0009)
Index("ix_auditevent_unit_id", col(AuditEvent.unit_id), col(AuditEvent.id))
#: the events about one row, oldest first: the seals check's last event per row (migration 0031)
Index(
    "ix_auditevent_object",
    col(AuditEvent.object_type),
    col(AuditEvent.object_id),
    col(AuditEvent.id),
)


class IdempotencyKey(SQLModel, table=True):
    """One submitted form or API call: a retry with the same key gets the first result."""

    key: str = Field(primary_key=True, max_length=64)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    #: sha256 of the submitted payload: the same key with another payload is refused
    fingerprint: str = Field(max_length=64)
    #: what the first submission answered (e.g. the URL it redirected to)
    result: str = Field(default="", max_length=500)
    created_at: datetime = timestamp()


class Setting(SQLModel, table=True):
    """A configurable value: voucher form codes, the circular cited, words style, cost cap."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", max_length=500)


class VoucherRegime(SQLModel, table=True):
    """The accounting regime in force from ``valid_from``: the form codes and the circular a
    voucher dated on or after that day prints (until the next row's ``valid_from``)."""

    id: int = Field(default=None, primary_key=True)
    valid_from: date = Field(unique=True)
    #: e.g. "Mẫu số C40-BB"
    receipt_form_code: str = Field(max_length=60)
    #: e.g. "Mẫu số C41-BB"
    disbursement_form_code: str = Field(max_length=60)
    #: the line printed under the form code, naming the circular
    circular: str = Field(max_length=300)


class SecondFactor(SQLModel, table=True):
    """A user's authenticator (TOTP, RFC 6238): pending until a code confirms it, then asked
    at an admin's sign-in and for payouts above the admin's limit."""

    __table_args__ = (
        CheckConstraint("failures >= 0 AND last_step >= 0", name="counters_not_negative"),
    )
    user_id: int = Field(
        foreign_key="user.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    #: base32 shared secret the authenticator app holds
    secret: str = Field(max_length=64)
    #: set when the first valid code switched it on; None while enrolment is pending
    confirmed_at: datetime | None = timestamp(nullable=True)
    #: the last time step (unix time // 30) a code was accepted for: no code counts twice
    last_step: int = Field(default=0, sa_type=BigInteger)
    #: wrong codes since ``failures_since`` (the lock-out window)
    failures: int = 0
    failures_since: datetime | None = timestamp(nullable=True)
    locked_until: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp()


class RecoveryCode(SQLModel, table=True):
    """A one-time code for when the phone is lost: argon2 hash only, used once."""

    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=255)
    used_at: datetime | None = timestamp(nullable=True)
