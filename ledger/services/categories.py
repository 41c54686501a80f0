"""Disbursement categories: the seeded list plus what admins add."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ..errors import LedgerError, _l
from ..models import Category
from ..text import clean
from .audit import record_event


class DuplicateCategory(LedgerError):
    default = _l("Mã khoản chi “%(code)s” đã tồn tại.")


def create_category(
    session: Session,
    *,
    code: str,
    name_vi: str,
    name_en: str,
    is_management: bool = False,
    actor_id: int | None = None,
) -> Category:
    """Add a category (its expense accounts open on first use)."""
    code = clean(code, max_length=40).lower()
    if session.exec(select(Category).where(Category.code == code)).first():
        raise DuplicateCategory(code=code)
    category = Category(
        code=code,
        name_vi=clean(name_vi, max_length=200),
        name_en=clean(name_en, max_length=200),
        is_management=is_management,
    )
    session.add(category)
    session.flush()
    record_event(
        session,
        action="category.create",
        user_id=actor_id,
        object_type="category",
        object_id=category.id,
        after={"code": code},
    )
    return category


def category_name(category: Category, lang: str) -> str:
    """The category's name in the user's language (the English name stored with it, when
    there is one)."""
    if lang == "en" and category.name_en:
        return category.name_en
    return category.name_vi


def list_categories(session: Session, *, active_only: bool = False) -> list[Category]:
    """The disbursement categories (only those in use with ``active_only``), by id."""
    query = select(Category).order_by(col(Category.id))
    if active_only:
        query = query.where(Category.active)
    return list(session.exec(query).all())
