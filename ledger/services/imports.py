"""Import receipts from the spreadsheets treasurers already keep: preview, then all-or-nothing.

Columns (header row, Vietnamese or English): Ngày, Số biên lai, Đơn vị, Người ủng hộ, Số tiền,
Hình thức, Nguồn thu, Ghi chú. Each bad cell is named by row, column and the value found. Re-importing the same rows adds nothing: each row gets a key from its
content and its occurrence in the file.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from ..dates import parse_date
from ..errors import ImportHasErrors, InvalidAmount, LedgerError, _l
from ..models import Receipt, Unit
from ..money import parse_amount
from ..text import clean, fold, unit_key
from .donors import resolve_donors
from .receipts import ReceiptInput, record_receipts
from .units import subtree_ids

COLUMNS = {
    "date": ("ngày", "ngay", "date", "ngày thu"),
    "reference": ("số biên lai", "so bien lai", "biên lai", "reference", "slip", "receipt no"),
    "unit": ("đơn vị", "don vi", "unit", "xã", "đơn vị được ghi nhận"),
    "donor": ("người ủng hộ", "nguoi ung ho", "donor", "nhà hảo tâm", "họ tên", "người nộp"),
    "amount": ("số tiền", "so tien", "amount", "số tiền (đồng)"),
    "method": ("hình thức", "hinh thuc", "method", "hình thức nộp"),
    "source": ("nguồn thu", "nguon thu", "source", "nguồn"),
    "note": ("ghi chú", "ghi chu", "note", "notes"),
}
REQUIRED = ("date", "donor", "amount")
METHODS = {
    "tiền mặt": "cash",
    "tien mat": "cash",
    "cash": "cash",
    "tm": "cash",
    "chuyển khoản": "bank",
    "chuyen khoan": "bank",
    "bank": "bank",
    "ck": "bank",
    "ngân hàng": "bank",
    "ngan hang": "bank",
    "": "cash",
}
#: what the "Nguồn thu" column may say, and the source it means; empty: a donation
SOURCE_WORDS = {
    "donation": ("", "ủng hộ", "donation", "quyên góp"),
    "designated": ("ủng hộ có địa chỉ", "designated"),
    "budget": ("ngân sách cấp", "ngân sách", "budget"),
    "interest": ("lãi tiền gửi", "lãi", "interest"),
    "other": ("khác", "other"),
}
SOURCES = {fold(word): source for source, words in SOURCE_WORDS.items() for word in words}
COLUMN_NAMES = {
    "date": "Ngày",
    "reference": "Số biên lai",
    "unit": "Đơn vị",
    "donor": "Người ủng hộ",
    "amount": "Số tiền",
    "method": "Hình thức",
    "source": "Nguồn thu",
    "note": "Ghi chú",
}
#: the columns of the downloadable template, in order, an example row, and what each takes
TEMPLATE_COLUMNS = ("date", "reference", "unit", "donor", "amount", "method", "source", "note")
TEMPLATE_NOTES = {
    "date": "Bắt buộc. Ngày thu, dạng dd/mm/yyyy (ví dụ 15/03/2018) hoặc ô ngày của Excel.",
    "reference": "Không bắt buộc. Số biên lai của thủ quỹ, để đối chiếu.",
    "unit": "Không bắt buộc. Đơn vị được ghi nhận khoản thu (tên hoặc mã, trong phạm vi quỹ); "
    "để trống là chính đơn vị của quỹ.",
    "donor": "Bắt buộc. Họ tên người, cơ quan hoặc doanh nghiệp ủng hộ.",
    "amount": "Bắt buộc. Số tiền bằng đồng, số nguyên: 10000000 hoặc 10.000.000.",
    "method": "Không bắt buộc. “Tiền mặt” (TM) hoặc “Chuyển khoản” (CK); để trống là tiền mặt.",
    "source": "Không bắt buộc. “Ủng hộ”, “Ủng hộ có địa chỉ”, “Ngân sách cấp”, “Lãi tiền gửi” "
    "hoặc “Khác”; để trống là ủng hộ.",
    "note": "Không bắt buộc. Ghi chú thêm.",
}


def template_parts(example_unit: str) -> dict:
    """What the template workbook holds: headers, one example row, the money column, notes."""
    example = {
        "date": date(date.today().year, 3, 15),
        "reference": "BL-001",
        "unit": example_unit,
        "donor": "Công ty TNHH Minh An",
        "amount": 10_000_000,
        "method": "Chuyển khoản",
        "source": "Ủng hộ",
        "note": "",
    }
    return {
        "headers": [COLUMN_NAMES[c] for c in TEMPLATE_COLUMNS],
        "example": [example[c] for c in TEMPLATE_COLUMNS],
        "money_columns": [TEMPLATE_COLUMNS.index("amount")],
        "notes": [(COLUMN_NAMES[c], TEMPLATE_NOTES[c]) for c in TEMPLATE_COLUMNS],
    }


class MissingColumns(LedgerError):
    default = _l("Thiếu cột bắt buộc: %(columns)s. Dòng đầu tiên phải là tiêu đề cột.")


class ImportTooSlow(LedgerError):
    default = _l(
        "Tệp quá lớn để kiểm tra trong một lần (đã quá %(seconds)s giây, đến dòng "
        "%(row)s). Hãy chia tệp thành nhiều tệp nhỏ hơn rồi tải lên lần lượt."
    )


@dataclass
class RowError:
    """Why one row cannot be imported."""

    row: int
    column: str
    reason: str
    #: the cell as the file has it (cut to 100 characters), "" when it was empty
    value: str = ""


@dataclass
class ImportRow:
    """One good row, ready to record."""

    row: int
    data: ReceiptInput
    donor: str
    unit_name: str


@dataclass
class Preview:
    """What an import would do; nothing is stored while ``error_count`` is not 0.

    ``rows`` and ``errors`` hold every good row and every reason, or only the first ``limit``
    of each when a preview is for showing (the counts and the total stay exact).
    """

    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates: int = 0
    row_count: int = 0
    error_count: int = 0
    total: int = 0

    @property
    def complete(self) -> bool:
        """Whether every good row is in ``rows`` (so the preview can be committed)."""
        return len(self.rows) == self.row_count


def preview_import(
    session: Session,
    *,
    unit_id: int,
    table: Iterable[list[object]],
    limit: int | None = None,
    seconds: float | None = None,
) -> Preview:
    """Check every row against the fund ``unit_id``; report each bad row and column.

    ``table`` may be a stream of rows. ``limit`` keeps only the first good rows and reasons
    (a page need not hold 190,000 of them); ``seconds`` bounds the time spent, past which the
    file is refused as too large (``ImportTooSlow``).
    """
    rows = iter(table)
    header = next(rows, None)
    if header is None:
        raise MissingColumns(columns=", ".join(COLUMN_NAMES[c] for c in REQUIRED))
    columns = _columns(header)
    units = _unit_lookup(session, unit_id)
    preview = Preview()
    seen: dict[str, int] = {}
    errors: list[RowError] = []
    existing = _existing_keys(session, unit_id)
    deadline = time.monotonic() + seconds if seconds is not None else None
    for number, cells in enumerate(rows, start=2):
        if deadline is not None and number % 256 == 0 and time.monotonic() > deadline:
            raise ImportTooSlow(seconds=int(seconds or 0), row=number)
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        parsed = _parse_row(number, cells, columns, units, unit_id, errors)
        if errors:
            preview.error_count += len(errors)
            if limit is None or len(preview.errors) < limit:
                preview.errors.extend(
                    errors[: None if limit is None else limit - len(preview.errors)]
                )
            errors.clear()
        if parsed is None:
            continue
        base = _row_key(unit_id, parsed)
        seen[base] = seen.get(base, 0) + 1
        parsed.data.import_key = hashlib.sha256(f"{base}|{seen[base]}".encode()).hexdigest()
        if parsed.data.import_key in existing:
            preview.duplicates += 1
            continue
        preview.row_count += 1
        preview.total += parsed.data.amount
        if limit is None or len(preview.rows) < limit:
            preview.rows.append(parsed)
    return preview


def commit_import(
    session: Session, *, unit_id: int, preview: Preview, user_id: int | None = None
) -> int:
    """Record every row of an error-free preview; returns how many receipts were added."""
    if preview.error_count:
        raise ImportHasErrors()
    if not preview.complete:
        raise ValueError("a preview cut to its first rows cannot be committed")
    donors = resolve_donors(session, unit_id=unit_id, names=[r.donor for r in preview.rows])
    for row in preview.rows:
        row.data.donor_id = donors[fold(row.donor)[:200]]
    record_receipts(session, unit_id=unit_id, items=[r.data for r in preview.rows], user_id=user_id)
    return len(preview.rows)


def _columns(header: list[object]) -> dict[str, int]:
    found = {}
    for index, title in enumerate(header):
        key = fold(title)
        for name, aliases in COLUMNS.items():
            if key in {fold(a) for a in aliases} and name not in found:
                found[name] = index
    missing = [COLUMN_NAMES[c] for c in REQUIRED if c not in found]
    if missing:
        raise MissingColumns(columns=", ".join(missing))
    return found


def _unit_lookup(session: Session, unit_id: int) -> dict[str, Unit]:
    units = session.exec(select(Unit).where(col(Unit.id).in_(subtree_ids(session, unit_id))))
    lookup: dict[str, Unit] = {}
    for unit in units:
        for name in (unit.name, unit.printed_name or "", unit.code):
            if name:
                lookup.setdefault(unit_key(name), unit)
                lookup.setdefault(fold(unit_key(name)), unit)
    return lookup


def _existing_keys(session: Session, unit_id: int) -> set[str]:
    keys = session.exec(
        select(Receipt.import_key).where(
            col(Receipt.unit_id) == unit_id, col(Receipt.import_key).is_not(None)
        )
    )
    return {key for key in keys if key is not None}


def _cell(cells, columns, name):
    index = columns.get(name)
    return cells[index] if index is not None and index < len(cells) else None


def _parse_row(number, cells, columns, units, unit_id, errors) -> ImportRow | None:
    before = len(errors)

    def bad(column: str, reason: str) -> None:
        value = _shown(_cell(cells, columns, column))
        errors.append(RowError(row=number, column=COLUMN_NAMES[column], reason=reason, value=value))

    day = _parse_date_cell(_cell(cells, columns, "date"), bad)
    amount = _parse_amount_cell(_cell(cells, columns, "amount"), bad)
    donor = clean(_cell(cells, columns, "donor"), max_length=200)
    if not donor:
        bad("donor", _l("chưa ghi người ủng hộ"))
    unit = _parse_unit(_cell(cells, columns, "unit"), units, unit_id, bad)
    method_text = fold(_cell(cells, columns, "method"))
    if method_text not in METHODS:
        bad("method", _l("hình thức phải là “tiền mặt” (TM) hoặc “chuyển khoản” (CK)"))
    source_text = fold(_cell(cells, columns, "source"))
    if source_text not in SOURCES:
        bad(
            "source",
            _l(
                "nguồn thu phải là “ủng hộ”, “ủng hộ có địa chỉ”, “ngân sách cấp”, “lãi tiền gửi” hoặc “khác”"
            ),
        )
    if len(errors) > before or unit is None or day is None or amount is None:
        return None  # each of these added its error above
    return ImportRow(
        row=number,
        donor=donor,
        unit_name=unit.name,
        data=ReceiptInput(
            receipt_date=day,
            amount=amount,
            method=METHODS[method_text],
            source=SOURCES[source_text],
            payer_name=donor,
            credit_unit_id=unit.id,
            reference=clean(_cell(cells, columns, "reference"), max_length=60),
            note=clean(_cell(cells, columns, "note"), max_length=500),
            reason="Ủng hộ Quỹ Bảo trợ trẻ em",
        ),
    )


def _parse_date_cell(value, bad) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip().startswith("="):
        bad("date", _l("ô chứa công thức; hãy nhập giá trị"))
        return None
    parsed = parse_date(clean(value)) if value not in (None, "") else None
    if parsed is None:
        bad("date", _l("ngày không hợp lệ (dd/mm/yyyy)"))
    return parsed


def _parse_amount_cell(value, bad) -> int | None:
    if isinstance(value, bool):
        bad("amount", _l("ô là giá trị đúng/sai, không phải số tiền"))
        return None
    if isinstance(value, str) and value.strip().startswith("="):
        bad("amount", _l("ô chứa công thức; hãy nhập số tiền"))
        return None
    try:
        return parse_amount(value if isinstance(value, (int, float)) else clean(value))
    except InvalidAmount as error:
        bad("amount", error.message)
        return None


def _parse_unit(value, units, unit_id, bad) -> Unit | None:
    text = clean(value)
    if not text:
        unit = units.get("__self__") or _self_unit(units, unit_id)
    else:
        unit = units.get(unit_key(text)) or units.get(fold(unit_key(text)))
    if unit is None:
        bad("unit", _l("không có đơn vị này trong phạm vi quỹ"))
    return unit


def _self_unit(units, unit_id):
    return next((u for u in units.values() if u.id == unit_id), None)


def _row_key(unit_id: int, row: ImportRow) -> str:
    data = row.data
    return "|".join(
        str(v)
        for v in (
            unit_id,
            data.receipt_date,
            data.reference,
            data.credit_unit_id,
            fold(row.donor),
            data.amount,
            data.method,
            fold(data.note),
        )
    ) + ("" if data.source == "donation" else f"|{data.source}")  # older files' keys unchanged


def _shown(value) -> str:
    """A cell's value as a message quotes it."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return clean(str(value), max_length=100)
