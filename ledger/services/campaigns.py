"""Campaigns, quotas and report periods."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from ..errors import (
    AmbiguousCampaign,
    CampaignDates,
    CampaignNotFound,
    DuplicateCampaign,
    QuotaOutsideTree,
)
from ..models import Campaign, Quota, ReportPeriod, Unit, select_rows
from ..money import parse_amount
from ..text import clean
from .audit import record_event
from .unit_order import official_order
from .units import get_unit, in_units

#: what an audit event keeps of a campaign
CAMPAIGN_FIELDS = ("code", "name", "year", "target", "starts_on", "ends_on")


def create_campaign(
    session: Session,
    *,
    unit_id: int,
    year: int,
    target: int,
    name: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    code: str | None = None,
    user_id: int | None = None,
) -> Campaign:
    """Record the target a higher level assigned to ``unit_id``; ``code`` defaults to the year."""
    unit = get_unit(session, unit_id)
    code = clean(code or "")[:30] or str(year)
    if find_campaign(session, unit_id=unit_id, code=code) is not None:
        raise DuplicateCampaign(code=code)
    starts_on, ends_on = starts_on or date(year, 1, 1), ends_on or date(year, 12, 31)
    if ends_on < starts_on:
        raise CampaignDates()
    campaign = Campaign(
        unit_id=unit_id,
        year=year,
        code=code,
        target=parse_amount(target),
        name=clean(name or "")[:200] or f"Vận động Quỹ Bảo trợ trẻ em {unit.name} năm {year}",
        starts_on=starts_on,
        ends_on=ends_on,
    )
    session.add(campaign)
    session.flush()
    record_event(
        session,
        action="campaign.create",
        user_id=user_id,
        unit_id=unit_id,
        object_type="campaign",
        object_id=campaign.id,
        after=_snapshot(campaign),
    )
    return campaign


def update_campaign(
    session: Session,
    *,
    campaign_id: int,
    code: str,
    name: str,
    target: int,
    starts_on: date,
    ends_on: date,
    user_id: int | None = None,
) -> Campaign:
    """Change a campaign's code, name, target or dates (an audit event keeps before/after)."""
    campaign = get_campaign(session, campaign_id)
    code = clean(code or "")[:30] or str(starts_on.year)
    other = find_campaign(session, unit_id=campaign.unit_id, code=code)
    if other is not None and other.id != campaign.id:
        raise DuplicateCampaign(code=code)
    if ends_on < starts_on:
        raise CampaignDates()
    before = _snapshot(campaign)
    campaign.code, campaign.name = code, clean(name or "")[:200] or campaign.name
    campaign.target, campaign.year = parse_amount(target), starts_on.year
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    session.flush()
    if _snapshot(campaign) != before:
        record_event(
            session,
            action="campaign.update",
            user_id=user_id,
            unit_id=campaign.unit_id,
            object_type="campaign",
            object_id=campaign.id,
            before=before,
            after=_snapshot(campaign),
        )
    return campaign


def _snapshot(campaign: Campaign) -> dict:
    return {f: getattr(campaign, f) for f in CAMPAIGN_FIELDS}


def resolve_campaign(session: Session, *, unit_id: int, ref: str) -> Campaign:
    """The unit's campaign named by ``ref``: its code, or a year when only one campaign of
    that year is not ambiguous (the one coded as the year, or the only one)."""
    wanted = clean(ref or "")
    found = find_campaign(session, unit_id=unit_id, code=wanted)
    if found is not None:
        return found
    if wanted.isdigit() and len(wanted) == 4:
        year = session.exec(
            select(Campaign)
            .where(Campaign.unit_id == unit_id, Campaign.year == int(wanted))
            .order_by(col(Campaign.id))
        ).all()
        if len(year) == 1:
            return year[0]
        if year:
            raise AmbiguousCampaign(year=wanted, codes=", ".join(c.code for c in year))
    raise CampaignNotFound()


def resolve_visible_campaign(
    session: Session, *, unit_id: int, ref: str
) -> tuple[Campaign, int | None]:
    """The campaign ``ref`` as ``unit_id`` sees it: its own (focus None), else the campaign of
    the nearest higher level in which it holds a quota (a commune in the city's campaign; the
    unit's id as the focus), as its pages show it; CampaignNotFound when neither."""
    try:
        return resolve_campaign(session, unit_id=unit_id, ref=ref), None
    except CampaignNotFound:
        pass
    unit = session.get(Unit, unit_id)
    current = session.get(Unit, unit.parent_id) if unit and unit.parent_id else None
    while current is not None:
        try:
            campaign = resolve_campaign(session, unit_id=current.id, ref=ref)
        except CampaignNotFound:
            campaign = None
        if (
            campaign is not None
            and quota_holder(session, campaign=campaign, unit_id=unit_id) is not None
        ):
            return campaign, unit_id
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    raise CampaignNotFound()


def find_campaign(
    session: Session, *, unit_id: int, year: int | None = None, code: str | None = None
) -> Campaign | None:
    """The campaign of ``unit_id`` with this code, or in ``year`` (the one coded as the year
    when the unit ran several that year), if any."""
    query = select(Campaign).where(Campaign.unit_id == unit_id)
    if code is not None:
        return session.exec(query.where(Campaign.code == code)).first()
    found = session.exec(query.where(Campaign.year == year).order_by(col(Campaign.id))).all()
    exact = [c for c in found if c.code == str(year)]
    return next(iter(exact or found), None)


def covering_campaign(session: Session, *, unit_id: int, on: date) -> Campaign | None:
    """The campaign whose dates cover ``on`` of the nearest unit at or above ``unit_id``
    (the one a document of that fund on that day belongs to), if any."""
    current = session.get(Unit, unit_id)
    while current is not None:
        found = session.exec(
            select(Campaign).where(
                Campaign.unit_id == current.id, Campaign.starts_on <= on, Campaign.ends_on >= on
            )
        ).first()
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


def set_quota(
    session: Session, *, campaign_id: int, unit_id: int, amount: int, user_id: int | None = None
) -> Quota:
    """Set (or change) the quota of a child unit; a parent's target is not forced to match.
    A change is an audit event with the amounts before and after."""
    campaign = get_campaign(session, campaign_id)
    child = get_unit(session, unit_id)
    if child.parent_id != campaign.unit_id:
        raise QuotaOutsideTree(unit=child.name)
    amount = 0 if amount == 0 else parse_amount(amount)
    quota = session.exec(
        select(Quota).where(Quota.campaign_id == campaign_id, Quota.unit_id == unit_id)
    ).first()
    before = None if quota is None else quota.amount
    if quota is None:
        quota = Quota(campaign_id=campaign_id, unit_id=unit_id, amount=amount)
        session.add(quota)
    quota.amount = amount
    session.flush()
    if before != amount:
        record_event(
            session,
            action="quota.set",
            user_id=user_id,
            unit_id=campaign.unit_id,
            object_type="quota",
            object_id=quota.id,
            before=None if before is None else {"unit": child.code, "amount": before},
            after={"campaign": campaign.code, "unit": child.code, "amount": amount},
        )
    return quota


def quota_total(session: Session, campaign_id: int) -> int:
    """Σ quotas of the campaign."""
    return int(
        session.exec(
            select(func.coalesce(func.sum(Quota.amount), 0)).where(Quota.campaign_id == campaign_id)
        ).one()
    )


def set_report_period(
    session: Session, *, campaign_id: int, code: str, name: str, cutoff: date, due: date
) -> ReportPeriod:
    """Create or update one report the campaign owes."""
    period = session.exec(
        select(ReportPeriod).where(
            ReportPeriod.campaign_id == campaign_id, ReportPeriod.code == code
        )
    ).first()
    if period is None:
        period = ReportPeriod(campaign_id=campaign_id, code=code, name=name, cutoff=cutoff, due=due)
        session.add(period)
    period.name, period.cutoff, period.due = name, cutoff, due
    session.flush()
    return period


def report_periods(session: Session, campaign_id: int) -> list[ReportPeriod]:
    """The campaign's report periods by cut-off."""
    return list(
        session.exec(
            select(ReportPeriod)
            .where(ReportPeriod.campaign_id == campaign_id)
            .order_by(col(ReportPeriod.cutoff))
        ).all()
    )


def _in_scope(unit_ids: Any, holder_id: int | None) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = in_units(col(Campaign.unit_id), unit_ids)
    if holder_id is not None:
        condition = condition | col(Campaign.id).in_(
            select(Quota.campaign_id).where(Quota.unit_id == holder_id)
        )
    return condition


_NEWEST_FIRST = (
    col(Campaign.starts_on).desc(),
    col(Campaign.year).desc(),
    *official_order(by_level=True),
    col(Campaign.code),
)


def campaigns_for(
    session: Session, unit_ids: Any, holder_id: int | None = None
) -> list[tuple[Campaign, Unit]]:
    """Campaigns of the units in scope (ids, a select of them or a ``units.Scope``), and
    (with ``holder_id``) the higher levels' campaigns in which that unit holds a quota,
    newest first."""
    query = select(Campaign, Unit).join(Unit, col(Unit.id) == Campaign.unit_id)
    rows = session.exec(query.where(_in_scope(unit_ids, holder_id)).order_by(*_NEWEST_FIRST)).all()
    return [(c, u) for c, u in rows]


def campaign_rows(session: Session, unit_ids: Any, holder_id: int | None = None) -> list[Any]:
    """``campaigns_for`` as plain rows (id, year, code, name, target, unit name, unit code): a
    nation's 771 campaigns as ORM objects took 70 ms to load, as rows 3 ms."""
    query = select_rows(
        col(Campaign.id),
        col(Campaign.year),
        col(Campaign.code),
        col(Campaign.name),
        col(Campaign.target),
        col(Unit.name).label("unit_name"),
        col(Unit.code).label("unit_code"),
    ).join(Unit, col(Unit.id) == Campaign.unit_id)
    return list(
        session.exec(query.where(_in_scope(unit_ids, holder_id)).order_by(*_NEWEST_FIRST)).all()
    )


def quota_holder(session: Session, *, campaign: Campaign, unit_id: int) -> int | None:
    """``unit_id`` when it holds a quota in ``campaign`` (a commune in the city's campaign),
    else None."""
    found = session.exec(
        select(Quota.id).where(Quota.campaign_id == campaign.id, Quota.unit_id == unit_id)
    ).first()
    return unit_id if found is not None else None


def copy_campaign(
    session: Session, *, campaign_id: int, code: str | None = None, user_id: int | None = None
) -> Campaign:
    """ "Copy last year's": the same unit, name, target and span a year later; the quotas mapped
    to the units valid when the new campaign starts (a merged or split unit's quota goes to
    its successors by share, rounded down to the đồng); the report calendar a year later; the
    targets of children helped as they were."""
    source = get_campaign(session, campaign_id)
    year = source.year + 1
    name = source.name.replace(str(source.year), str(year))
    new_code = code or (
        source.code.replace(str(source.year), str(year))
        if str(source.year) in source.code
        else str(year)
    )
    campaign = create_campaign(
        session,
        unit_id=source.unit_id,
        year=year,
        target=source.target,
        name=name,
        starts_on=_year_on(source.starts_on),
        ends_on=_year_on(source.ends_on),
        code=new_code,
        user_id=user_id,
    )
    for unit_id, amount in _mapped_quotas(session, source, campaign).items():
        if amount > 0:
            set_quota(
                session, campaign_id=campaign.id, unit_id=unit_id, amount=amount, user_id=user_id
            )
    for period in report_periods(session, source.id):
        cutoff, due = _year_on(period.cutoff), _year_on(period.due)
        if campaign.starts_on <= cutoff <= campaign.ends_on:
            set_report_period(
                session,
                campaign_id=campaign.id,
                code=period.code,
                name=period.name,
                cutoff=cutoff,
                due=due,
            )
    from .children import copy_children_targets  # children reads campaigns: imported here

    copy_children_targets(session, source_id=source.id, campaign_id=campaign.id, user_id=user_id)
    return campaign


def _mapped_quotas(session: Session, source: Campaign, campaign: Campaign) -> dict[int, int]:
    from fractions import Fraction

    from ..models import UnitSuccession

    quotas = session.exec(
        select(Quota.unit_id, Quota.amount).where(Quota.campaign_id == source.id)
    ).all()
    mapped: dict[int, int] = {}
    for unit_id, amount in quotas:
        frontier, steps = [(unit_id, Fraction(1))], 0
        while frontier and steps < 10_000:
            current, share = frontier.pop()
            steps += 1
            unit = session.get_one(Unit, current)
            if unit.parent_id == campaign.unit_id and (
                unit.valid_to is None or unit.valid_to >= campaign.starts_on
            ):
                part = amount * share.numerator // share.denominator
                mapped[current] = mapped.get(current, 0) + part
                continue
            links = session.exec(
                select(UnitSuccession.successor_id, UnitSuccession.share_bp).where(
                    UnitSuccession.predecessor_id == current
                )
            ).all()
            frontier.extend((s, share * Fraction(bp, 10000)) for s, bp in links)
    return mapped


def _year_on(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def child_campaigns(session: Session, campaign: Campaign) -> dict[int, int]:
    """The same year's campaigns of the units directly under the campaign's unit: unit → id."""
    rows = session.exec(
        select(Campaign.unit_id, Campaign.id)
        .join(Unit, col(Unit.id) == Campaign.unit_id)
        .where(Unit.parent_id == campaign.unit_id, Campaign.year == campaign.year)
    ).all()
    return dict(rows)


def visible_focus(
    session: Session, campaign_id: int, *, scope: set[int], unit_id: int
) -> tuple[Campaign, int | None] | None:
    """The campaign and the unit whose figures a user sees: the whole campaign when its unit is
    in ``scope`` (focus None), the user's own ``unit_id`` when it holds a quota in a higher
    level's campaign; None when the user sees nothing of it (or it does not exist)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    if campaign.unit_id in scope:
        return campaign, None
    focus = quota_holder(session, campaign=campaign, unit_id=unit_id)
    return None if focus is None else (campaign, focus)


def all_campaigns(session: Session) -> list[tuple[Campaign, Unit]]:
    """Every campaign with its unit, newest year first, then by unit name."""
    rows = session.exec(
        select(Campaign, Unit)
        .join(Unit, col(Unit.id) == Campaign.unit_id)
        .order_by(col(Campaign.year).desc(), *official_order(by_level=True))
    ).all()
    return [(c, u) for c, u in rows]


def campaign_list(session: Session) -> list[Any]:
    """``all_campaigns`` as plain rows (id, name): the public index of a nation's 771."""
    return list(
        session.exec(
            select(Campaign.id, Campaign.name)
            .join(Unit, col(Unit.id) == Campaign.unit_id)
            .order_by(col(Campaign.year).desc(), *official_order(by_level=True))
        ).all()
    )


def campaign_page(
    session: Session, unit_ids, *, page: int, per_page: int
) -> tuple[list[tuple[Campaign, Unit]], bool]:
    """One page of the campaigns of these units (ids or a ``units.Scope``), newest first, and
    whether more follow."""
    rows = session.exec(
        select(Campaign, Unit)
        .join(Unit, col(Unit.id) == Campaign.unit_id)
        .where(in_units(col(Campaign.unit_id), unit_ids))
        .order_by(col(Campaign.starts_on).desc(), *official_order(by_level=True), Campaign.code)
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    return [(c, u) for c, u in rows[:per_page]], len(rows) > per_page
