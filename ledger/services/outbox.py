"""The outbox: queue a message once, claim what is due, record how sending went.

Every function flushes and never commits: ``ledger.mailer`` commits each claim before it talks
to the server and each outcome right after, so a second run at the same time sees both.
A claim is a conditional update (``status = queued`` → ``sending`` with a fresh token); a row
two runs race for is won by one (PostgreSQL's row lock; SQLite's one write lock), and only the
winner's token can record the outcome.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..errors import AttachmentsTooLarge
from ..models import OutboxAttachment, OutboxMessage, User, utcnow
from ..text import clean
from ..vocab import Language, MailStatus
from .units import in_units

#: a message is tried this many times in all, then failed
MAX_ATTEMPTS = 8
#: the wait after the first failure, doubled after each further one, at most ``MAX_WAIT``
FIRST_WAIT = timedelta(minutes=5)
MAX_WAIT = timedelta(hours=12)
#: a claim this old belongs to a run that died while sending (see ``release_stale``)
STALE_CLAIM = timedelta(minutes=30)
#: attachments a message may carry, in all
MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """A file to send: its name as the recipient sees it, MIME type, bytes."""

    file_name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Draft:
    """A message a composer wants sent, before it is queued."""

    dedupe_key: str
    purpose: str
    to_address: str
    subject: str
    body_text: str
    user_id: int | None = None
    to_name: str = ""
    body_html: str = ""
    language: str = Language.VI
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


def enqueue(session: Session, draft: Draft) -> OutboxMessage | None:
    """Queue ``draft`` unless a message with its dedupe key exists (then None). Two runs
    composing at once meet the unique key: the loser queues nothing."""
    if _exists(session, draft.dedupe_key):
        return None
    message = _message(draft)
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
            for item in draft.attachments:
                session.add(
                    OutboxAttachment(
                        message_id=message.id,
                        file_name=clean(item.file_name, max_length=200) or "tep-dinh-kem",
                        content_type=item.content_type[:100],
                        data=item.data,
                    )
                )
            session.flush()
    except IntegrityError:
        if _exists(session, draft.dedupe_key):
            return None
        raise
    return message


def _exists(session: Session, key: str) -> bool:
    found = session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first()
    return found is not None


def _message(draft: Draft) -> OutboxMessage:
    if sum(len(a.data) for a in draft.attachments) > MAX_ATTACHMENT_BYTES:
        raise AttachmentsTooLarge(limit=str(MAX_ATTACHMENT_BYTES // (1024 * 1024)))
    return OutboxMessage(
        dedupe_key=draft.dedupe_key[:200],
        purpose=draft.purpose[:40],
        user_id=draft.user_id,
        to_address=draft.to_address,
        # a header value: one line, whatever a user typed into their name
        to_name=clean(draft.to_name, max_length=200),
        subject=clean(draft.subject, max_length=300),
        body_text=draft.body_text,
        body_html=draft.body_html,
        language=draft.language,
    )


def claim_due(session: Session, *, now: datetime, limit: int = 50) -> list[tuple[int, str]]:
    """Claim up to ``limit`` queued messages whose time has come: (id, claim token) of each
    this run now holds. Rows another run is claiming are skipped (PostgreSQL) or waited for
    (SQLite's write lock), and a row already taken is not taken again."""
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MailStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for message_id in session.exec(query).all():
        token = uuid.uuid4().hex
        taken = session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .where(col(OutboxMessage.status) == MailStatus.QUEUED)
            .values(
                status=MailStatus.SENDING,
                claim=token,
                claimed_at=now,
                attempts=col(OutboxMessage.attempts) + 1,
            )
        )
        if taken.rowcount == 1:
            claimed.append((message_id, token))
    session.flush()
    return claimed


def renew_claims(session: Session, claims: list[tuple[int, str]], *, now: datetime) -> set[int]:
    """Just before this run hands the next message to the server: the batch's remaining claims
    dated now (so only a run that dies while sending one message leaves them to
    ``release_stale``); the ids still this run's (one released meanwhile is not to be sent)."""
    held = set()
    for message_id, claim in claims:
        done = session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.claim) == claim)
            .where(col(OutboxMessage.status) == MailStatus.SENDING)
            .values(claimed_at=now)
        )
        if done.rowcount == 1:
            held.add(message_id)
    session.flush()
    return held


def record_sent(session: Session, message_id: int, claim: str, *, now: datetime) -> bool:
    """The server accepted the message (False: the claim was not this run's)."""
    return _finish(session, message_id, claim, status=MailStatus.SENT, sent_at=now, last_error="")


def record_failure(
    session: Session, message_id: int, claim: str, *, now: datetime, error: str, permanent: bool
) -> bool:
    """Sending failed: queued again after a wait that doubles each time, or failed for good
    when the server refused it permanently or the attempts are spent."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        return False
    if permanent or message.attempts >= MAX_ATTEMPTS:
        return _finish(session, message_id, claim, status=MailStatus.FAILED, last_error=error)
    wait = min(FIRST_WAIT * 2 ** max(message.attempts - 1, 0), MAX_WAIT)
    return _finish(
        session,
        message_id,
        claim,
        status=MailStatus.QUEUED,
        last_error=error,
        next_attempt_at=now + wait,
    )


def _finish(session: Session, message_id: int, claim: str, **values) -> bool:
    done = session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.claim) == claim)
        .where(col(OutboxMessage.status) == MailStatus.SENDING)
        .values(claim="", **values)
    )
    session.flush()
    return bool(done.rowcount == 1)


#: why a message whose run died while sending is not sent again by itself
INTERRUPTED = "interrupted while sending: it may have been delivered; requeue it to send again"


def release_stale(session: Session, *, now: datetime) -> int:
    """Messages claimed more than ``STALE_CLAIM`` ago by a run that never recorded the outcome
    (killed while talking to the server): failed, not retried, since the server may already
    have accepted them; an admin requeues one after asking the recipient."""
    done = session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.status) == MailStatus.SENDING)
        .where(col(OutboxMessage.claimed_at) < now - STALE_CLAIM)
        .values(status=MailStatus.FAILED, claim="", last_error=INTERRUPTED)
    )
    session.flush()
    return int(done.rowcount or 0)


def requeue(session: Session, message_id: int, *, now: datetime | None = None) -> bool:
    """Send a failed message again (from the outbox page): queued now, attempts counted anew."""
    done = session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .where(col(OutboxMessage.status) == MailStatus.FAILED)
        .values(status=MailStatus.QUEUED, attempts=0, next_attempt_at=now or utcnow())
    )
    session.flush()
    return bool(done.rowcount == 1)


def attachments_of(session: Session, message_id: int) -> list[OutboxAttachment]:
    return list(
        session.exec(
            select(OutboxAttachment)
            .where(OutboxAttachment.message_id == message_id)
            .order_by(col(OutboxAttachment.id))
        ).all()
    )


def outbox_rows(session: Session, unit_ids, *, limit: int = 200) -> list:
    """(message, user) of the newest messages to users of these units, newest first."""
    return list(
        session.exec(
            select(OutboxMessage, User)
            .join(User, col(User.id) == OutboxMessage.user_id)
            .where(in_units(col(User.unit_id), unit_ids))
            .order_by(col(OutboxMessage.id).desc())
            .limit(limit)
        ).all()
    )


def message_in(session: Session, message_id: int, unit_ids) -> OutboxMessage | None:
    """The message if it is to a user of these units (the outbox page's scope), else None."""
    return session.exec(
        select(OutboxMessage)
        .join(User, col(User.id) == OutboxMessage.user_id)
        .where(OutboxMessage.id == message_id, in_units(col(User.unit_id), unit_ids))
    ).first()
