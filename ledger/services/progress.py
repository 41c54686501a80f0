"""Campaign progress: target, Σ quotas and headroom, collected per child unit — SQL aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..models import Account, Campaign, CreditMonth, Posting, Quota, Unit
from .campaigns import get_campaign
from .units import members


@dataclass
class UnitProgress:
    """One child unit's line on the dashboard and the workbook."""

    unit_id: int
    code: str
    name: str
    quota: int = 0
    collected: int = 0
    disbursed: int = 0
    balance: int = 0
    last_receipt: date | None = None

    @property
    def rate(self) -> float | None:
        """Collected as a percentage of the quota (None without a quota)."""
        return round(self.collected * 100 / self.quota, 1) if self.quota else None

    @property
    def difference(self) -> int:
        """Collected − quota: negative is a shortfall, positive an excess."""
        return self.collected - self.quota


@dataclass
class Progress:
    """Where a campaign stands on ``as_of``."""

    campaign: Campaign
    unit: Unit
    as_of: date
    quota_total: int
    collected: int
    own_collected: int
    disbursed: int
    balance: int
    rows: list[UnitProgress] = field(default_factory=list)
    #: set when the figures are those of one unit holding a quota in a higher level's campaign
    #: (a commune's view of the city's campaign): its quota stands in for the target
    quota: int | None = None

    @property
    def target(self) -> int:
        return self.quota if self.quota is not None else self.campaign.target

    @property
    def focused(self) -> bool:
        """Whether these are one quota holder's figures rather than the campaign unit's."""
        return self.quota is not None

    @property
    def headroom(self) -> int:
        """Σ quotas − target: the planned allocation headroom (may be negative)."""
        return self.quota_total - self.campaign.target

    @property
    def allocation_rate(self) -> float:
        return round(self.quota_total * 100 / self.target, 1) if self.target else 0.0

    @property
    def rate(self) -> float:
        """Collected as a percentage of the assigned target (or of the focused unit's quota)."""
        return round(self.collected * 100 / self.target, 1) if self.target else 0.0


def _tree(root_id: int):
    """CTE (id, parent_id): ``root_id`` and every unit under it."""
    base = select(col(Unit.id), col(Unit.parent_id)).where(Unit.id == root_id)
    tree = base.cte("tree", recursive=True)
    return tree.union_all(
        select(col(Unit.id), col(Unit.parent_id)).where(col(Unit.parent_id) == tree.c.id)
    )


def unit_totals(
    session: Session, *, root_id: int, start: date, end: date
) -> dict[int, tuple[int, date | None]]:
    """Collected (and the last receipt's date) under every unit of ``root_id``'s subtree, rolled
    up commune → district → province → …: one GROUP BY over monthly totals and the covering
    index, then a walk up the tree in memory (a few thousand units, never the postings)."""
    tree, parents = _subtree(session, root_id)
    return _credit_totals(session, tree, parents, root_id, start, end)


def _subtree(session: Session, root_id: int):
    tree = _tree(root_id)
    return tree, dict(session.exec(select(tree.c.id, tree.c.parent_id)).all())


def _credit_totals(session, tree, parents, root_id, start, end):
    totals: dict[int, tuple[int, date | None]] = {}
    for unit_id, amount, last in _credited(session, members(parents, root_id), start, end):
        for current in _up(unit_id, parents, root_id):
            total, latest = totals.get(current, (0, None))
            totals[current] = (total - int(amount), max(filter(None, (latest, last)), default=None))
    return totals


def _up(unit_id: int, parents: dict[int, int], root_id: int):
    """``unit_id`` and its ancestors up to and including ``root_id``."""
    current: int | None = unit_id
    while current in parents:
        yield current
        current = parents[current] if current != root_id else None


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _credited(
    session: Session, units, start: date, end: date
) -> list[tuple[int, int, date | None]]:
    """(unit, Σ credited lines, last date) per unit: whole months from ``CreditMonth``, the
    partial months at either end from the postings' covering index."""
    first_full = start if start.day == 1 else _month_after(start)
    month_ends = (end + timedelta(days=1)).day == 1
    after_full = _month_after(end) if month_ends else end.replace(day=1)
    if first_full >= after_full:
        return _from_postings(session, units, start, end)
    rows = list(
        session.exec(
            select(
                CreditMonth.unit_id, func.sum(CreditMonth.amount), func.max(CreditMonth.last_date)
            )
            .where(
                col(CreditMonth.unit_id).in_(units),
                CreditMonth.month >= first_full,
                CreditMonth.month < after_full,
            )
            .group_by(col(CreditMonth.unit_id))
        ).all()
    )
    if start < first_full:
        rows += _from_postings(session, units, start, first_full - timedelta(days=1))
    if after_full <= end:
        rows += _from_postings(session, units, after_full, end)
    return rows


def _from_postings(session: Session, units, start: date, end: date):
    return list(
        session.exec(
            select(
                col(Posting.credit_unit_id), func.sum(Posting.amount), func.max(Posting.entry_date)
            )
            .where(
                col(Posting.credit_unit_id).in_(units),
                Posting.entry_date >= start,
                Posting.entry_date <= end,
            )
            .group_by(col(Posting.credit_unit_id))
        ).all()
    )


def campaign_progress(
    session: Session, *, campaign_id: int, as_of: date | None = None, focus_id: int | None = None
) -> Progress:
    """Target, quotas and collected per child unit of the campaign's unit, up to ``as_of``.

    With ``focus_id`` (a unit holding a quota in the campaign), the same figures for that
    unit's subtree, its quota standing in for the target."""
    campaign = get_campaign(session, campaign_id)
    root = focus_id or campaign.unit_id
    as_of = min(as_of or campaign.ends_on, campaign.ends_on)
    tree, parents = _subtree(session, root)
    units = members(parents, root)
    collected = _credit_totals(session, tree, parents, root, campaign.starts_on, as_of)
    spent = _roll_up(
        session.exec(
            select(Account.unit_id, func.sum(Posting.amount))
            .join(Account, col(Account.id) == Posting.account_id)
            .where(
                Account.type == "expense",
                col(Account.kind).like("expense:%"),
                col(Account.unit_id).in_(units),
                Posting.entry_date >= campaign.starts_on,
                Posting.entry_date <= as_of,
            )
            .group_by(col(Account.unit_id))
        ).all(),
        parents,
        root,
    )
    balances = _roll_up(balances_as_of(session, units, as_of), parents, root)
    rows = _child_rows(session, campaign, root, collected, spent, balances)
    total = collected.get(root, (0, None))[0]
    quota = None
    if focus_id is not None:
        quota = int(
            session.exec(
                select(func.coalesce(func.sum(Quota.amount), 0)).where(
                    Quota.campaign_id == campaign.id, Quota.unit_id == focus_id
                )
            ).one()
        )
    return Progress(
        campaign=campaign,
        unit=session.get_one(Unit, root),
        as_of=as_of,
        quota_total=sum(r.quota for r in rows),
        collected=total,
        own_collected=total - sum(r.collected for r in rows),
        disbursed=spent.get(root, 0),
        balance=balances.get(root, 0),
        rows=rows,
        quota=quota,
    )


def balances_as_of(session: Session, units, as_of: date) -> list[tuple[int, int]]:
    """(unit, cash + bank) of each fund at the end of ``as_of``: today's running balance less
    the postings dated after ``as_of`` (one range of the (account, date, amount) index per
    account; for a campaign still running that range is nearly empty)."""
    now = dict(
        session.exec(
            select(Account.unit_id, func.sum(Account.balance))
            .where(col(Account.kind).in_(("cash", "bank")), col(Account.unit_id).in_(units))
            .group_by(col(Account.unit_id))
        ).all()
    )
    later = session.exec(
        select(Account.unit_id, func.sum(Posting.amount))
        .join(Account, col(Account.id) == Posting.account_id)
        .where(
            col(Account.kind).in_(("cash", "bank")),
            col(Account.unit_id).in_(units),
            Posting.entry_date > as_of,
        )
        .group_by(col(Account.unit_id))
    ).all()
    for unit_id, amount in later:
        now[unit_id] = int(now.get(unit_id) or 0) - int(amount or 0)
    return [(unit_id, int(amount or 0)) for unit_id, amount in now.items()]


def _child_rows(
    session: Session, campaign: Campaign, root: int, collected, spent, balances
) -> list[UnitProgress]:
    quotas = dict(
        session.exec(
            select(Quota.unit_id, Quota.amount).where(Quota.campaign_id == campaign.id)
        ).all()
    )
    tops = session.exec(
        select(Unit)
        .where(Unit.parent_id == root, Unit.valid_from <= campaign.ends_on)
        .where(col(Unit.valid_to).is_(None) | (col(Unit.valid_to) >= campaign.starts_on))
        .order_by(col(Unit.id))
    ).all()
    return [
        UnitProgress(
            unit_id=u.id,
            code=u.code,
            name=u.name,
            quota=quotas.get(u.id, 0),
            collected=collected.get(u.id, (0, None))[0],
            last_receipt=collected.get(u.id, (0, None))[1],
            disbursed=spent.get(u.id, 0),
            balance=balances.get(u.id, 0),
        )
        for u in tops
    ]


def _roll_up(rows, parents: dict[int, int], root_id: int) -> dict[int, int]:
    """Amounts per unit added to the unit and every ancestor up to the root."""
    totals: dict[int, int] = {}
    for unit_id, amount in rows:
        for current in _up(unit_id, parents, root_id):
            totals[current] = totals.get(current, 0) + int(amount or 0)
    return totals
