"""Report calendars: the periods a campaign reports on, from templates or one by one.

A template's cut-offs are the ENDS of the months its reports name ("6 tháng" = 30/06,
"9 tháng" = 30/09, "năm" = 31/12, a quarter its last month's end, a month its own end); its due
dates follow the seed documents' habit of a fixed day of the month after the cut-off (15th for
the 6- and 9-month reports, 10th for the year's, the 5th for quarters and months). The seeded
Thường Tín 2018 calendar is data and stays as the 2018 plan gives it (see
``seed/report_periods.csv``).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal, overload

from sqlmodel import Session, select

from ..errors import PeriodDates, PeriodNotFound, UnknownCalendarTemplate
from ..models import Campaign, ReportPeriod
from ..text import clean
from .audit import record_event
from .campaigns import get_campaign, report_periods, set_report_period


@dataclass(frozen=True)
class TemplatePeriod:
    """One report of a template: code, name, the month whose end is the cut-off, the due day
    in the month after."""

    code: str
    name: str
    month: int
    due_day: int


TEMPLATES: dict[str, tuple[str, list[TemplatePeriod]]] = {
    "6-9-nam": (
        "6 tháng / 9 tháng / năm",
        [
            TemplatePeriod("h1", "Báo cáo 6 tháng", 6, 15),
            TemplatePeriod("m9", "Báo cáo 9 tháng", 9, 15),
            TemplatePeriod("year", "Báo cáo năm", 12, 10),
        ],
    ),
    "quy": (
        "Quý",
        [
            TemplatePeriod(f"q{q}", f"Báo cáo quý {['I', 'II', 'III', 'IV'][q - 1]}", 3 * q, 5)
            for q in range(1, 5)
        ],
    ),
    "thang": (
        "Tháng",
        [TemplatePeriod(f"m{m:02d}", f"Báo cáo tháng {m}", m, 5) for m in range(1, 13)],
    ),
}


def month_end(year: int, month: int) -> date:
    """The last day of ``month``."""
    return date(year, month, calendar.monthrange(year, month)[1])


def template_periods(template: str, campaign: Campaign) -> list[tuple[str, str, date, date]]:
    """(code, name, cut-off, due) of the template's reports whose cut-off falls in the
    campaign (a June drive gets June only; a yearly campaign all of them)."""
    if template not in TEMPLATES:
        raise UnknownCalendarTemplate(name=template)
    found = []
    for year in range(campaign.starts_on.year, campaign.ends_on.year + 1):
        for item in TEMPLATES[template][1]:
            cutoff = month_end(year, item.month)
            if campaign.starts_on <= cutoff <= campaign.ends_on:
                after = date(year + item.month // 12, item.month % 12 + 1, item.due_day)
                suffix = "" if campaign.starts_on.year == campaign.ends_on.year else f"-{year}"
                found.append((item.code + suffix, item.name, cutoff, after))
    return found


def apply_template(
    session: Session, *, campaign_id: int, template: str, user_id: int | None = None
) -> list[ReportPeriod]:
    """Add (or reset) the template's reports in the campaign's calendar."""
    campaign = get_campaign(session, campaign_id)
    return [
        _save(session, campaign, code=code, name=name, cutoff=cutoff, due=due, user_id=user_id)
        for code, name, cutoff, due in template_periods(template, campaign)
    ]


def add_period(
    session: Session,
    *,
    campaign_id: int,
    name: str,
    cutoff: date,
    due: date,
    code: str | None = None,
    user_id: int | None = None,
) -> ReportPeriod:
    """Add one report (or change the one with the same name) to the campaign's calendar."""
    campaign = get_campaign(session, campaign_id)
    name = clean(name or "")[:100]
    existing = find_period(session, campaign_id=campaign_id, name=name, missing_ok=True)
    code = (
        existing.code
        if existing
        else (clean(code or "")[:20] or _free_code(session, campaign_id, name))
    )
    return _save(session, campaign, code=code, name=name, cutoff=cutoff, due=due, user_id=user_id)


def update_period(
    session: Session,
    *,
    period_id: int,
    name: str,
    cutoff: date,
    due: date,
    user_id: int | None = None,
) -> ReportPeriod:
    """Change a report's name, cut-off or due date."""
    period = _get(session, period_id)
    campaign = get_campaign(session, period.campaign_id)
    return _save(
        session,
        campaign,
        code=period.code,
        name=clean(name or "")[:100] or period.name,
        cutoff=cutoff,
        due=due,
        user_id=user_id,
    )


def delete_period(session: Session, *, period_id: int, user_id: int | None = None) -> None:
    """Remove a report from the calendar (an audit event keeps what it was)."""
    period = _get(session, period_id)
    campaign = get_campaign(session, period.campaign_id)
    record_event(
        session,
        action="period.delete",
        user_id=user_id,
        unit_id=campaign.unit_id,
        object_type="report_period",
        object_id=period.id,
        before=_snapshot(period),
    )
    session.delete(period)
    session.flush()


@overload
def find_period(
    session: Session, *, campaign_id: int, name: str, missing_ok: Literal[False] = False
) -> ReportPeriod: ...
@overload
def find_period(
    session: Session, *, campaign_id: int, name: str, missing_ok: bool
) -> ReportPeriod | None: ...
def find_period(
    session: Session, *, campaign_id: int, name: str, missing_ok: bool = False
) -> ReportPeriod | None:
    """The campaign's report named ``name`` (or with that code), case-insensitive."""
    wanted = clean(name or "").casefold()
    for period in report_periods(session, campaign_id):
        if wanted in (period.name.casefold(), period.code.casefold()):
            return period
    if missing_ok:
        return None
    raise PeriodNotFound(name=name)


def _get(session: Session, period_id: int) -> ReportPeriod:
    period = session.get(ReportPeriod, period_id)
    if period is None:
        raise PeriodNotFound(name=str(period_id))
    return period


def _save(session, campaign: Campaign, *, code, name, cutoff, due, user_id) -> ReportPeriod:
    if not (campaign.starts_on <= cutoff <= campaign.ends_on) or due < cutoff:
        raise PeriodDates(
            start=f"{campaign.starts_on:%d/%m/%Y}", end=f"{campaign.ends_on:%d/%m/%Y}"
        )
    existing = session.exec(
        select(ReportPeriod).where(
            ReportPeriod.campaign_id == campaign.id, ReportPeriod.code == code
        )
    ).first()
    before = _snapshot(existing) if existing else None
    period = set_report_period(
        session, campaign_id=campaign.id, code=code, name=name, cutoff=cutoff, due=due
    )
    if before != _snapshot(period):
        record_event(
            session,
            action="period.set",
            user_id=user_id,
            unit_id=campaign.unit_id,
            object_type="report_period",
            object_id=period.id,
            before=before,
            after=_snapshot(period),
        )
    return period


def _snapshot(period: ReportPeriod) -> dict:
    return {"code": period.code, "name": period.name, "cutoff": period.cutoff, "due": period.due}


def _free_code(session: Session, campaign_id: int, name: str) -> str:
    base = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    base = re.sub(r"[^a-z0-9]+", "-", base.encode("ascii", "ignore").decode().lower()).strip("-")
    base = (base or "ky")[:16]
    taken = set(
        session.exec(select(ReportPeriod.code).where(ReportPeriod.campaign_id == campaign_id)).all()
    )
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base[:13]}-{number}"
    return code
