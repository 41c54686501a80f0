"""The one order of units: the official list's order wherever units are listed, Vietnamese
alphabetical order (ICU's Vietnamese collation) where a user sorts by name.

The official order is the government list's: by the official administrative code (mã đơn vị
hành chính, numbered in the list's order) where it is known, else in the order the list was
entered (the id: the seed and ``units import`` store a list top to bottom, as the quota annex
of Thường Tín 2018 prints it). It is a plain ``ORDER BY`` on both engines, so paged lists use it.

Names are never ordered by SQL ``ORDER BY name``: SQLite compares code points and PostgreSQL
its database collation, neither Vietnamese (a < ă < â, d < đ, tones after letters). Bounded
lists are sorted in Python with ``name_key``."""

from __future__ import annotations

import threading
from typing import Any

import icu
from sqlalchemy import case, func
from sqlmodel import col

from ..models import Unit
from ..models.org import UNIT_LEVELS
from ..text import clean, unit_key

#: the tiers from the top down as an ``ORDER BY`` term (nation, province, district, commune)
_LEVEL_RANK = case(
    {level: rank for rank, level in enumerate(UNIT_LEVELS)},
    value=col(Unit.level),
    else_=len(UNIT_LEVELS),
)


def official_order(*, by_level: bool = False) -> tuple[Any, ...]:
    """``ORDER BY`` terms of the official list order (``by_level``: the higher tiers first)."""
    terms = (
        col(Unit.gso_code).is_(None),
        func.length(col(Unit.gso_code)),
        col(Unit.gso_code),
        col(Unit.id),
    )
    return (_LEVEL_RANK, *terms) if by_level else terms


def official_key(unit: Any, *, by_level: bool = False) -> tuple:
    """``official_order`` in Python, for a unit or a row with ``id``, ``gso_code``, ``level``."""
    code = unit.gso_code or ""
    key = (not code, len(code), code, unit.id)
    if not by_level:
        return key
    rank = UNIT_LEVELS.index(unit.level) if unit.level in UNIT_LEVELS else len(UNIT_LEVELS)
    return (rank, *key)


_LOCAL = threading.local()


def collation_key(text: object) -> bytes:
    """ICU's Vietnamese sort key of ``text``: letters a ă â b c d đ e ê … first, then tones
    and case (one collator per thread: gunicorn's workers are threaded)."""
    collator = getattr(_LOCAL, "collator", None)
    if collator is None:
        collator = _LOCAL.collator = icu.Collator.createInstance(icu.Locale("vi_VN"))
    key: bytes = collator.getSortKey(clean(text))
    return key


def name_key(name: object) -> tuple[bytes, bytes]:
    """The alphabetical place of a unit's name, its type word (Xã, Thị trấn, Phường…) set
    aside: "Thị trấn Thường Tín" sorts among the T, "Xã Dũng Tiến" before "Xã Duyên Thái",
    "Xã Văn Bình" before "Xã Vân Tảo"; the full name breaks ties."""
    return (collation_key(unit_key(name)), collation_key(name))


def by_name(units: list, *, name: str = "name") -> list:
    """``units`` (or rows) sorted by ``name_key`` of their ``name`` attribute."""
    return sorted(units, key=lambda u: name_key(getattr(u, name)))
