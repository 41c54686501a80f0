"""Mobilisation norms (định mức vận động): the bottom-up check of a campaign's quotas.

A plan sets an amount per head for each kind of payer (one day's salary of officials, so much
per pupil, per household, poor households exempt); each child unit counts its heads. The
money a unit is expected to raise is Σ norm × (heads − exempt): a planning figure, shown beside
its quota and its collected money, never mixed into what was collected (that is the journal's).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..errors import LedgerError, Phrase, _l
from ..models import Campaign, MobilisationNorm, NormCount, Unit
from ..money import group_digits, parse_amount
from ..vocab import LABELS, PayerKind, values
from .audit import record_event
from .progress import Progress
from .unit_order import official_order

#: the most heads one unit may count of one kind (a province's pupils are a few hundred
#: thousand; a typo with three digits too many is refused)
MAX_HEADS = 1_000_000
#: the most đồng asked of one head (a norm is a day's salary, so much per pupil: a few hundred
#: thousand). With MAX_HEADS one row is at most 10^14 đ, so Σ over every commune of the country
#: (~53,000 unit × kind rows) stays far below a bigint's 9.2 × 10^18: no "bigint out of range"
MAX_NORM = 100_000_000
KINDS = values(PayerKind)
#: ASCII digits, grouped by threes at most twice ("10.000.000"): an unbounded grouping let
#: "1" + ".000" * 1500 reach int() (over 4300 digits: ValueError, a 500)
_COUNT = re.compile(r"^[0-9]{1,3}(?:[.,][0-9]{3}){1,2}$|^[0-9]{1,9}$")
#: longest count text looked at, and longest shown back in a refusal
_MAX_COUNT_TEXT = 20


class BadNorm(LedgerError):
    default = _l("Định mức “%(kind)s”: %(reason)s")


class NormAboveCap(LedgerError):
    default = _l("Định mức “%(kind)s”: %(amount)s đ một người vượt mức tối đa 100.000.000 đ.")


class BadHeadCount(LedgerError):
    default = _l(
        "%(unit)s — %(kind)s: “%(value)s” không phải số người (số nguyên từ 0 đến 1.000.000)."
    )


class ExemptAboveHeads(LedgerError):
    default = _l("%(unit)s — %(kind)s: số được miễn (%(exempt)s) lớn hơn số người (%(heads)s).")


@dataclass(frozen=True)
class Count:
    """One unit's heads of one kind of payer and how many of them are exempt."""

    heads: int
    exempt: int = 0

    @property
    def paying(self) -> int:
        return self.heads - self.exempt


def shown_count(text: str) -> str:
    """A refused count as a message quotes it: cut short (a cell may hold thousands of
    characters, and the message travels in the session cookie)."""
    text = text or ""
    return text if len(text) <= _MAX_COUNT_TEXT else text[:_MAX_COUNT_TEXT] + "…"


def kind_label(kind: str) -> str:
    """The kind of payer's label (a msgid, translated where it is shown)."""
    return LABELS[PayerKind][PayerKind(kind)]


def expected_amount(norms: Mapping[str, int], counts: Mapping[str, Count]) -> int:
    """Σ norm × (heads − exempt) over the kinds that have a norm (pure)."""
    return sum(norms[kind] * count.paying for kind, count in counts.items() if kind in norms)


def parse_count(text: str) -> int | None:
    """A typed count of people: ``1234``, ``1.234``; empty is 0; None when it does not parse."""
    raw = (text or "").strip()
    if not raw:
        return 0
    if len(raw) > _MAX_COUNT_TEXT or not _COUNT.match(raw):
        return None
    value = int(re.sub(r"[.,]", "", raw))
    return value if value <= MAX_HEADS else None


def norm_units(session: Session, campaign: Campaign, unit_id: int | None = None) -> list[Unit]:
    """The units counted under ``unit_id`` (by default the campaign's unit): its children
    valid at some time during the campaign, in official order (the progress rows' units)."""
    parent = unit_id or campaign.unit_id
    return list(
        session.exec(
            select(Unit)
            .where(Unit.parent_id == parent, Unit.valid_from <= campaign.ends_on)
            .where(col(Unit.valid_to).is_(None) | (col(Unit.valid_to) >= campaign.starts_on))
            .order_by(*official_order())
        ).all()
    )


def campaign_norms(session: Session, campaign_id: int) -> dict[str, MobilisationNorm]:
    """The campaign's norms by kind of payer."""
    found = session.exec(
        select(MobilisationNorm).where(MobilisationNorm.campaign_id == campaign_id)
    ).all()
    return {n.payer_kind: n for n in found}


def norm_list(session: Session, campaign_id: int) -> list[tuple[str, int, str]]:
    """The campaign's norms as (kind's label, amount per head, note), in the kinds' order."""
    norms = campaign_norms(session, campaign_id)
    return [(kind_label(k), norms[k].amount_per_head, norms[k].note) for k in KINDS if k in norms]


def unit_counts(
    session: Session, campaign_id: int, unit_ids: list[int]
) -> dict[int, dict[str, Count]]:
    """Each unit's counts by kind of payer."""
    found: dict[int, dict[str, Count]] = {u: {} for u in unit_ids}
    rows = session.exec(
        select(NormCount).where(
            NormCount.campaign_id == campaign_id, col(NormCount.unit_id).in_(unit_ids)
        )
    ).all()
    for row in rows:
        found[row.unit_id][row.payer_kind] = Count(row.heads, row.exempt)
    return found


def expected_by_unit(session: Session, campaign_id: int) -> dict[int, int]:
    """Σ norm × (heads − exempt) per unit counted in the campaign: one aggregate."""
    amount = func.sum(MobilisationNorm.amount_per_head * (NormCount.heads - NormCount.exempt))
    rows = session.exec(
        select(NormCount.unit_id, amount)
        .join(
            MobilisationNorm,
            (col(MobilisationNorm.campaign_id) == NormCount.campaign_id)
            & (col(MobilisationNorm.payer_kind) == NormCount.payer_kind),
        )
        .where(NormCount.campaign_id == campaign_id)
        .group_by(col(NormCount.unit_id))
    ).all()
    return {unit_id: int(total or 0) for unit_id, total in rows}


def set_norms(
    session: Session,
    *,
    campaign: Campaign,
    amounts: Mapping[str, str],
    notes: Mapping[str, str],
    user_id: int | None = None,
) -> None:
    """Set the campaign's norms from what was typed per kind (empty: no norm for that kind);
    every amount is parsed before any is stored."""
    parsed = {kind: _norm_amount(kind, amounts.get(kind, "")) for kind in KINDS}
    current = campaign_norms(session, campaign.id)
    for kind, amount in parsed.items():
        norm = current.get(kind)
        note = (notes.get(kind) or "").strip()[:300]
        if amount is None:
            if norm is not None:
                session.delete(norm)
            continue
        if norm is None:
            norm = MobilisationNorm(
                campaign_id=campaign.id, payer_kind=kind, amount_per_head=amount
            )
        norm.amount_per_head, norm.note = amount, note
        session.add(norm)
    session.flush()
    record_event(
        session,
        user_id=user_id,
        action="norms.set",
        unit_id=campaign.unit_id,
        object_type="campaign",
        object_id=campaign.id,
        after={k: v for k, v in parsed.items() if v is not None},
    )


def _norm_amount(kind: str, text: str) -> int | None:
    if not (text or "").strip():
        return None
    try:
        amount = parse_amount(text)
    except LedgerError as error:
        raise BadNorm(kind=Phrase(kind_label(kind)), reason=Phrase(error.message)) from error
    if amount > MAX_NORM:
        raise NormAboveCap(kind=Phrase(kind_label(kind)), amount=group_digits(amount))
    return amount


def set_counts(
    session: Session,
    *,
    campaign: Campaign,
    counts: Mapping[int, Mapping[str, Count]],
    user_id: int | None = None,
) -> int:
    """Store the given units' counts (units of the campaign only; a kind with 0 heads is
    removed); returns how many units were written."""
    allowed = {u.id: u for u in norm_units(session, campaign)}
    for unit_id, kinds in counts.items():
        for kind, count in kinds.items():
            check_count(allowed[unit_id].name, kind, count)
    current = {
        (r.unit_id, r.payer_kind): r
        for r in session.exec(
            select(NormCount).where(
                NormCount.campaign_id == campaign.id, col(NormCount.unit_id).in_(list(counts))
            )
        ).all()
    }
    for unit_id, kinds in counts.items():
        for kind, count in kinds.items():
            _store(session, campaign.id, unit_id, kind, count, current.get((unit_id, kind)))
    session.flush()
    record_event(
        session,
        user_id=user_id,
        action="norms.counts",
        unit_id=campaign.unit_id,
        object_type="campaign",
        object_id=campaign.id,
        after={"units": len(counts)},
    )
    return len(counts)


def check_count(unit: str, kind: str, count: Count) -> None:
    """BadHeadCount past MAX_HEADS, ExemptAboveHeads when more are exempt than counted."""
    for number in (count.heads, count.exempt):
        if not 0 <= number <= MAX_HEADS:
            raise BadHeadCount(unit=unit, kind=Phrase(kind_label(kind)), value=str(number))
    if count.exempt > count.heads:
        raise ExemptAboveHeads(
            unit=unit,
            kind=Phrase(kind_label(kind)),
            exempt=str(count.exempt),
            heads=str(count.heads),
        )


def _store(session, campaign_id, unit_id, kind, count: Count, row: NormCount | None) -> None:
    if count.heads == 0:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = NormCount(campaign_id=campaign_id, unit_id=unit_id, payer_kind=kind)
    row.heads, row.exempt = count.heads, count.exempt
    session.add(row)


@dataclass(frozen=True)
class NormLine:
    """A unit's expected money beside its quota and what it collected, with both gaps."""

    unit_id: int
    name: str
    quota: int
    collected: int
    expected: int

    @property
    def over_quota(self) -> int:
        """Expected − quota: positive when the norms ask more than the quota does."""
        return self.expected - self.quota

    @property
    def against_expected(self) -> int:
        """Collected − expected: negative while the unit has raised less than its norms."""
        return self.collected - self.expected


@dataclass
class NormFigures:
    """The norms' figures for one campaign as a user sees it: each child unit's line and the
    total (the focused unit's own line when a unit below views a higher level's campaign)."""

    lines: list[NormLine]
    total: NormLine
    by_unit: dict[int, int] = field(default_factory=dict)


def norm_figures(session: Session, progress: Progress) -> NormFigures:
    """Expected per child unit of ``progress`` and in all, beside quota and collected."""
    expected = expected_by_unit(session, progress.campaign.id)
    lines = [
        NormLine(r.unit_id, r.name, r.quota, r.collected, expected.get(r.unit_id, 0))
        for r in progress.rows
    ]
    if progress.focused:  # a unit below: its own line, as the campaign's owner counted it
        own = expected.get(progress.unit.id, 0)
        unit = progress.unit
        total = NormLine(unit.id, unit.name, progress.target, progress.collected, own)
    else:
        total = NormLine(
            progress.unit.id,
            progress.unit.name,
            progress.quota_total,
            sum(line.collected for line in lines),
            sum(line.expected for line in lines),
        )
    return NormFigures(lines=lines, total=total, by_unit=expected)
