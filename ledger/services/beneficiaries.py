"""Children the fund helps: minimal records, masked unless the viewer may see them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from ..errors import DuplicateBeneficiary, NotFound
from ..models import Beneficiary, BeneficiaryGroup, Category, CircumstanceGroup, Disbursement, Unit
from ..text import clean, fold, required_reason
from .audit import record_event
from .units import is_within


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
    """"Nguyễn Văn An" → "N*** V*** A***" (one-letter words stay as they are)."""
    return " ".join(w[0] + "***" if len(w) > 1 else w for w in clean(name).split(" ") if w)


def find_duplicates(session: Session, *, unit_id: int, full_name: str,
                    birth_date: date) -> list[Beneficiary]:
    """Children of the unit with the same name (ignoring case and accents) and birth date."""
    rows = session.exec(select(Beneficiary).where(Beneficiary.unit_id == unit_id,
                                                  Beneficiary.birth_date == birth_date)).scalars()
    return [b for b in rows if fold(b.full_name) == fold(full_name)]


def create_beneficiary(session: Session, *, unit_id: int, data: BeneficiaryInput,
                       user_id: int | None = None, allow_duplicate: bool = False) -> Beneficiary:
    """Record a child in ``unit_id`` with circumstance groups; refuses a likely duplicate."""
    if not allow_duplicate and find_duplicates(session, unit_id=unit_id,
                                               full_name=data.full_name,
                                               birth_date=data.birth_date):
        raise DuplicateBeneficiary()
    child = Beneficiary(unit_id=unit_id, full_name=clean(data.full_name, max_length=200),
                        birth_date=data.birth_date, sex=data.sex,
                        guardian_name=clean(data.guardian_name, max_length=200),
                        consent_by=clean(data.consent_by, max_length=200),
                        consent_on=data.consent_on, created_by_id=user_id)
    session.add(child)
    session.flush()
    known = set(session.exec(select(CircumstanceGroup.code)).scalars().all())
    session.add_all(BeneficiaryGroup(beneficiary_id=child.id, group_code=g)
                    for g in dict.fromkeys(data.groups) if g in known)
    record_event(session, action="beneficiary.create", user_id=user_id, unit_id=unit_id,
                 object_type="beneficiary", object_id=child.id)
    session.flush()
    return child


def get_beneficiary(session: Session, beneficiary_id: int) -> Beneficiary:
    """The child with this id, or NotFound."""
    child = session.get(Beneficiary, beneficiary_id)
    if child is None:
        raise NotFound()
    return child


def groups_of(session: Session, beneficiary_id: int) -> list[CircumstanceGroup]:
    """The child's circumstance groups in the law's order."""
    return list(session.exec(select(CircumstanceGroup).join(
        BeneficiaryGroup, BeneficiaryGroup.group_code == CircumstanceGroup.code)
        .where(BeneficiaryGroup.beneficiary_id == beneficiary_id)
        .order_by(CircumstanceGroup.position)).scalars().all())


def sees_in_full(session: Session, *, role: str, user_unit_id: int, child_unit_id: int) -> bool:
    """The treasurer of the child's unit and reviewers above it see the record unmasked."""
    if role == "treasurer":
        return user_unit_id == child_unit_id
    if role == "reviewer":
        return is_within(session, unit_id=child_unit_id, scope_id=user_unit_id)
    return False


def unmask(session: Session, *, beneficiary_id: int, user_id: int, reason: str) -> Beneficiary:
    """Show a masked record to a user with the unmask permission; written to the audit log."""
    reason = required_reason(reason, max_length=300)
    child = get_beneficiary(session, beneficiary_id)
    record_event(session, action="beneficiary.unmask", user_id=user_id, unit_id=child.unit_id,
                 object_type="beneficiary", object_id=child.id, after={"reason": reason})
    return child


def list_beneficiaries(session: Session, *, unit_ids: set[int]) -> list[tuple[Beneficiary, Unit, int]]:
    """Children in scope with their unit and what they received in total (paid)."""
    received = (select(Disbursement.beneficiary_id, func.sum(Disbursement.amount).label("total"))
                .where(Disbursement.status == "paid").group_by(Disbursement.beneficiary_id)
                .subquery())
    rows = session.exec(select(Beneficiary, Unit, func.coalesce(received.c.total, 0))
                        .join(Unit, Unit.id == Beneficiary.unit_id)
                        .outerjoin(received, received.c.beneficiary_id == Beneficiary.id)
                        .where(Beneficiary.unit_id.in_(unit_ids))
                        .order_by(Unit.name, Beneficiary.id)).all()
    return [(b, u, int(total)) for b, u, total in rows]


def history(session: Session, beneficiary_id: int) -> list[tuple[Disbursement, Category, Unit]]:
    """Everything the child received (or was proposed), across years and funds."""
    return [tuple(row) for row in session.exec(
        select(Disbursement, Category, Unit)
        .join(Category, Category.id == Disbursement.category_id)
        .join(Unit, Unit.id == Disbursement.unit_id)
        .where(Disbursement.beneficiary_id == beneficiary_id)
        .order_by(Disbursement.disbursement_date)).all()]
