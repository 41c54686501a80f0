"""Statement import: every bank's layout is read, amounts in any form, balances checked, hostile
files refused, an overlapping statement adds only its new lines, and the CLI does the same."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

from ledger.errors import ImportRejected
from ledger.models import AuditEvent, BankStatement, StatementLine
from ledger.services.statements import (
    ColumnsNotFound,
    StatementRefused,
    import_statement,
    preview_statement,
    save_column_map,
)
from ledger.statements_read import (
    CellError,
    Line,
    fingerprint_lines,
    read_amount,
    read_date,
    read_statement,
)

from .bankworld import make_account
from .make_statements import OPENING, agribank, lines, vietcombank

FILES = Path(__file__).parent / "files"


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(rows, delimiter=",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode("utf-8")


def read(rows, **kw):
    return read_statement([list(r) for r in rows], **kw)


# ---------------------------------------------------------------------------- layouts

#: each bank's header row as its export prints it (statements_read's docstring cites where the
#: names were found), with a title block above and the lines' cells in that bank's habit
PRESET_FILES = {
    "vietcombank": (
        ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM", None, None],
        ["SAO KÊ TÀI KHOẢN / STATEMENT OF ACCOUNT"],
        [
            "Ngày giao dịch / Transaction date",
            "Số CT / Doc No",
            "Số tiền ghi nợ / Debit",
            "Số tiền ghi có / Credit",
            "Số dư / Balance",
            "Nội dung chi tiết / Transactions in detail",
        ],
        ["01/12/2026", "5243.1", "", "1,000,000", "11,000,000", "MBVCB.1.NGUYEN VAN A ung ho"],
        ["02/12/2026", "5243.2", "22,000", "", "10,978,000", "Phi SMS"],
    ),
    "vietinbank": (
        ["VIETINBANK - LỊCH SỬ GIAO DỊCH - TRANSACTION HISTORY"],
        ["Số dư đầu kỳ / Opening balance", "10.000.000"],
        [
            "STT",
            "Ngày hạch toán / Accounting date",
            "Mô tả giao dịch / Transaction description",
            "Nợ / Debit",
            "Có / Credit",
            "Số dư TK / Account balance",
            "Số giao dịch / Transaction number",
        ],
        [1, "01/12/2026 09:15:00", "NGUYEN VAN A ung ho", None, "1.000.000", "11.000.000", "A1"],
        [2, "02/12/2026 10:00:00", "Phi SMS", "22.000", None, "10.978.000", "A2"],
    ),
    "bidv": (
        ["NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM"],
        ["BÁO CÁO CHI TIẾT SỐ DƯ TÀI KHOẢN"],
        ["Số dư đầu kỳ:", 10_000_000],
        ["Ngày hiệu lực", "Số bút toán", "Ghi nợ", "Ghi có", "Số dư", "Mô tả"],
        [datetime(2026, 12, 1, 9, 0), "B1", 0, 1_000_000, 11_000_000, "NGUYEN VAN A ung ho"],
        [datetime(2026, 12, 2, 9, 0), "B2", 22_000, 0, 10_978_000, "Phi SMS"],
        ["Số dư cuối kỳ:", 10_978_000],
    ),
    "agribank": (
        ["NGÂN HÀNG NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN VIỆT NAM"],
        ["Số dư đầu kỳ: 10.000.000"],
        ["Ngày giao dịch", "Số bút toán", "Diễn giải", "Phát sinh nợ", "Phát sinh có", "Số dư"],
        ["01-12-2026", "C1", "NGUYEN VAN A ung ho", "", "1.000.000", "11.000.000"],
        ["02-12-2026", "C2", "Phi SMS", "22.000", "", "10.978.000"],
    ),
}


@pytest.mark.parametrize("bank", sorted(PRESET_FILES))
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_every_bank_layout_is_read(bank, kind):
    from ledger.spreadsheets import iter_table

    rows = PRESET_FILES[bank]
    data = (
        xlsx(rows)
        if kind == "xlsx"
        else as_csv([["" if c is None else c for c in r] for r in rows])
    )
    statement = read_statement(iter_table(f"sao-ke.{kind}", data))
    assert statement.errors == []
    assert statement.layout == bank
    assert [(line.line_date, line.amount) for line in statement.lines] == [
        (date(2026, 12, 1), 1_000_000),
        (date(2026, 12, 2), -22_000),
    ]
    assert statement.lines[0].description.endswith("NGUYEN VAN A ung ho")
    assert statement.lines[1].balance_after == 10_978_000
    assert (statement.opening, statement.closing) == (10_000_000, 10_978_000)
    assert statement.mismatches == []


def test_sample_files_read_whole():
    for name in ("statement-vietcombank.xlsx", "statement-agribank.csv"):
        from ledger.spreadsheets import iter_table

        statement = read_statement(iter_table(name, (FILES / name).read_bytes()))
        assert len(statement.lines) == 30 and statement.errors == []
        assert statement.opening_printed and statement.closing_printed
        assert statement.closing == OPENING + sum(line[1] for line in lines(date(2026, 11, 1)))
        assert statement.mismatches == []


def test_title_rows_give_the_balances_and_the_header_is_found_below_them():
    statement = read(
        [
            ["QUỸ BẢO TRỢ TRẺ EM XÃ CHƯƠNG DƯƠNG"],
            ["Từ ngày 01/12/2026 đến ngày 31/12/2026"],
            ["Số dư đầu kỳ", None, "5.000.000 VND"],
            [],
            ["Ngày", "Nội dung giao dịch", "Số tiền"],
            ["03/12/2026", "Lai tien gui", "+1.234"],
            ["04/12/2026", "Chi ho tro", "-500.000"],
            ["Tổng cộng", None, "-498.766"],
            ["Số dư cuối kỳ", None, "4.501.234"],
        ]
    )
    assert statement.header_row == 5
    assert [line.amount for line in statement.lines] == [1_234, -500_000]
    assert statement.opening_printed and statement.closing_printed
    assert statement.mismatches == []


def test_one_amount_column_with_a_credit_debit_kind_column():
    statement = read(
        [
            ["Ngày GD", "Diễn giải", "Loại", "Số tiền"],
            ["01/12/2026", "ung ho", "C", "2,000,000"],
            ["01/12/2026", "phi", "D", "11,000"],
            ["02/12/2026", "?", "X", "5"],
        ]
    )
    assert [line.amount for line in statement.lines] == [2_000_000, -11_000]
    assert [(e.row, e.reason) for e in statement.errors] == [(4, "kind")]


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        ("1.500.000", 1_500_000),
        ("1,500,000", 1_500_000),
        ("1,500,000.00", 1_500_000),
        ("1.500.000,00", 1_500_000),
        ("1500000", 1_500_000),
        ("-1.500.000", -1_500_000),
        ("(1.500.000)", -1_500_000),
        ("1.500.000 VND", 1_500_000),
        (1_500_000, 1_500_000),
        (1_500_000.0, 1_500_000),
        ("", None),
        ("0", None),
    ],
)
def test_amounts_as_numbers_or_text_with_either_separator(cell, amount):
    assert read_amount(cell) == amount


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1.500,50", "decimal"),
        ("1,500.5", "decimal"),
        (1500.5, "decimal"),
        ("1.50.000", "number"),
        ("mười nghìn", "number"),
        ("=SUM(A1:A3)", "formula"),
        (True, "bool"),
    ],
)
def test_amounts_that_are_not_whole_dong_are_refused(cell, reason):
    with pytest.raises(CellError) as refused:
        read_amount(cell)
    assert refused.value.reason == reason


def test_a_decimal_amount_is_named_by_row_and_column():
    statement = read(
        [
            ["Ngày giao dịch", "Nội dung", "Ghi nợ", "Ghi có"],
            ["01/12/2026", "ok", "", "100.000"],
            ["02/12/2026", "le", "", "1.500,50"],
            ["xx/12/2026", "ngay sai", "", "1.000"],
        ]
    )
    assert [(e.row, e.column, e.reason, e.value) for e in statement.errors] == [
        (3, "Ghi có (tiền vào)", "decimal", "1.500,50"),
        (4, "Ngày giao dịch", "date", "xx/12/2026"),
    ]
    assert len(statement.lines) == 1


@pytest.mark.parametrize(
    "cell",
    [
        "05/12/2026",
        "05-12-2026",
        "05/12/2026 14:03:22",
        datetime(2026, 12, 5, 14, 3),
        date(2026, 12, 5),
    ],
)
def test_dates_as_text_with_or_without_time_or_as_cells(cell):
    assert read_date(cell) == date(2026, 12, 5)


def test_a_wrong_running_balance_and_closing_are_reported():
    statement = read(
        [
            ["Số dư đầu kỳ: 1.000.000"],
            ["Ngày", "Nội dung", "Ghi nợ", "Ghi có", "Số dư"],
            ["01/12/2026", "a", "", "100.000", "1.100.000"],
            ["02/12/2026", "b", "", "50.000", "1.160.000"],
            ["Số dư cuối kỳ: 1.200.000"],
        ]
    )
    assert [(m.row, m.reason) for m in statement.mismatches] == [(4, "running"), (0, "closing")]
    assert statement.mismatches[0].params == {"found": 1_160_000, "expected": 1_150_000}


def test_newest_first_statements_are_put_in_order():
    statement = read(
        [
            ["Ngày", "Nội dung", "Số tiền", "Số dư"],
            ["02/12/2026", "b", "-50.000", "1.050.000"],
            ["01/12/2026", "a", "100.000", "1.100.000"],
        ]
    )
    assert [line.line_date.day for line in statement.lines] == [1, 2]
    assert statement.opening == 1_000_000 and statement.mismatches == []


def test_unknown_headers_ask_for_the_columns_and_the_mapping_is_used():
    rows = [
        ["Sổ phụ"],
        ["Thời điểm", "Thông tin", "Vào", "Ra"],
        ["01/12/2026", "ung ho", "100.000", ""],
    ]
    with pytest.raises(ColumnsNotFound) as missing:
        read(rows)
    assert missing.value.header_row == 2
    assert missing.value.headers[:4] == ["Thời điểm", "Thông tin", "Vào", "Ra"]
    mapping = '{"date": "Thời điểm", "description": "Thông tin", "credit": "Vào", "debit": "Ra"}'
    statement = read(rows, column_map=mapping)
    assert statement.layout == "custom"
    assert [(line.amount, line.description) for line in statement.lines] == [(100_000, "ung ho")]


def test_fingerprints_agree_between_overlapping_files():
    def line(day, amount, text, ref=""):
        return Line(
            row=0, line_date=date(2026, 12, day), amount=amount, description=text, bank_ref=ref
        )

    first = [
        line(1, 10, "A"),
        line(2, 50, "Phí SMS"),
        line(2, 50, "phi  sms."),
        line(3, 7, "x", "R1"),
    ]
    second = [
        line(2, 50, "PHI SMS"),
        line(2, 50, "Phi SMS"),
        line(3, 7, "other text", "r1"),
        line(4, 9, "y"),
    ]
    fingerprint_lines(5, first)
    fingerprint_lines(5, second)
    assert [s.fingerprint for s in second[:3]] == [f.fingerprint for f in first[1:]]
    assert len({f.fingerprint for f in first}) == 4
    fingerprint_lines(6, second)
    assert second[0].fingerprint != first[1].fingerprint  # another account


# ---------------------------------------------------------------------------- hostile files


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "0" * (70 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("sao-ke.xlsx", b""),
        ("sao-ke.xlsx", b"not a zip at all"),
        ("sao-ke.xls", b"\xd0\xcf\x11\xe0 not really ole"),
        ("sao-ke.pdf", b"%PDF-1.4"),
        ("sao-ke.xlsm", b"PK\x03\x04"),
        ("sao-ke.xlsx", b"x" * (8 * 1024 * 1024 + 1)),
    ],
)
def test_hostile_files_are_refused_with_a_message(session, filename, data):
    account = make_account(session)
    with pytest.raises(ImportRejected):
        preview_statement(session, account=account, filename=filename, data=data)


def test_a_zip_bomb_is_refused(session):
    account = make_account(session)
    with pytest.raises(ImportRejected):
        preview_statement(session, account=account, filename="b.xlsx", data=_zip_bomb())


def test_empty_and_huge_tables_are_refused(session, monkeypatch):
    account = make_account(session)
    with pytest.raises(StatementRefused) as refused:
        preview_statement(session, account=account, filename="e.csv", data=b"\n ,\n")
    assert refused.value.reason == "empty"
    with pytest.raises(ColumnsNotFound):  # text, but not a statement: the user picks columns
        preview_statement(session, account=account, filename="e.csv", data=b"\xff\xfe\x00bad")
    import ledger.statements_read as reader

    monkeypatch.setattr(reader, "MAX_LINES", 5)
    rows = [["Ngày", "Nội dung", "Số tiền"]] + [["01/12/2026", "x", "1"]] * 100
    with pytest.raises(StatementRefused) as refused:
        preview_statement(session, account=account, filename="h.csv", data=as_csv(rows))
    assert refused.value.reason == "rows"


def test_formula_cells_are_named_not_evaluated():
    statement = read(
        [["Ngày", "Nội dung", "Số tiền"], ["01/12/2026", "x", "=1+1"], ["=TODAY()", "y", "5"]]
    )
    assert [(e.row, e.reason) for e in statement.errors] == [(2, "formula"), (3, "formula")]


# ---------------------------------------------------------------------------- storing


def _import(session, account, data, name="sao-ke.xlsx", user_id=None):
    preview = preview_statement(session, account=account, filename=name, data=data)
    stored = import_statement(
        session,
        account=account,
        parsed=preview,
        filename=name,
        file_hash=preview.file_hash,
        user_id=user_id,
    )
    return preview, stored


def test_an_overlapping_statement_adds_only_its_new_lines(session):
    account = make_account(session)
    november = vietcombank(date(2026, 11, 1))  # 01/11 – 30/11
    preview, first = _import(session, account, november)
    assert (first.lines_read, first.lines_new) == (30, 30)
    assert first.opening_balance == OPENING
    overlap = vietcombank(date(2026, 11, 21))  # 21/11 – 20/12: ten days overlap
    preview, second = _import(session, account, overlap, "sao-ke-2.xlsx")
    assert preview.known == 10 and len(preview.new) == 20
    assert (second.lines_read, second.lines_new) == (30, 20)
    total = session.exec(select(StatementLine).where(StatementLine.bank_account_id == account.id))
    assert len(total.all()) == 50
    again = preview_statement(session, account=account, filename="x.xlsx", data=overlap)
    assert again.known == 30 and not again.can_import
    with pytest.raises(StatementRefused) as refused:
        import_statement(
            session, account=account, parsed=again, filename="x", file_hash=again.file_hash
        )
    assert refused.value.reason == "nothing_new"
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "bank_statement.import")
    ).all()
    assert len(events) == 2


def test_a_statement_with_bad_rows_stores_nothing(session):
    account = make_account(session)
    data = as_csv(
        [["Ngày", "Nội dung", "Số tiền"], ["01/12/2026", "x", "1.000"], ["02/12/2026", "y", "1,5"]]
    )
    preview = preview_statement(session, account=account, filename="s.csv", data=data)
    with pytest.raises(StatementRefused):
        import_statement(session, account=account, parsed=preview, filename="s", file_hash="0")
    assert session.exec(select(BankStatement)).first() is None


def test_lines_in_a_locked_period_are_stored(session, unit):
    from ledger.services.locks import lock_period

    account = make_account(session)
    lock_period(session, unit_id=account.unit_id, through=date(2026, 11, 30), user_id=None)
    _preview, stored = _import(session, account, agribank(), "a.csv")
    assert stored.lines_new == 30


def test_the_column_mapping_is_remembered(session):
    account = make_account(session)
    data = as_csv([["Thời điểm", "Thông tin", "Vào"], ["01/12/2026", "ung ho", "100.000"]])
    with pytest.raises(ColumnsNotFound):
        preview_statement(session, account=account, filename="m.csv", data=data)
    with pytest.raises(StatementRefused):
        save_column_map(
            session, account=account, mapping={"description": "Thông tin"}, user_id=None
        )
    save_column_map(
        session,
        account=account,
        mapping={"date": "Thời điểm", "description": "Thông tin", "credit": "Vào"},
        user_id=None,
    )
    preview = preview_statement(session, account=account, filename="m.csv", data=data)
    assert [line.amount for line in preview.new] == [100_000]


# ---------------------------------------------------------------------------- CLI


def test_cli_imports_a_statement_and_lists_accounts(runner, session, tmp_path):
    account = make_account(session)
    session.commit()
    path = tmp_path / "agribank.csv"
    path.write_bytes(agribank())
    result = runner.invoke(args=["bank", "import", str(path), "--account", account.account_number])
    assert result.exit_code == 0, result.output
    assert "Đọc 30 dòng, 30 dòng mới" in result.output
    assert "Số dư đầu kỳ 25.000.000 đ" in result.output
    again = runner.invoke(
        args=["bank", "import", str(path), "--account", f"970405:{account.account_number}"]
    )
    assert again.exit_code == 0 and "0 dòng mới, 30 dòng đã nhập" in again.output
    missing = runner.invoke(args=["bank", "import", str(path), "--account", "999999999"])
    assert missing.exit_code == 2 and "Không có tài khoản" in missing.output
    listed = runner.invoke(args=["bank", "accounts", "--unit", "TT"])
    assert account.account_number in listed.output and "chính" in listed.output


def test_cli_adds_an_account(runner, session):
    result = runner.invoke(
        args=[
            "bank",
            "add-account",
            "--unit",
            "TT-DUNGTIEN",
            "--bin",
            "970436",
            "--number",
            "0011 2233 44",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Vietcombank 0011223344" in result.output and "tài khoản chính" in result.output
    bad = runner.invoke(
        args=[
            "bank",
            "add-account",
            "--unit",
            "TT-DUNGTIEN",
            "--bin",
            "123456",
            "--number",
            "001122334",
        ]
    )
    assert bad.exit_code == 2 and "Ngân hàng không có trong danh sách" in bad.output


def test_demo_funds_get_one_agribank_account_once(session):
    from ledger.services.bank_accounts import accounts_of
    from ledger.services.demo_bank import demo_bank_funds, seed_demo_bank_accounts
    from ledger.services.units import find_unit

    funds = demo_bank_funds(session)
    assert seed_demo_bank_accounts(session) == len(funds) > 10
    assert seed_demo_bank_accounts(session) == 0
    (account,) = accounts_of(session, find_unit(session, "TT-CHUONGDUONG").id)
    assert account.bank_bin == "970405" and account.is_primary and len(account.account_number) == 13


def test_an_excel_97_file_is_read_too():
    """.xls through xlrd (the receipts fixture has a "Ngày" and a "Số tiền" column: enough
    for a statement with one signed amount column, date cells and dd/mm/yyyy text)."""
    from ledger.spreadsheets import iter_table

    data = (FILES / "receipts-2003.xls").read_bytes()
    statement = read_statement(iter_table("sao-ke.xls", data))
    assert statement.errors == []
    assert [(line.line_date, line.amount) for line in statement.lines[:2]] == [
        (date(2018, 3, 5), 1_500_000),
        (date(2018, 3, 6), 2_500_000),
    ]


def test_vietcombank_date_and_doc_number_in_one_cell():
    """The layout a public Vietcombank statement transcription shows: "Ngày TNX Date / Số CT
    Doc No" holds "31/10/2023" and the document number on a second line of the cell."""
    statement = read(
        [
            ["SAO KÊ TÀI KHOẢN / STATEMENT OF ACCOUNT"],
            [
                "STT / No",
                "Ngày TNX Date / Số CT Doc No",
                "Số tiền ghi nợ / Debit",
                "Số tiền ghi có / Credit",
                "Số dư / Balance",
                "Nội dung chi tiết / Transactions in detail",
            ],
            [1, "31/10/2023\n5243.65937", "99,000", "", "52,547", "MBVCB.4525077405 CT tu"],
            [2, "31/10/2023\n9920.28", 0, "26,338,000", "26,390,547", "THANH TOAN LUONG"],
            [3, "01/11/2023 09:12:01", "7,000,000", "", "19,390,547", "chuyen tien"],
        ]
    )
    assert statement.errors == [] and statement.layout == "vietcombank"
    assert [(line.amount, line.bank_ref) for line in statement.lines] == [
        (-99_000, "5243.65937"),
        (26_338_000, "9920.28"),
        (-7_000_000, ""),
    ]
    assert statement.opening == 151_547 and statement.mismatches == []


def test_a_statement_of_another_account_is_named_in_the_preview(session):
    """The file prints its account number above the table: importing it into another account
    warns (the reviewer imported a Vietcombank file into an Agribank account unwarned)."""
    from pathlib import Path

    from ledger.services.statements import preview_statement
    from tests.bankworld import make_account

    data = (Path(__file__).parent / "files" / "statement-vietcombank.xlsx").read_bytes()
    other = make_account(session, bank_bin="970405", number="2200999888777")
    ours = make_account(session, "TT-DUNGTIEN", bank_bin="970436", number="0011004455667")
    warned = preview_statement(session, account=other, filename="vcb.xlsx", data=data)
    assert warned.statement.account_number == "0011004455667"
    assert warned.other_account == "0011004455667"
    same = preview_statement(session, account=ours, filename="vcb.xlsx", data=data)
    assert same.other_account == "" and same.can_import
