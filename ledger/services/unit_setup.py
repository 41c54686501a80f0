"""Set up the tree of units: create, rename, move, close, official code and type, each audited;
import a unit list (``Mã | Tên | Loại | Trực thuộc | Hiệu lực từ``) all-or-nothing.

The level (tier in the tree) follows from the administrative type: a "Thành phố" is a
centrally-run city (province level), a "Thành phố thuộc tỉnh" a district-level city.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from ..dates import parse_date
from ..errors import (
    DuplicateOfficialCode,
    DuplicateUnit,
    InvalidUnitField,
    Phrase,
    UnitCycle,
    UnitHasLaterEntries,
    UnitHasOpenChildren,
    UnitHoldsMoney,
    UnitImportRejected,
    _l,
)
from ..models import Account, Entry, Unit
from ..models.org import UNIT_LEVELS
from ..money import format_vnd
from ..text import clean, fold
from ..vocab import UNIT_TYPE_LEVELS, UnitType, label
from .audit import record_event
from .rollups import move_unit
from .unit_order import official_order
from .units import create_unit, get_unit, is_within

#: unit_type → (the label a user reads and types, the level it sits at)
UNIT_TYPE_INFO = {t.value: (label(t), UNIT_TYPE_LEVELS[t].value) for t in UnitType}
_BY_LABEL = {fold(label): key for key, (label, _level) in UNIT_TYPE_INFO.items()}
_BY_LABEL.update({key.replace("_", " "): key for key in UNIT_TYPE_INFO})

#: the fields a change may touch, with the label an error names
FIELD_LABELS = {
    "code": _l("Mã"),
    "name": _l("Tên"),
    "unit_type": _l("Loại"),
    "parent_id": _l("Trực thuộc"),
    "valid_from": _l("Hiệu lực từ"),
    "valid_to": _l("Hiệu lực đến"),
    "gso_code": _l("Mã hành chính"),
    "printed_name": _l("Tên in trên chứng từ"),
}


def unit_type_from_label(text: object) -> str | None:
    """ "Xã", "xa", "Thành phố" … → the unit_type key, or None."""
    return _BY_LABEL.get(fold(text))


def type_label(unit_type: str | None) -> str:
    """The Vietnamese label of a unit_type (msgid)."""
    return UNIT_TYPE_INFO[unit_type][0] if unit_type in UNIT_TYPE_INFO else ""


def level_of(unit_type: str) -> str:
    """The tier of the tree a type sits at."""
    return UNIT_TYPE_INFO[unit_type][1]


def _invalid(key: str, rule: str) -> InvalidUnitField:
    return InvalidUnitField(field=Phrase(FIELD_LABELS[key]), rule=Phrase(rule))


def _snapshot(unit: Unit) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "unit_type": unit.unit_type,
        "parent_id": unit.parent_id,
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
        "gso_code": unit.gso_code,
        "printed_name": unit.printed_name,
        "level": unit.level,
    }


def _checked_values(values: dict) -> dict:
    """Clean and shape-check the submitted fields (only those given)."""
    out = dict(values)
    if "code" in out:
        out["code"] = clean(out["code"])
        if not 1 <= len(out["code"]) <= 40:
            raise _invalid("code", _l("từ 1 đến 40 ký tự."))
    if "name" in out:
        out["name"] = clean(out["name"])
        if not 1 <= len(out["name"]) <= 200:
            raise _invalid("name", _l("từ 1 đến 200 ký tự."))
    if "printed_name" in out:
        out["printed_name"] = clean(out["printed_name"], max_length=200) or None
    if "gso_code" in out:
        out["gso_code"] = clean(out["gso_code"]) or None
        if out["gso_code"] and (len(out["gso_code"]) > 10 or not out["gso_code"].isdigit()):
            raise _invalid("gso_code", _l("chỉ gồm chữ số, tối đa 10 chữ số."))
    if "unit_type" in out and out["unit_type"] not in UNIT_TYPE_INFO:
        raise _invalid("unit_type", _l("chọn một loại đơn vị trong danh sách."))
    return out


def _check_unique(
    session: Session, *, code: str | None, gso_code: str | None, unit_id: int | None
) -> None:
    if (
        code is not None
        and session.exec(
            select(Unit.id).where(Unit.code == code, Unit.id != (unit_id or 0))
        ).first()
    ):
        raise DuplicateUnit(code=code)
    if (
        gso_code
        and session.exec(
            select(Unit.id).where(Unit.gso_code == gso_code, Unit.id != (unit_id or 0))
        ).first()
    ):
        raise DuplicateOfficialCode(code=gso_code)


def _check_parent(
    session: Session, *, unit_id: int | None, parent_id: int | None, level: str, name: str
) -> None:
    """The parent exists, sits above ``level``, and is not the unit or under it."""
    if parent_id is None:
        return
    parent = get_unit(session, parent_id)
    if unit_id is not None and is_within(session, unit_id=parent_id, scope_id=unit_id):
        raise UnitCycle(unit=name)
    if UNIT_LEVELS.index(parent.level) >= UNIT_LEVELS.index(level):
        raise _invalid("parent_id", _l("đơn vị cấp trên phải ở cấp cao hơn."))


def add_unit(
    session: Session,
    *,
    code: str,
    name: str,
    unit_type: str,
    valid_from: date,
    parent_id: int | None = None,
    gso_code: str | None = None,
    printed_name: str | None = None,
    actor_id: int | None = None,
) -> Unit:
    """Create a unit (and its fund); an audit event records it."""
    values = _checked_values(
        {
            "code": code,
            "name": name,
            "unit_type": unit_type,
            "gso_code": gso_code,
            "printed_name": printed_name,
        }
    )
    _check_unique(session, code=values["code"], gso_code=values["gso_code"], unit_id=None)
    level = level_of(values["unit_type"])
    _check_parent(session, unit_id=None, parent_id=parent_id, level=level, name=values["name"])
    unit = create_unit(
        session,
        code=values["code"],
        name=values["name"],
        level=level,
        unit_type=values["unit_type"],
        parent_id=parent_id,
        valid_from=valid_from,
        printed_name=values["printed_name"],
    )
    unit.gso_code = values["gso_code"]
    session.flush()
    record_event(
        session,
        action="unit.create",
        user_id=actor_id,
        unit_id=unit.id,
        object_type="unit",
        object_id=unit.id,
        after=_snapshot(unit),
    )
    return unit


def update_unit(
    session: Session, *, unit_id: int, actor_id: int | None = None, **changes
) -> list[str]:
    """Rename, move, close, retype, recode a unit; one audit event with the fields that
    changed, before and after. Returns the changed field names."""
    unit = get_unit(session, unit_id)
    values = _checked_values({k: v for k, v in changes.items() if k in FIELD_LABELS})
    before = _snapshot(unit)
    changed = {k: v for k, v in values.items() if before[k] != v}
    if not changed:
        return []
    _check_unique(
        session, code=changed.get("code"), gso_code=changed.get("gso_code"), unit_id=unit.id
    )
    unit_type = changed.get("unit_type", unit.unit_type) or "xa"
    level = level_of(unit_type) if "unit_type" in changed else unit.level
    _check_parent(
        session,
        unit_id=unit.id,
        parent_id=changed.get("parent_id", unit.parent_id),
        level=level,
        name=unit.name,
    )
    valid_from = changed.get("valid_from", unit.valid_from)
    valid_to = changed.get("valid_to", unit.valid_to)
    if valid_to is not None and valid_to < valid_from:
        raise _invalid("valid_to", _l("không được trước ngày hiệu lực từ."))
    if "valid_to" in changed and valid_to is not None:
        ensure_closable(session, unit=unit, last_day=valid_to)
    if "parent_id" in changed:  # its totals leave the old ancestors' rollups, join the new
        move_unit(
            session, unit_id=unit.id, old_parent=unit.parent_id, new_parent=changed["parent_id"]
        )
    for key, value in changed.items():
        setattr(unit, key, value)
    unit.level = level
    session.flush()
    after = _snapshot(unit)
    record_event(
        session,
        action="unit.update",
        user_id=actor_id,
        unit_id=unit.id,
        object_type="unit",
        object_id=unit.id,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return sorted(changed)


def ensure_closable(session: Session, *, unit: Unit, last_day: date) -> None:
    """Refuse to end a unit on ``last_day`` while a child outlives it, its fund has entries
    dated after it, or it still holds money (a reorganisation moves the money, then closes)."""
    open_child = session.exec(
        select(Unit.id).where(
            Unit.parent_id == unit.id,
            or_(col(Unit.valid_to).is_(None), col(Unit.valid_to) > last_day),
        )
    ).first()
    if open_child:
        raise UnitHasOpenChildren(unit=unit.name, date=last_day.strftime("%d/%m/%Y"))
    if session.exec(
        select(func.count(col(Entry.id))).where(
            Entry.unit_id == unit.id, Entry.entry_date > last_day
        )
    ).one():
        raise UnitHasLaterEntries(unit=unit.name, date=last_day.strftime("%d/%m/%Y"))
    held = session.exec(
        select(func.coalesce(func.sum(Account.balance), 0)).where(
            Account.unit_id == unit.id,
            col(Account.kind).in_(("cash", "bank", "in_kind", "in_transit")),
        )
    ).one()
    if held:
        raise UnitHoldsMoney(unit=unit.name, amount=int(held))


# --- import a unit list -------------------------------------------------------------------

COLUMNS = {
    "code": ("mã", "ma", "mã đơn vị", "code"),
    "name": ("tên", "ten", "tên đơn vị", "name"),
    "unit_type": ("loại", "loai", "loại đơn vị", "type"),
    "parent": ("trực thuộc", "truc thuoc", "đơn vị cấp trên", "parent"),
    "valid_from": ("hiệu lực từ", "hieu luc tu", "valid from", "từ ngày"),
}
COLUMN_NAMES = {
    "code": "Mã",
    "name": "Tên",
    "unit_type": "Loại",
    "parent": "Trực thuộc",
    "valid_from": "Hiệu lực từ",
}


@dataclass
class RowError:
    """Why one row cannot be imported (row numbers count the header as row 1)."""

    row: int
    column: str
    reason: str
    params: dict = field(default_factory=dict)

    def text(self) -> str:
        """The reason in Vietnamese with its values filled in (amounts as "10.000 đ")."""
        params = {k: format_vnd(v) if isinstance(v, int) else v for k, v in self.params.items()}
        return str(self.reason) % params if params else str(self.reason)


@dataclass
class UnitRow:
    """One row of a unit list, checked."""

    row: int
    code: str
    name: str
    unit_type: str
    parent_code: str
    valid_from: date
    exists: bool = False


@dataclass
class UnitImport:
    """What an import would do; nothing is stored while ``errors`` is not empty."""

    rows: list[UnitRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def new_rows(self) -> list[UnitRow]:
        return [r for r in self.rows if not r.exists]


def header_map(header: list[object], columns: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """Which column index holds each known field (accents and case optional)."""
    folded = {fold(alias): key for key, aliases in columns.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = folded.get(fold(cell))
        if key and key not in found:
            found[key] = index
    return found


def read_header(
    table: list[list[object]],
    columns: Mapping[str, tuple[str, ...]],
    names: dict[str, str],
    optional: tuple[str, ...],
    errors: list,
) -> dict[str, int] | None:
    """The header's column map, or None with the row-1 error added (no header, or a required
    column missing, each named as the user sees it)."""
    if not table:
        errors.append(RowError(1, "", _l("Tệp không có dòng tiêu đề.")))
        return None
    found = header_map(table[0], columns)
    missing = [names[k] for k in columns if k not in found and k not in optional]
    if missing:
        errors.append(RowError(1, ", ".join(missing), _l("Thiếu cột bắt buộc.")))
        return None
    return found


def cell(row: list[object], index: int | None) -> str:
    """The cell as clean text ('' when absent)."""
    if index is None or index >= len(row) or row[index] is None:
        return ""
    value = row[index]
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return clean(value, max_length=300)


def preview_units(
    session: Session,
    *,
    table: list[list[object]],
    scope_ids: set[int] | None = None,
    allow_top: bool = True,
) -> UnitImport:
    """Check every row of a unit list; each bad row is named by row, column and reason.

    With ``scope_ids`` (a browser upload), every new unit must sit under a unit of that scope
    (or under another row of the file); a row without parent needs ``allow_top``."""
    result = UnitImport()
    columns = read_header(table, COLUMNS, COLUMN_NAMES, ("parent",), result.errors)
    if columns is None:
        return result
    existing = {u.code: u for u in session.exec(select(Unit)).all()}
    in_file: dict[str, UnitRow] = {}
    for number, raw in enumerate(table[1:], start=2):
        if not any(cell(raw, i) for i in range(len(raw))):
            continue
        row = _check_row(number, raw, columns, result.errors)
        if row is None:
            continue
        if row.code in in_file:
            result.errors.append(
                RowError(
                    number,
                    "Mã",
                    _l("mã “%(code)s” lặp lại ở dòng %(row)s."),
                    {"code": row.code, "row": str(in_file[row.code].row)},
                )
            )
            continue
        in_file[row.code] = row
        result.rows.append(row)
    for row in result.rows:
        _check_against_tree(row, existing, in_file, result.errors, scope_ids)
        if scope_ids is not None and not row.exists:
            _check_scope(row, existing, result.errors, scope_ids, allow_top)
    return result


def _check_scope(
    row: UnitRow,
    existing: dict[str, Unit],
    errors: list[RowError],
    scope_ids: set[int],
    allow_top: bool,
) -> None:
    parent = existing.get(row.parent_code)
    if not row.parent_code and not allow_top:
        errors.append(
            RowError(
                row.row,
                "Trực thuộc",
                _l("chỉ quản trị viên cấp cao nhất được tạo đơn vị không trực thuộc đơn vị nào."),
            )
        )
    elif parent is not None and parent.id not in scope_ids:
        errors.append(
            RowError(
                row.row,
                "Trực thuộc",
                _l("đơn vị “%(code)s” nằm ngoài phạm vi quản lý của bạn."),
                {"code": row.parent_code},
            )
        )


def _check_row(
    number: int, raw: list[object], columns: dict[str, int], errors: list[RowError]
) -> UnitRow | None:
    code, name = cell(raw, columns.get("code")), cell(raw, columns.get("name"))
    type_text, parent = cell(raw, columns.get("unit_type")), cell(raw, columns.get("parent"))
    day_text = cell(raw, columns.get("valid_from"))
    before = len(errors)
    if not code or len(code) > 40:
        errors.append(RowError(number, "Mã", _l("mã phải có từ 1 đến 40 ký tự.")))
    if not name:
        errors.append(RowError(number, "Tên", _l("chưa có tên đơn vị.")))
    unit_type = unit_type_from_label(type_text)
    if unit_type is None:
        errors.append(
            RowError(
                number,
                "Loại",
                _l(
                    "loại “%(type)s” không hợp lệ (Tỉnh, Thành "
                    "phố, Huyện, Quận, Thị xã, Xã, Phường, Thị "
                    "trấn, Đặc khu)."
                ),
                {"type": type_text},
            )
        )
    valid_from = parse_date(day_text) if day_text else None
    if valid_from is None:
        errors.append(
            RowError(
                number,
                "Hiệu lực từ",
                _l("ngày “%(date)s” không hợp lệ; nhập dd/mm/yyyy."),
                {"date": day_text},
            )
        )
    if len(errors) > before or unit_type is None or valid_from is None:
        return None
    return UnitRow(number, code, name, unit_type, parent, valid_from)


def _check_against_tree(
    row: UnitRow,
    existing: dict[str, Unit],
    in_file: dict[str, UnitRow],
    errors: list[RowError],
    scope_ids: set[int] | None = None,
) -> None:
    """The parent is known and above the row; a code already stored must be the same unit."""
    level = level_of(row.unit_type)
    if row.parent_code:
        parent = in_file.get(row.parent_code) or existing.get(row.parent_code)
        if parent is None:
            errors.append(
                RowError(
                    row.row,
                    "Trực thuộc",
                    _l("không có đơn vị mã “%(code)s” (trong tệp hay đã có)."),
                    {"code": row.parent_code},
                )
            )
            return
        parent_level = parent.level if isinstance(parent, Unit) else level_of(parent.unit_type)
        if UNIT_LEVELS.index(parent_level) >= UNIT_LEVELS.index(level):
            errors.append(
                RowError(row.row, "Trực thuộc", _l("đơn vị cấp trên phải ở cấp cao hơn."))
            )
            return
    stored = existing.get(row.code)
    if stored is None:
        return
    parent_code = next((c for c, u in existing.items() if u.id == stored.parent_id), "")
    if (fold(stored.name), stored.unit_type, parent_code) != (
        fold(row.name),
        row.unit_type,
        row.parent_code,
    ):
        if scope_ids is not None and stored.id not in scope_ids:
            errors.append(
                RowError(row.row, "Mã", _l("mã “%(code)s” đã được dùng."), {"code": row.code})
            )
        else:
            errors.append(
                RowError(
                    row.row,
                    "Mã",
                    _l("mã “%(code)s” đã dùng cho đơn vị “%(name)s”."),
                    {"code": row.code, "name": stored.name},
                )
            )
        return
    row.exists = True


def import_units(
    session: Session,
    *,
    table: list[list[object]],
    actor_id: int | None = None,
    scope_ids: set[int] | None = None,
    allow_top: bool = True,
) -> UnitImport:
    """Create every new unit of the list, or none (``UnitImportRejected`` when a row is bad).
    Rows already stored with the same name, type and parent add nothing."""
    result = preview_units(session, table=table, scope_ids=scope_ids, allow_top=allow_top)
    if result.errors:
        raise UnitImportRejected(count=str(len(result.errors)))
    ids = dict(session.exec(select(Unit.code, Unit.id)).all())
    pending = list(result.new_rows)
    while pending:
        ready = [r for r in pending if not r.parent_code or r.parent_code in ids]
        if not ready:  # a cycle between the file's rows
            raise UnitCycle(unit=pending[0].name)
        for row in ready:
            unit = add_unit(
                session,
                code=row.code,
                name=row.name,
                unit_type=row.unit_type,
                valid_from=row.valid_from,
                parent_id=ids.get(row.parent_code),
                actor_id=actor_id,
            )
            ids[unit.code] = unit.id
        pending = [r for r in pending if r not in ready]
    return result


def list_units(
    session: Session,
    *,
    scope_ids,
    query: str = "",
    unit_type: str = "",
    parent_id: int | None = None,
    status: str = "",
    on: date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Unit], int]:
    """A page of the units in scope matching the filters, and how many match in all."""
    statement = select(Unit).where(col(Unit.id).in_(sorted(scope_ids)))
    if query:
        like = f"%{clean(query, max_length=100)}%"
        statement = statement.where(
            or_(
                col(Unit.name).ilike(like),
                col(Unit.code).ilike(like),
                col(Unit.gso_code).ilike(like),
            )
        )
    if unit_type in UNIT_TYPE_INFO:
        statement = statement.where(Unit.unit_type == unit_type)
    if parent_id is not None:
        statement = statement.where(Unit.parent_id == parent_id)
    if status in ("open", "closed") and on is not None:
        is_open = or_(col(Unit.valid_to).is_(None), col(Unit.valid_to) >= on)
        statement = statement.where(is_open if status == "open" else ~is_open)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(*official_order(by_level=True))
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), int(total)
