"""Children helped (lượt trẻ em được hỗ trợ) per disbursement category, against the campaign's
targets in children: one SQL aggregate over the payouts, whatever the size of the subtree.

A payout counts for a campaign by the rule its money does (``progress``, ``reports``): paid
(a void reverses it on its own date, so a voided payout never counts), from a fund of the
campaign unit's subtree (or the focused unit's), dated from the campaign's first day to the
as-of date. Each named child counts once per category however often paid; a group gift adds
its ``children_count`` (those children are not named, so not told apart). No name leaves here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from ..errors import InvalidChildrenTarget
from ..models import (
    CHILD_PAYOUTS,
    Campaign,
    Category,
    ChildrenTarget,
    Disbursement,
    select_rows,
)
from ..text import parse_digits
from .audit import record_event
from .campaigns import get_campaign
from .units import in_units, subtree_scope

#: the largest target accepted (the column is a 32-bit integer; no fund helps more children)
MOST_CHILDREN = 10_000_000


@dataclass
class ChildrenLine:
    """One category's children helped and its target."""

    category_id: int
    code: str
    name_vi: str
    name_en: str
    #: distinct named children (beneficiary records) paid in the category
    named: int = 0
    #: children counted by group gifts (not named)
    grouped: int = 0
    #: the campaign's target for the category (None: none set, or a focused unit's view)
    target: int | None = None

    @property
    def count(self) -> int:
        return self.named + self.grouped

    @property
    def rate(self) -> float | None:
        """Children helped as a percentage of the target (None without one)."""
        return round(self.count * 100 / self.target, 1) if self.target else None


@dataclass
class ChildrenHelped:
    """Children helped per category under a unit, from the campaign's start to ``as_of``."""

    as_of: date
    lines: list[ChildrenLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Σ over categories (a child helped in two categories counts in each)."""
        return sum(line.count for line in self.lines)

    @property
    def target_total(self) -> int:
        return sum(line.target or 0 for line in self.lines)

    def as_dict(self) -> dict:
        """The API's shape: figures only, never a name."""
        return {
            "as_of": self.as_of.isoformat(),
            "total": self.total,
            "target_total": self.target_total,
            "categories": [
                {
                    "code": line.code,
                    "name": line.name_vi,
                    "named": line.named,
                    "group": line.grouped,
                    "count": line.count,
                    "target": line.target,
                    "rate_percent": line.rate,
                }
                for line in self.lines
            ],
        }


@dataclass(frozen=True)
class ChildPayout:
    """One paid payout behind the count (the workbook's detail): the child by record number
    only, ``counted`` the children it adds (0 for a child already counted in the category)."""

    number: int | None
    day: date
    fund_id: int
    fund: str
    category_id: int
    child_id: int | None
    children: int | None
    amount: int
    counted: int


def _window(campaign: Campaign, as_of: date | None) -> tuple[date, date]:
    return campaign.starts_on, min(as_of or campaign.ends_on, campaign.ends_on)


def _counted(session: Session, root_id: int, start: date, end: date):
    """The conditions a payout meets to count (the money's rule), and to help a child (a
    payout naming none adds nothing): written as the partial index ``ix_disbursement_children``
    is, so the count reads that index alone (a national count read every payout: 10 ms)."""
    return (
        text(CHILD_PAYOUTS),
        in_units(col(Disbursement.unit_id), subtree_scope(session, root_id)),
        col(Disbursement.disbursement_date) >= start,
        col(Disbursement.disbursement_date) <= end,
    )


def children_targets(session: Session, campaign_id: int) -> dict[int, int]:
    """category id → the campaign's target of children helped."""
    return dict(
        session.exec(
            select(ChildrenTarget.category_id, ChildrenTarget.children).where(
                ChildrenTarget.campaign_id == campaign_id
            )
        ).all()
    )


def children_helped(
    session: Session, *, campaign: Campaign, as_of: date | None = None, focus_id: int | None = None
) -> ChildrenHelped:
    """Children helped per category under the campaign's unit (or ``focus_id``'s) to
    ``as_of``, with the campaign's targets (not on a focused unit's view: the targets are the
    campaign's, not one unit's). Categories with a target or a child helped, in category order."""
    start, end = _window(campaign, as_of)
    root = focus_id or campaign.unit_id
    found = session.exec(
        select(
            col(Disbursement.category_id),
            func.count(func.distinct(col(Disbursement.beneficiary_id))),
            func.coalesce(func.sum(col(Disbursement.children_count)), 0),
        )
        .where(*_counted(session, root, start, end))
        .group_by(col(Disbursement.category_id))
    ).all()
    counts = {c: (int(named), int(grouped or 0)) for c, named, grouped in found}
    targets = (
        {} if focus_id not in (None, campaign.unit_id) else children_targets(session, campaign.id)
    )
    shown = sorted({*counts, *targets})
    categories = session.exec(select(Category).where(col(Category.id).in_(shown))).all()
    lines = [
        ChildrenLine(
            category_id=c.id,
            code=c.code,
            name_vi=c.name_vi,
            name_en=c.name_en,
            named=counts.get(c.id, (0, 0))[0],
            grouped=counts.get(c.id, (0, 0))[1],
            target=targets.get(c.id),
        )
        for c in sorted(categories, key=lambda c: c.id)
    ]
    return ChildrenHelped(as_of=end, lines=[x for x in lines if x.count or x.target])


def children_payouts(
    session: Session, *, campaign: Campaign, as_of: date | None = None, names: dict | None = None
) -> list[ChildPayout]:
    """The paid payouts behind ``children_helped`` (the campaign unit's subtree), by category,
    date and number, each fund named from ``names`` (unit id → name); Σ ``counted`` per
    category is that category's count."""
    start, end = _window(campaign, as_of)
    rows = session.exec(
        select_rows(
            Disbursement.number,
            Disbursement.disbursement_date,
            Disbursement.unit_id,
            Disbursement.category_id,
            Disbursement.beneficiary_id,
            Disbursement.children_count,
            Disbursement.amount,
        )
        .where(*_counted(session, campaign.unit_id, start, end))
        .order_by(
            col(Disbursement.category_id),
            col(Disbursement.disbursement_date),
            col(Disbursement.unit_id),
            col(Disbursement.number),
            col(Disbursement.id),
        )
    ).all()
    seen: set[tuple[int, int]] = set()
    payouts = []
    for number, day, fund, category, child, count, amount in rows:
        first = child is not None and (category, child) not in seen
        if child is not None:
            seen.add((category, child))
        payouts.append(
            ChildPayout(
                number,
                day,
                fund,
                (names or {}).get(fund, ""),
                category,
                child,
                count,
                amount,
                (count or 0) + int(first),
            )
        )
    return payouts


def parse_children(text: str | int | None, *, category: str) -> int | None:
    """A typed target: None when blank; a whole number above zero ("1.200" is 1200)."""
    typed = str(text if text is not None else "").strip()
    if not typed:
        return None
    number = parse_digits(re.sub(r"[.\s]", "", typed), maximum=MOST_CHILDREN)
    if number is None:
        raise InvalidChildrenTarget(category=category, value=typed[:20])
    return number


def set_children_targets(
    session: Session, *, campaign_id: int, typed: dict[int, str], user_id: int | None = None
) -> dict[int, int]:
    """Set the campaign's targets of children helped from ``typed`` (category id → text; a
    blank removes that category's target). Every value is checked before anything changes;
    a change is one audit event on the campaign's unit with the targets before and after."""
    campaign = get_campaign(session, campaign_id)
    categories = {
        c.id: c for c in session.exec(select(Category).where(col(Category.id).in_(list(typed))))
    }
    wanted = {
        category_id: parse_children(text, category=categories[category_id].name_vi)
        for category_id, text in typed.items()
        if category_id in categories
    }
    rows = {
        t.category_id: t
        for t in session.exec(
            select(ChildrenTarget).where(ChildrenTarget.campaign_id == campaign_id)
        )
    }
    before = {categories[c].code: t.children for c, t in rows.items() if c in categories}
    for category_id, children in wanted.items():
        row = rows.get(category_id)
        if children is None and row is not None:
            session.delete(row)
        elif children is not None and row is None:
            session.add(
                ChildrenTarget(campaign_id=campaign_id, category_id=category_id, children=children)
            )
        elif children is not None and row is not None:
            row.children = children
    session.flush()
    after = {categories[c].code: n for c, n in wanted.items() if n is not None}
    if before != after:
        record_event(
            session,
            action="campaign.children_targets",
            user_id=user_id,
            unit_id=campaign.unit_id,
            object_type="campaign",
            object_id=campaign.id,
            before=before or None,
            after={"campaign": campaign.code, "targets": after},
        )
    return children_targets(session, campaign_id)


def copy_children_targets(
    session: Session, *, source_id: int, campaign_id: int, user_id: int | None = None
) -> None:
    """Give ``campaign_id`` the targets of children helped of ``source_id`` (last year's)."""
    targets = children_targets(session, source_id)
    if targets:
        set_children_targets(
            session,
            campaign_id=campaign_id,
            typed={c: str(n) for c, n in targets.items()},
            user_id=user_id,
        )


def target_categories(session: Session) -> list[Category]:
    """The categories a target in children can be set for: active, not management costs."""
    return list(
        session.exec(
            select(Category)
            .where(col(Category.active).is_(True), col(Category.is_management).is_(False))
            .order_by(col(Category.id))
        ).all()
    )
