"""Children the fund helps: minimal records, masked unless the viewer may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..errors import DuplicateBeneficiary, Forbidden, NotFound
from ..models import (
    Beneficiary,
    BeneficiaryGroup,
    Category,
    CircumstanceGroup,
    Disbursement,
    Unit,
    User,
)
from ..text import clean, fold, required_reason
from .audit import record_event
from .paging import Cursor, Page, bounded_count, numbered_or_keyset
from .units import in_units, subtree_ids


@dataclass
class BeneficiaryInput:
    """What is recorded about a child: no more than the fund needs."""

    full_name: str
    birth_date: date
    sex: str
    guardian_name: str = ""
    consent_by: str = ""
    consent_on: date | None = None
    groups: tuple[str, ...] = ()


def mask_name(name: str) -> str:
    """ "Nguyễn Văn An" → "N*** V*** A***" (one-letter words stay as they are)."""
    return " ".join(w[0] + "***" if len(w) > 1 else w for w in clean(name).split(" ") if w)


def find_duplicates(
    session: Session, *, unit_id: int, full_name: str, birth_date: date
) -> list[Beneficiary]:
    """Children of the unit with the same name (ignoring case and accents) and birth date."""
    rows = session.exec(
        select(Beneficiary).where(
            Beneficiary.unit_id == unit_id, Beneficiary.birth_date == birth_date
        )
    )
    return [b for b in rows if fold(b.full_name) == fold(full_name)]


def create_beneficiary(
    session: Session,
    *,
    unit_id: int,
    data: BeneficiaryInput,
    user_id: int | None = None,
    allow_duplicate: bool = False,
) -> Beneficiary:
    """Record a child in ``unit_id`` with circumstance groups; refuses a likely duplicate.

    Only a creator who sees the unit's children in full is warned (and the command line, with
    no user): to anyone else the warning would confirm a guessed name and birth date, so their
    record is kept and the unit's treasurer sees the possible duplicate on the child's page.
    """
    if (
        not allow_duplicate
        and _may_be_warned(session, user_id=user_id, unit_id=unit_id)
        and find_duplicates(
            session, unit_id=unit_id, full_name=data.full_name, birth_date=data.birth_date
        )
    ):
        raise DuplicateBeneficiary()
    child = Beneficiary(
        unit_id=unit_id,
        full_name=clean(data.full_name, max_length=200),
        birth_date=data.birth_date,
        sex=data.sex,
        guardian_name=clean(data.guardian_name, max_length=200),
        consent_by=clean(data.consent_by, max_length=200),
        consent_on=data.consent_on,
        created_by_id=user_id,
    )
    session.add(child)
    session.flush()
    known = set(session.exec(select(CircumstanceGroup.code)).all())
    session.add_all(
        BeneficiaryGroup(beneficiary_id=child.id, group_code=g)
        for g in dict.fromkeys(data.groups)
        if g in known
    )
    record_event(
        session,
        action="beneficiary.create",
        user_id=user_id,
        unit_id=unit_id,
        object_type="beneficiary",
        object_id=child.id,
    )
    session.flush()
    return child


def _may_be_warned(session: Session, *, user_id: int | None, unit_id: int) -> bool:
    if user_id is None:
        return True
    user = session.get(User, user_id)
    return user is not None and sees_in_full(
        session, role=user.role, user_unit_id=user.unit_id, child_unit_id=unit_id
    )


def possible_duplicates(session: Session, child: Beneficiary) -> list[Beneficiary]:
    """Other children of the same unit with the same name and birth date (for its treasurer)."""
    return [
        b
        for b in find_duplicates(
            session, unit_id=child.unit_id, full_name=child.full_name, birth_date=child.birth_date
        )
        if b.id != child.id
    ]


def get_beneficiary(session: Session, beneficiary_id: int) -> Beneficiary:
    """The child with this id, or NotFound."""
    child = session.get(Beneficiary, beneficiary_id)
    if child is None:
        raise NotFound()
    return child


def groups_of(session: Session, beneficiary_id: int) -> list[CircumstanceGroup]:
    """The child's circumstance groups in the law's order."""
    return list(
        session.exec(
            select(CircumstanceGroup)
            .join(BeneficiaryGroup, col(BeneficiaryGroup.group_code) == CircumstanceGroup.code)
            .where(BeneficiaryGroup.beneficiary_id == beneficiary_id)
            .order_by(col(CircumstanceGroup.position))
        ).all()
    )


def sees_in_full(session: Session, *, role: str, user_unit_id: int, child_unit_id: int) -> bool:
    """Only the treasurer of the child's own unit sees the record unmasked without asking.

    Everyone else in scope (reviewers and auditors above included) sees the masked name and
    the birth year; a user with the unmask permission asks, with a reason, and is audited.
    """
    return role == "treasurer" and user_unit_id == child_unit_id


def unmask(session: Session, *, beneficiary_id: int, user_id: int, reason: str) -> Beneficiary:
    """Show a masked record to a user with the unmask permission; written to the audit log."""
    _require_unmask(session, user_id)
    reason = required_reason(reason, max_length=300)
    child = get_beneficiary(session, beneficiary_id)
    record_event(
        session,
        action="beneficiary.unmask",
        user_id=user_id,
        unit_id=child.unit_id,
        object_type="beneficiary",
        object_id=child.id,
        after={"reason": reason},
    )
    return child


def unmask_workbook(
    session: Session, *, campaign_id: int, unit_id: int, user_id: int, reason: str
) -> None:
    """Record that a user with the unmask permission takes the workbook with children's names."""
    _require_unmask(session, user_id)
    reason = required_reason(reason, max_length=300)
    record_event(
        session,
        action="workbook.unmasked",
        user_id=user_id,
        unit_id=unit_id,
        object_type="campaign",
        object_id=campaign_id,
        after={"reason": reason},
    )


def _require_unmask(session: Session, user_id: int) -> None:
    user = session.get(User, user_id)
    if user is None or not user.active or not user.can_unmask:
        raise Forbidden()


def list_beneficiaries(
    session: Session,
    *,
    unit_ids: Any,
    page: int = 1,
    per_page: int = 100,
    cursor: Cursor | None = None,
) -> Page[tuple[Beneficiary, Unit, int]]:
    """Children of ``unit_ids`` (ids or a select of them), newest first, one page from
    ``cursor`` (a child's id) or by number, each with their unit and what they received in
    total (paid): summed for the page's children only."""
    where = in_units(col(Beneficiary.unit_id), unit_ids)
    count = bounded_count(session, select(col(Beneficiary.id)).where(where))
    found = numbered_or_keyset(
        session,
        select(Beneficiary, Unit).join(Unit, col(Unit.id) == Beneficiary.unit_id).where(where),
        order=(col(Beneficiary.id),),
        key_of=lambda row: (row[0].id,),
        cursor=cursor,
        page=page,
        per_page=per_page,
        count=count,
    )
    ids = [b.id for b, _unit in found.rows]
    received = (
        {}
        if not ids
        else dict(
            session.exec(
                select(col(Disbursement.beneficiary_id), func.sum(Disbursement.amount))
                .where(Disbursement.status == "paid", col(Disbursement.beneficiary_id).in_(ids))
                .group_by(col(Disbursement.beneficiary_id))
            ).all()
        )
    )
    found.rows = [(b, u, int(received.get(b.id) or 0)) for b, u in found.rows]
    return found


def history(session: Session, beneficiary_id: int) -> list[tuple[Disbursement, Category, Unit]]:
    """Everything the child received (or was proposed), across years and funds."""
    return [
        (item, category, unit)
        for item, category, unit in session.exec(
            select(Disbursement, Category, Unit)
            .join(Category, col(Category.id) == Disbursement.category_id)
            .join(Unit, col(Unit.id) == Disbursement.unit_id)
            .where(Disbursement.beneficiary_id == beneficiary_id)
            .order_by(col(Disbursement.disbursement_date))
        ).all()
    ]


def circumstance_groups(session: Session) -> list[CircumstanceGroup]:
    """The circumstance groups in their printed order."""
    query = select(CircumstanceGroup).order_by(col(CircumstanceGroup.position))
    return list(session.exec(query).all())


def fund_children(session: Session, fund_id: int) -> list[Beneficiary]:
    """The children recorded in the fund's subtree, by id."""
    query = (
        select(Beneficiary)
        .where(col(Beneficiary.unit_id).in_(subtree_ids(session, fund_id)))
        .order_by(col(Beneficiary.id))
    )
    return list(session.exec(query).all())
