"""The counts behind a campaign's mobilisation norms, from a spreadsheet: one row per unit and
kind of payer (``Mã đơn vị | Tên đơn vị | Đối tượng | Số người | Số được miễn``), every row
checked before any is stored; a bad row is named with its column and value."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlmodel import Session

from ..errors import LedgerError, _l
from ..models import Campaign
from ..spreadsheets import read_table
from ..vocab import LABELS, PayerKind
from .norms import (
    KINDS,
    Count,
    kind_label,
    norm_units,
    parse_count,
    set_counts,
    shown_count,
    unit_counts,
)

UNIT_CODE, UNIT_NAME, KIND, HEADS, EXEMPT = (
    "Mã đơn vị",
    "Tên đơn vị",
    "Đối tượng",
    "Số người",
    "Số được miễn",
)
HEADERS = (UNIT_CODE, UNIT_NAME, KIND, HEADS, EXEMPT)
#: the kinds of payer in the order every page lists them
KIND_ORDER = KINDS
#: bad rows named in the message before "and N more"
NAMED = 10


@dataclass(frozen=True)
class BadRow:
    """Why one row was refused: its line in the file, the column, the value found."""

    line: int
    column: str
    value: str
    reason: str


class CountsRejected(LedgerError):
    """Some rows are bad: none is stored; ``bad`` names them (the view lists them)."""

    default = _l("Bảng số người không được nhận, không dòng nào được lưu.")

    def __init__(self, bad: list[BadRow]) -> None:
        self.bad = bad
        super().__init__()


class CountsMissingColumn(LedgerError):
    default = _l("Bảng số người thiếu cột “%(column)s” (dòng tiêu đề: %(headers)s).")


REASONS = {
    "unit": _l("không phải đơn vị trực thuộc của đợt vận động"),
    "kind": _l("không phải đối tượng vận động đã biết"),
    "count": _l("không phải số người (số nguyên từ 0 đến 1.000.000)"),
    "exempt": _l("số được miễn lớn hơn số người"),
    "twice": _l("đơn vị và đối tượng này đã có ở dòng trên"),
}


def _key(text: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).split()).casefold()


def _kinds() -> dict[str, str]:
    """A kind of payer as the file may name it (its label or its code) → its code."""
    found = {_key(kind.value): kind.value for kind in PayerKind}
    found.update({_key(label): kind.value for kind, label in LABELS[PayerKind].items()})
    return found


def import_counts(
    session: Session, *, campaign: Campaign, filename: str, data: bytes, user_id: int | None
) -> int:
    """Read every row, refuse the whole file when any is bad (CountsRejected naming the rows),
    else store the counts; returns how many units were written."""
    table = read_table(filename, data)
    header = [_key(c) for c in table[0]] if table else []
    columns = {}
    for name in HEADERS:
        if _key(name) not in header and name != UNIT_NAME:
            raise CountsMissingColumn(column=name, headers=" | ".join(HEADERS))
        columns[name] = header.index(_key(name)) if _key(name) in header else None
    counts, bad = _read_rows(session, campaign, table[1:], columns)
    if bad:
        raise CountsRejected(bad)
    return set_counts(session, campaign=campaign, counts=counts, user_id=user_id)


def _read_rows(session, campaign, rows, columns):
    units = {_key(u.code): u for u in norm_units(session, campaign)}
    kinds = _kinds()
    counts: dict[int, dict[str, Count]] = {}
    bad: list[BadRow] = []
    for line, row in enumerate(rows, start=2):
        cells = {name: _cell(row, index) for name, index in columns.items()}
        if not any(cells.values()):
            continue
        problem = _row_problem(cells, units, kinds, counts)
        if problem is not None:
            column, reason = problem
            bad.append(BadRow(line, column, shown_count(cells[column]), reason))
            continue
        unit, kind = units[_key(cells[UNIT_CODE])], kinds[_key(cells[KIND])]
        heads, exempt = parse_count(cells[HEADS]), parse_count(cells[EXEMPT])
        counts.setdefault(unit.id, {})[kind] = Count(heads or 0, exempt or 0)
    return counts, bad


def _row_problem(cells, units, kinds, counts) -> tuple[str, str] | None:
    unit, kind = units.get(_key(cells[UNIT_CODE])), kinds.get(_key(cells[KIND]))
    heads, exempt = parse_count(cells[HEADS]), parse_count(cells[EXEMPT])
    checks = [
        (UNIT_CODE, unit is None, "unit"),
        (KIND, kind is None, "kind"),
        (HEADS, heads is None, "count"),
        (EXEMPT, exempt is None, "count"),
        (EXEMPT, (exempt or 0) > (heads or 0), "exempt"),
        (KIND, unit is not None and kind in counts.get(unit.id, {}), "twice"),
    ]
    return next(((column, reason) for column, failed, reason in checks if failed), None)


def _cell(row: list[object], index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    value = row[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def template_rows(session: Session, campaign: Campaign, kinds: list[str]) -> list[list[object]]:
    """Every child unit × kind of payer with its current counts: the template to fill in."""
    units = norm_units(session, campaign)
    current = unit_counts(session, campaign.id, [u.id for u in units])
    rows: list[list[object]] = []
    for unit in units:
        for kind in kinds:
            count = current[unit.id].get(kind, Count(0))
            rows.append([unit.code, unit.name, kind_label(kind), count.heads, count.exempt])
    return rows


def template_notes() -> list[tuple[str, str]]:
    """The template's "Hướng dẫn" sheet: each column and what it takes (printed in Vietnamese,
    as the plans are)."""
    kinds = "; ".join(kind_label(k) for k in KINDS)
    return [
        (UNIT_CODE, "Mã đơn vị trực thuộc, như trong tệp mẫu (không sửa)."),
        (UNIT_NAME, "Tên đơn vị, để đọc cho dễ (không bắt buộc)."),
        (KIND, f"Một trong: {kinds}."),
        (HEADS, "Số người (số hộ, số học sinh…) thuộc đối tượng này; 0 nếu không có."),
        (EXEMPT, "Số được miễn (ví dụ hộ nghèo), không lớn hơn số người."),
    ]
