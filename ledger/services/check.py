"""Verify the books: every entry balances, each fund's hash chain, balances equal postings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any, TypeVar

from sqlalchemy import Select as AnySelect
from sqlalchemy import and_, case, func, or_
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from ..blobs import BlobStore
from ..engine import snapshot_session
from ..errors import _l
from ..models import (
    ROLLUP_GRAINS,
    Account,
    Anchor,
    AuditEvent,
    AuditHead,
    BankAccount,
    CashCount,
    ChainHead,
    Disbursement,
    Entry,
    PeriodLock,
    Posting,
    Receipt,
    Rollup,
    RollupSpend,
    StatementLine,
    Transfer,
    Unit,
    UnitSuccession,
    select_rows,
    utcnow,
)
from ..vocab import ChainKind
from .audit import HASHED_COLUMNS, event_hash
from .bank_reconciled import drifted
from .calendars import month_end
from .journal import entry_hash
from .rollups import CASH_KINDS, ancestry, period_of, rollup_keys, write_pending
from .seals import SEALED, digests
from .verified import (
    Verification,
    after_verified,
    moved_since_verified,
    record_full_check,
    record_verified,
    verified_positions,
)


@dataclass(frozen=True)
class Problem:
    """One broken row, named so an operator can find it."""

    what: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.where}: {self.detail}"


def check_books(
    session: Session,
    unit_ids: set[int] | None = None,
    anchors: list | None = None,
    verification: Verification | None = None,
    report: Callable[[str, int, int], None] | None = None,
    store: BlobStore | None = None,
) -> list[Problem]:
    """Every check (over the funds ``unit_ids``, or all); an empty list means the books are sound.

    ``anchors``: heads read from outside the database (``anchors.read_anchor_file``).
    ``verification``: also compare the positions recorded by earlier checks and note where
    each chain ends; an incremental one re-hashes only the links after those positions
    (``services.verified``; run it in one snapshot, as ``verify_and_record`` does).
    ``report(step, done, total)`` is told each step as it starts (a background job's bar).
    ``store``: the evidence files' blob store; each file is re-hashed (none checked without)."""
    from .check_reorg import check_reorganisations  # it builds on this module's Problem

    funds = sorted(unit_ids) if unit_ids is not None else None
    tell = report or _silent
    tell(_l("Đọc sổ nhật ký"), 0, len(_STEPS) + 1)
    journal = _load_journal(session, funds, verification)
    moved = _moved(funds, journal, verification)
    steps: list[Callable[[], list[Problem]]] = [
        lambda: check_chains(session, funds, journal, verification),
        lambda: check_entries_claimed(session, funds, journal),
        lambda: _over(moved, check_account_balances, session),
        lambda: _over(moved, check_receipts, session),
        lambda: _over(moved, check_locks, session),
        lambda: _rollups_or_touched(session, funds, journal, verification),
        lambda: _over(moved, check_assets_never_negative, session),
        lambda: check_audit_chains(session, funds, verification),
        lambda: check_seals(session, funds, verification),
        lambda: check_anchors(session, funds, anchors or []),
        lambda: check_reorganisations(session, funds),
        lambda: check_cash_counts(session, funds),
        lambda: check_bank_reconciliations(session, funds),
        lambda: _over(moved, check_goods_book, session),
        lambda: check_evidence_files(session, store, funds),
    ]
    problems: list[Problem] = []
    for done, (step, run) in enumerate(zip(_STEPS, steps, strict=True), start=1):
        tell(step, done, len(_STEPS) + 1)
        problems.extend(run())
    tell(_l("Xong"), len(_STEPS) + 1, len(_STEPS) + 1)
    return problems


#: what ``check_books`` tells its ``report`` as each check starts (msgids), in order
_STEPS = (
    _l("Chuỗi băm và bút toán cân"),
    _l("Mỗi bút toán thuộc một chứng từ"),
    _l("Số dư tài khoản = định khoản"),
    _l("Phiếu thu = bút toán"),
    _l("Kỳ đã khóa sổ"),
    _l("Tổng thu theo tháng"),
    _l("Tiền không âm ngày nào"),
    _l("Chuỗi nhật ký kiểm toán"),
    _l("Dấu niêm phong chứng từ"),
    _l("Dấu neo chuỗi"),
    _l("Sáp nhập, chia tách đơn vị"),
    _l("Kiểm kê quỹ khớp sổ quỹ"),
    _l("Bảng đối chiếu tiền gửi còn khớp sổ"),
    _l("Sổ hàng hiện vật khớp tài khoản hiện vật"),
    _l("Tệp chứng từ gốc còn nguyên"),
)


def _silent(_step: str, _done: int, _total: int) -> None:
    return None


def _moved(funds, journal, verification: Verification | None) -> list[int] | None:
    """The funds whose documents, balances and days a check compares with their lines
    (receipts = entries, balances = postings, locked periods, never below zero, the goods
    book): every fund of ``funds`` for a full check; for an incremental one, those with lines
    after their chain's verified position. The others were compared when verified, and
    nothing the application does changes a verified line: what was edited or deleted behind
    it there is ``check --full``'s to find (``services.verified``), so that a repeated check
    reads what is new, not a nation's history (a workbook's check at 10,000,000 receipts)."""
    if not _incremental(verification):
        return funds
    return sorted({entry[1] for entry in journal[0]})


def _over(funds, check: Callable[..., list[Problem]], session: Session) -> list[Problem]:
    """``check`` over ``funds`` (None: all); no fund, nothing to read."""
    return [] if funds is not None and not funds else check(session, funds)


#: any select (``_only`` keeps its type, so ``session.exec`` still knows what it returns)
_Query = TypeVar("_Query", bound="AnySelect[*tuple[Any, ...]]")


def _only(query: _Query, column: Mapped[Any], funds: Collection[int] | None) -> _Query:
    return query if funds is None else query.where(col(column).in_(funds))


def _load_journal(session: Session, funds=None, verification: Verification | None = None):
    """Entries (plain rows, in chain order) and their postings, read once for every check
    (an incremental check reads only those after each chain's verified position)."""
    query = select_rows(
        Entry.id,
        Entry.unit_id,
        Entry.seq,
        Entry.entry_date,
        Entry.kind,
        Entry.reverses_id,
        Entry.prev_hash,
        Entry.hash,
    )
    conn = session.connection()
    if not _incremental(verification):
        entries = conn.execute(
            _only(query, col(Entry.unit_id), funds).order_by(col(Entry.unit_id), col(Entry.seq))
        ).all()
        return entries, _postings_by_entry(session, funds)
    assert verification is not None
    since = verification.positions(session, ChainKind.JOURNAL, funds)
    entries = sorted(
        (
            row
            for part in after_verified(
                session, query, ChainKind.JOURNAL, col(Entry.unit_id), col(Entry.seq), funds, since
            )
            for row in conn.execute(part)
        ),
        key=lambda e: (e[1], e[2]),
    )
    return entries, _postings_by_entry(session, funds, {e[0] for e in entries})


def _incremental(verification: Verification | None) -> bool:
    return verification is not None and verification.incremental


def check_chains(
    session: Session, funds=None, journal=None, verification: Verification | None = None
) -> list[Problem]:
    """Walk each fund's chain in order: every entry balances, every hash and link recomputes
    (from its verified position on, for an incremental ``verification``)."""
    problems: list[Problem] = []
    entries, postings = journal or _load_journal(session, funds, verification)
    heads = {
        h.unit_id: h for h in session.exec(_only(select(ChainHead), col(ChainHead.unit_id), funds))
    }
    since = _since(session, ChainKind.JOURNAL, funds, verification)
    last_by_fund: dict[int, tuple[int, str]] = dict(since)
    for unit_id, chain in groupby(entries, key=lambda e: e[1]):
        last_by_fund[unit_id] = _walk(chain, postings, problems, since.get(unit_id, (0, "")))
    if verification is not None:
        problems.extend(_verified_part(session, ChainKind.JOURNAL, funds))
        verification.ends.update(
            ((ChainKind.JOURNAL.value, unit_id), last_by_fund.get(unit_id, (0, "")))
            for unit_id in heads
        )
    for unit_id, head in heads.items():
        seq, digest = last_by_fund.get(unit_id, (0, ""))
        if (head.last_seq, head.last_hash) != (seq, digest):
            problems.append(
                Problem(
                    "chain_head",
                    f"fund {unit_id}",
                    f"head says seq {head.last_seq}, journal ends at seq {seq}",
                )
            )
    return problems


def _since(session: Session, chain: ChainKind, keys, verification) -> dict:
    """Each chain's verified position, where an incremental walk resumes."""
    if verification is None or not verification.incremental:
        return {}
    return verification.positions(session, chain, keys)


def _verified_part(session: Session, chain: ChainKind, keys) -> list[Problem]:
    """The recorded positions still hold the hashes verified there (one probe per chain)."""
    name = "fund" if chain is ChainKind.JOURNAL else "audit chain"
    link = "journal entry" if chain is ChainKind.JOURNAL else "audit event"
    return [
        Problem("verified", f"{name} {key}", f"{link} seq {seq} is {what} since it was verified")
        for key, seq, what in moved_since_verified(session, chain, keys)
    ]


def _walk(
    chain, postings, problems: list[Problem], start: tuple[int, str] = (0, "")
) -> tuple[int, str]:
    prev_seq, prev_hash = start
    for entry_id, unit_id, seq, day, kind, reverses_id, entry_prev, digest in chain:
        where = f"entry {entry_id} (fund {unit_id}, seq {seq})"

        lines = postings.get(entry_id, [])
        if not lines or sum(line[1] for line in lines):
            problems.append(
                Problem(
                    "unbalanced",
                    where,
                    f"postings sum to {sum(line[1] for line in lines)} over {len(lines)} lines",
                )
            )
        if seq != prev_seq + 1:
            problems.append(Problem("chain_gap", where, f"expected seq {prev_seq + 1}"))
        if entry_prev != prev_hash:
            problems.append(Problem("chain_link", where, "previous hash does not match"))
        if digest != entry_hash(
            prev_hash=entry_prev,
            unit_id=unit_id,
            seq=seq,
            entry_date=day,
            kind=kind,
            reverses_id=reverses_id,
            postings=lines,
        ):
            problems.append(Problem("hash", where, "content does not match its hash"))
        prev_seq, prev_hash = seq, digest
    return prev_seq, prev_hash


def _postings_by_entry(
    session: Session, funds=None, entry_ids: set[int] | None = None
) -> dict[int, list[tuple[int, int, int | None]]]:
    """Each entry's lines (of the funds, or of just ``entry_ids``: read over their id range,
    which for the entries an incremental check walks is the newest few)."""
    # a line moved to another date or fund must break the hash too: its account turns negative
    in_place = and_(
        col(Posting.entry_date) == Entry.entry_date, col(Account.unit_id) == Entry.unit_id
    )
    marker = case((in_place, col(Posting.account_id)), else_=-col(Posting.account_id))
    query = (
        select(Posting.entry_id, marker, Posting.amount, col(Posting.credit_unit_id))
        .join(Entry, col(Entry.id) == Posting.entry_id)
        .join(Account, col(Account.id) == Posting.account_id)
    )
    found: dict[int, list] = {}
    if entry_ids is not None:
        if not entry_ids:
            return found
        query = query.where(col(Posting.entry_id).between(min(entry_ids), max(entry_ids)))
    else:
        query = _only(query, col(Entry.unit_id), funds)
    for entry_id, account, amount, credit in session.connection().execute(query):
        if entry_ids is None or entry_id in entry_ids:
            found.setdefault(entry_id, []).append((account, amount, credit))
    return found


#: up to this many entries to check, the claims are looked up for them alone
FEW_ENTRIES = 20_000


def check_entries_claimed(session: Session, funds=None, journal=None) -> list[Problem]:
    """Entries no document accounts for: an entry appended with a valid hash (and its head
    moved on) moves money without a voucher, so every entry must be the one its receipt,
    payout, transfer or reorganisation names; a transfer is cleared once, for what was sent."""
    entries, postings = journal or _load_journal(session, funds)
    conn = session.connection()
    # a few entries (an incremental check's): ask only about them, not every document
    wanted = (
        sorted({e[0] for e in entries} | {e[5] for e in entries if e[5] is not None})
        if len(entries) <= FEW_ENTRIES
        else None
    )
    if wanted == []:
        return []

    def ids(*columns: Any) -> set[int]:
        found: set[int] = set()
        for column in columns:
            table = column.class_
            query = _only(
                select(column).where(column.is_not(None)),
                col(table.from_unit_id if table is Transfer else table.unit_id),
                funds,
            )
            if wanted is not None:
                query = query.where(column.in_(wanted))
            found.update(conn.execute(query).scalars())
            if table is Transfer and funds is not None:  # a fund's received entries
                found.update(
                    conn.execute(
                        select(column).where(
                            column.is_not(None), col(Transfer.to_unit_id).in_(funds)
                        )
                    ).scalars()
                )
        return found

    claimed = {
        "receipt": ids(Receipt.entry_id),
        "receipt_void": ids(Receipt.void_entry_id),
        "disbursement": ids(Disbursement.entry_id),
        "disbursement_void": ids(Disbursement.void_entry_id),
        "transfer_sent": ids(Transfer.sent_entry_id),
        "transfer_internal": ids(Transfer.sent_entry_id),
        "transfer_received": ids(Transfer.received_entry_id),
        "cash_count": ids(CashCount.entry_id),
        "bank_fee": _bank_fee_entries(conn, funds, wanted),
    }
    receipt_entries = claimed["receipt"]
    documents_query = _only(
        select(col(Entry.id), col(Entry.document_id)).where(
            col(Entry.kind).in_(("transfer_cleared", "reorg_out", "reorg_in"))
        ),
        col(Entry.unit_id),
        funds,
    )
    if wanted is not None:
        documents_query = documents_query.where(col(Entry.id).in_(wanted))
    documents = dict(
        conn.execute(documents_query).all()
    )  # rows, not the result: dict() would read a result's keys() as a mapping
    # keyed by the entries' document ids, which may be None
    transfers: dict[int | None, tuple[int | None, int, str]] = {
        tid: (src, sent, status)
        for tid, src, sent, status in conn.execute(
            select(
                col(Transfer.id), Transfer.from_unit_id, Transfer.amount_sent, Transfer.status
            ).where(
                col(Transfer.id).in_(
                    sorted({d for d in documents.values() if d is not None} or {0})
                )
            )
        )
    }
    links = set(conn.execute(select(UnitSuccession.predecessor_id, UnitSuccession.successor_id)))
    cleared: set[int | None] = set()
    problems: list[Problem] = []
    for entry_id, unit_id, seq, _day, kind, reverses_id, _prev, _hash in entries:
        document = documents.get(entry_id)
        if kind in claimed:
            ok = entry_id in claimed[kind]
        elif kind == "receipt_correction":
            ok = reverses_id in receipt_entries
        elif kind == "transfer_cleared":
            src, sent, status = transfers.get(document, (None, 0, ""))
            ok = (
                src == unit_id
                and status == "received"
                and document not in cleared
                and sorted(a for _, a, _ in postings.get(entry_id, [])) == [-sent, sent]
            )
            cleared.add(document)
        elif kind == "reorg_out":
            ok = document == unit_id and any(old == unit_id for old, _ in links)
        elif kind == "reorg_in":
            ok = (document, unit_id) in links
        else:
            ok = False
        if not ok:
            problems.append(
                Problem(
                    "unclaimed",
                    f"entry {entry_id} (fund {unit_id}, seq {seq})",
                    f"no document accounts for this {kind} entry",
                )
            )
    return problems


def _bank_fee_entries(conn, funds, wanted) -> set[int]:
    """Bank-fee entries whose document is a debit line of a statement of their own fund's
    bank account (issue #16: the line is the fee's voucher)."""
    query = _only(
        select(col(Entry.id))
        .join(StatementLine, col(StatementLine.id) == Entry.document_id)
        .join(BankAccount, col(BankAccount.id) == StatementLine.bank_account_id)
        .where(
            Entry.kind == "bank_fee",
            col(BankAccount.unit_id) == col(Entry.unit_id),
            col(StatementLine.amount) < 0,
        ),
        col(Entry.unit_id),
        funds,
    )
    if wanted is not None:
        query = query.where(col(Entry.id).in_(wanted))
    return set(conn.execute(query).scalars())


def check_account_balances(session: Session, funds=None) -> list[Problem]:
    """Accounts whose running balance differs from the sum of their postings."""
    # one index range per account (posting(account_id, entry_date, amount) covers it), so a
    # province's accounts never scan the other provinces' postings
    total = (
        select(func.coalesce(func.sum(Posting.amount), 0))
        .where(col(Posting.account_id) == Account.id)
        .scalar_subquery()
    )
    sums = _only(
        select_rows(Account.id, Unit.code, Account.kind, Account.balance, total).join(
            Unit, col(Unit.id) == Account.unit_id
        ),
        col(Account.unit_id),
        funds,
    )
    return [
        Problem(
            "balance",
            f"account {aid} ({code} {kind})",
            f"running balance {bal} but postings sum to {total}",
        )
        for aid, code, kind, bal, total in session.exec(sums).all()
        if bal != total
    ]


def check_receipts(session: Session, funds=None) -> list[Problem]:
    """Receipts whose amount, date or fund differ from the entry they posted (compared in SQL,
    so only the mismatches come back)."""
    debit = (
        select(func.coalesce(func.sum(Posting.amount), 0))
        .where(col(Posting.entry_id) == Receipt.entry_id, col(Posting.amount) > 0)
        .scalar_subquery()
    )
    # an entry of another fund joins as missing; naming the funds on the entry side too lets
    # PostgreSQL read just their entries instead of hashing the whole journal
    own_entry = and_(col(Entry.id) == Receipt.entry_id, col(Entry.unit_id) == Receipt.unit_id)
    own_entry = own_entry if funds is None else and_(own_entry, col(Entry.unit_id).in_(funds))
    rows = (
        session.connection()
        .execute(
            _only(
                select_rows(
                    Receipt.id,
                    Receipt.unit_id,
                    Receipt.number,
                    Receipt.amount,
                    Receipt.receipt_date,
                )
                .outerjoin(Entry, own_entry)
                .where(
                    or_(
                        col(Entry.id).is_(None),
                        col(Entry.entry_date) != Receipt.receipt_date,
                        col(Entry.kind) != "receipt",
                        debit != Receipt.amount,
                    )
                ),
                col(Receipt.unit_id),
                funds,
            )
        )
        .all()
    )
    return [
        Problem(
            "receipt",
            f"receipt {rid} (fund {unit}, no. {number})",
            f"amount {amount} dated {day} does not match its entry",
        )
        for rid, unit, number, amount, day in rows
    ]


def check_locks(session: Session, funds=None) -> list[Problem]:
    """Entries dated inside a locked period but written after the lock was taken."""
    rows = session.exec(
        _only(
            select_rows(
                Entry.id,
                Entry.unit_id,
                Entry.seq,
                Entry.entry_date,
                PeriodLock.locked_through,
            )
            .join(PeriodLock, col(PeriodLock.unit_id) == Entry.unit_id)
            .where(
                col(Entry.entry_date) <= PeriodLock.locked_through,
                col(Entry.created_at) > PeriodLock.locked_at,
            ),
            col(Entry.unit_id),
            funds,
        )
    ).all()
    return [
        Problem(
            "locked",
            f"entry {eid} (fund {uid}, seq {seq})",
            f"dated {day} inside the period locked through {through}",
        )
        for eid, uid, seq, day, through in rows
    ]


def _rollups_or_touched(session: Session, funds, journal, verification) -> list[Problem]:
    """A full check verifies the batch's rolled-up totals; an incremental one notes the (unit,
    day) of each line it walked, and ``verify_and_record`` verifies the totals those moved
    once every batch is walked (an ancestor's rows may sit in another batch)."""
    if not _incremental(verification):
        return check_rollups(session, funds)
    entries, postings = journal
    for entry in entries:
        verification.touched.add((entry[1], entry[3]))
        for _account, _amount, credited in postings.get(entry[0], ()):
            if credited is not None:
                verification.touched.add((credited, entry[3]))
    return []


#: an incremental check that walked lines of more units than this verifies the rolled-up
#: totals in full, batch by batch (a first verification, a large import)
TOUCHED_UNITS_LIMIT = 500


def touched_rollups(session: Session, touched: set[tuple[int, date]]) -> set | None:
    """The rollup rows (unit, grain, period) the walked lines can have moved: their units and
    every ancestor, at the line's day, month and year; None past ``TOUCHED_UNITS_LIMIT``."""
    units = {unit for unit, _day in touched}
    if len(units) > TOUCHED_UNITS_LIMIT:
        return None
    chains = ancestry(session, units)
    return {key for unit, day in touched for key in rollup_keys(chains[unit], day)}


def check_rollups(session: Session, funds=None, keys: set | None = None) -> list[Problem]:
    """Rollup rows (per unit with its subtree, day, month and year) that differ from the
    postings they sum, recomputed here in one pass; each difference named by unit, period
    and figure. With ``funds``, the rows of those units; with ``keys`` (``touched_rollups``),
    just those rows, from the postings of their periods."""
    write_pending(session)
    window = None
    if keys is not None:
        if not keys:
            return []
        funds = sorted({unit for unit, _grain, _period in keys})
        window = (min(k[2] for k in keys), _period_end(max(keys, key=_period_end)))
    expected_totals, expected_spend = _expected_rollups(session, funds, window)
    stored_totals = {
        (unit, grain, period): (credited, lines, last, donations, cash)
        for unit, grain, period, credited, lines, last, donations, cash in session.connection()
        .execute(
            _only(
                select_rows(
                    Rollup.unit_id,
                    Rollup.grain,
                    Rollup.period,
                    Rollup.credited,
                    Rollup.credit_lines,
                    Rollup.last_credit,
                    Rollup.donations,
                    Rollup.cash,
                ),
                col(Rollup.unit_id),
                funds,
            )
        )
        .all()
    }
    stored_spend = {
        (unit, grain, period, kind): amount
        for unit, grain, period, kind, amount in session.connection()
        .execute(
            _only(
                select_rows(
                    RollupSpend.unit_id,
                    RollupSpend.grain,
                    RollupSpend.period,
                    RollupSpend.kind,
                    RollupSpend.amount,
                ),
                col(RollupSpend.unit_id),
                funds,
            )
        )
        .all()
    }
    if keys is not None:
        expected_totals = {k: v for k, v in expected_totals.items() if k in keys}
        stored_totals = {k: v for k, v in stored_totals.items() if k in keys}
        expected_spend = {k: v for k, v in expected_spend.items() if k[:3] in keys}
        stored_spend = {k: v for k, v in stored_spend.items() if k[:3] in keys}
    empty = (0, 0, None, 0, 0)
    problems = []
    for key in sorted(set(expected_totals) | set(stored_totals)):
        want, have = expected_totals.get(key, empty), stored_totals.get(key, empty)
        for name, w, h in zip(ROLLUP_FIGURES, want, have, strict=True):
            if w != h:
                problems.append(_rollup_problem(key, name, h, w))
    for key in sorted(set(expected_spend) | set(stored_spend)):
        if expected_spend.get(key, 0) != stored_spend.get(key, 0):
            problems.append(
                _rollup_problem(
                    key[:3], key[3], stored_spend.get(key, 0), expected_spend.get(key, 0)
                )
            )
    return problems


#: the figures of a ``Rollup`` row, in the order ``check_rollups`` compares them
ROLLUP_FIGURES = ("credited", "credit_lines", "last_credit", "donations", "cash")


def _rollup_problem(key, figure: str, stored, expected) -> Problem:
    unit, grain, period = key
    return Problem(
        "rollup",
        f"unit {unit} {grain} {period:%d/%m/%Y}",
        f"{figure} {stored} but postings give {expected}",
    )


def _period_end(key) -> date:
    """The last day of a rollup key's period (unit, grain, period)."""
    _unit, grain, start = key
    if grain == "year":
        return start.replace(month=12, day=31)
    return month_end(start.year, start.month) if grain == "month" else start


def _expected_rollups(session: Session, funds, window: tuple[date, date] | None = None):
    """What the rollup rows should hold, from the postings (of the days in ``window``): day
    sums per ancestor in SQL, months and years added up here."""
    closure = _subtrees(session, funds)
    credited = select_rows(
        closure.c.anc, col(Posting.entry_date), func.sum(Posting.amount), func.count()
    ).join(closure, closure.c.unit == Posting.credit_unit_id)
    by_fund = (
        select_rows(closure.c.anc, col(Posting.entry_date), Account.kind, func.sum(Posting.amount))
        .join(Account, col(Account.id) == Posting.account_id)
        .join(closure, closure.c.unit == Account.unit_id)
        .where(
            or_(
                col(Account.kind).in_(("donations", *CASH_KINDS)),
                col(Account.kind).like("expense:%"),
            )
        )
    )
    if window is not None:
        credited = credited.where(col(Posting.entry_date).between(*window))
        by_fund = by_fund.where(col(Posting.entry_date).between(*window))
    totals: dict[tuple, list] = {}
    spend: dict[tuple, int] = {}

    def figures(unit, day, grain):
        return totals.setdefault((unit, grain, period_of(day, grain)), [0, 0, None, 0, 0])

    for unit, day, amount, lines in session.exec(
        credited.group_by(closure.c.anc, col(Posting.entry_date))
    ).all():
        for grain in ROLLUP_GRAINS:
            row = figures(unit, day, grain)
            row[0] += int(amount)
            row[1] += int(lines)
            row[2] = max(row[2] or day, day)
    for unit, day, kind, amount in session.exec(
        by_fund.group_by(closure.c.anc, col(Posting.entry_date), Account.kind)
    ).all():
        for grain in ROLLUP_GRAINS:
            if kind.startswith("expense:"):
                key = (unit, grain, period_of(day, grain), kind)
                spend[key] = spend.get(key, 0) + int(amount)
            else:
                figures(unit, day, grain)[3 if kind == "donations" else 4] += int(amount)
    return (
        {k: tuple(v) for k, v in totals.items() if v != [0, 0, None, 0, 0]},
        {k: v for k, v in spend.items() if v},
    )


def _subtrees(session: Session, funds):
    """(unit, anc): each of ``funds`` (every unit when None) as ``anc`` with each unit under
    it, itself included. A batch of communes (nothing under them) is just those: read through
    the postings' indexes, not (as when every unit's ancestors were listed and filtered) every
    posting in the country, 0.7 s a batch at 1,000,000 receipts; a batch with a unit above
    them walks down the parent index (PostgreSQL cannot foresee a recursive walk's size, and
    reads every posting, which such a unit's totals need anyway)."""
    units = select_rows(col(Unit.id).label("unit"), col(Unit.id).label("anc"))
    if funds is not None and not _has_children(session, funds):
        return units.where(col(Unit.id).in_(funds)).cte("closure")
    closure = _only(units, col(Unit.id), funds).cte("closure", recursive=True)
    return closure.union_all(
        select_rows(col(Unit.id), closure.c.anc).where(col(Unit.parent_id) == closure.c.unit)
    )


def _has_children(session: Session, funds) -> bool:
    return (
        session.exec(select(Unit.id).where(col(Unit.parent_id).in_(funds)).limit(1)).first()
        is not None
    )


def check_audit_chains(
    session: Session, funds=None, verification: Verification | None = None
) -> list[Problem]:
    """Walk each audit chain: every event's hash and link recompute, heads match the chains
    (from each chain's verified position on, for an incremental ``verification``)."""
    keys = None if funds is None else [0, *funds]
    query = select_rows(
        AuditEvent.id,
        AuditEvent.chain_key,
        AuditEvent.seq,
        *HASHED_COLUMNS,
        AuditEvent.digest,
        AuditEvent.prev_hash,
        AuditEvent.hash,
    )
    conn = session.connection()
    since = _since(session, ChainKind.AUDIT, keys, verification)
    if _incremental(verification):
        parts = after_verified(
            session,
            query,
            ChainKind.AUDIT,
            col(AuditEvent.chain_key),
            col(AuditEvent.seq),
            keys,
            since,
        )
        events: Any = sorted(
            (row for part in parts for row in conn.execute(part).mappings()),
            key=lambda e: (e["chain_key"], e["seq"]),
        )
    else:
        events = conn.execute(
            _only(query, col(AuditEvent.chain_key), keys).order_by(
                col(AuditEvent.chain_key), col(AuditEvent.seq)
            )
        ).mappings()
    problems: list[Problem] = []
    ends: dict[int, tuple[int, str]] = dict(since)
    for key, chain in groupby(events, key=lambda e: e["chain_key"]):
        ends[key] = _walk_events(chain, problems, since.get(key, (0, "")))
    heads = session.exec(_only(select(AuditHead), col(AuditHead.chain_key), keys)).all()
    if verification is not None:
        problems.extend(_verified_part(session, ChainKind.AUDIT, keys))
        verification.ends.update(
            ((ChainKind.AUDIT.value, head.chain_key), ends.get(head.chain_key, (0, "")))
            for head in heads
        )
    for head in heads:
        if (head.last_seq, head.last_hash) != ends.get(head.chain_key, (0, "")):
            problems.append(
                Problem(
                    "audit_head",
                    f"audit chain {head.chain_key}",
                    f"head says seq {head.last_seq}, the chain ends at seq "
                    f"{ends.get(head.chain_key, (0, ''))[0]}",
                )
            )
    for key in set(ends) - {h.chain_key for h in heads}:
        problems.append(Problem("audit_head", f"audit chain {key}", "the chain has no head"))
    return problems


def _walk_events(
    chain, problems: list[Problem], start: tuple[int, str] = (0, "")
) -> tuple[int, str]:
    prev_seq, prev_hash = start
    for event in chain:
        where = f"audit event {event['id']} (chain {event['chain_key']}, seq {event['seq']})"
        if event["seq"] != prev_seq + 1:
            problems.append(Problem("audit_gap", where, f"expected seq {prev_seq + 1}"))
        if event["prev_hash"] != prev_hash:
            problems.append(Problem("audit_link", where, "previous hash does not match"))
        if event["hash"] != event_hash(
            prev_hash=event["prev_hash"],
            chain_key=event["chain_key"],
            seq=event["seq"],
            at=event["at"],
            row=event,
        ):
            problems.append(Problem("audit_hash", where, "content does not match its hash"))
        prev_seq, prev_hash = event["seq"], event["hash"]
    return prev_seq, prev_hash


#: sealed rows an incremental check verifies by id, per fund (the ones a nation has millions of)
BY_ID = {"receipt": ChainKind.RECEIPT, "disbursement": ChainKind.DISBURSEMENT}


def check_seals(
    session: Session, funds=None, verification: Verification | None = None
) -> list[Problem]:
    """Rows whose content differs from the last audit event about them, rows no event sealed,
    and sealed rows that are gone. An incremental ``verification`` re-digests only the
    receipts and disbursements added or changed (through the application: an audit event)
    since each fund was last verified."""
    problems: list[Problem] = []
    for kind in SEALED:
        if kind in BY_ID and verification is not None and verification.incremental:
            now, sealed, added = _seals_since_verified(session, kind, funds, verification)
        else:
            now = digests(session, kind, funds=funds)
            sealed = _last_seals(session, kind, funds, set(now))
            added = [(row_key, fund) for row_key, (fund, _digest) in now.items()]
        if kind in BY_ID and verification is not None:
            _rows_verified(session, BY_ID[kind], funds, added, verification)
        for key in sorted(set(now) | set(sealed)):
            current, last = now.get(key, (None, ""))[1], sealed.get(key)
            if last is None:
                problems.append(
                    Problem("unsealed", f"{kind} {key}", "no audit event records this row")
                )
            elif current != last:
                problems.append(
                    Problem(
                        "seal",
                        f"{kind} {key}",
                        "deleted since its last audit event"
                        if not current
                        else "content differs from its last audit event",
                    )
                )
    return problems


def _seals_since_verified(session: Session, kind: str, funds, verification: Verification):
    """({key: (fund, digest)}, {key: last sealed digest}, [(key, fund) added]) for the rows of
    ``kind``: in a fund verified before, those added since (a larger id) or changed since (an
    event after its audit chain's verified position: every change through the application
    writes one, and a row added since is sealed by one); in a fund never verified, all."""
    spec, conn = SEALED[kind], session.connection()
    table, chain = spec.table, BY_ID[kind]
    key, fund = table.c[spec.key], table.c[spec.fund]
    scope = funds if funds is not None else _every_unit(session)
    since = verification.positions(session, chain, scope)
    fresh = [f for f in scope if f not in since]
    now = digests(session, kind, funds=fresh) if fresh else {}
    sealed = _last_seals(session, kind, fresh, set(now)) if fresh else {}
    added = [(row_key, row_fund) for row_key, (row_fund, _digest) in now.items()]
    resumed = sorted(since)
    if not resumed:
        return now, sealed, added
    audit_since = verification.positions(session, ChainKind.AUDIT, resumed)
    # the events after each audit chain's position, whatever they are about (kept here):
    # asked for one kind, SQLite read every event of that kind through its index instead
    events = select(AuditEvent.object_type, col(AuditEvent.object_id), AuditEvent.digest)
    parts = after_verified(
        session,
        events.add_columns(col(AuditEvent.id)),
        ChainKind.AUDIT,
        col(AuditEvent.chain_key),
        col(AuditEvent.seq),
        resumed,
        audit_since,
    )
    for about, object_id, digest, _id in sorted(
        (row for part in parts for row in conn.execute(part)), key=lambda row: row[3]
    ):
        if about == kind:
            sealed[object_id] = digest
    # rows added since the last check (through the application or not) lie above the largest
    # position recorded for any fund: a range of the primary key. The lowest position, or
    # this batch's largest, can be millions of rows behind the newest. A row written then
    # under a smaller id (a transaction committed late) is sealed by an event after its
    # chain's position, so it is compared all the same. The batch's funds are kept here:
    # named in SQL, SQLite read every row of theirs through their index.
    highest = verification.highest(session, chain)
    wanted_funds = set(resumed)
    changed = [
        (row_key, row_fund)
        for row_key, row_fund in conn.execute(select(key, fund).where(key > highest))
        if row_fund in wanted_funds
    ]
    added += changed
    wanted = sorted({row_key for row_key, _fund in changed} | (set(sealed) - set(now)))
    for start in range(0, len(wanted), 5_000):
        chunk = wanted[start : start + 5_000]
        found = digests(session, kind, keys=chunk, key_range=(chunk[0], chunk[-1]))
        now.update((k, v) for k, v in found.items() if v[0] in since)
    return now, sealed, added


def _rows_verified(
    session: Session, chain: ChainKind, funds, added: list, verification: Verification
) -> None:
    """Note each fund's largest row id verified and how many rows it had up to it (the
    position's "hash"; 0 for a fund with none, so that it is not read again as never
    verified): an incremental check adds the rows it verified to the recorded position. A
    row deleted behind the application from the verified part is found by ``check --full``
    (its last audit event seals a row that is gone)."""
    since = verification.positions(session, chain, funds) if verification.incremental else {}
    ends = verification.ends
    counts = {fund: int(count or 0) for fund, (_seq, count) in since.items()}
    tops = {fund: seq for fund, (seq, _count) in since.items()}
    for row_key, fund in added:
        counts[fund] = counts.get(fund, 0) + 1
        tops[fund] = max(tops.get(fund, 0), row_key)
    scope = funds if funds is not None else _every_unit(session)
    for fund in {*scope, *tops}:
        ends[(chain.value, fund)] = (tops.get(fund, 0), str(counts.get(fund, 0)))


def _every_unit(session: Session) -> list[int]:
    return list(session.exec(select(col(Unit.id))).all())


def _last_seals(session: Session, kind: str, funds, keys: set[int]) -> dict[int, str]:
    """{object id: digest of the last event about it} within the funds' chains (a transfer's
    events sit in both funds' chains, so transfers are looked up by id)."""
    query = select(AuditEvent.object_type, col(AuditEvent.object_id), AuditEvent.digest)
    if funds is not None and kind == "transfer":
        query = query.where(
            AuditEvent.object_type == kind, col(AuditEvent.object_id).in_(sorted(keys) or [0])
        )
    elif funds is not None and kind in BY_ID:
        # the funds' events through their chains' index, the kind kept here: asked for the
        # kind too, SQLite read every event of that kind in the country for each batch (at
        # 10,000,000 receipts, 136 batches: the first full check did not end in an hour)
        query = query.where(col(AuditEvent.chain_key).in_(funds))
    elif funds is not None:  # a kind with few rows (children, locks): through its own index
        query = query.where(AuditEvent.object_type == kind, col(AuditEvent.chain_key).in_(funds))
    else:
        query = query.where(AuditEvent.object_type == kind)
    last: dict[int, str] = {}
    for about, object_id, digest in session.connection().execute(
        query.order_by(col(AuditEvent.id))
    ):
        if about == kind:
            assert object_id is not None  # an event about a row names it
            last[object_id] = digest
    return last


def check_anchors(session: Session, funds=None, external: list | None = None) -> list[Problem]:
    """The chains still pass through every anchor: those recorded and those handed in."""
    codes = dict(session.exec(select(Unit.code, col(Unit.id))).all())
    recorded = session.exec(
        _only(
            select_rows(
                Anchor.id,
                Anchor.unit_id,
                Anchor.entry_seq,
                Anchor.entry_hash,
                Anchor.audit_seq,
                Anchor.audit_hash,
            ),
            col(Anchor.unit_id),
            funds,
        )
    ).all()
    wanted = [(f"anchor {aid}", uid, es, eh, as_, ah) for aid, uid, es, eh, as_, ah in recorded]
    problems: list[Problem] = []
    for code, es, eh, as_, ah in external or []:
        if code not in codes:
            problems.append(Problem("anchor", f"anchor of {code}", "no such fund"))
        elif funds is None or codes[code] in funds:
            wanted.append((f"anchor of {code} (file)", codes[code], es, eh, as_, ah))
    entries, events = _hashes_at(session, wanted)
    for name, unit_id, es, eh, as_, ah in wanted:
        if es and entries.get((unit_id, es)) != eh:
            problems.append(
                Problem(
                    "anchor",
                    name,
                    f"fund {unit_id}: journal entry seq {es} "
                    f"is {'missing' if (unit_id, es) not in entries else 'different'}",
                )
            )
        if as_ and events.get((unit_id, as_)) != ah:
            problems.append(
                Problem(
                    "anchor",
                    name,
                    f"fund {unit_id}: audit event seq {as_} "
                    f"is {'missing' if (unit_id, as_) not in events else 'different'}",
                )
            )
    return problems


def _hashes_at(session: Session, wanted):
    """The hashes now at the anchored positions: {(fund, seq): hash} for entries and events."""
    entry_keys = {(u, es) for _, u, es, _, _, _ in wanted if es}
    event_keys = {(u, as_) for _, u, _, _, as_, _ in wanted if as_}
    entries, events = {}, {}
    for unit_id in {u for u, _ in entry_keys}:
        seqs = [s for u, s in entry_keys if u == unit_id]
        for seq, digest in session.exec(
            select(Entry.seq, Entry.hash).where(Entry.unit_id == unit_id, col(Entry.seq).in_(seqs))
        ).all():
            entries[(unit_id, seq)] = digest
    for unit_id in {u for u, _ in event_keys}:
        seqs = [s for u, s in event_keys if u == unit_id]
        for seq, digest in session.exec(
            select(AuditEvent.seq, AuditEvent.hash).where(
                AuditEvent.chain_key == unit_id, col(AuditEvent.seq).in_(seqs)
            )
        ).all():
            events[(unit_id, seq)] = digest
    return entries, events


def check_assets_never_negative(session: Session, funds=None) -> list[Problem]:
    """Asset accounts (cash, bank, in kind) whose book closes some day below zero, e.g. a
    payout dated before the receipt that funded it: daily sums with a running total per
    account, all in SQL; one row per account, naming its first negative day."""
    daily = (
        _only(
            select(
                col(Posting.account_id).label("account_id"),
                col(Posting.entry_date).label("day"),
                func.sum(func.sum(Posting.amount))
                .over(partition_by=col(Posting.account_id), order_by=col(Posting.entry_date))
                .label("running"),
            )
            .join(Account, col(Account.id) == Posting.account_id)
            .where(Account.type == "asset"),
            col(Account.unit_id),
            funds,
        )
        .group_by(col(Posting.account_id), col(Posting.entry_date))
        .subquery()
    )
    rows = session.exec(
        select_rows(
            daily.c.account_id,
            Unit.code,
            Account.kind,
            func.min(daily.c.day),
            func.min(daily.c.running),
        )
        .join(Account, col(Account.id) == daily.c.account_id)
        .join(Unit, col(Unit.id) == Account.unit_id)
        .where(daily.c.running < 0)
        .group_by(daily.c.account_id, Unit.code, Account.kind)
        .order_by(daily.c.account_id)
    ).all()
    return [
        Problem(
            "negative",
            f"account {aid} ({code} {kind})",
            f"closes {day} below zero (lowest {int(lowest)})",
        )
        for aid, code, kind, day, lowest in rows
    ]


#: a check holds the entries and postings of at most this many funds in memory at a time: a
#: nation's first (or full) verification read all 1,000,000 receipts' entries at once (3.7 GB)
FUNDS_AT_A_TIME = 1500
#: … and of about this many rows (journal entries and daily rolled-up totals) at most: at
#: 10,000,000 receipts 1,500 funds were 1.4 million entries, and the first batch (the nation,
#: its provinces and districts) every day of every district: the first verification held 5.5 GB
ROWS_AT_A_TIME = 100_000


def fund_batches(
    session: Session, unit_ids: set[int] | None, *, incremental: bool = False
) -> list[set[int] | None]:
    """The funds to check, in batches of at most ``FUNDS_AT_A_TIME`` funds and about
    ``ROWS_AT_A_TIME`` rows (a fund with more is a batch of its own), so memory stays bounded
    however many funds and years the books hold; all of them as one ``None`` when they fit.
    An ``incremental`` check weighs each fund by what it will read (``_rows_held``)."""
    ids = sorted(unit_ids) if unit_ids is not None else list(session.exec(select(Unit.id)).all())
    weights = _rows_held(session, incremental)
    batches: list[set[int] | None] = []
    batch: set[int] = set()
    held = 0
    for fund in ids:
        weight = weights.get(fund, 0)
        if batch and (len(batch) >= FUNDS_AT_A_TIME or held + weight > ROWS_AT_A_TIME):
            batches.append(batch)
            batch, held = set(), 0
        batch.add(fund)
        held += weight
    return [*batches, batch] if batches else [unit_ids]


def _rows_held(session: Session, incremental: bool = False) -> Counter[int]:
    """The rows each fund's check holds in memory: its journal entries and its days of
    rolled-up totals (a district's or province's are every day anything happened under it).
    An incremental check walks only a verified fund's entries past its recorded position and
    no totals (it checks those the walk touched once every batch is done): weighed by all it
    ever held, a nation at 1,000,000 receipts was cut into 22 batches instead of 8 on every
    workbook's check (the same time: its cost is in per-row counts, not in batches)."""
    verified = verified_positions(session, ChainKind.JOURNAL, None) if incremental else {}
    held: Counter[int] = Counter()
    for fund, last in session.exec(select(ChainHead.unit_id, ChainHead.last_seq)):
        held[fund] += last - verified[fund][0] if fund in verified else last
    if incremental:
        return held
    days = (
        select(Rollup.unit_id, func.count())
        .where(Rollup.grain == "day")
        .group_by(col(Rollup.unit_id))
    )
    for fund, rows in session.exec(days):
        held[fund] += rows
    return held


def check_bank_reconciliations(session: Session, funds=None) -> list[Problem]:
    """Saved bank reconciliations whose books' closing no longer is what was saved: an entry
    dated inside a reconciled period was written afterwards."""
    return [
        Problem(
            "bank reconciliation",
            f"reconciliation {saved.id} ({account.bank_name} {account.account_number}, "
            f"{saved.period_from:%d/%m/%Y}–{saved.period_to:%d/%m/%Y})",
            f"books closing saved {saved.books_closing}, now {now}",
        )
        for account, saved, now in drifted(session, set(funds) if funds is not None else None)
    ]


def verify_and_record(
    session: Session,
    unit_ids: set[int] | None = None,
    *,
    full: bool = False,
    anchors: list | None = None,
    report: Callable[[str, int, int], None] | None = None,
    store: BlobStore | None = None,
    root: int | None = None,
) -> list[Problem]:
    """``check_books`` in one snapshot of the database (its own session on ``session``'s
    engine), incremental unless ``full``; when nothing is wrong, where each chain was verified
    is written down in a transaction of its own, for the next incremental check. A full check
    is recorded (``FullCheck``) when it covers everything or ``root``'s subtree (``unit_ids``)."""
    engine = session.get_bind()
    started = utcnow()
    verification = Verification(incremental=not full)
    tell = report or _silent
    with snapshot_session(engine) as snapshot:
        batches = fund_batches(snapshot, unit_ids, incremental=not full)
        problems: list[Problem] = []
        for number, batch in enumerate(batches):

            def told(step: str, done: int, total: int, number: int = number) -> None:
                tell(step, number * total + done, len(batches) * total)

            problems.extend(check_books(snapshot, batch, anchors, verification, told, store))
        if verification.incremental:
            problems.extend(_touched_rollup_problems(snapshot, unit_ids, verification))
        problems = list(dict.fromkeys(problems))  # the global audit chain is in every batch
    if not problems:
        record_verified(engine, verification.ends)
    if full and (unit_ids is None or root is not None):
        record_full_check(engine, root=root, started=started, problems=len(problems))
    return problems


def _touched_rollup_problems(snapshot: Session, unit_ids, verification) -> list[Problem]:
    """The rolled-up totals the incremental walk's lines can have moved (in full, batch by
    batch, when they are many: batches weighed by the totals they hold, as a full check's)."""
    keys = touched_rollups(snapshot, verification.touched)
    if keys is not None:
        return check_rollups(snapshot, keys=keys)
    batches = fund_batches(snapshot, unit_ids)
    return [problem for batch in batches for problem in check_rollups(snapshot, batch)]


def check_cash_counts(session: Session, funds=None) -> list[Problem]:
    """Every settled cash count is a balance assertion: the fund's cash book at the end of the
    count's date (its own adjustment included) still equals what was counted."""
    from .cash_counts import broken_counts  # it builds on the journal, as this module does

    problems = []
    for count, now in broken_counts(session, funds):
        name = session.get_one(Unit, count.unit_id).name
        day = count.count_date.strftime("%d/%m/%Y")
        problems.append(
            Problem(
                "cash_count",
                f"cash count {count.id} (fund {count.unit_id})",
                f"Kiểm kê quỹ ngày {day} của {name}: sổ quỹ nay là {_vnd(now)}, "
                f"kiểm kê là {_vnd(count.counted)}",
            )
        )
    return problems


def check_goods_book(session: Session, funds=None) -> list[Problem]:
    """Each fund's goods book (received less handed out, by item) holds what its in-kind
    account says, and no item below zero."""
    from .goods import book_mismatches  # it builds on the documents, as this module does

    return [
        Problem(
            "goods_book",
            f"fund {unit_id}",
            f"Sổ hàng hiện vật còn {_vnd(book)}, tài khoản hiện vật {_vnd(account)}"
            + ("" if book != account else " (có hiện vật tồn âm)"),
        )
        for unit_id, book, account in book_mismatches(session, funds)
    ]


def _vnd(amount: int) -> str:
    return f"{amount:,} đ".replace(",", ".")


def check_evidence_files(session: Session, store: BlobStore | None, funds=None) -> list[Problem]:
    """Every evidence file is still in the store and still hashes to the name it was stored
    under (a scan replaced or deleted behind the application's back is named)."""
    from .evidence import damaged_files  # it builds on the models as this module does

    if store is None:
        return []
    return [
        Problem(
            "evidence",
            f"{row.owner_kind} {row.owner_id} ({session.get_one(Unit, row.unit_id).name}), "
            f"file {row.file_name!r} (attachment {row.id}, sha256 {row.sha256[:12]}…)",
            detail,
        )
        for row, detail in damaged_files(session, store, funds)
    ]
