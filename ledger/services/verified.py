"""Incremental chain verification: how far each hash chain was last verified.

A check that found nothing wrong records, for each chain it walked (a fund's journal, an audit
chain), the last position it verified and the hash there (``ChainVerified``), and for each
fund's receipts and disbursements the largest id verified and how many rows it had. An
incremental check then reads only what follows those positions: it re-hashes the links after
them, having made sure the hash at each position is still the one verified (one probe per
chain), and compares with their documents, balances and locks only the funds that have new
lines; ``flask check --full`` re-hashes and compares everything.

What that leaves to the full check: a verified row edited or deleted *behind the application*
(say an old posting's amount changed, or an old receipt deleted, with the hashes left as they
were) is found by ``check --full``, not by the incremental check: finding it means reading
every verified row, which at 10,000,000 receipts is what made each workbook's check take a
minute. Nothing the application does changes a verified line. A rewrite that recomputes the
hashes changes the hash at the recorded position (unless the recorded positions are rewritten
too) and, like any rewrite, no longer passes through the anchors printed on workbooks and
reports. Each full check is recorded (``FullCheck``), so a workbook states when its scope was
last checked in full.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import text, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from ..engine import new_session
from ..models import AuditEvent, ChainVerified, Entry, FullCheck
from ..models.base import utcnow
from ..vocab import ChainKind

#: positions moved at once past which their table's statistics are taken again (PostgreSQL)
RESTATED = 1_000

#: chains of rows by id (a fund's receipts, its disbursements): a fund with none is recorded at
#: 0, so that the next check reads what follows instead of the fund's every audit event
ROW_CHAINS = frozenset({ChainKind.RECEIPT.value, ChainKind.DISBURSEMENT.value})

#: (chain kind, chain key) → (seq, hash)
Positions = dict[tuple[str, int], tuple[int, str]]


@dataclass
class Verification:
    """How a check walks the chains and, once it has, where each chain ended.

    ``incremental``: resume each chain where it was last verified (else from its first link).
    ``ends`` is filled by the chain checks; ``record_verified`` writes it down."""

    incremental: bool
    ends: Positions = field(default_factory=dict)
    #: (unit, day) of every line an incremental check walked: the rolled-up totals those can
    #: have moved are verified once all batches are walked (``check.check_touched_rollups``)
    touched: set[tuple[int, date]] = field(default_factory=set)
    #: each chain kind's recorded positions, read once per check (the check runs in one
    #: snapshot): asked per batch and step, they were read about nine times a batch
    known: dict[str, dict[int, tuple[int, str]]] = field(default_factory=dict, repr=False)

    def positions(self, session: Session, chain: ChainKind, keys: Collection[int] | None) -> dict:
        """{chain key: (seq, hash)} as last verified, for ``keys`` (None: every chain)."""
        every = self._every(session, chain)
        if keys is None:
            return dict(every)
        return {key: every[key] for key in keys if key in every}

    def highest(self, session: Session, chain: ChainKind) -> int:
        """The largest position recorded for any chain of ``chain`` (0: none)."""
        return max((seq for seq, _hash in self._every(session, chain).values()), default=0)

    def _every(self, session: Session, chain: ChainKind) -> dict[int, tuple[int, str]]:
        every = self.known.get(chain.value)
        if every is None:
            every = self.known[chain.value] = verified_positions(session, chain, None)
        return every


def verified_positions(session: Session, chain: ChainKind, keys: Collection[int] | None) -> dict:
    """{chain key: (seq, hash)} as last verified."""
    query = select(ChainVerified.chain_key, ChainVerified.seq, ChainVerified.hash).where(
        ChainVerified.chain == chain.value
    )
    if keys is not None:
        query = query.where(col(ChainVerified.chain_key).in_(list(keys)))
    return {key: (seq, digest) for key, seq, digest in session.exec(query).all()}


def after_verified(
    session: Session,
    query: Any,
    chain: ChainKind,
    key: Any,
    seq: Any,
    keys: Collection[int] | None,
    since: dict,
) -> list[Any]:
    """``query`` narrowed to the links after each chain's verified position (all of a chain
    never verified), as queries to run: the database leaves out what was verified. The chains
    with a position are read from it (``seq > position``, one index range each); those without
    one in full."""
    verified = ChainVerified.__table__.alias("verified")  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        # each position's range in turn (LATERAL): joined, PostgreSQL guessed a third of each
        # chain follows its position and hashed every entry or event of the batch's funds
        # (at 10,000,000 receipts, 1.5 s a batch for each of the three chains read so)
        # (OFFSET: a subquery with one is not pulled up into a join, which PostgreSQL did)
        after = (
            query.where(key == verified.c.chain_key, seq > verified.c.seq)
            .offset(0)
            .lateral("after")
        )
        resumed = (
            select(*after.c)
            .select_from(verified.join(after, true()))
            .where(verified.c.chain == chain.value)
        )
        resumed_key = verified.c.chain_key
    else:  # SQLite walks the positions and reads each range through the chain's index
        resumed = query.join(
            verified,
            (verified.c.chain == chain.value)
            & (verified.c.chain_key == key)
            & (seq > verified.c.seq),
        )
        resumed_key = key
    if keys is None:
        fresh = query.where(
            key.not_in(select(verified.c.chain_key).where(verified.c.chain == chain.value))
        )
        return [resumed, fresh]
    queries = []
    done = sorted(k for k in keys if k in since)
    new = sorted(k for k in keys if k not in since)
    if done:
        queries.append(resumed.where(resumed_key.in_(done)))
    if new:
        queries.append(query.where(key.in_(new)))
    return queries


def moved_since_verified(session: Session, chain: ChainKind, keys) -> list[tuple[int, int, str]]:
    """Recorded positions whose link is now missing or has another hash: (key, seq, what)."""
    table: Any = Entry if chain is ChainKind.JOURNAL else AuditEvent
    key_column = table.unit_id if chain is ChainKind.JOURNAL else table.chain_key
    query = (
        select(ChainVerified.chain_key, ChainVerified.seq, table.hash)
        .outerjoin(
            table,
            (key_column == ChainVerified.chain_key) & (table.seq == ChainVerified.seq),
        )
        .where(
            ChainVerified.chain == chain.value,
            (col(table.hash).is_(None)) | (table.hash != ChainVerified.hash),
        )
    )
    if keys is not None:
        query = query.where(col(ChainVerified.chain_key).in_(list(keys)))
    return [
        (key, seq, "missing" if digest is None else "different")
        for key, seq, digest in session.exec(query).all()
    ]


def record_verified(engine: Any, ends: Positions) -> None:
    """Write down where each chain was verified, in a transaction of its own (a position only
    moves forward: a slower check finishing late never moves one back). A database that cannot
    take the write just now (locked, read-only) leaves the positions as they were."""
    if not ends:
        return
    table = ChainVerified.__table__  # type: ignore[attr-defined]
    with new_session(engine, write=False) as session:  # a chain with nothing new stays as is
        recorded = {
            (chain, key): (seq, digest)
            for chain, key, seq, digest in session.connection().execute(
                select(table.c.chain, table.c.chain_key, table.c.seq, table.c.hash)
            )
        }
    now = utcnow()
    rows = [
        {"chain": chain, "chain_key": key, "seq": seq, "hash": digest, "verified_at": now}
        for (chain, key), (seq, digest) in sorted(ends.items())
        if (seq or chain in ROW_CHAINS) and recorded.get((chain, key)) != (seq, digest)
    ]
    if not rows:
        return
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["chain", "chain_key"],
        set_={
            "seq": statement.excluded.seq,
            "hash": statement.excluded.hash,
            "verified_at": statement.excluded.verified_at,
        },
        where=statement.excluded.seq >= table.c.seq,
    )
    try:
        with new_session(engine, write=True) as session:
            session.connection().execute(statement, rows)
            if len(rows) >= RESTATED and engine.dialect.name == "postgresql":
                # the next check joins these positions to the chains: with the table's old
                # statistics (empty, before a first verification) PostgreSQL reads every
                # fund's whole chain instead of what follows each position (1 s against 10 ms)
                session.connection().execute(text("ANALYZE chainverified"))
            session.commit()
    except DBAPIError:
        # the check's answer stands; unrecorded, the next check verifies these links again
        return


def record_full_check(engine: Any, *, root: int | None, started: datetime, problems: int) -> None:
    """Write down a full check over everything (``root`` None) or ``root``'s subtree, in a
    transaction of its own; a database that cannot take the write just now leaves no row
    (the check's answer stands)."""
    run = FullCheck(unit_id=root, started_at=started, finished_at=utcnow(), problems=problems)
    try:
        with new_session(engine, write=True) as session:
            session.add(run)
            session.commit()
    except DBAPIError:
        return


def last_full_check(session: Session, unit_id: int) -> FullCheck | None:
    """The latest full check whose scope held ``unit_id``'s subtree: one over everything, or
    over the unit or one of its ancestors."""
    from .rollups import ancestry

    covering = ancestry(session, [unit_id]).get(unit_id, [unit_id])
    return session.exec(
        select(FullCheck)
        .where(col(FullCheck.unit_id).is_(None) | col(FullCheck.unit_id).in_(covering))
        .order_by(col(FullCheck.finished_at).desc(), col(FullCheck.id).desc())
        .limit(1)
    ).first()
