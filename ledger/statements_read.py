"""Read a bank statement (sao kê) from the rows of a spreadsheet: pure, no database.

Vietnamese banks print a title block above the table (bank, account, period, "Số dư đầu kỳ"),
then a header row with Vietnamese (often bilingual) column names, the lines, and footer rows
("Tổng cộng", "Số dư cuối kỳ"). This module finds the header row, maps the columns by name
(accent- and case-insensitive), reads each line to a signed amount (credit > 0, debit < 0) and
names each bad cell by row and column; it reads the bank's opening and closing balances when
printed, else derives them from the running balance, and checks that they agree with the lines.

Presets: the header names each bank's export uses, as found in public code that parses them
(searched 2026-12-06; the repositories' code was read, not copied):
- Vietcombank: a Vietcombank parser (``VCBParser``, field_aliases) reads "Ngày hiệu lực /
  Effective date", "Số CT / Doc No", "Nội dung chi tiết / Transactions in detail",
  "Số tiền ghi nợ / Debit", "Số tiền ghi có / Credit"; a C-Cash bank-statement config
  (Anhph-Ccash/C-cash_bks_repo, BULK_UPLOAD_GUIDE.md) names "Số dư đầu kỳ", "Số dư cuối kỳ",
  "Ngày GD", "Diễn giải", "Ghi nợ", "Ghi có" for VCB.
- BIDV: a BIDV parser (``BIDVParser``) finds the header by "Ngày hiệu lực" + "Ghi nợ" + "Ghi có",
  reads "Mô tả" and "Số dư", the opening from a "Dư đầu" row and the closing from "Dư cuối".
- VietinBank: a VietinBank eFAST parser (``VTBParser``) reads "Ngày hạch toán / Accounting date"
  or "Ngày phát sinh / Transaction date", "Mô tả giao dịch / Transaction description",
  "Nợ / Debit", "Có / Credit", "Số dư TK / Account balance", "Số giao dịch / Transaction number",
  "Số dư đầu kỳ / Opening balance", "Số dư cuối kỳ / Closing balance".
- Agribank: no public source naming its Excel columns was found; the preset is the most common
  layout ("Ngày giao dịch", "Số bút toán", "Diễn giải", "Phát sinh nợ", "Phát sinh có", "Số dư").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from .dates import parse_date
from .errors import _l
from .text import clean, fold

#: how far down the title block may reach before the header row
HEADER_SEARCH_ROWS = 60
#: the most lines one statement file may hold
MAX_LINES = 20_000
#: the largest amount a statement line may carry (10^13 đồng)
MAX_LINE_AMOUNT = 10**13

#: the fields a column can hold; "date" and an amount (signed, or credit/debit) are required
FIELDS = ("date", "value_date", "ref", "description", "credit", "debit", "amount", "kind")
FIELDS_ALL = (*FIELDS, "balance", "counterparty")
FIELD_NAMES = {
    "date": _l("Ngày giao dịch"),
    "value_date": _l("Ngày hiệu lực"),
    "ref": _l("Số tham chiếu"),
    "description": _l("Nội dung"),
    "credit": _l("Ghi có (tiền vào)"),
    "debit": _l("Ghi nợ (tiền ra)"),
    "amount": _l("Số tiền (có dấu)"),
    "kind": _l("Loại (Nợ/Có)"),
    "balance": _l("Số dư"),
    "counterparty": _l("Đối tác"),
}

#: header names (folded when compared) any bank may use for each field
ALIASES: dict[str, tuple[str, ...]] = {
    "date": (
        "ngày giao dịch",
        "ngày gd",
        "ngày",
        "ngày hạch toán",
        "ngày phát sinh",
        "ngày thực hiện",
        "ngày ghi sổ",
        "thời gian giao dịch",
        "thời gian",
        "ngày tnx",
        "ngày tnx date",
        "tnx date",
        "transaction date",
        "accounting date",
        "posting date",
        "date",
        "txn date",
    ),
    "value_date": ("ngày hiệu lực", "effective date", "value date"),
    "ref": (
        "số bút toán",
        "số tham chiếu",
        "mã giao dịch",
        "số ct",
        "số chứng từ",
        "số giao dịch",
        "mã gd",
        "số gd",
        "số ref",
        "reference",
        "reference no",
        "ref no",
        "doc no",
        "transaction number",
        "transaction no",
        "seq no",
    ),
    "description": (
        "nội dung",
        "diễn giải",
        "mô tả",
        "nội dung giao dịch",
        "chi tiết giao dịch",
        "nội dung chi tiết",
        "mô tả giao dịch",
        "diễn giải giao dịch",
        "nội dung thanh toán",
        "transactions in detail",
        "transaction description",
        "description",
        "narrative",
        "details",
        "remark",
    ),
    "credit": (
        "ghi có",
        "số tiền ghi có",
        "có",
        "ps có",
        "phát sinh có",
        "số tiền có",
        "tiền vào",
        "số tiền vào",
        "credit",
        "credit amount",
        "deposit",
    ),
    "debit": (
        "ghi nợ",
        "số tiền ghi nợ",
        "nợ",
        "ps nợ",
        "phát sinh nợ",
        "số tiền nợ",
        "tiền ra",
        "số tiền ra",
        "debit",
        "debit amount",
        "withdrawal",
    ),
    "amount": (
        "số tiền",
        "số tiền giao dịch",
        "số tiền phát sinh",
        "phát sinh",
        "amount",
        "transaction amount",
    ),
    "kind": ("loại", "loại giao dịch", "nợ/có", "có/nợ", "c/d", "d/c", "dr/cr", "cr/dr", "type"),
    "balance": (
        "số dư",
        "số dư sau giao dịch",
        "số dư tk",
        "số dư tài khoản",
        "số dư cuối",
        "balance",
        "account balance",
        "running balance",
    ),
    "counterparty": (
        "đối tác",
        "tên đối ứng",
        "tài khoản đối ứng",
        "người chuyển",
        "người hưởng/người chuyển",
        "đơn vị thụ hưởng/đơn vị chuyển",
        "counterparty",
        "payee/payer",
        "beneficiary/remitter",
    ),
}


@dataclass(frozen=True)
class Preset:
    """A bank's statement layout: the words its title block prints, its header names."""

    key: str
    label: str
    bins: tuple[str, ...]
    markers: tuple[str, ...]
    headers: dict[str, tuple[str, ...]]


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset(
            "vietcombank",
            "Vietcombank",
            ("970436",),
            ("vietcombank", "ngoai thuong", "statement of account", "vcb"),
            {
                "date": ("ngày giao dịch", "ngày gd", "transaction date", "ngày tnx date"),
                "value_date": ("ngày hiệu lực", "effective date"),
                "ref": ("số ct", "doc no", "số tham chiếu", "reference no"),
                "description": ("nội dung chi tiết", "transactions in detail", "diễn giải"),
                "debit": ("số tiền ghi nợ", "debit", "ghi nợ"),
                "credit": ("số tiền ghi có", "credit", "ghi có"),
                "balance": ("số dư", "balance"),
            },
        ),
        Preset(
            "vietinbank",
            "VietinBank",
            ("970415",),
            ("vietinbank", "cong thuong", "transaction history"),
            {
                "date": ("ngày hạch toán", "accounting date", "ngày phát sinh", "transaction date"),
                "ref": ("số giao dịch", "transaction number"),
                "description": ("mô tả giao dịch", "transaction description"),
                "debit": ("nợ", "debit"),
                "credit": ("có", "credit"),
                "balance": ("số dư tk", "account balance", "số dư"),
            },
        ),
        Preset(
            "bidv",
            "BIDV",
            ("970418",),
            ("bidv", "dau tu va phat trien", "bao cao chi tiet so du tai khoan"),
            {
                "value_date": ("ngày hiệu lực", "effective date"),
                "date": ("ngày giao dịch", "transaction date"),
                "ref": ("số bút toán", "số tham chiếu", "reference"),
                "description": ("mô tả", "description"),
                "debit": ("ghi nợ", "debit"),
                "credit": ("ghi có", "credit"),
                "balance": ("số dư", "balance"),
            },
        ),
        Preset(
            "agribank",
            "Agribank",
            ("970405", "970499"),
            ("agribank", "nong nghiep va phat trien nong thon"),
            {
                "date": ("ngày giao dịch", "ngày gd"),
                "ref": ("số bút toán", "số ct", "mã giao dịch"),
                "description": ("diễn giải", "nội dung"),
                "debit": ("phát sinh nợ", "ps nợ", "ghi nợ", "số tiền ghi nợ"),
                "credit": ("phát sinh có", "ps có", "ghi có", "số tiền ghi có"),
                "balance": ("số dư", "số dư sau giao dịch"),
            },
        ),
    )
}

_OPENING = ("so du dau ky", "du dau", "so du dau", "opening balance", "so du dau ngay")
_CLOSING = ("so du cuoi ky", "du cuoi", "so du cuoi", "closing balance", "so du cuoi ngay")
_SUMMARY = ("tong cong", "cong phat sinh", "tong phat sinh", "total", "cong:", "tong so")
_CREDIT_KINDS = {"c", "cr", "co", "credit", "+", "ghi co", "tien vao"}
_DEBIT_KINDS = {"d", "dr", "no", "debit", "-", "ghi no", "tien ra"}


@dataclass
class LineError:
    """Why one row of the statement cannot be read; ``row`` is the spreadsheet's row number."""

    row: int
    column: str
    reason: str
    value: str = ""
    #: numbers the reason's message names (a balance mismatch)
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The reason's msgid (translate, then ``% params``)."""
        return str(_REASONS[self.reason])


@dataclass
class Line:
    """One movement, as the bank printed it; ``row`` is the spreadsheet's row number."""

    row: int
    line_date: date
    amount: int
    value_date: date | None = None
    balance_after: int | None = None
    bank_ref: str = ""
    description: str = ""
    counterparty: str = ""
    fingerprint: str = ""


@dataclass
class Statement:
    """What a file says: lines, bad rows, balances and whether they agree."""

    lines: list[Line] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    #: the header row's number and the column each field was read from (field → header text)
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    layout: str = ""
    opening: int | None = None
    closing: int | None = None
    opening_printed: bool = False
    closing_printed: bool = False
    #: disagreements between balances and lines (row 0: the statement as a whole)
    mismatches: list[LineError] = field(default_factory=list)
    #: the account number printed above the table ("Số tài khoản: …"), digits only; "" if none
    account_number: str = ""

    @property
    def period(self) -> tuple[date, date] | None:
        if not self.lines:
            return None
        dates = [line.line_date for line in self.lines]
        return min(dates), max(dates)

    @property
    def credits(self) -> int:
        return sum(line.amount for line in self.lines if line.amount > 0)

    @property
    def debits(self) -> int:
        return -sum(line.amount for line in self.lines if line.amount < 0)


@dataclass
class ColumnsNotFound(Exception):
    """No header row names the required columns: the user maps them once.

    ``header_row`` is the best guess of the header (its number) and ``headers`` its cells."""

    header_row: int
    headers: list[str]
    missing: list[str]


class NotAStatement(ValueError):
    """The table has no row at all, or more lines than one statement may hold."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# ---------------------------------------------------------------------------- columns


def _folded_aliases(table: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    return {name: {fold(a) for a in aliases} for name, aliases in table.items()}


_ALIASES = _folded_aliases(ALIASES)
#: the short words that are a column's name only when written with their accents
_AMBIGUOUS = {"no": "nợ", "co": "có"}
_PRESET_ALIASES = {key: _folded_aliases(p.headers) for key, p in PRESETS.items()}


def header_parts(title: object) -> list[str]:
    """A header cell folded, then its bilingual parts: "Số tiền ghi có / Credit" → the whole,
    "so tien ghi co", "credit" (the whole first, so "Nợ/Có" stays one name)."""
    names = []
    accented = clean(title).casefold()
    for raw in (accented, *re.split(r"[/\n|()]+", accented)):
        text = raw.strip(" :*.")
        folded = fold(text)
        # "Nợ" and "Có" fold to "no" and "co": an English "No." (number) is not a debit
        if folded in _AMBIGUOUS and text != _AMBIGUOUS[folded]:
            folded = ""
        if folded and folded not in names:
            names.append(folded)
        elif not names:
            names.append("")
    return names


def map_columns(header: list[object], aliases: dict[str, set[str]] | None = None) -> dict[str, int]:
    """field → column index for a header row; a column serves one field, the whole header's
    name winning over a part of it."""
    aliases = aliases or _ALIASES
    found: dict[str, int] = {}
    used: set[int] = set()
    for use_parts in (False, True):
        for index, title in enumerate(header):
            if index in used or title is None or not str(title).strip():
                continue
            names = header_parts(title)
            names = names[1:] if use_parts else names[:1]
            for name, words in aliases.items():
                if name not in found and any(n in words for n in names):
                    found[name] = index
                    used.add(index)
                    break
    if "date" not in found and "value_date" in found:
        found["date"] = found.pop("value_date")
    return found


def _usable(columns: dict[str, int]) -> bool:
    return "date" in columns and ("amount" in columns or "credit" in columns or "debit" in columns)


def _missing(columns: dict[str, int]) -> list[str]:
    missing = [] if "date" in columns else ["date"]
    if not ("amount" in columns or "credit" in columns or "debit" in columns):
        missing.append("credit")
    return missing


def parse_column_map(text: str) -> dict[str, str]:
    """A remembered mapping (JSON {field: header text}); {} when none or unreadable."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: str(v) for k, v in data.items() if k in FIELDS_ALL and v}


def _mapped(header: list[object], mapping: dict[str, str]) -> dict[str, int] | None:
    """The remembered mapping applied to a row, when every mapped header is in it."""
    cells = {fold(c): i for i, c in enumerate(header) if c is not None and str(c).strip()}
    found = {name: cells[fold(title)] for name, title in mapping.items() if fold(title) in cells}
    return found if len(found) == len(mapping) and _usable(found) else None


def detect_preset(title_text: str, header: list[object]) -> str:
    """The preset whose words the title block prints (else whose header names match most)."""
    for key, preset in PRESETS.items():
        if any(marker in title_text for marker in preset.markers):
            return key
    best, score = "", 0
    for key, table in _PRESET_ALIASES.items():
        found = len(map_columns(header, table))
        if found > score:
            best, score = key, found
    return best if score >= 4 else ""


# ---------------------------------------------------------------------------- cells


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return clean(str(value), max_length=100)


class CellError(ValueError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


_REASONS = {
    "formula": _l("ô chứa công thức; hãy lưu tệp với giá trị"),
    "date": _l("ngày không hợp lệ (dd/mm/yyyy)"),
    "decimal": _l("số tiền có phần lẻ, không phải số nguyên đồng"),
    "number": _l("không phải số tiền (ví dụ 1.500.000 hoặc 1,500,000)"),
    "too_large": _l("số tiền quá lớn"),
    "bool": _l("ô là giá trị đúng/sai, không phải số tiền"),
    "no_amount": _l("dòng không có số tiền ghi nợ hay ghi có"),
    "both": _l("dòng có cả số tiền ghi nợ và ghi có"),
    "kind": _l("loại giao dịch phải là Nợ (D) hoặc Có (C)"),
    "no_date": _l("dòng có số tiền nhưng không có ngày"),
    "running": _l(
        "số dư sau giao dịch là %(found)s, theo số dư trước và số tiền phải là %(expected)s"
    ),
    "closing": _l(
        "số dư đầu kỳ %(opening)s cộng các dòng (%(total)s) là %(expected)s, "
        "nhưng sao kê ghi số dư cuối kỳ %(found)s"
    ),
}


def reason_text(key: str) -> str:
    """The message (msgid) of a reason key."""
    return _REASONS[key]


def read_date(value: object) -> date | None:
    """A date cell or text: dd/mm/yyyy, dd-mm-yyyy, with a time after it, or a date cell;
    None when empty. Raises ``CellError`` when it is not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (bool, int, float)):
        raise CellError("date")
    text = clean(value)
    if text.startswith("="):
        raise CellError("formula")
    first = text.split(" ")[0].rstrip(",")
    found = parse_date(first)
    if found is None:
        raise CellError("date")
    return found


_SIGNS = re.compile(r"^(?P<neg>[-−(]?)\s*(?P<body>.*?)\s*(?P<tail>[-)]?)$")


def read_amount(value: object) -> int | None:
    """A money cell, signed: numbers, or text with "." or "," thousands separators, a
    trailing ".00"; "-1.000", "(1.000)" and "1.000-" are negative; empty or 0 is None.
    Raises ``CellError`` for text that is not whole đồng."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError("bool")
    if isinstance(value, int):
        amount = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError("decimal")
        amount = int(value)
    else:
        parsed = _amount_text(clean(value))
        if parsed is None:
            return None
        amount = parsed
    if abs(amount) > MAX_LINE_AMOUNT:
        raise CellError("too_large")
    return amount or None


def _amount_text(text: str) -> int | None:
    if text.startswith("="):
        raise CellError("formula")
    text = re.sub(r"(?i)\s*(vnd|vnđ|đồng|đ)\.?$", "", text).replace(" ", "").replace(" ", "")
    if text in ("", "-", "0"):
        return None
    match = _SIGNS.match(text)
    if match is None:  # pragma: no cover - the pattern matches any text
        raise CellError("number")
    negative = bool(match["neg"]) or match["tail"] == "-"
    body = match["body"].lstrip("+")
    decimal = re.match(r"^(?P<whole>.*?)[.,](?P<fraction>[0-9]{1,2})$", body)
    if decimal and not re.match(r"^[0-9]{1,3}([.,][0-9]{3})*$", body):
        if set(decimal["fraction"]) != {"0"}:
            raise CellError("decimal")
        body = decimal["whole"]
    if re.fullmatch(r"[0-9]+", body):
        digits = body
    elif re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", body) or re.fullmatch(
        r"[0-9]{1,3}(,[0-9]{3})+", body
    ):
        digits = re.sub(r"[.,]", "", body)
    else:
        raise CellError("number")
    if len(digits.lstrip("0")) > 15:
        raise CellError("too_large")
    amount = int(digits)
    return -amount if negative else amount


# ---------------------------------------------------------------------------- the file


def read_statement(
    table: Iterable[list[object]], *, column_map: str = "", max_lines: int | None = None
) -> Statement:
    """Read a statement from rows (``spreadsheets.iter_table``), with the account's remembered
    ``column_map`` when it has one. Raises ``ColumnsNotFound`` when no header row names a date
    and an amount, ``NotAStatement`` when the file has no rows or too many lines."""
    rows = list(_bounded(table, max_lines or MAX_LINES))
    if not any(c is not None and str(c).strip() for row in rows for c in row):
        raise NotAStatement("empty")
    header_index, columns = _find_header(rows, parse_column_map(column_map))
    statement = Statement(header_row=header_index + 1)
    header = rows[header_index]
    statement.columns = {name: _text(header[i]) for name, i in columns.items()}
    title_text = " ".join(fold(c) for row in rows[:header_index] for c in row if c is not None)
    statement.layout = "custom" if column_map else detect_preset(title_text, header)
    _balances_from_labels(rows[:header_index], statement)
    for index in range(header_index + 1, len(rows)):
        _read_row(index + 1, rows[index], columns, statement)
    _chronological(statement)
    _check_balances(statement)
    return statement


def _bounded(table: Iterable[list[object]], max_lines: int):
    for count, row in enumerate(table):
        if count > max_lines + HEADER_SEARCH_ROWS:
            raise NotAStatement("rows")
        yield list(row)


def _find_header(rows: list[list[object]], mapping: dict[str, str]) -> tuple[int, dict[str, int]]:
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    if mapping:
        for index in range(limit):
            found = _mapped(rows[index], mapping)
            if found is not None:
                return index, found
    for index in range(limit):
        columns = map_columns(rows[index])
        if _usable(columns):
            return index, columns
    guess = _guess_header(rows[:limit])
    raise ColumnsNotFound(
        header_row=guess + 1,
        headers=[_text(c) for c in rows[guess]],
        missing=_missing(map_columns(rows[guess])),
    )


def _guess_header(rows: list[list[object]]) -> int:
    """The row most likely to be the header: the first whose next row holds a date and
    which has three or more text cells; else the row with the most text cells."""

    def texts(row):
        return sum(1 for c in row if isinstance(c, str) and c.strip() and not _looks_number(c))

    for index in range(len(rows) - 1):
        if texts(rows[index]) >= 3 and any(_is_date(c) for c in rows[index + 1]):
            return index
    return max(range(len(rows)), key=lambda i: (texts(rows[i]), -i))


def _looks_number(text: str) -> bool:
    return bool(re.fullmatch(r"[-+(]?[0-9][0-9., ]*\)?", text.strip()))


def _is_date(value: object) -> bool:
    try:
        return read_date(value) is not None
    except CellError:
        return False


def _balances_from_labels(rows: list[list[object]], statement: Statement) -> None:
    """ "Số dư đầu kỳ: 12.000.000" (in one cell or the next ones) above or below the table,
    and the account number the bank printed there."""
    for row in rows:
        if not _label_balance(row, statement) and not statement.account_number:
            statement.account_number = _printed_account(row)


_ACCOUNT_LABELS = ("so tai khoan", "account number", "so tk", "tai khoan so", "account no")


def _printed_account(row: list[object]) -> str:
    """The digits of "Số tài khoản: 0011 0044 55667" (in the cell or the next non-empty one);
    "" when the row names no account or prints it masked (0011***667)."""
    for index, cell in enumerate(row):
        text = fold(cell)
        if not any(text.startswith(label) for label in _ACCOUNT_LABELS):
            continue
        after = str(cell).split(":", 1)[1] if ":" in str(cell) else ""
        if not after.strip():
            after = next((str(c) for c in row[index + 1 :] if c is not None and str(c).strip()), "")
        token = after.strip().split("  ")[0]
        if "*" in token or "x" in token.lower():
            return ""
        digits = "".join(ch for ch in token if ch.isdigit())
        return digits if 6 <= len(digits) <= 30 else ""
    return ""


def _label_balance(row: list[object], statement: Statement) -> bool:
    for index, cell in enumerate(row):
        text = fold(cell)
        if not text:
            continue
        for labels, attr in ((_OPENING, "opening"), (_CLOSING, "closing")):
            if any(text.startswith(label) or f" {label}" in text for label in labels):
                value = _number_after(text, row[index + 1 :])
                if value is not None:
                    setattr(statement, attr, value)
                    setattr(statement, f"{attr}_printed", True)
                return True
    return False


def _number_after(label: str, rest: list[object]) -> int | None:
    inline = re.search(r"[:：]\s*([-(]?[0-9][0-9.,]*\)?)", label)
    candidates: list[object] = [inline.group(1)] if inline else []
    candidates += [c for c in rest if c not in (None, "")]
    for value in candidates:
        try:
            amount = read_amount(value)
        except CellError:
            continue
        if amount is not None or str(value).strip() in ("0", "0.00"):
            return amount or 0
    return None


def _cell(row: list[object], columns: dict[str, int], name: str) -> object:
    index = columns.get(name)
    return row[index] if index is not None and index < len(row) else None


def _read_row(number: int, row: list[object], columns: dict[str, int], statement: Statement):
    if all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
        return
    if not _is_date(_cell(row, columns, "date")):  # a footer: totals, the closing balance
        folded = " ".join(fold(c) for c in row if c is not None)
        if _label_balance(row, statement) or any(s in folded for s in _SUMMARY):
            return
    errors: list[LineError] = []

    def bad(name: str, reason: str) -> None:
        errors.append(
            LineError(number, str(FIELD_NAMES[name]), reason, _text(_cell(row, columns, name)))
        )

    line_date = _date_field(row, columns, "date", bad)
    value_date = _date_field(row, columns, "value_date", bad) if "value_date" in columns else None
    amount = _amount(row, columns, bad)
    balance = None
    if "balance" in columns:
        try:
            balance = read_amount(_cell(row, columns, "balance"))
        except CellError as error:
            bad("balance", error.reason)
        if balance is None and _text(_cell(row, columns, "balance")) in ("0", "0.00"):
            balance = 0
    if line_date is None and amount is None and not errors:
        return  # a wrapped description or a blank row between pages
    if line_date is None and not errors:
        bad("date", "no_date")
    if amount is None and not errors:
        bad("credit" if "credit" in columns else "amount", "no_amount")
    if errors or line_date is None or amount is None:
        statement.errors.extend(errors)
        return
    statement.lines.append(
        Line(
            row=number,
            line_date=line_date,
            value_date=value_date,
            amount=amount,
            balance_after=balance,
            bank_ref=clean(_cell(row, columns, "ref"), max_length=100)
            or _ref_in_date_cell(_cell(row, columns, "date")),
            description=clean(_cell(row, columns, "description"), max_length=1000),
            counterparty=clean(_cell(row, columns, "counterparty"), max_length=300),
        )
    )


def _ref_in_date_cell(value: object) -> str:
    """Vietcombank prints "Ngày TNX Date / Số CT Doc No" as one column: "31/10/2023" then the
    document number on the next line of the same cell; that number is the line's ref."""
    if not isinstance(value, str):
        return ""
    rest = clean(value).split(" ")[1:]
    if len(rest) != 1 or re.fullmatch(r"[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?", rest[0]):
        return ""
    return rest[0][:100]


def _date_field(row, columns, name, bad) -> date | None:
    try:
        return read_date(_cell(row, columns, name))
    except CellError as error:
        bad(name, error.reason)
        return None


def _amount(row, columns, bad) -> int | None:
    values: dict[str, int | None] = {}
    for name in ("credit", "debit", "amount"):
        if name in columns:
            try:
                values[name] = read_amount(_cell(row, columns, name))
            except CellError as error:
                bad(name, error.reason)
                return None
    credit, debit = values.get("credit"), values.get("debit")
    if credit and debit:
        bad("credit", "both")
        return None
    if credit or debit:
        return abs(credit) if credit else -abs(debit or 0)
    amount = values.get("amount")
    if amount is None or "kind" not in columns:
        return amount
    kind = fold(_cell(row, columns, "kind")).strip(" .")
    if kind in _CREDIT_KINDS:
        return abs(amount)
    if kind in _DEBIT_KINDS:
        return -abs(amount)
    bad("kind", "kind")
    return None


# ---------------------------------------------------------------------------- balances


def _chronological(statement: Statement) -> None:
    """Lines oldest first (some banks list the newest first)."""
    lines = statement.lines
    if len(lines) > 1 and lines[0].line_date > lines[-1].line_date:
        lines.reverse()


def _check_balances(statement: Statement) -> None:
    lines = statement.lines
    if not lines:
        return
    with_balance = [line for line in lines if line.balance_after is not None]
    if statement.opening is None and lines[0].balance_after is not None:
        statement.opening = lines[0].balance_after - lines[0].amount
    if statement.closing is None and with_balance and lines[-1].balance_after is not None:
        statement.closing = lines[-1].balance_after
    if statement.opening is None:
        return
    running = statement.opening
    for line in lines:
        running += line.amount
        if line.balance_after is not None and line.balance_after != running:
            statement.mismatches.append(
                LineError(
                    line.row,
                    str(FIELD_NAMES["balance"]),
                    "running",
                    params={"found": line.balance_after, "expected": running},
                )
            )
            running = line.balance_after
    total = sum(line.amount for line in lines)
    expected = statement.opening + total
    if statement.closing is not None and expected != statement.closing:
        statement.mismatches.append(
            LineError(
                0,
                "",
                "closing",
                params={
                    "opening": statement.opening,
                    "total": total,
                    "expected": expected,
                    "found": statement.closing,
                },
            )
        )


# ---------------------------------------------------------------------------- fingerprints


def _normalised(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", fold(text)).strip()


def fingerprint_lines(account_id: int, lines: list[Line]) -> None:
    """Give each line its fingerprint: account, date, signed amount, the bank's ref (else the
    description normalised: no case, accents or punctuation), and its occurrence among the
    lines of the file with the same four. An overlapping statement prints the overlapping days
    whole, so their lines get the same fingerprints in both files."""
    seen: dict[str, int] = {}
    for line in lines:
        key = line.bank_ref.strip().upper() or _normalised(line.description)
        base = f"{account_id}|{line.line_date.isoformat()}|{line.amount}|{key}"
        seen[base] = seen.get(base, 0) + 1
        line.fingerprint = hashlib.sha256(f"{base}|{seen[base]}".encode()).hexdigest()
