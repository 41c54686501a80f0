"""Past one sheet of receipts (a nation's decade: 10,000,000), the reconciliation workbook's
Phiếu thu sheet gives each fund's receipts counted and added up instead of each receipt: the
same figures the receipts themselves give, the same checks, in the .xlsx, the CSV .zip, the
background job and the command line; every receipt is still listed when asked for."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from collections import defaultdict
from datetime import date, datetime

import openpyxl
import pytest

from ledger import worker
from ledger.exports.reconciliation import FUND_RECEIPT_COLUMNS, RECEIPT_COLUMNS, SOURCES
from ledger.models import Job
from ledger.services import reconciliation
from ledger.services.receipts import QUOTA_SOURCES, void_receipt
from ledger.services.units import find_unit
from tests.conftest import form_tokens
from tests.test_csv_downloads import _members, _sheets, _trim

AS_OF = date(2018, 12, 31)
QUOTA_LABELS = {SOURCES[s] for s in QUOTA_SOURCES}


@pytest.fixture
def one_sheet(monkeypatch):
    """One sheet lists 3 receipts: the demo's campaign is past it."""
    monkeypatch.setattr(reconciliation, "DETAIL_ROWS", 3)


@pytest.fixture
def voided(session, demo, make_receipt):
    """The demo plus, in one commune, a voided receipt and a budget receipt (valid, but not
    counted toward quotas), beside the demo's own."""
    wrong = make_receipt("TT-CHUONGDUONG", 700_000, date(2018, 5, 2))
    void_receipt(session, receipt_id=wrong.id, reason="Ghi nhầm số tiền", on=date(2018, 5, 3))
    make_receipt("TT-CHUONGDUONG", 250_000, date(2018, 5, 4), source="budget")
    session.commit()
    return demo


def _export(session, campaign, path, **options):
    return reconciliation.export_workbook(
        session, campaign_id=campaign.id, as_of=AS_OF, path=path, **options
    )


def _rows(path, sheet="Phiếu thu"):
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def _day(value):
    return value.date() if isinstance(value, datetime) else value


def _added_up(detail) -> dict[str, tuple]:
    """Each fund's totals worked out from the listed receipts, in the totals sheet's columns."""
    funds: dict[str, list] = defaultdict(lambda: [0, 0, 0, 0, 0, 0, date.max, date.min])
    for _n, day, fund, _payer, _credit, _method, source, amount, void, _ref in detail[1:]:
        t = funds[fund]
        t[0] += 1
        if void:
            t[4], t[5] = t[4] + 1, t[5] + amount
        else:
            t[1], t[2] = t[1] + 1, t[2] + amount
            t[3] += amount if source in QUOTA_LABELS else 0
        t[6], t[7] = min(t[6], _day(day)), max(t[7], _day(day))
    return {fund: tuple(t) for fund, t in funds.items()}


def _fund_lines(totals) -> dict[str, tuple]:
    header = totals.index(tuple(FUND_RECEIPT_COLUMNS))
    end = next(i for i, row in enumerate(totals) if row[0] == "Tổng cộng")
    return {row[0]: (*row[1:7], _day(row[7]), _day(row[8])) for row in totals[header + 1 : end]}


def test_past_one_sheet_each_fund_gets_what_its_receipts_add_up_to(
    session, voided, one_sheet, tmp_path
):
    listed = _export(session, voided, tmp_path / "all.xlsx", all_receipts=True)
    made = _export(session, voided, tmp_path / "totals.xlsx")
    detail, totals = _rows(tmp_path / "all.xlsx"), _rows(tmp_path / "totals.xlsx")
    assert detail[0] == tuple(RECEIPT_COLUMNS) and len(detail) - 1 == listed.data.receipt_total > 3
    assert any(row[8] for row in detail[1:]), "a voided receipt is among them"
    assert any(row[6] not in QUOTA_LABELS for row in detail[1:]), "and a budget one"

    count = f"{made.data.receipt_total:,}".replace(",", ".")
    assert totals[0][0].startswith(f"{count} phiếu thu, quá số dòng một trang tính")
    assert "bảng đối chiếu của tỉnh" in totals[0][0]
    lines = _fund_lines(totals)
    assert lines == _added_up(detail)
    assert list(lines) == [f.fund for f in made.data.receipts.funds]
    assert len(lines) > 1 and made.data.receipt_rows == len(lines)
    # the same checks, all passing: Σ valid quota receipts on the sheet = the journal's figure
    assert made.checks == listed.checks and all(check.ok for check in made.checks)
    assert made.data.receipts.valid_quota == made.data.progress.collected
    checks = _rows(tmp_path / "totals.xlsx", "Kiểm tra")
    assert all(row[3] == "OK" for row in checks[1:]), checks


def test_the_total_line_adds_up_each_column_with_a_formula(session, voided, one_sheet, tmp_path):
    _export(session, voided, tmp_path / "totals.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "totals.xlsx")["Phiếu thu"]
    total = next(row[0].row for row in sheet.iter_rows() if row[0].value == "Tổng cộng")
    lines = list(_fund_lines(list(sheet.iter_rows(values_only=True))).values())
    for column in "BCDEFG":
        formula = sheet[f"{column}{total}"].value
        match = re.fullmatch(rf"=SUM\({column}(\d+):{column}(\d+)\)", formula)
        assert match, formula
        first, last = int(match.group(1)), int(match.group(2))
        added = sum(sheet[f"{column}{row}"].value for row in range(first, last + 1))
        assert added == sum(line["BCDEFG".index(column)] for line in lines)
    assert sheet[f"D{total}"].number_format.endswith('"đ"')  # money
    assert "đ" not in sheet[f"B{total}"].number_format  # a count


def test_a_campaign_within_one_sheet_still_lists_each_receipt(session, voided, tmp_path):
    made = _export(session, voided, tmp_path / "doi-chieu.xlsx")
    assert _rows(tmp_path / "doi-chieu.xlsx")[0] == tuple(RECEIPT_COLUMNS)
    assert made.data.receipt_rows == made.data.receipt_total


def test_the_progress_counts_the_lines_the_sheet_holds(session, voided, one_sheet, tmp_path):
    steps = []
    made = _export(session, voided, tmp_path / "t.xlsx", report=lambda *step: steps.append(step))
    writing = [done for step, done, _of in steps if step == "Đang ghi phiếu thu"]
    assert writing[0] == 0 and writing[-1] == made.data.receipt_rows
    assert steps[-1][1] == steps[-1][2] == made.data.receipt_rows + len(made.data.funds)


def test_the_csv_zip_holds_the_same_totals(session, voided, one_sheet, tmp_path):
    _export(session, voided, tmp_path / "t.xlsx")
    _export(session, voided, tmp_path / "t.zip", csv=True)
    members = _members((tmp_path / "t.zip").read_bytes())
    assert members[1][0] == "02-phieu-thu.csv"
    xlsx = _sheets((tmp_path / "t.xlsx").read_bytes())
    assert _trim(members[1][1]) == xlsx[1]
    assert xlsx[1][2] == FUND_RECEIPT_COLUMNS


def test_the_command_line_says_so_and_lists_every_receipt_when_asked(
    runner, voided, one_sheet, tmp_path
):
    args = ["export-reconciliation", "--unit", "TT", "--campaign", "2018", "--as-of", "31/12/2018"]
    totals = runner.invoke(args=[*args, "--out", str(tmp_path / "t.xlsx")])
    assert totals.exit_code == 0 and "each fund's totals" in totals.output, totals.output
    assert "all checks OK" in totals.output
    every = runner.invoke(args=[*args, "--out", str(tmp_path / "a.xlsx"), "--all-receipts"])
    assert every.exit_code == 0 and "each fund's totals" not in every.output, every.output
    assert _rows(tmp_path / "a.xlsx")[0] == tuple(RECEIPT_COLUMNS)


@pytest.mark.parametrize("every", [False, True])
def test_the_background_job_offers_every_receipt_and_makes_what_was_chosen(
    app, client, voided, one_sheet, make_user, login, session, tmp_path, every
):
    app.config["WORKBOOK_DIRECT_RECEIPTS"] = 0
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    page = client.get(f"/campaigns/{voided.id}/workbook.xlsx?as_of=31/12/2018")
    assert page.status_code == 200
    assert "quá số dòng một trang tính (3)" in page.text
    assert 'name="all_receipts"' in page.text and "Ghi từng phiếu thu" in page.text
    data = form_tokens(page.text) | ({"all_receipts": "y"} if every else {})
    started = client.post(f"/campaigns/{voided.id}/workbook-job?as_of=31/12/2018", data=data)
    assert started.status_code == 302
    job_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert json.loads(session.get(Job, job_id).params)["all_receipts"] is every
    settings = dataclasses.replace(
        worker.settings_from(app.config, app.instance_path), report_every=0
    )
    assert worker.run_next(settings) == job_id
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    first = next(
        openpyxl.load_workbook(io.BytesIO(download.data))["Phiếu thu"].iter_rows(values_only=True)
    )
    assert (first == tuple(RECEIPT_COLUMNS)) is every
    english = client.get(f"/campaigns/{voided.id}/workbook.xlsx?as_of=31/12/2018&lang=en")
    assert "more than one sheet holds (3)" in english.text
    assert "List every receipt" in english.text


def test_a_small_campaign_page_offers_no_choice(app, client, demo, make_user, login):
    app.config["WORKBOOK_DIRECT_RECEIPTS"] = 0
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    page = client.get(f"/campaigns/{demo.id}/workbook.xlsx?as_of=31/12/2018")
    assert page.status_code == 200 and "Tạo bảng đối chiếu" in page.text
    assert 'name="all_receipts"' not in page.text


def test_a_fund_with_only_voided_receipts_is_listed_with_none_valid(
    session, demo, make_receipt, one_sheet, tmp_path
):
    fund = find_unit(session, "TT-CHUONGDUONG")
    wrong = make_receipt("TT-CHUONGDUONG", 900_000, date(2018, 7, 1))
    void_receipt(session, receipt_id=wrong.id, reason="Trùng phiếu", on=date(2018, 7, 2))
    session.commit()
    made = _export(session, demo, tmp_path / "t.xlsx")
    line = next(f for f in made.data.receipts.funds if f.fund == fund.name)
    assert line.voided >= 1 and line.voided_amount >= 900_000
    assert line.receipts == line.valid + line.voided
    assert all(check.ok for check in made.checks)
