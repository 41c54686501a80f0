"""Chart data: what each campaign chart shows, as plain values; ``exports.charts`` draws it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from sqlmodel import Session

from ..errors import _l
from ..models import Campaign
from . import reports
from .campaigns import report_periods
from .children import children_helped
from .progress import campaign_progress
from .versions import unit_version


@dataclass(frozen=True)
class ProgressChart:
    """Collected against quota per child unit: ``(name, quota, collected)``."""

    kind: ClassVar[str] = "progress"
    rows: list[tuple[str, int, int]]
    title: str
    #: the day a title's ``%(day)s`` names (None: the title has none)
    as_of: date | None = None


@dataclass(frozen=True)
class CumulativeChart:
    """Collected day by day, cumulated, against the target and the projected end."""

    kind: ClassVar[str] = "cumulative"
    days: list[tuple[date, int]]
    target: int
    start: date
    end: date
    projected_end: int
    title: str
    #: the day a title's ``%(day)s`` names (None: the title has none)
    as_of: date | None = None


@dataclass(frozen=True)
class PeriodTargetsChart:
    """Collected day by day, cumulated, against each report period's target: ``steps`` are
    ``(period, cut-off, the target's share due by then)``."""

    kind: ClassVar[str] = "periods"
    days: list[tuple[date, int]]
    steps: list[tuple[str, date, int]]
    target: int
    start: date
    end: date
    title: str
    #: the day a title's ``%(day)s`` names (None: the title has none)
    as_of: date | None = None


@dataclass(frozen=True)
class ChildrenChart:
    """Children helped per category: ``(category, named children, children of group gifts)``."""

    kind: ClassVar[str] = "children"
    rows: list[tuple[str, int, int]]
    title: str
    #: the day a title's ``%(day)s`` names (None: the title has none)
    as_of: date | None = None


@dataclass(frozen=True)
class CategoryChart:
    """Spending by category: ``(category, amount)``."""

    kind: ClassVar[str] = "categories"
    rows: list[tuple[str, int]]
    title: str
    #: the day a title's ``%(day)s`` names (None: the title has none)
    as_of: date | None = None


@dataclass(frozen=True)
class YearOverYearChart:
    """Each report period against last year's same period: ``(period, this year, last year)``."""

    kind: ClassVar[str] = "yoy"
    rows: list[tuple[str, int, int]]
    title: str
    this_year: int
    #: the day a title's ``%(day)s`` names (None: the title has none)
    as_of: date | None = None


Chart = (
    ProgressChart
    | CumulativeChart
    | PeriodTargetsChart
    | CategoryChart
    | ChildrenChart
    | YearOverYearChart
)


def progress_chart(
    session: Session, campaign: Campaign, as_of: date, focus_id: int | None = None
) -> ProgressChart:
    progress = campaign_progress(session, campaign_id=campaign.id, as_of=as_of, focus_id=focus_id)
    return ProgressChart(
        rows=[(r.name, r.quota, r.collected) for r in progress.rows],
        title=_l("Tiến độ vận động đến %(day)s"),
        as_of=as_of,
    )


def cumulative_chart(
    session: Session, campaign: Campaign, as_of: date, focus_id: int | None = None
) -> CumulativeChart:
    progress = campaign_progress(session, campaign_id=campaign.id, as_of=as_of, focus_id=focus_id)
    plan = reports.projection(progress, today=as_of, periods=[])
    days = reports.daily_collected(
        session, root_id=progress.unit.id, start=campaign.starts_on, end=as_of
    )
    return CumulativeChart(
        days=days,
        target=progress.target,
        start=campaign.starts_on,
        end=campaign.ends_on,
        projected_end=plan.at_end,
        title=_l("Đã vận động cộng dồn so với chỉ tiêu"),
    )


def category_chart(
    session: Session, campaign: Campaign, as_of: date, focus_id: int | None = None
) -> CategoryChart:
    spent = reports.spent_by_category(
        session, root_id=focus_id or campaign.unit_id, start=campaign.starts_on, end=as_of
    )
    return CategoryChart(rows=[(r[1], r[3]) for r in spent], title=_l("Chi theo khoản"))


def period_targets_chart(
    session: Session, campaign: Campaign, as_of: date, focus_id: int | None = None
) -> PeriodTargetsChart:
    """Each report period's target is the target's share of the campaign's span passed by
    its cut-off (the pace the dashboard's red rows are held to), rounded to the đồng."""
    progress = campaign_progress(session, campaign_id=campaign.id, as_of=as_of, focus_id=focus_id)
    steps = [
        (p.name, p.cutoff, round(progress.target * reports.expected_share(campaign, p.cutoff)))
        for p in report_periods(session, campaign.id)
        if campaign.starts_on <= p.cutoff <= campaign.ends_on
    ]
    return PeriodTargetsChart(
        days=reports.daily_collected(
            session, root_id=progress.unit.id, start=campaign.starts_on, end=as_of
        ),
        steps=sorted(steps, key=lambda s: s[1]),
        target=progress.target,
        start=campaign.starts_on,
        end=campaign.ends_on,
        title=_l("Đã vận động cộng dồn so với chỉ tiêu từng kỳ báo cáo"),
    )


def children_chart(
    session: Session, campaign: Campaign, as_of: date, focus_id: int | None = None
) -> ChildrenChart:
    """Children with a paid payout in the campaign to ``as_of``, under its unit (or the
    focused one), by category: each named child once per category, and the children a group
    gift counts (not named, so not told apart)."""
    helped = children_helped(session, campaign=campaign, as_of=as_of, focus_id=focus_id)
    rows = [(line.name_vi, line.named, line.grouped) for line in helped.lines if line.count]
    return ChildrenChart(
        rows=sorted(rows, key=lambda r: -(r[1] + r[2])),
        title=_l("Trẻ em được hỗ trợ theo khoản chi"),
    )


def year_over_year_chart(
    session: Session, campaign: Campaign, as_of: date, focus_id: int | None = None
) -> YearOverYearChart:
    rows = []
    for period in report_periods(session, campaign.id):
        data = reports.period_report(
            session, campaign_id=campaign.id, period_id=period.id, focus_id=focus_id
        )
        rows.append((period.name, data.progress.collected, data.previous_collected))
    return YearOverYearChart(
        rows=rows, title=_l("So với cùng kỳ năm trước"), this_year=campaign.year
    )


#: the charts a campaign page shows, by the name in their URL
CHARTS: dict[str, Callable[..., Chart]] = {
    "progress": progress_chart,
    "cumulative": cumulative_chart,
    "periods": period_targets_chart,
    "categories": category_chart,
    "children": children_chart,
    "yoy": year_over_year_chart,
}


def chart_data(
    session: Session, name: str, *, campaign: Campaign, as_of: date, focus_id: int | None = None
) -> Chart:
    """The data of the chart called ``name`` (a key of ``CHARTS``; KeyError otherwise)."""
    return CHARTS[name](session, campaign, as_of, focus_id)


def data_version(session: Session, campaign: Campaign, focus_id: int | None = None) -> tuple:
    """Changes whenever anything a chart of this campaign (seen from ``focus_id``) draws
    changes: a posting under the unit, a void, a quota, a period, a name (``versions``)."""
    return unit_version(session, focus_id or campaign.unit_id)
