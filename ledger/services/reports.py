"""Report figures: SQL aggregates over postings for dashboards, period reports and exports."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from ..models import Account, Campaign, Category, Posting, ReportPeriod, Unit
from .campaigns import find_campaign, report_periods
from .progress import Progress, campaign_progress
from .units import predecessors, subtree_members


def collected_between(session: Session, *, root_ids: list[int], start: date, end: date) -> int:
    """Mobilised money credited to any unit under ``root_ids`` between two dates."""
    total = 0
    for root in root_ids:
        total += -int(session.exec(select(func.coalesce(func.sum(Posting.amount), 0)).where(
            Posting.credit_unit_id.in_(subtree_members(session, root)), Posting.entry_date >= start,
            Posting.entry_date <= end)).scalar_one())
    return total


def spent_by_category(session: Session, *, root_id: int, start: date,
                      end: date) -> list[tuple[str, str, str, int]]:
    """(code, Vietnamese name, English name, amount) of expense postings under ``root_id``."""
    rows = session.exec(select(Account.kind, func.sum(Posting.amount))
                        .join(Account, Account.id == Posting.account_id)
                        .where(Account.type == "expense", Account.kind.like("expense:%"),
                               Account.unit_id.in_(subtree_members(session, root_id)),
                               Posting.entry_date >= start, Posting.entry_date <= end)
                        .group_by(Account.kind)).all()
    names = {c.code: c for c in session.exec(select(Category)).scalars()}
    result = []
    for kind, amount in rows:
        code = kind.split(":", 1)[1]
        category = names.get(code)
        result.append((code, category.name_vi if category else code,
                       category.name_en if category else code, int(amount)))
    return sorted(result, key=lambda r: -r[3])


def daily_collected(session: Session, *, root_id: int, start: date, end: date) -> list[tuple[date, int]]:
    """Mobilised money per day under ``root_id`` (for the cumulative chart)."""
    rows = session.exec(select(Posting.entry_date, func.sum(Posting.amount))
                        .where(Posting.credit_unit_id.in_(subtree_members(session, root_id)),
                               Posting.entry_date >= start, Posting.entry_date <= end)
                        .group_by(Posting.entry_date).order_by(Posting.entry_date)).all()
    return [(day, -int(amount)) for day, amount in rows]


@dataclass
class Projection:
    """Where the current run-rate leads."""

    daily_rate: float
    at_end: int
    next_due: ReportPeriod | None
    at_next_due: int | None


def projection(progress: Progress, *, today: date, periods: list[ReportPeriod]) -> Projection:
    """Collected so far extrapolated linearly to the campaign's end and the next report."""
    campaign = progress.campaign
    as_of = min(today, campaign.ends_on)
    elapsed = max((as_of - campaign.starts_on).days + 1, 1)
    rate = progress.collected / elapsed
    remaining = max((campaign.ends_on - as_of).days, 0)
    upcoming = [p for p in periods if p.due >= today]
    due = upcoming[0] if upcoming else None
    at_due = None
    if due is not None:
        at_due = progress.collected + round(rate * max((min(due.cutoff, campaign.ends_on) - as_of).days, 0))
    return Projection(daily_rate=rate, at_end=progress.collected + round(rate * remaining),
                      next_due=due, at_next_due=at_due)


def expected_share(campaign: Campaign, as_of: date) -> float:
    """The share of the campaign's span that has passed by ``as_of`` (0–1)."""
    span = (campaign.ends_on - campaign.starts_on).days + 1
    return min(max(((as_of - campaign.starts_on).days + 1) / span, 0.0), 1.0)


@dataclass
class PeriodReport:
    """A report of the campaign: figures to the cut-off and the same period a year before."""

    period: ReportPeriod
    progress: Progress
    previous_collected: int
    previous_spent: int
    spent: list[tuple[str, str, str, int]]
    previous_units: list[Unit]

    @property
    def spent_total(self) -> int:
        return sum(r[3] for r in self.spent)

    @property
    def change(self) -> float | None:
        if not self.previous_collected:
            return None
        return round((self.progress.collected - self.previous_collected) * 100
                     / self.previous_collected, 1)


def period_report(session: Session, *, campaign_id: int, period_id: int) -> PeriodReport:
    """The report for one period, compared with the same span a year earlier.

    For a unit created by merger, last year's figures are the sum of its predecessors."""
    period = session.get(ReportPeriod, period_id)
    progress = campaign_progress(session, campaign_id=campaign_id, as_of=period.cutoff)
    campaign = progress.campaign
    start, end = _year_back(campaign.starts_on), _year_back(period.cutoff)
    roots = _previous_roots(session, campaign.unit_id, start)
    spent = spent_by_category(session, root_id=campaign.unit_id, start=campaign.starts_on,
                              end=period.cutoff)
    previous_spent = sum(sum(r[3] for r in spent_by_category(session, root_id=root, start=start,
                                                             end=end)) for root in roots)
    return PeriodReport(period=period, progress=progress,
                        previous_collected=collected_between(session, root_ids=roots,
                                                             start=start, end=end),
                        previous_spent=previous_spent, spent=spent,
                        previous_units=[session.get(Unit, r) for r in roots])


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _previous_roots(session: Session, unit_id: int, on: date) -> list[int]:
    """The unit itself if it existed on ``on``, else the predecessors that did."""
    unit = session.get(Unit, unit_id)
    if unit.valid_from <= on:
        return [unit_id]
    found = [p for p in predecessors(session, unit_id) if session.get(Unit, p).valid_from <= on]
    return found or [unit_id]


def due_reports(session: Session, *, unit_ids, today: date, days: int = 120):
    """Reports of campaigns in scope due from today on (and recently overdue), soonest first."""
    rows = session.exec(select(ReportPeriod, Campaign, Unit)
                        .join(Campaign, Campaign.id == ReportPeriod.campaign_id)
                        .join(Unit, Unit.id == Campaign.unit_id)
                        .where(Campaign.unit_id.in_(unit_ids),
                               ReportPeriod.due >= today - timedelta(days=30),
                               ReportPeriod.due <= today + timedelta(days=days))
                        .order_by(ReportPeriod.due)).all()
    return [tuple(r) for r in rows]


def previous_campaign(session: Session, campaign: Campaign) -> Campaign | None:
    """Last year's campaign of the same unit, if any."""
    return find_campaign(session, unit_id=campaign.unit_id, year=campaign.year - 1)


__all__ = ["collected_between", "daily_collected", "due_reports", "period_report", "projection",
           "report_periods", "spent_by_category"]
