"""Data versions: a value that any change a page or chart of a unit could show moves.

Every posting extends its fund's hash chain (``ChainHead.last_seq`` + 1) and every audited
change (a quota, a unit renamed or moved, a report period, a category, a setting, each sealed
receipt) extends an audit chain (``AuditHead.last_seq`` + 1), both in the transaction that
makes the change. So Σ ``last_seq`` over the chains a figure is drawn from only grows, and
grows with every change that is committed: a cache keyed by it is never stale, whatever the
order in which concurrent transactions commit (a ``max(id)`` from a sequence is not: on
PostgreSQL a smaller id can commit after a larger one).

A unit's figures come from its subtree's postings; its names, quotas and calendars from audit
events of the subtree, of the units above it (a campaign's quotas are its unit's events) and
of no unit (chain 0: categories, settings).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..models import AuditHead, ChainHead, Unit
from .units import MAX_LISTED_UNITS, subtree_ids


def global_version(session: Session) -> tuple[int, int]:
    """Σ of every journal chain's and every audit chain's length."""
    entries = session.exec(select(func.coalesce(func.sum(ChainHead.last_seq), 0))).one()
    events = session.exec(select(func.coalesce(func.sum(AuditHead.last_seq), 0))).one()
    return int(entries), int(events)


def unit_version(session: Session, root_id: int) -> tuple[int | str, ...]:
    """The version of what is shown about ``root_id`` and the units under it."""
    ancestors = _ancestors(session, root_id)
    if len(ancestors) == 1:  # the top of the tree: its subtree is (nearly) everything
        return ("all", *global_version(session))
    ids = subtree_ids(session, root_id)
    if len(ids) > MAX_LISTED_UNITS:
        return ("all", *global_version(session))
    members = sorted(ids)
    entries = session.exec(
        select(func.coalesce(func.sum(ChainHead.last_seq), 0)).where(
            col(ChainHead.unit_id).in_(members)
        )
    ).one()
    events = session.exec(
        select(func.coalesce(func.sum(AuditHead.last_seq), 0)).where(
            col(AuditHead.chain_key).in_([0, *ancestors, *members])
        )
    ).one()
    return (root_id, len(members), int(entries), int(events))


def _ancestors(session: Session, unit_id: int) -> list[int]:
    """``unit_id`` and the units above it, bottom up."""
    found: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in found and len(found) < 50:
        found.append(current)
        current = session.exec(select(Unit.parent_id).where(Unit.id == current)).first()
    return found
