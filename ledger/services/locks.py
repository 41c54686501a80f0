"""Period locks: after a report is filed, a unit's books are closed through a date."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from ..errors import LedgerError, _l
from ..models import Anchor, PeriodLock, utcnow
from ..text import required_reason
from .anchors import record_anchors
from .audit import record_event
from .units import get_unit


class LockWouldMoveBack(LedgerError):
    default = _l("Sổ đã khóa đến ngày %(date)s; chỉ quản trị mới được mở khóa lùi lại.")


def lock_period(
    session: Session, *, unit_id: int, through: date, user_id: int | None
) -> PeriodLock:
    """Close ``unit_id``'s books through ``through`` (a lock only moves forward)."""
    get_unit(session, unit_id)
    lock = session.get(PeriodLock, unit_id)
    before = lock.locked_through if lock else None
    if lock is not None and through < lock.locked_through:
        raise LockWouldMoveBack(date=lock.locked_through.strftime("%d/%m/%Y"))
    if lock is None:
        lock = PeriodLock(unit_id=unit_id, locked_through=through)
        session.add(lock)
    lock.locked_through, lock.locked_by_id, lock.locked_at = through, user_id, utcnow()
    session.flush()
    record_event(
        session,
        action="period.lock",
        user_id=user_id,
        unit_id=unit_id,
        object_type="periodlock",
        object_id=unit_id,
        before={"locked_through": before},
        after={"locked_through": through},
    )
    record_anchors(
        session,
        unit_ids=[unit_id],
        kind="lock",
        user_id=user_id,
        ref=f"khóa sổ đến {through:%d/%m/%Y}",
    )
    return lock


def unlock_period(
    session: Session, *, unit_id: int, through: date | None, user_id: int | None, reason: str
) -> None:
    """Admin only (checked at the edge): move the lock back or remove it, with a reason."""
    reason = required_reason(reason)
    lock = session.get(PeriodLock, unit_id)
    before = lock.locked_through if lock else None
    if lock is not None and through is None:
        session.delete(lock)
    elif lock is not None and through is not None:
        lock.locked_through, lock.locked_by_id, lock.locked_at = through, user_id, utcnow()
    session.flush()
    record_event(
        session,
        action="period.unlock",
        user_id=user_id,
        unit_id=unit_id,
        object_type="periodlock",
        object_id=unit_id,
        before={"locked_through": before},
        after={"locked_through": through, "reason": reason},
    )


def locked_through(session: Session, unit_id: int) -> date | None:
    """The unit's locked-through date, if any."""
    lock = session.get(PeriodLock, unit_id)
    return lock.locked_through if lock else None


def last_lock_anchor(session: Session, unit_id: int) -> Anchor | None:
    """The anchor recorded by the unit's latest lock, to print beside it (or None)."""
    return session.exec(
        select(Anchor)
        .where(Anchor.unit_id == unit_id, Anchor.kind == "lock")
        .order_by(col(Anchor.id).desc())
        .limit(1)
    ).first()
