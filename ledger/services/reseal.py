"""Bring an existing database under the audit chain: used by migration 0005 (and any later
migration that changes what is sealed)."""

from __future__ import annotations

from itertools import groupby

from sqlalchemy import update
from sqlmodel import Session, col, select

from ..models import AuditEvent, AuditHead, Unit, select_rows
from .anchors import record_anchors
from .audit import HASHED_COLUMNS, event_hash, seal_rows
from .seals import SEALED, digests


def rechain_and_seal(session: Session) -> None:
    """Chain the events there are, seal every sealed row as it stands, anchor every fund."""
    _rechain_events(session)
    for kind in SEALED:
        found = digests(session, kind)
        by_fund = sorted((fund, key) for key, (fund, _) in found.items())
        for fund, rows in groupby(by_fund, key=lambda pair: pair[0]):
            seal_rows(
                session,
                kind=kind,
                keys=[key for _, key in rows],
                action="seal.migrate",
                unit_id=fund,
            )
    funds = session.exec(select(Unit.id)).all()
    record_anchors(session, unit_ids=funds, kind="migration", ref="migration 0005")


def _rechain_events(session: Session) -> None:
    rows = (
        session.connection()
        .execute(select_rows(AuditEvent.id, *HASHED_COLUMNS).order_by(col(AuditEvent.id)))
        .mappings()
        .all()
    )
    chains: dict[int, tuple[int, str]] = {}
    for row in rows:
        key = row["unit_id"] or 0
        seq, prev = chains.get(key, (0, ""))
        values = {**row, "digest": ""}
        digest = event_hash(prev_hash=prev, chain_key=key, seq=seq + 1, at=row["at"], row=values)
        session.connection().execute(
            update(AuditEvent)
            .where(AuditEvent.id == row["id"])
            .values(chain_key=key, seq=seq + 1, digest="", prev_hash=prev, hash=digest)
        )
        chains[key] = (seq + 1, digest)
    for key, (seq, digest) in chains.items():
        session.add(AuditHead(chain_key=key, last_seq=seq, last_hash=digest))
    session.flush()
