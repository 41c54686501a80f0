"""Campaign progress: target, Σ quotas and headroom, collected per child unit — SQL aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..models import Campaign, Quota, Unit
from . import rollups
from .campaigns import get_campaign
from .pledge_lists import PledgeTotals, campaign_pledges
from .unit_order import official_order
from .units import subtree_ids


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
    #: the rows' units, held so that later lookups of them (predecessors, names) stay in the
    #: session's identity map instead of a query each
    units: list[Unit] = field(default_factory=list, repr=False, compare=False)
    #: the campaign's pledges (cam kết ủng hộ) to ``as_of``: promised, never part of collected
    pledges: PledgeTotals = field(default_factory=PledgeTotals)

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


def unit_totals(
    session: Session, *, root_id: int, start: date, end: date, unit_ids=()
) -> dict[int, tuple[int, date | None]]:
    """Collected (and the last receipt's date) under ``root_id`` and each of ``unit_ids`` (by
    default the root's children): one aggregate over their rollup rows."""
    if not unit_ids:
        unit_ids = session.exec(select(col(Unit.id)).where(Unit.parent_id == root_id)).all()
    found = rollups.totals(session, [root_id, *unit_ids], start, end)
    return {u: (t.collected, t.last_receipt) for u, t in found.items()}


def campaign_progress(
    session: Session, *, campaign_id: int, as_of: date | None = None, focus_id: int | None = None
) -> Progress:
    """Target, quotas and collected per child unit of the campaign's unit, up to ``as_of``.

    With ``focus_id`` (a unit holding a quota in the campaign), the same figures for that
    unit's subtree, its quota standing in for the target. Reads the rollup rows of the root
    and its children only (``services.rollups``), whatever the size of the subtree."""
    campaign = get_campaign(session, campaign_id)
    root = focus_id or campaign.unit_id
    as_of = min(as_of or campaign.ends_on, campaign.ends_on)
    tops = _children(session, campaign, root)
    units = rollups.family(root)
    found = rollups.totals(session, units, campaign.starts_on, as_of, balance=True)
    collected = {u: (t.collected, t.last_receipt) for u, t in found.items()}
    spent = rollups.spent(session, units, campaign.starts_on, as_of)
    balances = {u: t.balance for u, t in found.items()}
    rows = _child_rows(session, campaign, tops, collected, spent, balances)
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
        units=tops,
        pledges=campaign_pledges(session, campaign_id=campaign.id, root_id=root, as_of=as_of),
    )


def _children(session: Session, campaign: Campaign, root: int) -> list[Unit]:
    """The units directly under ``root`` valid at some time during the campaign."""
    return list(
        session.exec(
            select(Unit)
            .where(Unit.parent_id == root, Unit.valid_from <= campaign.ends_on)
            .where(col(Unit.valid_to).is_(None) | (col(Unit.valid_to) >= campaign.starts_on))
            .order_by(*official_order())
        ).all()
    )


def _child_rows(
    session: Session, campaign: Campaign, tops: list[Unit], collected, spent, balances
) -> list[UnitProgress]:
    quotas = dict(
        session.exec(
            select(Quota.unit_id, Quota.amount).where(Quota.campaign_id == campaign.id)
        ).all()
    )
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


@dataclass
class CampaignSummary:
    """One line of the home page's table of the campaigns of the units below the user's."""

    campaign: Campaign
    unit: Unit
    collected: int
    disbursed: int
    balance: int

    @property
    def rate(self) -> float:
        target = self.campaign.target
        return round(self.collected * 100 / target, 1) if target else 0.0


def campaigns_below(
    session: Session,
    unit_id: int,
    *,
    page: int = 1,
    per_page: int = 20,
    version: tuple | None = None,
) -> tuple[list[tuple[Campaign, Unit]], int]:
    """A page of the campaigns of the units under ``unit_id`` (not its own), newest first,
    and how many there are in all. The units under it are the subtree each process remembers
    per tree ``version`` (walking up from the 771 campaign units of a nation took 20 ms of
    every home page)."""
    ordered = session.exec(
        select(col(Campaign.id), col(Campaign.unit_id))
        .join(Unit, col(Unit.id) == Campaign.unit_id)
        .order_by(
            col(Campaign.starts_on).desc(),
            col(Campaign.year).desc(),
            *official_order(by_level=True),
            col(Campaign.code),
            col(Campaign.id),
        )
    ).all()
    below = subtree_ids(session, unit_id, version=version) - {unit_id}
    ids = [c for c, u in ordered if u in below]
    first = (max(page, 1) - 1) * per_page
    shown = ids[first : first + per_page]
    found = {
        c.id: (c, u)
        for c, u in session.exec(
            select(Campaign, Unit)
            .join(Unit, col(Unit.id) == Campaign.unit_id)
            .where(col(Campaign.id).in_(shown))
        ).all()
    }
    return [found[c] for c in shown], len(ids)


def campaign_summaries(
    session: Session, campaigns: list[tuple[Campaign, Unit]]
) -> list[CampaignSummary]:
    """Collected, disbursed and balance of each campaign's unit to the campaign's end, the
    same figures as ``campaign_progress`` gives: two aggregates per distinct span (a page of
    one year's campaigns is two queries), never one computation per campaign."""
    spans: dict[tuple[date, date], list[int]] = {}
    for campaign, _unit in campaigns:
        spans.setdefault((campaign.starts_on, campaign.ends_on), []).append(campaign.unit_id)
    figures: dict[tuple[date, date], tuple[dict, dict]] = {
        (start, end): (
            rollups.totals(session, units, start, end, balance=True),
            rollups.spent(session, units, start, end),
        )
        for (start, end), units in spans.items()
    }
    summaries = []
    for campaign, unit in campaigns:
        found, spent = figures[(campaign.starts_on, campaign.ends_on)]
        total = found.get(campaign.unit_id, rollups.Totals())
        summaries.append(
            CampaignSummary(
                campaign=campaign,
                unit=unit,
                collected=total.collected,
                disbursed=spent.get(campaign.unit_id, 0),
                balance=total.balance,
            )
        )
    return summaries
