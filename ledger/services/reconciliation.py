"""Everything the auditor's workbook holds, gathered with SQL (the builder only lays it out)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlmodel import Session

from ..forked import Pending
from ..models import (
    Account,
    Beneficiary,
    Category,
    Disbursement,
    Entry,
    Posting,
    Receipt,
    Transfer,
    Unit,
)
from .anchors import current_heads
from .beneficiaries import mask_name
from .check import check_books
from .progress import Progress, campaign_progress
from .receipts import QUOTA_SOURCES
from .reports import same_period_rows
from .units import subtree_ids


@dataclass
class Check:
    """One reconciliation check: what was compared, the two figures, and whether they agree."""

    name: str
    expected: int
    actual: int
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


@dataclass
class FundBook:
    """One fund's cash and bank movement over the campaign up to the as-of date."""

    unit_id: int
    name: str
    opening: int
    money_in: int
    money_out: int
    closing: int
    journal_balance: int
    lines: list[tuple] = field(default_factory=list)


@dataclass
class Reconciliation:
    """The workbook's content; ``checks`` are finished when first read (the integrity check
    may still be running in a child process while the detail sheets are written)."""

    progress: Progress
    receipts: list[tuple]
    disbursements: list[tuple]
    transfers: list[tuple]
    books: list[FundBook]
    unmasked: bool
    #: each fund's chain heads when the workbook was made (printed: the workbook is an anchor)
    heads: list = field(default_factory=list)
    #: the same span a year before: the campaign unit's and each row's (Σ predecessor × share)
    same_period: object = None
    same_rows: dict = field(default_factory=dict)
    finish: Callable[[], list[Check]] = field(default=list, repr=False)
    _checks: list[Check] | None = field(default=None, repr=False)

    @property
    def checks(self) -> list[Check]:
        if self._checks is None:
            self._checks = self.finish()
        return self._checks


def build_reconciliation(
    session: Session, *, campaign_id: int, as_of: date | None = None, unmasked: bool = False
) -> Reconciliation:
    """Gather the summary, the detail lists, each fund's book and the checks."""
    progress = campaign_progress(session, campaign_id=campaign_id, as_of=as_of)
    start, end = progress.campaign.starts_on, progress.as_of
    funds = subtree_ids(session, progress.campaign.unit_id)
    url = session.get_bind().url.render_as_string(hide_password=False)
    integrity = Pending(url, _integrity, funds)
    names = dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(funds))).all())
    receipts = _receipts(session, funds, start, end, names)
    disbursements = _disbursements(session, funds, start, end, names, unmasked)
    transfers = _transfers(session, funds, start, end)
    books = _books(session, funds, start, end, names)
    same, same_rows = same_period_rows(session, progress)
    data = Reconciliation(
        progress=progress,
        receipts=receipts,
        disbursements=disbursements,
        transfers=transfers,
        books=books,
        unmasked=unmasked,
        heads=current_heads(session, funds),
        same_period=same,
        same_rows=same_rows,
    )
    data.finish = lambda: _checks(session, data, funds, start, end, integrity.result(session))
    return data


def _integrity(session: Session, funds: set[int]) -> list:
    return check_books(session, unit_ids=funds)


def _receipts(session, funds, start, end, names) -> list[tuple]:
    rows = (
        session.connection()
        .execute(
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
            )
            .where(
                Receipt.unit_id.in_(funds),
                Receipt.receipt_date >= start,
                Receipt.receipt_date <= end,
            )
            .order_by(Receipt.unit_id, Receipt.receipt_date, Receipt.number)
        )
        .all()
    )
    voided = _voided_by(session, Receipt, funds, end)
    return [
        (
            n,
            d,
            names.get(u, ""),
            payer,
            names.get(c, ""),
            method,
            source,
            amount,
            void in voided,
            ref,
        )
        for n, d, u, payer, c, method, source, amount, void, ref in rows
    ]


def _voided_by(session, document, funds, end) -> set[int]:
    """Ids of the void entries of ``document`` rows in ``funds`` dated by ``end`` (a few rows:
    joining every row to the journal instead made PostgreSQL hash the whole entry table)."""
    return set(
        session.exec(
            select(Entry.id)
            .join(document, document.void_entry_id == Entry.id)
            .where(document.unit_id.in_(funds), Entry.entry_date <= end)
        ).scalars()
    )


def _disbursements(session, funds, start, end, names, unmasked) -> list[tuple]:
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
            Disbursement.unit_id.in_(funds),
            Disbursement.status.in_(("paid", "voided")),
            Disbursement.disbursement_date >= start,
            Disbursement.disbursement_date <= end,
        )
        .order_by(Disbursement.unit_id, Disbursement.number)
    ).all()
    voided = _voided_by(session, Disbursement, funds, end)
    return [
        (
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


def _transfers(session, funds, start, end) -> list[tuple]:
    rows = session.exec(
        select(Transfer)
        .where(
            or_(Transfer.from_unit_id.in_(funds), Transfer.to_unit_id.in_(funds)),
            Transfer.sent_on >= start,
            Transfer.sent_on <= end,
        )
        .order_by(Transfer.sent_on)
    ).scalars()
    all_names = dict(session.exec(select(Unit.id, Unit.name)).all())
    return [_transfer_as_of(t, all_names, end) for t in rows]


def _transfer_as_of(t: Transfer, names: dict, end: date) -> tuple:
    """A transfer as it stood on ``end``: received later means still in transit then."""
    if t.status == "received" and t.received_on is not None and t.received_on > end:
        return (
            t.sent_on,
            names[t.from_unit_id],
            names[t.to_unit_id],
            t.amount_sent,
            None,
            None,
            "sent",
            "",
        )
    return (
        t.sent_on,
        names[t.from_unit_id],
        names[t.to_unit_id],
        t.amount_sent,
        t.received_on,
        t.amount_received,
        t.status,
        t.difference_reason,
    )


def _books(session, funds, start, end, names) -> list[FundBook]:
    """Every fund's cash+bank book in three queries, whatever the number of funds."""
    assets = ("cash", "bank")
    opening = dict(
        session.exec(
            _sum_by_fund(assets).where(Posting.entry_date < start).where(Account.unit_id.in_(funds))
        ).all()
    )
    moves = session.exec(
        select(
            Account.unit_id,
            func.sum(Posting.amount).filter(Posting.amount > 0),
            func.sum(Posting.amount).filter(Posting.amount < 0),
        )
        .join(Account, Account.id == Posting.account_id)
        .where(
            Account.kind.in_(assets),
            Account.unit_id.in_(funds),
            Posting.entry_date >= start,
            Posting.entry_date <= end,
        )
        .group_by(Account.unit_id)
    ).all()
    moved = {u: (int(i or 0), -int(o or 0)) for u, i, o in moves}
    journal = dict(
        session.exec(
            _sum_by_fund(assets).where(Posting.entry_date <= end).where(Account.unit_id.in_(funds))
        ).all()
    )
    books = []
    for unit_id in sorted(funds, key=lambda u: names.get(u, "")):
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


def _sum_by_fund(kinds):
    return (
        select(Account.unit_id, func.sum(Posting.amount))
        .join(Account, Account.id == Posting.account_id)
        .where(Account.kind.in_(kinds))
        .group_by(Account.unit_id)
    )


def _checks(session, data: Reconciliation, funds, start, end, problems) -> list[Check]:
    p = data.progress
    valid_quota = sum(r[7] for r in data.receipts if not r[8] and r[6] in QUOTA_SOURCES)
    paid = sum(r[7] for r in data.disbursements if r[8] == "paid")
    sent, received, in_transit = _transfer_totals(session, funds, start, end)
    summary, books = _balances_by_row(session, data, funds)
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
            "Bút toán cân, chuỗi băm hợp lệ, số dư = định khoản, không ghi sổ kỳ đã khóa",
            0,
            len(problems),
            "; ".join(str(x) for x in problems[:5]),
        ),
    ]


def _balances_by_row(session, data: Reconciliation, funds) -> tuple[dict, dict]:
    """Each summary row's "Tồn quỹ" and the Sổ quỹ closings of the funds under that row."""
    p = data.progress
    parents = dict(session.exec(select(Unit.id, Unit.parent_id).where(Unit.id.in_(funds))).all())
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


def _transfer_totals(session, funds, start, end) -> tuple[int, int, int]:
    """Journal view: Σ sent out, Σ cleared as received, Σ still in transit (senders in scope)."""

    def total(kind, sign=1):
        return sign * int(
            session.exec(
                select(func.coalesce(func.sum(Posting.amount), 0))
                .join(Account, Account.id == Posting.account_id)
                .where(Account.kind == kind, Account.unit_id.in_(funds), Posting.entry_date <= end)
            ).scalar_one()
        )

    sent = int(
        session.exec(
            select(func.coalesce(func.sum(Transfer.amount_sent), 0)).where(
                Transfer.from_unit_id.in_(funds),
                Transfer.from_unit_id != Transfer.to_unit_id,
                Transfer.sent_on <= end,
            )
        ).scalar_one()
    )
    return sent, total("transfer_out"), total("in_transit")
