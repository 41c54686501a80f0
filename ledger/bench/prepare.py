"""What the bench needs in the database before timing: representative units at each scope,
a reviewer signed in at each, an API token each, a report period on the timed campaigns, and
the treasurers of the posting step. Idempotent: a second run reuses the users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..models import Campaign, Receipt, Unit, User
from ..services.campaigns import set_report_period
from ..services.paging import key_text
from ..services.tokens import issue_token
from ..services.units import subtree_ids
from ..services.users import create_user
from .floor import Question

PASSWORD = "bench-password-2018"
SCOPES = ("nation", "province", "district", "commune")


@dataclass
class Scope:
    """One scope the bench times: its unit, the campaign its user opens, how to sign in."""

    name: str
    unit_id: int
    campaign_id: int
    #: the campaign's unit, or the unit holding a quota in it (a commune in its district's)
    root_id: int
    start: date
    as_of: date
    username: str
    token: str
    period_id: int
    receipts: int
    #: the list's cursor (``?after=date.id``) of a page in the middle of the scope's receipts:
    #: long lists page by key, and past their first 2,000 rows a ``?page=N`` is page 1
    deep_after: str

    @property
    def question(self) -> Question:
        """What the progress API answers for this scope, as the floor asks it."""
        return Question(root=self.root_id, start=self.start, as_of=self.as_of)


def prepare(session: Session) -> tuple[dict[str, Scope], list[tuple[str, str]]]:
    """The four scopes (the largest province, its first district, that district's first
    commune) and eight treasurers for the posting step; committed."""
    units = _representative_units(session)
    campaigns: dict[int, int] = dict(
        session.exec(
            select(Campaign.unit_id, Campaign.id).where(
                col(Campaign.unit_id).in_([units["nation"], units["province"], units["district"]])
            )
        ).all()
    )
    scopes = {}
    for name in SCOPES:
        unit_id = units[name]
        # a commune opens its district's campaign, in which it holds a quota
        holder = units["district"] if name == "commune" else unit_id
        campaign = session.get_one(Campaign, campaigns[holder])
        user = _user(session, f"bench.{name}", role="reviewer", unit_id=unit_id)
        period = set_report_period(
            session,
            campaign_id=campaign.id,
            code="year",
            name=f"Báo cáo năm {campaign.year}",
            cutoff=campaign.ends_on,
            due=date(campaign.year + 1, 1, 31),
        )
        scopes[name] = Scope(
            name=name,
            unit_id=unit_id,
            campaign_id=campaign.id,
            root_id=unit_id,
            start=campaign.starts_on,
            as_of=campaign.ends_on,
            username=user.username,
            token=issue_token(session, user_id=user.id, days=1, name="bench"),
            period_id=period.id,
            receipts=_receipts_in(session, unit_id, whole=name == "nation"),
            deep_after=_middle_key(session, unit_id, whole=name == "nation"),
        )
    communes = session.exec(
        select(Unit.id).where(Unit.level == "commune").order_by(col(Unit.id)).limit(8)
    ).all()
    treasurers = [
        (_user(session, f"bench.web.{i}", role="treasurer", unit_id=c).username, PASSWORD)
        for i, c in enumerate(communes)
    ]
    session.commit()
    return scopes, treasurers


def _representative_units(session: Session) -> dict[str, int]:
    nation = session.exec(select(Unit.id).where(Unit.code == "BV")).one()
    sizes = session.exec(
        select(Unit.parent_id, func.count(col(Unit.id)))
        .where(col(Unit.parent_id).in_(select(Unit.id).where(Unit.parent_id == nation)))
        .group_by(col(Unit.parent_id))
    ).all()
    province = max(sizes, key=lambda row: (row[1], -(row[0] or 0)))[0]
    district = session.exec(
        select(Unit.id).where(Unit.parent_id == province).order_by(col(Unit.id))
    ).first()
    commune = session.exec(
        select(Unit.id).where(Unit.parent_id == district).order_by(col(Unit.id))
    ).first()
    if province is None or district is None or commune is None:
        raise RuntimeError("the bench database has no nation → province → district → commune")
    return {"nation": nation, "province": province, "district": district, "commune": commune}


def _user(session: Session, username: str, *, role: str, unit_id: int) -> User:
    found = session.exec(select(User).where(User.username == username)).first()
    if found is not None:
        return found
    return create_user(session, username=username, password=PASSWORD, role=role, unit_id=unit_id)


def _middle_key(session: Session, unit_id: int, *, whole: bool) -> str:
    """The key of the receipt half-way down the scope's list, newest first, as the list's
    ``?after=`` cursor names it (read once, before any timer)."""
    query = select(col(Receipt.receipt_date), col(Receipt.id))
    if not whole:
        query = query.where(col(Receipt.unit_id).in_(sorted(subtree_ids(session, unit_id))))
    middle = _receipts_in(session, unit_id, whole=whole) // 2
    found = session.exec(
        query.order_by(col(Receipt.receipt_date).desc(), col(Receipt.id).desc())
        .offset(middle)
        .limit(1)
    ).first()
    return "" if found is None else key_text((found[0], found[1])) or ""


def _receipts_in(session: Session, unit_id: int, *, whole: bool) -> int:
    query = select(func.count(col(Receipt.id)))
    if not whole:
        query = query.where(col(Receipt.unit_id).in_(sorted(subtree_ids(session, unit_id))))
    return int(session.exec(query).one())
