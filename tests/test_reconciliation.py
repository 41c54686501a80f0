"""The reconciliation workbook: it reconciles and its formulas agree, children masked, balances
and transfers as of the date, the check fails when sheets differ, the CLI export; one function
gathers, checks and writes it, and the builder is pure."""

import io
import re
from dataclasses import replace
from datetime import date

import openpyxl
import pytest
from sqlalchemy import Connection
from sqlmodel import Session

from ledger.exports.reconciliation import SUMMARY, start_workbook
from ledger.services import reconciliation
from ledger.services.campaigns import (
    find_campaign,
)
from ledger.services.progress import campaign_progress
from ledger.services.reconciliation import build_reconciliation
from ledger.services.units import find_unit
from tests.conftest import DEMO_CHILD as CHILD
from tests.test_campaigns import _receipt


def _evaluate(sheet, cell):
    """Evaluate the SUM formulas the workbook writes (=SUM(C9:C37))."""
    value = sheet[cell].value
    match = re.fullmatch(r"=SUM\(([A-Z])(\d+):([A-Z])(\d+)\)", str(value))
    if not match:
        return value
    column, first, last = match.group(1), int(match.group(2)), int(match.group(4))
    return sum(sheet[f"{column}{row}"].value or 0 for row in range(first, last + 1))


def test_workbook_reconciles_and_its_formulas_agree(client, demo, session, make_user, login):
    make_user("kiemtoan", "auditor", "TT")
    login("kiemtoan")
    response = client.get(f"/campaigns/{demo.id}/workbook.xlsx?as_of=31/12/2018")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "Đối chiếu chỉ tiêu",
        "Phiếu thu",
        "Phiếu chi",
        "Chuyển quỹ",
        "Sổ quỹ",
        "Kiểm tra",
        "Kiểm kê quỹ",
        "Trẻ em được hỗ trợ",
        "Cùng kỳ năm trước",
        "Dấu neo chuỗi",
    ]
    summary = book["Đối chiếu chỉ tiêu"]
    assert [c.value for c in summary[8]] == [
        "STT",
        "Đơn vị",
        "Chỉ tiêu",
        "Đã vận động",
        "Tỷ lệ (%)",
        "Chênh lệch",
        "Đã chi",
        "Tồn quỹ",
    ]
    total_row = next(r[0].row for r in summary.iter_rows() if r[1].value == "Tổng cộng")
    progress = campaign_progress(session, campaign_id=demo.id)
    assert _evaluate(summary, f"C{total_row}") == progress.quota_total == 290_000_000
    assert _evaluate(summary, f"D{total_row}") == progress.collected
    assert _evaluate(summary, f"G{total_row}") == progress.disbursed == 3_000_000
    assert _evaluate(summary, f"H{total_row}") == progress.balance
    assert summary["B6"].value == 90_000_000
    checks = list(book["Kiểm tra"].iter_rows(min_row=2, values_only=True))
    assert checks and all(row[3] == "OK" for row in checks), checks
    receipts_total = sum(
        r[7] for r in book["Phiếu thu"].iter_rows(min_row=2, values_only=True) if r[8] != "ĐÃ HỦY"
    )
    assert receipts_total == progress.collected
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    formulas = [c for c in cells if c.data_type == "f"]
    assert formulas and all(re.fullmatch(r"=SUM\([A-Z]\d+:[A-Z]\d+\)", c.value) for c in formulas)
    assert not any(CHILD in str(c.value) for c in cells), "child names are masked by default"
    assert summary.freeze_panes == "A9" and summary.page_setup.orientation == "landscape"


def test_cli_export_reconciliation(runner, demo, tmp_path):
    out = tmp_path / "doi-chieu.xlsx"
    result = runner.invoke(
        args=[
            "export-reconciliation",
            "--campaign",
            "2018",
            "--unit",
            "Thường Tín",
            "--out",
            str(out),
            "--as-of",
            "30/06/2018",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "all checks OK" in result.output
    book = openpyxl.load_workbook(out)
    assert book["Đối chiếu chỉ tiêu"]["B3"].value.date() == date(2018, 6, 30)


def test_workbook_balances_are_as_of_and_the_check_fails_when_sheets_differ(session):
    _receipt(session, "TT-CHUONGDUONG", 5_000_000, date(2018, 4, 30))
    _receipt(session, "TT-CHUONGDUONG", 7_000_000, date(2018, 5, 1))
    session.commit()
    campaign = find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)
    data = build_reconciliation(session, campaign_id=campaign.id, as_of=date(2018, 4, 30))
    row = next(r for r in data.progress.rows if r.name == "Xã Chương Dương")
    book = next(b for b in data.books if b.name == "Xã Chương Dương")
    assert row.balance == book.closing == 5_000_000
    assert all(c.ok for c in data.checks), [c for c in data.checks if not c.ok]
    doctored = build_reconciliation(session, campaign_id=campaign.id, as_of=date(2018, 4, 30))
    next(r for r in doctored.progress.rows if r.name == "Xã Chương Dương").balance += 1
    doctored.progress.balance += 1
    failed = [c for c in doctored.checks if not c.ok]
    assert failed and "Xã Chương Dương" in " ".join(c.note for c in failed)


def test_workbook_transfers_and_in_transit_are_as_of_the_date(session):
    from ledger.services.transfers import receive_transfer, send_transfer

    _receipt(session, "TT-CHUONGDUONG", 5_000_000, date(2018, 3, 1))
    commune, district = find_unit(session, "TT-CHUONGDUONG"), find_unit(session, "TT")
    transfer = send_transfer(
        session,
        from_unit_id=commune.id,
        to_unit_id=district.id,
        amount=2_000_000,
        on=date(2018, 6, 3),
        from_method="cash",
    )
    receive_transfer(
        session, transfer_id=transfer.id, amount=2_000_000, on=date(2018, 7, 2), reason="Nhận chậm"
    )
    session.commit()
    campaign = find_campaign(session, unit_id=district.id, year=2018)
    june = build_reconciliation(session, campaign_id=campaign.id, as_of=date(2018, 6, 30))
    assert [t[6] for t in june.transfers] == ["sent"]
    assert all(c.ok for c in june.checks), [c for c in june.checks if not c.ok]
    july = build_reconciliation(session, campaign_id=campaign.id, as_of=date(2018, 7, 31))
    assert [t[6] for t in july.transfers] == ["received"]
    rows = {r.name: r.balance for r in june.progress.rows}
    assert rows["Xã Chương Dương"] == 3_000_000


@pytest.fixture
def three_receipts(session, make_receipt):
    """The Thường Tín 2018 campaign with three receipts in April."""
    for day in (2, 3, 4):
        make_receipt(amount=100_000 * day, on=date(2018, 4, day))
    session.commit()
    return find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)


def test_the_export_holds_the_figures_and_checks_it_returns(session, three_receipts, tmp_path):
    path = tmp_path / "doi-chieu.xlsx"
    made = reconciliation.export_workbook(session, campaign_id=three_receipts.id, path=path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames.index("Kiểm tra") == 5, "written last, the checks sheet keeps its place"
    rows = list(book["Kiểm tra"].iter_rows(min_row=2, values_only=True))
    assert [row[:3] for row in rows] == [(c.name, c.expected, c.actual) for c in made.checks]
    assert made.checks == made.data.checks and all(check.ok for check in made.checks)
    receipts = list(book["Phiếu thu"].iter_rows(min_row=2, values_only=True))
    assert [row[7] for row in receipts] == [r.amount for r in made.data.receipts]
    assert sorted(r.amount for r in made.data.receipts) == [200_000, 300_000, 400_000]


def test_the_builder_and_the_checks_read_no_database(
    session, three_receipts, monkeypatch, tmp_path
):
    data = reconciliation.build_reconciliation(session, campaign_id=three_receipts.id)
    rows = list(data.receipts)  # the service's rows come from the database; the builder's not

    def no_sql(*args, **kwargs):
        raise AssertionError("the builder ran SQL")

    monkeypatch.setattr(Session, "execute", no_sql)
    monkeypatch.setattr(Connection, "execute", no_sql)
    checks = data.checks
    path = tmp_path / "doi-chieu.xlsx"
    start_workbook(replace(data, receipts=rows), path).finish(checks)
    assert openpyxl.load_workbook(path).sheetnames[0] == "Đối chiếu chỉ tiêu"


def test_no_checks_before_the_books_are_verified(session, three_receipts):
    funds = reconciliation.campaign_funds(session, three_receipts.id)
    data = reconciliation.gather(session, funds, campaign_id=three_receipts.id)
    with pytest.raises(RuntimeError):
        data.checks  # noqa: B018 - reading it is the test


ROWS = [
    (
        1,
        date(2018, 4, 2),
        "Xã Chương Dương",
        "Nguyễn Văn An",
        "Xã A & B <c>",
        "Tiền mặt",
        "",
        5,
        "",
        "BL1",
    ),
    (
        2,
        date(2000, 1, 1),
        " lead",
        "trail ",
        "_x0041_ literal",
        "tab\there",
        "=SUM(A1)",
        10**12,
        "ĐÃ HỦY",
        None,
    ),
    (
        3,
        date(2026, 12, 31),
        "ctl\x01\x02x",
        "cr\rlf\nend",
        "zero\u200bwidth",
        "😀 emoji",
        "+1",
        0,
        "x",
        "@ref",
    ),
]


def test_rows_rendered_straight_to_xml_read_back_as_xlsxwriter_writes_them(tmp_path):
    from ledger.exports.sheets import Book

    def written(fast: bool):
        path = tmp_path / f"{fast}.xlsx"
        book = Book(path)
        sheet = book.sheet("Phiếu thu", [8] * 10, freeze_row=1)
        sheet.write(["Số", "Ngày"], header=True)
        rows = ROWS + ROWS[::-1]  # again: the second time each value's cell is reused
        if fast:
            sheet.table(rows, "ndsssssmss")
        else:
            for row in rows:
                sheet.write(row, money={7})
        sheet.write(["after", 1])
        book.close()
        cells = openpyxl.load_workbook(path)["Phiếu thu"].iter_rows()
        return [[(c.value, c.number_format, c.data_type) for c in row] for row in cells]

    assert written(fast=True) == written(fast=False)


def test_rows_past_the_last_row_of_a_sheet_continue_on_another(tmp_path, monkeypatch):
    from ledger.exports import sheets

    monkeypatch.setattr(sheets, "MAX_ROWS", 3)
    path = tmp_path / "many.xlsx"
    book = sheets.Book(path)
    sheet = book.sheet("Phiếu thu", [8] * 10, freeze_row=1)
    sheet.write(["Số"], header=True)
    assert sheet.table(ROWS * 2, "ndsssssmss", header=["Số"]) == 6
    book.close()
    saved = openpyxl.load_workbook(path)
    assert saved.sheetnames == ["Phiếu thu", "Phiếu thu (2)", "Phiếu thu (3)"]
    numbers = [
        row[0] for name in saved.sheetnames for row in saved[name].iter_rows(values_only=True)
    ]
    assert numbers == ["Số", 1, 2, "Số", 3, 1, "Số", 2, 3]


def test_the_export_reports_its_progress(session, three_receipts, tmp_path):
    steps = []
    reconciliation.export_workbook(
        session,
        campaign_id=three_receipts.id,
        path=tmp_path / "doi-chieu.xlsx",
        report=lambda step, done, of: steps.append((step, done, of)),
    )
    writing = [done for step, done, _of in steps if step == "Đang ghi phiếu thu"]
    checking = [done for step, done, _of in steps if step == "Đang kiểm tra chuỗi"]
    total = steps[0][2]
    assert writing[0] == 0 and writing[-1] == 3, "the receipts written, then the funds checked"
    assert checking[0] == 3 and checking[-1] == total > 3
    assert [done for _step, done, _of in steps] == sorted(done for _s, done, _o in steps)


def test_the_downloaded_workbook_leaves_no_file_behind(
    client, demo, make_user, login, tmp_path, monkeypatch
):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    make_user("kiemtoan", "auditor", "TT")
    login("kiemtoan")
    response = client.get(f"/campaigns/{demo.id}/workbook.xlsx")
    assert openpyxl.load_workbook(io.BytesIO(response.data)).sheetnames[0] == SUMMARY
    response.close()
    assert list(tmp_path.glob("doi-chieu-*")) == []
