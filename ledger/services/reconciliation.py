"""The auditor's reconciliation workbook: gather the figures with SQL, check them, write them.

``export_workbook`` is the one way to make it (the CLI, the web views, background jobs and the
benchmark call it); its steps run there in order and it writes the file to a path, streaming:
the receipts (a nation's million) go from a server-side cursor to the sheet's XML without ever
being held together. ``build_reconciliation`` gives the figures and their checks without the
file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from ..dates import format_local_datetime
from ..errors import _l
from ..exports.reconciliation import (
    CashCountRow,
    Check,
    DisbursementRow,
    FundBook,
    FundReceipts,
    PledgeRow,
    ReceiptRow,
    TransferRow,
    start_workbook,
)
from ..exports.sheets import MAX_ROWS
from ..forked import Pending
from ..models import (
    Account,
    Beneficiary,
    Category,
    Disbursement,
    Donor,
    Entry,
    Posting,
    Receipt,
    Transfer,
    Unit,
)
from ..money import format_vnd
from .anchors import Head, current_heads
from .bank_reconciled import MissingMonth, SavedRow, workbook_rows
from .beneficiaries import mask_name
from .campaigns import get_campaign
from .cash_counts import with_book_now
from .check import Problem, verify_and_record
from .children import ChildPayout, ChildrenHelped, children_helped, children_payouts
from .donors import shown_payer
from .norms import NormFigures, norm_figures, norm_list
from .pledge_workbook import pledge_checks, pledge_rows, receipts_settled
from .progress import Progress, campaign_progress
from .read_ahead import read_ahead
from .receipts import QUOTA_SOURCES
from .reports import SamePeriod, same_period_rows
from .unit_order import official_key
from .units import Scope, in_units, subtree_ids, subtree_scope
from .verified import last_full_check

#: told how the export goes: (step, done, of)
Report = Callable[[str, int, int], None]
WRITING = _l("Đang ghi phiếu thu")
CHECKING = _l("Đang kiểm tra chuỗi")
#: rows fetched at a time from the database's cursor
FETCH = 10_000
#: the most receipts a workbook lists one by one: what one sheet holds below its header.
#: Past it (a nation's decade: 10,000,000 receipts, ten sheets no spreadsheet opens with ease)
#: the Phiếu thu sheet gives each fund's receipts counted and added up, and each receipt is in
#: the workbook of the fund's province or district; ``all_receipts`` lists them all anyway.
DETAIL_ROWS = MAX_ROWS - 1


class TransferTotals(NamedTuple):
    """The journal's view of transfers sent by funds in scope, to the as-of date."""

    sent: int
    received: int
    in_transit: int


class ReceiptRows:
    """The Phiếu thu sheet's rows, read from the database each time they are iterated (a
    server-side cursor, ``FETCH`` rows at a time), never all in memory. A pass to the end
    counts them and adds up the valid quota receipts among them: the figures the checks
    compare, taken from the rows the sheet holds."""

    def __init__(self, read: Callable[[], Iterator[tuple]]):
        self._read = read
        #: after a whole pass: how many rows, and Σ of the valid quota receipts among them
        self.count: int | None = None
        self.valid_quota: int | None = None

    def __iter__(self) -> Iterator[ReceiptRow]:
        make = ReceiptRow._make
        return (make(row) for row in self.labelled({}, {}, True, False))

    def labelled(
        self, methods: dict, sources: dict, voided: Any, standing: Any = ""
    ) -> Iterator[tuple]:
        """The rows as plain tuples in ``ReceiptRow``'s order, the method and source read
        through ``methods`` and ``sources`` (kept when absent) and the voided flag as
        ``voided`` or ``standing``: one generator between the cursor and the sheet, counting
        and adding up as ``__iter__`` does."""
        count = total = 0
        quota = QUOTA_SOURCES
        for n, d, fund, payer, credit, method, source, amount, void, ref in self._read():
            count += 1
            if not void and source in quota:
                total += amount
            yield (
                n,
                d,
                fund,
                payer,
                credit,
                methods.get(method, method),
                sources.get(source, source),
                amount,
                voided if void else standing,
                ref,
            )
        self.count, self.valid_quota = count, total

    def tally(self) -> ReceiptRows:
        """Count and add up the rows (a pass over them) unless a pass already did."""
        if self.count is None:
            for _row in self:
                pass
        return self


class ReceiptTotals:
    """The Phiếu thu sheet past ``DETAIL_ROWS``: each fund's receipts in the window counted and
    added up (``FundReceipts``, the funds in official order), with the figures the checks
    compare taken from those rows, as ``ReceiptRows`` takes them from its own."""

    def __init__(self, funds: list[FundReceipts]):
        self.funds = funds
        self.count: int | None = sum(f.receipts for f in funds)
        self.valid_quota: int | None = sum(f.quota_amount for f in funds)

    def tally(self) -> ReceiptTotals:
        return self


@dataclass(frozen=True)
class Reconciliation:
    """Everything the workbook holds, gathered with SQL. ``checks`` compares these figures
    (pure, read again each time) once ``problems`` holds the hash-chain check's findings."""

    progress: Progress
    #: each receipt, or past ``DETAIL_ROWS`` each fund's receipts in totals
    receipts: ReceiptRows | ReceiptTotals
    disbursements: list[DisbursementRow]
    transfers: list[TransferRow]
    books: list[FundBook]
    unmasked: bool
    #: the campaign unit's subtree: every fund the workbook covers
    funds: set[int]
    #: each fund's parent, to add fund books up under the summary's rows
    parents: dict[int, int | None]
    transfer_totals: TransferTotals
    #: each fund's chain heads when the workbook was made (printed: the workbook is an anchor)
    heads: list[Head] = field(default_factory=list)
    #: the same span a year before: the campaign unit's and each row's (Σ predecessor × share)
    same_period: SamePeriod | None = None
    same_rows: dict[int, SamePeriod] = field(default_factory=dict)
    #: what re-verifying the funds' books and hash chains found (None: not checked yet)
    problems: list[Problem] | None = None
    #: how many receipts the sheet will hold (counted before they are written)
    receipt_total: int = 0
    #: each fund's cash counts in the window (the Kiểm kê quỹ sheet)
    cash_counts: list[CashCountRow] = field(default_factory=list)
    #: the funds' saved bank reconciliations in the window, and months left unreconciled
    bank_reconciliations: list[SavedRow] = field(default_factory=list)
    bank_unreconciled: list[MissingMonth] = field(default_factory=list)
    #: the mobilisation norms (kind, amount per head, note) and the expected money beside each
    #: child unit's quota and collected (the "Định mức vận động" sheet; a plan, never collected)
    norms: list[tuple[str, int, str]] = field(default_factory=list)
    norm_figures: NormFigures | None = None
    #: children helped per category (the Trẻ em được hỗ trợ sheet) and the payouts behind it
    children: ChildrenHelped | None = None
    child_payouts: list[ChildPayout] = field(default_factory=list)
    #: the campaign's pledges (the Cam kết ủng hộ sheet), and from the receipts' side: Σ what
    #: valid receipts in the window settle of them, receipts settling beyond their amount
    pledges: list[PledgeRow] = field(default_factory=list)
    pledge_receipts: tuple[int, int] = (0, 0)
    #: the latest full check covering the campaign's unit: (finished, problems found), None
    #: if none ever ran (the workbook's own check is incremental: what is new since)
    full_check: tuple[datetime, int] | None = None

    @property
    def checks(self) -> list[Check]:
        return reconcile(self)

    @property
    def receipt_rows(self) -> int:
        """How many rows the Phiếu thu sheet will hold: a receipt's or a fund's each."""
        totals = self.receipts
        return len(totals.funds) if isinstance(totals, ReceiptTotals) else self.receipt_total


@dataclass(frozen=True)
class Export:
    """A written workbook's figures and the checks it holds (the file is at the path given)."""

    data: Reconciliation
    checks: list[Check]


def export_workbook(
    session: Session,
    *,
    campaign_id: int,
    as_of: date | None = None,
    unmasked: bool = False,
    path: Path,
    report: Report | None = None,
    viewer_unit_id: int | None = None,
    csv: bool = False,
    all_receipts: bool = False,
) -> Export:
    """The reconciliation workbook (children's names masked unless ``unmasked``; anonymous
    donors named only to ``viewer_unit_id``'s own fund), written to ``path`` (with ``csv``: the
    same rows as a .zip of one CSV per sheet); past ``DETAIL_ROWS`` receipts the Phiếu thu
    sheet gives each fund's totals unless ``all_receipts``. ``report(step, done, of)`` is told
    how it goes, on one rising scale: ``of`` is the Phiếu thu rows to write plus the funds to
    check ("Đang ghi phiếu thu" counts the rows written, "Đang kiểm tra chuỗi" then reaches
    ``of`` when the check is in).

    Its steps, gather → check → write, all run here. Re-verifying each fund's books and hash
    chains (incremental: each chain from where it was last verified) starts first, in a forked
    child with its own connection (``forked.Pending``), and runs on the other core while this
    process gathers the figures and streams the sheets to the file; it is awaited before the
    checks sheet, the only one that needs it, is written.
    """
    funds = campaign_funds(session, campaign_id)
    verifying = verify_books(session, funds)  # check: started, in a child
    data = gather(
        session,
        funds,
        campaign_id=campaign_id,
        as_of=as_of,
        unmasked=unmasked,
        viewer_unit_id=viewer_unit_id,
        all_receipts=all_receipts,
    )
    total = data.receipt_rows + len(funds)

    def written(done: int) -> None:
        if report is not None:
            report(WRITING, done, total)

    written(0)
    draft = start_workbook(data, path, written, csv=csv)  # write: every sheet but the checks
    if report is not None:
        report(CHECKING, data.receipt_rows, total)
    data = replace(data, problems=verifying.result(session))  # check: awaited
    if report is not None:
        report(CHECKING, total, total)
    checks = data.checks
    draft.finish(checks)  # write: the checks
    return Export(data=data, checks=checks)


def build_reconciliation(
    session: Session,
    *,
    campaign_id: int,
    as_of: date | None = None,
    unmasked: bool = False,
    viewer_unit_id: int | None = None,
    all_receipts: bool = False,
) -> Reconciliation:
    """The workbook's figures and checks, without the workbook."""
    funds = campaign_funds(session, campaign_id)
    verifying = verify_books(session, funds)
    data = gather(
        session,
        funds,
        campaign_id=campaign_id,
        as_of=as_of,
        unmasked=unmasked,
        viewer_unit_id=viewer_unit_id,
        all_receipts=all_receipts,
    )
    data.receipts.tally()
    return replace(data, problems=verifying.result(session))


def campaign_funds(session: Session, campaign_id: int) -> set[int]:
    """The funds a campaign's workbook covers: its unit's and every unit's under it."""
    return subtree_ids(session, get_campaign(session, campaign_id).unit_id)


def verify_books(session: Session, funds: set[int]) -> Pending:
    """Start re-verifying the funds' books and hash chains (incrementally, recording how far
    each chain was verified when nothing is wrong) in a forked child (or, where forking is
    unsafe, in-process when the result is asked for)."""
    url = session.get_bind().url.render_as_string(hide_password=False)
    return Pending(url, _problems, funds)


def gather(
    session: Session,
    funds: set[int],
    *,
    campaign_id: int,
    as_of: date | None = None,
    unmasked: bool = False,
    viewer_unit_id: int | None = None,
    all_receipts: bool = False,
) -> Reconciliation:
    """The summary, the detail lists, each fund's book, the chain heads, the same period last
    year and the journal figures the checks compare them with (``problems`` not yet known);
    an anonymous donor is named only when ``viewer_unit_id`` is the receipt's own fund. The
    receipts are listed one by one up to ``DETAIL_ROWS`` (or all with ``all_receipts``), each
    fund's totals past it."""
    progress = campaign_progress(session, campaign_id=campaign_id, as_of=as_of)
    start, end = progress.campaign.starts_on, progress.as_of
    # the funds as SQL names them: a nation's are "every unit", not 10,600 bound parameters
    # (43 ms to send with each of the ~40 queries below)
    scope = _scope(session, progress.campaign.unit_id, funds)
    units = session.exec(
        select(Unit.id, Unit.name, Unit.parent_id).where(in_units(col(Unit.id), scope))
    ).all()
    names = {unit_id: name for unit_id, name, _parent in units}
    same, same_rows = same_period_rows(session, progress)
    bank_saved, bank_missing = workbook_rows(session, funds, names, start, end)
    count = receipt_count(session, scope, start, end)
    receipts: ReceiptRows | ReceiptTotals
    if count > DETAIL_ROWS and not all_receipts:
        receipts = _receipt_totals(session, scope, start, end, names, funds)
    else:
        receipts = _receipts(session, scope, start, end, names, viewer_unit_id)
    return Reconciliation(
        progress=progress,
        receipts=receipts,
        receipt_total=count,
        disbursements=_disbursements(session, scope, start, end, names, unmasked),
        transfers=_transfers(session, scope, start, end),
        books=_books(session, scope, start, end, names),
        unmasked=unmasked,
        funds=funds,
        parents={unit_id: parent for unit_id, _name, parent in units},
        transfer_totals=_transfer_totals(session, scope, end),
        heads=current_heads(session, funds),
        same_period=same,
        same_rows=same_rows,
        cash_counts=_cash_counts(session, funds, start, end, names),
        bank_reconciliations=bank_saved,
        bank_unreconciled=bank_missing,
        norms=norm_list(session, campaign_id),
        norm_figures=norm_figures(session, progress),
        children=children_helped(session, campaign=progress.campaign, as_of=end),
        child_payouts=children_payouts(session, campaign=progress.campaign, as_of=end, names=names),
        pledges=pledge_rows(
            session,
            funds=scope,
            campaign_id=campaign_id,
            start=start,
            end=end,
            names=names,
            viewer_unit_id=viewer_unit_id,
        ),
        pledge_receipts=receipts_settled(
            session, funds=scope, campaign_id=campaign_id, start=start, end=end
        ),
        full_check=_full_check(session, progress.campaign.unit_id),
    )


def _full_check(session: Session, unit_id: int) -> tuple[datetime, int] | None:
    last = last_full_check(session, unit_id)
    return None if last is None else (last.finished_at, last.problems)


def _scope(session: Session, root_id: int, funds: set[int]) -> Scope | set[int]:
    """``funds`` (the subtree of ``root_id``) as a condition SQL reads well (``units.Scope``)."""
    scope = subtree_scope(session, root_id)
    return scope if scope.ids is None or scope.ids == funds else funds


def _problems(session: Session, funds: set[int]) -> list[Problem]:
    return verify_and_record(session, funds)


def _in_span(funds, start, end):
    return (
        in_units(col(Receipt.unit_id), funds),
        Receipt.receipt_date >= start,
        Receipt.receipt_date <= end,
    )


def receipt_count(session, funds, start, end) -> int:
    """How many receipts of ``funds`` (a ``units.Scope`` or ids) are dated ``start``…``end``."""
    day = col(Receipt.receipt_date)
    query = select(func.count()).where(
        col(Receipt.unit_id).in_(_fund_ids(funds)), day >= start, day <= end
    )
    return int(session.connection().execute(query).scalar_one())


def _fund_ids(scope):
    """The funds as a subquery of unit ids, even a nation's "every unit but the reference
    ones": SQLite (which has no statistics) then reads receipts fund by fund through the
    (unit, date) index, which also holds what a count needs. Given as a condition on the
    receipts, it read them through the date index and looked each one's fund up in the
    table: at 10,000,000 receipts 10.9 s to count them (now about 1 s), 18–20 s to add them
    up by fund (sorted afterwards; now 4.8 s)."""
    return select(Unit.id).where(in_units(col(Unit.id), scope))


def _receipts(session, funds, start, end, names, viewer_unit_id=None) -> ReceiptRows:
    donor, root = aliased(Donor), aliased(Donor)
    query = (
        select(
            Receipt.number,
            Receipt.receipt_date,
            Receipt.unit_id,
            Receipt.payer_name,
            Receipt.credit_unit_id,
            Receipt.method,
            Receipt.source,
            Receipt.amount,
            Receipt.void_entry_id,
            Receipt.reference,
            or_(func.coalesce(donor.anonymous, False), func.coalesce(root.anonymous, False)),
        )
        .outerjoin(donor, col(donor.id) == Receipt.donor_id)
        .outerjoin(root, col(root.id) == donor.merged_into_id)
        .where(*_in_span(funds, start, end))
        .order_by(Receipt.unit_id, Receipt.receipt_date, Receipt.number)
    )
    voided = _voided_by(session, Receipt, funds, end)

    def read() -> Iterator[tuple]:
        """``ReceiptRow``'s fields, as a plain tuple a row."""
        rows = session.connection().execution_options(yield_per=FETCH).execute(query)
        name = names.get
        with rows:
            for part in read_ahead(rows.partitions()):  # FETCH rows a batch, read ahead
                for n, d, u, payer, c, method, source, amount, void, ref, hidden in part:
                    shown = payer
                    if hidden or not payer:
                        shown = shown_payer(
                            payer, anonymous=bool(hidden), fund_id=u, viewer_unit_id=viewer_unit_id
                        )
                    yield (
                        n,
                        d,
                        name(u, ""),
                        shown,
                        name(c, ""),
                        method,
                        source,
                        amount,
                        void in voided,
                        ref,
                    )

    return ReceiptRows(read)


def _receipt_totals(session, scope, start, end, names, funds) -> ReceiptTotals:
    """Each fund's receipts in the window: how many, the valid ones and their sum, the part
    counted toward quotas, the voided ones (by ``end``) and their sum, the first and last
    day. Receipts never voided are added up by the database (one pass, no receipt leaves
    it); the few with a void entry are read and sorted by that entry's date here (voided
    after ``end``, a receipt still counts as valid on the day the workbook is made for)."""
    day, amount = col(Receipt.receipt_date), col(Receipt.amount)
    grouped = session.connection().execute(
        select(
            Receipt.unit_id,
            func.count(),
            func.sum(amount),
            func.sum(amount).filter(col(Receipt.source).in_(QUOTA_SOURCES)),
            func.min(day),
            func.max(day),
        )
        .where(col(Receipt.unit_id).in_(_fund_ids(scope)), day >= start, day <= end)
        .where(col(Receipt.void_entry_id).is_(None))
        .group_by(Receipt.unit_id)
    )
    tally: dict[int, list[Any]] = {}
    for unit_id, count, total, quota, first, last in grouped:
        tally[unit_id] = [count, count, int(total), int(quota or 0), 0, 0, first, last]
    # every receipt ever voided, through the index of void entries (a few): read by the
    # window instead, the date index fetched 10,000,000 rows to find none (9.8 s)
    for unit_id, source, money, d, voided_on in session.connection().execute(
        select(Receipt.unit_id, Receipt.source, amount, day, Entry.entry_date).join(
            Entry, col(Entry.id) == Receipt.void_entry_id
        )
    ):
        if unit_id not in funds or not start <= d <= end:
            continue
        t = _fund_tally(tally, unit_id, d)
        t[0] += 1
        if voided_on <= end:
            t[4] += 1
            t[5] += money
        else:
            t[1] += 1
            t[2] += money
            if source in QUOTA_SOURCES:
                t[3] += money
    return ReceiptTotals(
        [
            FundReceipts(names.get(unit_id, ""), *tally[unit_id])
            for unit_id in _official(session, funds)
            if unit_id in tally
        ]
    )


def _fund_tally(tally: dict[int, list[Any]], unit_id: int, day: date) -> list[Any]:
    """A fund's running totals: [receipts, valid, valid Σ, quota Σ, voided, voided Σ, first
    day, last day], its days widened to ``day``."""
    t = tally.get(unit_id)
    if t is None:
        t = tally[unit_id] = [0, 0, 0, 0, 0, 0, day, day]
    else:
        t[6], t[7] = min(t[6], day), max(t[7], day)
    return t


def _voided_by(session, document, funds, end) -> set[int]:
    """Ids of the void entries of ``document`` rows in ``funds`` dated by ``end`` (a few rows:
    joining every row to the journal instead made PostgreSQL hash the whole entry table)."""
    return set(
        session.exec(
            select(Entry.id)
            .join(document, document.void_entry_id == Entry.id)
            .where(in_units(document.unit_id, funds), Entry.entry_date <= end)
        ).scalars()
    )


def _disbursements(session, funds, start, end, names, unmasked) -> list[DisbursementRow]:
    rows = session.exec(
        select(
            Disbursement.number,
            Disbursement.disbursement_date,
            Disbursement.unit_id,
            Category.name_vi,
            Beneficiary.full_name,
            Disbursement.children_count,
            Disbursement.payee_name,
            Disbursement.amount,
            Disbursement.void_entry_id,
        )
        .join(Category, Category.id == Disbursement.category_id)
        .outerjoin(Beneficiary, Beneficiary.id == Disbursement.beneficiary_id)
        .where(
            in_units(col(Disbursement.unit_id), funds),
            Disbursement.status.in_(("paid", "voided")),
            Disbursement.disbursement_date >= start,
            Disbursement.disbursement_date <= end,
        )
        .order_by(Disbursement.unit_id, Disbursement.number)
    ).all()
    voided = _voided_by(session, Disbursement, funds, end)
    return [
        DisbursementRow(
            n,
            d,
            names.get(u, ""),
            category,
            (child if unmasked else mask_name(child)) if child else "",
            count,
            payee,
            amount,
            "voided" if void in voided else "paid",
        )
        for n, d, u, category, child, count, payee, amount, void in rows
    ]


def _transfers(session, funds, start, end) -> list[TransferRow]:
    rows = session.exec(
        select(Transfer)
        .where(
            or_(
                in_units(col(Transfer.from_unit_id), funds),
                in_units(col(Transfer.to_unit_id), funds),
            ),
            Transfer.sent_on >= start,
            Transfer.sent_on <= end,
        )
        .order_by(Transfer.sent_on)
    ).scalars()
    all_names = dict(session.exec(select(Unit.id, Unit.name)).all())
    return [_transfer_as_of(t, all_names, end) for t in rows]


def _transfer_as_of(t: Transfer, names: dict, end: date) -> TransferRow:
    """A transfer as it stood on ``end``: received later means still in transit then."""
    if t.status == "received" and t.received_on is not None and t.received_on > end:
        return TransferRow(
            t.sent_on,
            names[t.from_unit_id],
            names[t.to_unit_id],
            t.amount_sent,
            None,
            None,
            "sent",
            "",
        )
    return TransferRow(
        t.sent_on,
        names[t.from_unit_id],
        names[t.to_unit_id],
        t.amount_sent,
        t.received_on,
        t.amount_received,
        t.status,
        t.difference_reason,
    )


def _official(session, funds) -> list[int]:
    """The funds' ids, the higher tiers first, each in the official list order."""
    rows = session.exec(
        select(Unit.id, Unit.gso_code, Unit.level).where(in_units(col(Unit.id), funds))
    ).all()
    return [r.id for r in sorted(rows, key=lambda r: official_key(r, by_level=True))]


def _books(session, funds, start, end, names) -> list[FundBook]:
    """Every fund's cash+bank book in one pass over its lines, whatever the number of funds:
    the opening (before ``start``), money in and out in the window, and the journal's own
    balance at ``end`` (Σ of every line to it)."""
    amount, day = col(Posting.amount), col(Posting.entry_date)
    rows = session.exec(
        select(
            Account.unit_id,
            func.sum(amount).filter(day < start),
            func.sum(amount).filter(day >= start, amount > 0),
            func.sum(amount).filter(day >= start, amount < 0),
            func.sum(amount),
        )
        .join(Account, col(Account.id) == Posting.account_id)
        .where(
            col(Account.kind).in_(("cash", "bank")),
            in_units(col(Account.unit_id), funds),
            day <= end,
        )
        .group_by(col(Account.unit_id))
    ).all()
    opening = {unit: before for unit, before, _in, _out, _all in rows}
    moved = {unit: (int(i or 0), -int(o or 0)) for unit, _before, i, o, _all in rows}
    journal = {unit: total for unit, _before, _in, _out, total in rows}
    books = []
    for unit_id in _official(session, funds):
        money_in, money_out = moved.get(unit_id, (0, 0))
        first = int(opening.get(unit_id, 0) or 0)
        if not (first or money_in or money_out):
            continue
        books.append(
            FundBook(
                unit_id=unit_id,
                name=names.get(unit_id, ""),
                opening=first,
                money_in=money_in,
                money_out=money_out,
                closing=first + money_in - money_out,
                journal_balance=int(journal.get(unit_id, 0) or 0),
            )
        )
    return books


def _transfer_totals(session, funds, end) -> TransferTotals:
    """Journal view: Σ sent out, Σ cleared as received, Σ still in transit (senders in scope)."""

    def total(kind, sign=1):
        return sign * int(
            session.exec(
                select(func.coalesce(func.sum(Posting.amount), 0))
                .join(Account, Account.id == Posting.account_id)
                .where(
                    Account.kind == kind,
                    in_units(col(Account.unit_id), funds),
                    Posting.entry_date <= end,
                )
            ).scalar_one()
        )

    sent = int(
        session.exec(
            select(func.coalesce(func.sum(Transfer.amount_sent), 0)).where(
                in_units(col(Transfer.from_unit_id), funds),
                Transfer.from_unit_id != Transfer.to_unit_id,
                Transfer.sent_on <= end,
            )
        ).scalar_one()
    )
    return TransferTotals(sent, total("transfer_out"), total("in_transit"))


def reconcile(data: Reconciliation) -> list[Check]:
    """The checks sheet (pure): the gathered figures compared with each other and with the
    journal, and what re-verifying the books found."""
    if data.problems is None:
        raise RuntimeError("the books have not been verified yet (see export_workbook)")
    p, problems = data.progress, data.problems
    valid_quota = data.receipts.valid_quota
    if valid_quota is None:
        raise RuntimeError("the receipts have not been written or counted yet")
    paid = sum(d.amount for d in data.disbursements if d.status == "paid")
    sent, received, in_transit = data.transfer_totals
    summary, books = _balances_by_row(data)
    return [
        Check(
            "Tổng chỉ tiêu phân bổ − chỉ tiêu được giao = chênh lệch phân bổ (kế hoạch)",
            p.quota_total - p.target,
            p.headroom,
        ),
        Check(
            "Đã vận động (sổ nhật ký) = Σ phiếu thu hợp lệ trên trang Phiếu thu",
            p.collected,
            valid_quota,
        ),
        Check(
            "Σ đã vận động của các đơn vị + của đơn vị cấp trên = tổng đã vận động",
            p.collected,
            sum(r.collected for r in p.rows) + p.own_collected,
        ),
        Check("Σ chi trên trang Phiếu chi = tổng đã chi (sổ nhật ký)", p.disbursed, paid),
        Check(
            "Số quỹ có tồn cuối = đầu kỳ + thu − chi ± chuyển và khớp sổ nhật ký",
            len(data.books),
            sum(1 for b in data.books if b.closing == b.journal_balance),
        ),
        Check(
            "Tồn quỹ trên trang tổng hợp = tồn cuối kỳ trên Sổ quỹ (cùng ngày)",
            p.balance,
            sum(b.closing for b in data.books),
        ),
        Check(
            "Số đơn vị có tồn quỹ trang tổng hợp khớp Sổ quỹ (cùng ngày)",
            len(summary),
            sum(1 for unit, amount in summary.items() if books.get(unit, 0) == amount),
            "; ".join(
                f"{n}: {summary[u]:,} ≠ {books.get(u, 0):,}".replace(",", ".")
                for u, n in _names_of(data)
                if summary[u] != books.get(u, 0)
            )[:500],
        ),
        Check("Chuyển đi = đã nhận + đang chuyển (theo sổ nhật ký)", sent, received + in_transit),
        Check(
            "Bút toán cân, chuỗi băm hợp lệ, số dư = định khoản, không ghi sổ kỳ đã khóa "
            "(các dòng ghi sau lần kiểm tra trước)",
            0,
            len(problems),
            "; ".join(str(x) for x in problems[:5]),
        ),
        full_check_row(data.full_check),
        *_bank_checks(data),
        *cash_count_checks(data),
        *pledge_checks(data.pledges, *data.pledge_receipts, p),
        *children_checks(data),
    ]


def full_check_row(last: tuple[datetime, int] | None) -> Check:
    """The latest full check of the workbook's scope (every chain from its first link, every
    row compared): the workbook's own check reads only what was written since the last one,
    so the auditor sees how old the whole verification is and what it found."""
    name = "Kiểm tra toàn bộ gần nhất (mọi chuỗi băm từ đầu, mọi dòng đã ghi): số sai lệch"
    if last is None:
        return Check(
            name,
            0,
            0,
            "Chưa chạy lần nào cho phạm vi này: «Kiểm tra toàn bộ sổ sách» ở trang Công việc "
            "nền, hoặc `flask --app ledger check --full`.",
        )
    finished, found = last
    return Check(name, 0, found, f"Lúc {format_local_datetime(finished)}.")


def children_checks(data: Reconciliation) -> list[Check]:
    """The children counted per category (one aggregate) against the payouts listed behind
    them (each child counted at its first payout in the category, group gifts by their count)."""
    if data.children is None:
        return []
    listed: dict[int, int] = {}
    for payout in data.child_payouts:
        listed[payout.category_id] = listed.get(payout.category_id, 0) + payout.counted
    return [
        Check(
            "Số trẻ em được hỗ trợ (tổng hợp) = Σ cột “Tính” của các phiếu chi trên trang "
            "Trẻ em được hỗ trợ",
            data.children.total,
            sum(listed.values()),
            "; ".join(
                f"{line.name_vi}: {line.count} ≠ {listed.get(line.category_id, 0)}"
                for line in data.children.lines
                if line.count != listed.get(line.category_id, 0)
            )[:500],
            counts=True,
        )
    ]


def _cash_counts(session, funds, start, end, names) -> list[CashCountRow]:
    """The funds' cash counts dated in the window, each with the cash book now."""
    return [
        CashCountRow(
            fund=names.get(count.unit_id, ""),
            day=count.count_date,
            counted=count.counted,
            book_balance=count.book_balance,
            difference=count.difference,
            status=count.status,
            reason=count.reason,
            book_now=now,
        )
        for count, now in with_book_now(session, funds, start, end)
    ]


def cash_count_checks(data: Reconciliation) -> list[Check]:
    """Every settled count in the window still equals the cash book at the end of its day."""
    settled = [row for row in data.cash_counts if row.settled]
    broken = [row for row in settled if row.book_now != row.counted]
    return [
        Check(
            "Số lần kiểm kê quỹ đã chốt khớp sổ quỹ tiền mặt cuối ngày kiểm kê",
            len(settled),
            len(settled) - len(broken),
            "; ".join(
                f"{r.fund} {r.day:%d/%m/%Y}: sổ quỹ {r.book_now:,} ≠ kiểm kê {r.counted:,}".replace(
                    ",", "."
                )
                for r in broken
            )[:500],
        )
    ]


def _bank_checks(data: Reconciliation) -> list[Check]:
    """Each saved bank reconciliation (its adjusted bank balance against the books, the
    difference left unexplained in red), then each month with bank activity none covers."""
    checks = [
        Check(
            f"Đối chiếu tiền gửi {r.fund} — {r.account}, {r.period_from:%d/%m/%Y}–"
            f"{r.period_to:%d/%m/%Y}: số dư ngân hàng đã điều chỉnh = số dư trên sổ",
            r.adjusted_bank,
            r.books_closing,
            f"Số dư ngân hàng {format_vnd(r.bank_closing)}; trên sổ {format_vnd(r.books_closing)}"
            f"; chênh lệch chưa giải trình {format_vnd(r.difference)}"
            + (f"; {r.note}" if r.note else ""),
        )
        for r in data.bank_reconciliations
    ]
    checks += [
        Check(
            f"Đối chiếu tiền gửi {m.fund} — {m.account}: tháng {m.month:%m/%Y} có giao dịch "
            "ngân hàng nhưng chưa có bảng đối chiếu",
            1,
            0,
            "CHƯA ĐỐI CHIẾU",
        )
        for m in data.bank_unreconciled
    ]
    return checks


def _balances_by_row(data: Reconciliation) -> tuple[dict, dict]:
    """Each summary row's "Tồn quỹ" and the Sổ quỹ closings of the funds under that row."""
    p, parents = data.progress, data.parents
    rows = {r.unit_id for r in p.rows}

    def row_of(unit_id):
        while unit_id is not None and unit_id not in rows and unit_id != p.unit.id:
            unit_id = parents.get(unit_id)
        return unit_id if unit_id in rows else p.unit.id

    books: dict[int, int] = {}
    for fund in data.books:
        books[row_of(fund.unit_id)] = books.get(row_of(fund.unit_id), 0) + fund.closing
    summary = {r.unit_id: r.balance for r in p.rows}
    summary[p.unit.id] = p.balance - sum(r.balance for r in p.rows)
    return summary, books


def _names_of(data: Reconciliation):
    p = data.progress
    return [(r.unit_id, r.name) for r in p.rows] + [(p.unit.id, p.unit.name)]
