"""What a reviewer or auditor oversees: the funds in their scope with their cash and bank
balances, and the period reports of the campaigns they follow (their landing pages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from ..models import Account, Campaign, Quota, ReportPeriod, Unit
from ..vocab import Method, UnitLevel
from .units import in_units

#: the tiers from the top down, so a district's fund is listed before its communes'
_LEVEL_ORDER = case(
    {level.value: rank for rank, level in enumerate(UnitLevel)}, value=col(Unit.level), else_=9
)


@dataclass(frozen=True)
class FundBalance:
    """A fund in scope and what its cash and bank books hold now."""

    unit: Unit
    cash: int
    bank: int


def fund_balances(
    session: Session, *, unit_ids: Any, first_id: int, page: int, per_page: int
) -> tuple[list[FundBalance], int]:
    """The funds (units with a cash or bank account) among ``unit_ids``: ``first_id`` first,
    then those still in existence, from the top tier down in the official (id) order; one page
    of them and how many there are."""
    cash, bank = aliased(Account), aliased(Account)
    found = (
        select(Unit, func.coalesce(cash.balance, 0), func.coalesce(bank.balance, 0))
        .outerjoin(cash, and_(col(cash.unit_id) == Unit.id, col(cash.kind) == Method.CASH.value))
        .outerjoin(bank, and_(col(bank.unit_id) == Unit.id, col(bank.kind) == Method.BANK.value))
        .where(
            in_units(col(Unit.id), unit_ids),
            or_(col(cash.id).is_not(None), col(bank.id).is_not(None)),
        )
    )
    total = session.exec(select(func.count()).select_from(found.subquery())).one()
    rows = session.exec(
        found.order_by(
            col(Unit.id) != first_id, col(Unit.valid_to).is_not(None), _LEVEL_ORDER, col(Unit.id)
        )
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return [
        FundBalance(unit, cash_balance, bank_balance) for unit, cash_balance, bank_balance in rows
    ], total


@dataclass(frozen=True)
class CampaignReports:
    """A campaign and its report calendar."""

    campaign: Campaign
    unit: Unit
    periods: list[ReportPeriod]


def followed_reports(
    session: Session, *, unit_ids: Any, own_id: int, limit: int = 60
) -> list[CampaignReports]:
    """The period reports of the campaigns a user follows: their own unit's and those of the
    levels above in which it holds a quota, then the other campaigns in their scope; the newest
    campaigns first, at most ``limit`` campaigns, each report in order of its cut-off."""
    held = select(Quota.campaign_id).where(Quota.unit_id == own_id)
    campaigns = session.exec(
        select(Campaign, Unit)
        .join(Unit, col(Unit.id) == Campaign.unit_id)
        .where(in_units(col(Campaign.unit_id), unit_ids) | col(Campaign.id).in_(held))
        .where(select(ReportPeriod.id).where(ReportPeriod.campaign_id == Campaign.id).exists())
        .order_by(
            col(Campaign.unit_id) != own_id,
            col(Campaign.starts_on).desc(),
            _LEVEL_ORDER,
            col(Campaign.id),
        )
        .limit(limit)
    ).all()
    periods: dict[int, list[ReportPeriod]] = {}
    for period in session.exec(
        select(ReportPeriod)
        .where(col(ReportPeriod.campaign_id).in_([c.id for c, _ in campaigns]))
        .order_by(col(ReportPeriod.cutoff), col(ReportPeriod.id))
    ).all():
        periods.setdefault(period.campaign_id, []).append(period)
    return [CampaignReports(c, unit, periods.get(c.id, [])) for c, unit in campaigns]
