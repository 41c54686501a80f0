"""The yearly public disclosure of a fund (công khai thu chi). Nghị định 03/2026/NĐ-CP of
09/01/2026 (in force 01/03/2026, replacing NĐ 93/2019) asks social and charity funds to publish
every year, before 31/3, the contributions and assets received and how they were used, both
"input" and "output" (as reported by thanhnien.vn and baogialai.com.vn, 2026). Here: opening
balance, receipts by source and month, donors who agreed to be named (the rest in one sum),
spending by category with the number of payments and children helped (never a child's name),
and the closing balance.

Every figure is a sum over the fund's own journal postings in the calendar year; the counts
of payments and children come from the paid disbursements behind them. ``reconciles`` says
whether opening + receipts − spending ± transfers = closing, the identity the books keep."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, extract, func
from sqlmodel import Session, col, select

from ..models import Account, Category, Disbursement, Entry, Posting, Receipt, Unit
from ..vocab import AccountType, DisbursementStatus, EntryKind, Source
from .honour_roll import GIFT_SOURCES, NamedDonor, honour_roll

#: entries that carry a receipt's source (``Entry.document_id`` is the receipt)
_RECEIPT_KINDS = (EntryKind.RECEIPT, EntryKind.RECEIPT_VOID, EntryKind.RECEIPT_CORRECTION)
#: money moved between funds or between a fund's own cash and bank
_TRANSFER_KINDS = (
    EntryKind.TRANSFER_SENT,
    EntryKind.TRANSFER_RECEIVED,
    EntryKind.TRANSFER_INTERNAL,
    EntryKind.TRANSFER_CLEARED,
    EntryKind.REORG_OUT,
    EntryKind.REORG_IN,
)
#: the source an income account stands for when no receipt names it
_SOURCE_OF_ACCOUNT = {
    "donations": Source.DONATION.value,
    "income:budget": Source.BUDGET.value,
    "income:interest": Source.INTEREST.value,
}
SOURCES = [s.value for s in Source]


@dataclass
class SourceLine:
    """Receipts of one source (nguồn thu), month by month."""

    source: str
    months: list[int] = field(default_factory=lambda: [0] * 12)

    @property
    def total(self) -> int:
        return sum(self.months)


@dataclass(frozen=True)
class SpendLine:
    """Spending of one category, with the payments and children behind it."""

    code: str
    name_vi: str
    name_en: str
    amount: int
    payments: int
    children: int


@dataclass
class Disclosure:
    """The figures a fund publishes for one calendar year."""

    unit_name: str
    year: int
    opening: int
    closing: int
    transfers: int
    sources: list[SourceLine]
    spending: list[SpendLine]
    donors: list[NamedDonor]

    @property
    def received(self) -> int:
        return sum(s.total for s in self.sources)

    @property
    def spent(self) -> int:
        return sum(s.amount for s in self.spending)

    @property
    def gifts(self) -> int:
        """Σ donations and designated gifts (what the donor list accounts for)."""
        return sum(s.total for s in self.sources if s.source in GIFT_SOURCES)

    @property
    def named(self) -> int:
        return sum(d.amount for d in self.donors)

    @property
    def others(self) -> int:
        """Gifts of donors not named (no consent, anonymous, or no donor on the voucher)."""
        return self.gifts - self.named

    @property
    def children(self) -> int:
        return sum(s.children for s in self.spending)

    @property
    def difference(self) -> int:
        """closing − (opening + receipts − spending + transfers): 0 when the books agree."""
        return self.closing - (self.opening + self.received - self.spent + self.transfers)

    @property
    def reconciles(self) -> bool:
        return self.difference == 0


def yearly_disclosure(session: Session, *, unit_id: int, year: int) -> Disclosure | None:
    """The disclosure of ``unit_id``'s fund for ``year``; None when there is no such unit."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        return None
    start, end = date(year, 1, 1), date(year, 12, 31)
    return Disclosure(
        unit_name=unit.name,
        year=year,
        opening=_assets(session, unit_id, before=start),
        closing=_assets(session, unit_id, before=date(year + 1, 1, 1)),
        transfers=_transfers(session, unit_id, start, end),
        sources=_sources(session, unit_id, start, end),
        spending=_spending(session, unit_id, start, end),
        donors=honour_roll(session, unit_id=unit_id, year=year),
    )


def _postings(unit_id: int, account_type: str):
    """Σ postings on ``unit_id``'s accounts of one type (join and filter to extend)."""
    return (
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(Account, col(Account.id) == Posting.account_id)
        .where(Account.unit_id == unit_id, Account.type == account_type)
    )


def _assets(session: Session, unit_id: int, *, before: date) -> int:
    query = _postings(unit_id, AccountType.ASSET).where(col(Posting.entry_date) < before)
    return int(session.exec(query).one())


def _transfers(session: Session, unit_id: int, start: date, end: date) -> int:
    query = (
        _postings(unit_id, AccountType.ASSET)
        .join(Entry, col(Entry.id) == Posting.entry_id)
        .where(col(Posting.entry_date).between(start, end), col(Entry.kind).in_(_TRANSFER_KINDS))
    )
    return int(session.exec(query).one())


def _sources(session: Session, unit_id: int, start: date, end: date) -> list[SourceLine]:
    month = extract("month", col(Posting.entry_date))
    rows = session.exec(
        select(Account.kind, Receipt.source, month, func.sum(Posting.amount))
        .join(Account, col(Account.id) == Posting.account_id)
        .join(Entry, col(Entry.id) == Posting.entry_id)
        .outerjoin(
            Receipt,
            and_(col(Receipt.id) == Entry.document_id, col(Entry.kind).in_(_RECEIPT_KINDS)),
        )
        .where(
            Account.unit_id == unit_id,
            Account.type == AccountType.INCOME,
            col(Posting.entry_date).between(start, end),
        )
        .group_by(Account.kind, Receipt.source, month)
    ).all()
    lines = {s: SourceLine(s) for s in SOURCES}
    for kind, source, number, amount in rows:
        name = source or _SOURCE_OF_ACCOUNT.get(kind, Source.OTHER.value)
        lines[name].months[int(number) - 1] -= int(amount)  # income is credited (negative)
    return [line for line in lines.values() if any(line.months)]


def _spending(session: Session, unit_id: int, start: date, end: date) -> list[SpendLine]:
    spent = session.exec(
        select(Account.kind, func.sum(Posting.amount))
        .join(Account, col(Account.id) == Posting.account_id)
        .where(
            Account.unit_id == unit_id,
            Account.type == AccountType.EXPENSE,
            col(Posting.entry_date).between(start, end),
        )
        .group_by(Account.kind)
    ).all()
    counts = _counts(session, unit_id, start, end)
    names = {c.code: c for c in session.exec(select(Category))}
    lines = []
    for kind, amount in spent:
        if not amount:
            continue
        code = kind.split(":", 1)[1]
        category = names.get(code)
        payments, children = counts.get(code, (0, 0))
        lines.append(
            SpendLine(
                code=code,
                name_vi=category.name_vi if category else code,
                name_en=category.name_en if category else code,
                amount=int(amount),
                payments=payments,
                children=children,
            )
        )
    return sorted(lines, key=lambda line: (-line.amount, line.code))


def _counts(session: Session, unit_id: int, start: date, end: date) -> dict[str, tuple[int, int]]:
    """category code → (paid disbursements, children helped: each named child once plus the
    children counted in group gifts)."""
    rows = session.exec(
        select(
            Category.code,
            func.count(col(Disbursement.id)),
            func.count(func.distinct(Disbursement.beneficiary_id)),
            func.coalesce(func.sum(Disbursement.children_count), 0),
        )
        .join(Category, col(Category.id) == Disbursement.category_id)
        .where(
            Disbursement.unit_id == unit_id,
            Disbursement.status == DisbursementStatus.PAID.value,
            col(Disbursement.disbursement_date).between(start, end),
        )
        .group_by(Category.code)
    ).all()
    return {code: (int(n), int(named) + int(group or 0)) for code, n, named, group in rows}
