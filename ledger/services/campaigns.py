"""Campaigns, quotas and report periods."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from ..errors import CampaignNotFound, DuplicateCampaign, QuotaOutsideTree
from ..models import Campaign, Quota, ReportPeriod, Unit
from ..money import parse_amount
from ..text import clean
from .units import get_unit


def create_campaign(session: Session, *, unit_id: int, year: int, target: int,
                    name: str | None = None, starts_on: date | None = None,
                    ends_on: date | None = None, code: str | None = None) -> Campaign:
    """Record the target a higher level assigned to ``unit_id``; ``code`` defaults to the year."""
    unit = get_unit(session, unit_id)
    code = clean(code or "") or str(year)
    if find_campaign(session, unit_id=unit_id, code=code) is not None:
        raise DuplicateCampaign(code=code)
    campaign = Campaign(unit_id=unit_id, year=year, code=code, target=parse_amount(target),
                        name=name or f"Vận động Quỹ Bảo trợ trẻ em {unit.name} năm {year}",
                        starts_on=starts_on or date(year, 1, 1),
                        ends_on=ends_on or date(year, 12, 31))
    session.add(campaign)
    session.flush()
    return campaign


def find_campaign(session: Session, *, unit_id: int, year: int | None = None,
                  code: str | None = None) -> Campaign | None:
    """The campaign of ``unit_id`` with this code, or in ``year`` (the one coded as the year
    when the unit ran several that year), if any."""
    query = select(Campaign).where(Campaign.unit_id == unit_id)
    if code is not None:
        return session.exec(query.where(Campaign.code == code)).scalars().first()
    found = session.exec(query.where(Campaign.year == year).order_by(Campaign.id)).scalars().all()
    exact = [c for c in found if c.code == str(year)]
    return (exact or found or [None])[0]


def covering_campaign(session: Session, *, unit_id: int, on: date) -> Campaign | None:
    """The campaign whose dates cover ``on`` of the nearest unit at or above ``unit_id``
    (the one a document of that fund on that day belongs to), if any."""
    current = session.get(Unit, unit_id)
    while current is not None:
        found = session.exec(select(Campaign).where(
            Campaign.unit_id == current.id, Campaign.starts_on <= on,
            Campaign.ends_on >= on)).scalars().first()
        if found is not None:
            return found
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    return None


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign with this id, or CampaignNotFound."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound()
    return campaign


def set_quota(session: Session, *, campaign_id: int, unit_id: int, amount: int) -> Quota:
    """Set (or change) the quota of a child unit; a parent's target is not forced to match."""
    campaign = get_campaign(session, campaign_id)
    child = get_unit(session, unit_id)
    if child.parent_id != campaign.unit_id:
        raise QuotaOutsideTree(unit=child.name)
    amount = 0 if amount == 0 else parse_amount(amount)
    quota = session.exec(select(Quota).where(Quota.campaign_id == campaign_id,
                                             Quota.unit_id == unit_id)).scalars().first()
    if quota is None:
        quota = Quota(campaign_id=campaign_id, unit_id=unit_id, amount=amount)
        session.add(quota)
    quota.amount = amount
    session.flush()
    return quota


def quota_total(session: Session, campaign_id: int) -> int:
    """Σ quotas of the campaign."""
    return int(session.exec(select(func.coalesce(func.sum(Quota.amount), 0))
                            .where(Quota.campaign_id == campaign_id)).scalar_one())


def set_report_period(session: Session, *, campaign_id: int, code: str, name: str,
                      cutoff: date, due: date) -> ReportPeriod:
    """Create or update one report the campaign owes."""
    period = session.exec(select(ReportPeriod).where(
        ReportPeriod.campaign_id == campaign_id, ReportPeriod.code == code)).scalars().first()
    if period is None:
        period = ReportPeriod(campaign_id=campaign_id, code=code, name=name, cutoff=cutoff,
                              due=due)
        session.add(period)
    period.name, period.cutoff, period.due = name, cutoff, due
    session.flush()
    return period


def report_periods(session: Session, campaign_id: int) -> list[ReportPeriod]:
    """The campaign's report periods by cut-off."""
    return list(session.exec(select(ReportPeriod).where(ReportPeriod.campaign_id == campaign_id)
                             .order_by(ReportPeriod.cutoff)).scalars().all())


def campaigns_for(session: Session, unit_ids: set[int]) -> list[tuple[Campaign, Unit]]:
    """Campaigns of the units in scope, newest first."""
    rows = session.exec(select(Campaign, Unit).join(Unit, Unit.id == Campaign.unit_id)
                        .where(Campaign.unit_id.in_(unit_ids))
                        .order_by(Campaign.year.desc(), Unit.name)).all()
    return [(c, u) for c, u in rows]
