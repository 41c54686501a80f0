"""Report figures: SQL aggregates over postings for dashboards, period reports and exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from ..models import Campaign, Category, ReportPeriod, Unit
from . import rollups
from .anchors import Head, current_heads
from .campaigns import child_campaigns, find_campaign, report_periods
from .children import ChildrenHelped, children_helped
from .norms import NormFigures, norm_figures
from .progress import Progress, campaign_progress
from .unit_order import name_key
from .units import in_units, predecessor_shares


def collected_between(session: Session, *, root_ids: list[int], start: date, end: date) -> int:
    """Mobilised money credited to any unit under ``root_ids`` between two dates."""
    found = rollups.totals(session, root_ids, start, end)
    return sum(found[r].collected for r in set(root_ids) if r in found)


def spent_by_category(
    session: Session, *, root_id: int, start: date, end: date
) -> list[tuple[str, str, str, int]]:
    """(code, Vietnamese name, English name, amount) of expense postings under ``root_id``."""
    spent = rollups.spent_by_kind(session, root_id, start, end)
    names = {c.code: c for c in session.exec(select(Category))}
    result = []
    for kind, amount in spent.items():
        code = kind.split(":", 1)[1]
        category = names.get(code)
        result.append(
            (
                code,
                category.name_vi if category else code,
                category.name_en if category else code,
                int(amount),
            )
        )
    return sorted(result, key=lambda r: -r[3])


def daily_collected(
    session: Session, *, root_id: int, start: date, end: date
) -> list[tuple[date, int]]:
    """Mobilised money per day under ``root_id`` (for the cumulative chart)."""
    return rollups.daily_credited(session, root_id, start, end)


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
        at_due = progress.collected + round(
            rate * max((min(due.cutoff, campaign.ends_on) - as_of).days, 0)
        )
    return Projection(
        daily_rate=rate,
        at_end=progress.collected + round(rate * remaining),
        next_due=due,
        at_next_due=at_due,
    )


def expected_share(campaign: Campaign, as_of: date) -> float:
    """The share of the campaign's span that has passed by ``as_of`` (0–1)."""
    span = (campaign.ends_on - campaign.starts_on).days + 1
    return min(max(((as_of - campaign.starts_on).days + 1) / span, 0.0), 1.0)


@dataclass
class PreviousSource:
    """One unit whose figure (times its share) makes up a successor's same period last year."""

    unit: Unit
    share: Fraction
    collected: int
    spent: int = 0

    @property
    def percent(self) -> float:
        return round(float(self.share * 100), 2)

    @property
    def collected_part(self) -> int:
        """collected × share, rounded down to the đồng."""
        return _part(self.collected, self.share)

    @property
    def spent_part(self) -> int:
        return _part(self.spent, self.share)


def _part(amount: int, share: Fraction) -> int:
    """``amount`` × ``share`` in integer arithmetic, rounded down (floor) to the đồng."""
    return amount * share.numerator // share.denominator


@dataclass
class SamePeriod:
    """A unit's figure for the same period a year before: its own, or, for a unit that did not
    exist yet, Σ over its predecessors of (their figure × share), each product rounded down
    to the đồng; "ước tính" (estimated) when any share is below 100 %."""

    sources: list[PreviousSource]

    @property
    def collected(self) -> int:
        return sum(s.collected_part for s in self.sources)

    @property
    def spent(self) -> int:
        return sum(s.spent_part for s in self.sources)

    @property
    def estimated(self) -> bool:
        return any(s.share < 1 for s in self.sources)

    @property
    def inherited(self) -> bool:
        """Whether predecessors' figures are part of it (the first source is the unit)."""
        return len(self.sources) > 1

    @property
    def predecessors(self) -> list[PreviousSource]:
        return self.sources[1:]

    def describe(self) -> str:
        """ "Xã A 100 %, Xã B 40 %": the predecessors and their shares."""
        return ", ".join(f"{s.unit.name} {_percent_text(s.percent)} %" for s in self.predecessors)

    def as_dict(self) -> dict:
        return {
            "collected": self.collected,
            "estimated": self.estimated,
            "predecessors": [
                {
                    "code": s.unit.code,
                    "name": s.unit.name,
                    "share_percent": s.percent,
                    "collected": s.collected,
                    "counted": s.collected_part,
                }
                for s in self.predecessors
            ],
        }


def _percent_text(value: float) -> str:
    return (f"{value:.2f}".rstrip("0").rstrip(".")).replace(".", ",")


@dataclass
class PeriodRow:
    """One child unit's line of a period report."""

    unit_id: int
    name: str
    quota: int
    collected: int
    previous: SamePeriod
    balance: int = 0  # cash + bank at the end of the cut-off day (the books' closing)

    @property
    def rate(self) -> float | None:
        return round(self.collected * 100 / self.quota, 1) if self.quota else None


@dataclass
class PeriodReport:
    """A report of the campaign: figures to the cut-off and the same period a year before."""

    period: ReportPeriod
    progress: Progress
    previous: SamePeriod
    spent: list[tuple[str, str, str, int]]
    rows: list[PeriodRow] = field(default_factory=list)
    #: expected by the mobilisation norms beside quota and collected to the cut-off (a plan)
    norms: NormFigures | None = None
    #: children helped per category to the cut-off, against the campaign's targets
    children: ChildrenHelped | None = None

    @property
    def previous_collected(self) -> int:
        return self.previous.collected

    @property
    def previous_spent(self) -> int:
        return self.previous.spent

    @property
    def previous_units(self) -> list[Unit]:
        return [s.unit for s in (self.previous.predecessors or self.previous.sources)]

    @property
    def spent_total(self) -> int:
        return sum(r[3] for r in self.spent)

    @property
    def change(self) -> float | None:
        if not self.previous_collected:
            return None
        return round(
            (self.progress.collected - self.previous_collected) * 100 / self.previous_collected, 1
        )


def period_report(
    session: Session, *, campaign_id: int, period_id: int, focus_id: int | None = None
) -> PeriodReport:
    """The report for one period, compared with the same span a year earlier.

    A unit that did not exist a year before is compared with Σ over its predecessors of their
    figure × share (see ``SamePeriod``); the same for each child unit's line."""
    period = session.get_one(ReportPeriod, period_id)
    progress = campaign_progress(
        session, campaign_id=campaign_id, as_of=period.cutoff, focus_id=focus_id
    )
    campaign, root = progress.campaign, progress.unit.id
    start, end = _year_back(campaign.starts_on), _year_back(period.cutoff)
    totals = _previous_totals(session, root, start, end)
    sources = [
        PreviousSource(
            unit=session.get_one(Unit, u),
            share=share,
            collected=totals(u),
            spent=sum(r[3] for r in spent_by_category(session, root_id=u, start=start, end=end)),
        )
        for u, share in predecessor_shares(session, root, start)
    ]
    loaded = _load_units(session, [r.unit_id for r in progress.rows])
    rows = [
        PeriodRow(
            unit_id=r.unit_id,
            name=r.name,
            quota=r.quota,
            collected=r.collected,
            previous=same_period(session, r.unit_id, start, totals),
            balance=r.balance,
        )
        for r in progress.rows
    ]
    del loaded  # the units were looked up from the session while it was alive
    return PeriodReport(
        period=period,
        progress=progress,
        previous=SamePeriod(sources),
        spent=spent_by_category(session, root_id=root, start=campaign.starts_on, end=period.cutoff),
        rows=rows,
        norms=norm_figures(session, progress),
        children=children_helped(
            session, campaign=campaign, as_of=progress.as_of, focus_id=focus_id
        ),
    )


def same_period(session: Session, unit_id: int, start: date, totals) -> SamePeriod:
    """``unit_id``'s same-period figure from ``totals`` (unit id → collected)."""
    return SamePeriod(
        [
            PreviousSource(unit=session.get_one(Unit, u), share=share, collected=totals(u))
            for u, share in predecessor_shares(session, unit_id, start)
        ]
    )


def same_period_rows(
    session: Session, progress: Progress
) -> tuple[SamePeriod, dict[int, SamePeriod]]:
    """The same period last year (to ``progress.as_of``) of the progress's unit and of each of
    its rows, from one aggregate over the unit's subtree."""
    campaign, root = progress.campaign, progress.unit.id
    start = _year_back(campaign.starts_on)
    totals = _previous_totals(session, root, start, _year_back(progress.as_of))
    loaded = _load_units(session, [r.unit_id for r in progress.rows])
    found = (
        same_period(session, root, start, totals),
        {r.unit_id: same_period(session, r.unit_id, start, totals) for r in progress.rows},
    )
    del loaded  # the units were looked up from the session while it was alive
    return found


def _load_units(session: Session, unit_ids: list[int]) -> list[Unit]:
    """Read these units in one query, so the per-row look-ups that follow (``session.get``)
    find them in the session instead of asking the database once per row (the session holds
    them weakly: keep the returned list while they are looked up)."""
    found: list[Unit] = []
    for chunk in range(0, len(unit_ids), 1000):
        found += session.exec(select(Unit).where(col(Unit.id).in_(unit_ids[chunk : chunk + 1000])))
    return found


def _previous_totals(session: Session, root: int, start: date, end: date):
    """unit id → mobilised money under it between two dates: the campaign unit and its
    children in one aggregate, anything else (a predecessor) asked for on demand."""
    from .progress import unit_totals

    children = session.exec(select(col(Unit.id)).where(Unit.parent_id == root)).all()
    known = unit_totals(session, root_id=root, start=start, end=end, unit_ids=children)
    asked = {root, *children}

    def total(unit_id: int) -> int:
        if unit_id not in asked:
            known.update(
                unit_totals(session, root_id=unit_id, start=start, end=end, unit_ids=[unit_id])
            )
            asked.add(unit_id)
        return known.get(unit_id, (0, None))[0]

    return total


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def due_reports(
    session: Session, *, unit_ids, today: date, days: int = 120, holder_id: int | None = None
):
    """Reports of campaigns in scope (and, with ``holder_id``, of higher levels' campaigns in
    which that unit holds a quota) due from today on (and recently overdue), soonest first."""
    from ..models import Quota

    condition: ColumnElement[bool] = in_units(col(Campaign.unit_id), unit_ids)
    if holder_id is not None:
        condition = condition | col(Campaign.id).in_(
            select(Quota.campaign_id).where(Quota.unit_id == holder_id)
        )
    rows = session.exec(
        select(ReportPeriod, Campaign, Unit)
        .join(Campaign, col(Campaign.id) == ReportPeriod.campaign_id)
        .join(Unit, col(Unit.id) == Campaign.unit_id)
        .where(
            condition,
            ReportPeriod.due >= today - timedelta(days=30),
            ReportPeriod.due <= today + timedelta(days=days),
        )
        .order_by(col(ReportPeriod.due))
    ).all()
    return [tuple(r) for r in rows]


def previous_campaign(session: Session, campaign: Campaign) -> Campaign | None:
    """Last year's campaign of the same unit, if any."""
    return find_campaign(session, unit_id=campaign.unit_id, year=campaign.year - 1)


#: the campaign page's table sorts, by the ``sort`` argument's value (any other value: the
#: official list order the rows come in)
SORTS = {
    "name": lambda r: name_key(r.name),
    "quota": lambda r: r.quota,
    "collected": lambda r: r.collected,
    "rate": lambda r: r.rate or 0,
    "difference": lambda r: r.difference,
    "disbursed": lambda r: r.disbursed,
    "balance": lambda r: r.balance,
    "last": lambda r: r.last_receipt or date.min,
}


@dataclass
class Overview:
    """Everything the campaign page shows: progress, its rows sorted, who is behind the
    calendar, the projection, spending, the same period last year, the report calendar."""

    progress: Progress
    rows: list
    expected: float
    behind: set[int]
    projection: Projection
    spent: list
    same: SamePeriod
    same_rows: dict[int, SamePeriod]
    periods: list[ReportPeriod]
    child_campaigns: dict[int, int]
    children: ChildrenHelped


def campaign_overview(
    session: Session,
    campaign: Campaign,
    *,
    as_of: date,
    focus_id: int | None = None,
    sort: str = "official",
    descending: bool = False,
) -> Overview:
    """The campaign page's figures to ``as_of`` (of ``focus_id``'s line when given), rows sorted
    by ``sort`` (a key of ``SORTS``; the official list order otherwise)."""
    progress = campaign_progress(session, campaign_id=campaign.id, as_of=as_of, focus_id=focus_id)
    if sort in SORTS:
        rows = sorted(progress.rows, key=SORTS[sort], reverse=descending)
    else:
        rows = progress.rows[::-1] if descending else list(progress.rows)
    periods = report_periods(session, campaign.id)
    expected = expected_share(campaign, as_of)
    same, same_rows = same_period_rows(session, progress)
    return Overview(
        progress=progress,
        rows=rows,
        expected=expected,
        behind={r.unit_id for r in rows if r.quota and r.collected < r.quota * expected},
        projection=projection(progress, today=as_of, periods=periods),
        spent=spent_by_category(
            session, root_id=progress.unit.id, start=campaign.starts_on, end=as_of
        ),
        same=same,
        same_rows=same_rows,
        periods=periods,
        child_campaigns=child_campaigns(session, campaign),
        children=children_helped(
            session, campaign=campaign, as_of=progress.as_of, focus_id=focus_id
        ),
    )


def campaign_period_report(
    session: Session, campaign: Campaign, period_id: int, *, focus_id: int | None = None
) -> PeriodReport | None:
    """``period_report`` of one of ``campaign``'s periods; None when the period is not its."""
    period = session.get(ReportPeriod, period_id)
    if period is None or period.campaign_id != campaign.id:
        return None
    return period_report(session, campaign_id=campaign.id, period_id=period.id, focus_id=focus_id)


def period_heads(session: Session, campaign: Campaign, report: PeriodReport) -> list[Head]:
    """The chain heads a printed period report carries: the campaign's fund and each row's."""
    return current_heads(
        session, [campaign.unit_id, *(row.unit_id for row in report.progress.rows)]
    )


@dataclass
class PublicFigures:
    """A campaign's public page: progress per unit, spending by category, the chain heads."""

    progress: Progress
    spent: list
    heads: list[Head]


def public_figures(session: Session, campaign_id: int) -> PublicFigures | None:
    """The public page's figures to today; None when there is no such campaign."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    progress = campaign_progress(session, campaign_id=campaign.id)
    return PublicFigures(
        progress=progress,
        spent=spent_by_category(
            session, root_id=campaign.unit_id, start=campaign.starts_on, end=progress.as_of
        ),
        heads=current_heads(session, [campaign.unit_id, *(row.unit_id for row in progress.rows)]),
    )


__all__ = [
    "collected_between",
    "daily_collected",
    "due_reports",
    "period_report",
    "projection",
    "report_periods",
    "spent_by_category",
]
