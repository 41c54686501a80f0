"""CSV beside every .xlsx download (issue #18): the same cells as the workbook, UTF-8 with a BOM,
CRLF, numbers bare, dates dd/mm/yyyy, formula-like text neutralised, the same masking and the
same scope as the workbook."""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from sqlmodel import select

from ledger import worker
from ledger.exports.csv_files import csv_bytes, csv_value
from ledger.models import AuditEvent, ReportPeriod
from ledger.services.demo import DEMO_PASSWORD
from ledger.services.donors import ANONYMOUS_NAME, create_donor
from ledger.services.units import find_unit
from tests.conftest import DEMO_CHILD, form_tokens

EVIL = ['=HYPERLINK("http://x","Nhấn")', "+1", "-2", "@SUM(A1:A2)"]
SECRET = "Bà Nguyễn Thị Kín Tiếng"


def _rows(body: bytes) -> list[list[str]]:
    """A CSV download's rows, after checking its BOM and its CRLF line ends."""
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline="")))


def _expected(value: object) -> str:
    """What the CSV must hold for a cell read back from the .xlsx."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _trim(rows) -> list[list[str]]:
    """Rows without their trailing empty cells, and without trailing empty rows."""
    out = []
    for values in rows:
        row = list(values)
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def _sheets(xlsx: bytes) -> list[list[list[str]]]:
    """Each sheet of a workbook as the CSV should write it (formulas as their results)."""
    book = openpyxl.load_workbook(io.BytesIO(xlsx), data_only=True)
    return [
        _trim([[_expected(v) for v in row] for row in sheet.iter_rows(values_only=True)])
        for sheet in book.worksheets
    ]


def _members(body: bytes) -> list[tuple[str, list[list[str]]]]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return [(name, _rows(archive.read(name))) for name in archive.namelist()]


@pytest.fixture
def fund(session):
    return find_unit(session, "TT-CHUONGDUONG")


def test_every_csv_holds_its_workbooks_cells(client, runner, demo, fund, session, login, tmp_path):
    """Period report, cash and bank books, audit log, both import templates, the disclosure and
    the reconciliation workbook: the CSV's cells are the .xlsx's, figure for figure."""
    period = session.exec(
        select(ReportPeriod).where(ReportPeriod.campaign_id == demo.id, ReportPeriod.code == "h1")
    ).one()
    login("admin", DEMO_PASSWORD)
    book = "from=01/01/2018&to=31/12/2018"
    pairs = [
        (f"/campaigns/{demo.id}/reports/{period.id}.xlsx", ".csv", True),
        (f"/books/{fund.id}/cash.xlsx?{book}", ".csv", True),
        (f"/books/{fund.id}/bank.xlsx?{book}", ".csv", True),
        ("/audit/audit.xlsx?action=receipt.create", ".csv", True),
        (f"/imports/receipts/template.xlsx?unit={fund.id}", ".csv", False),
        (f"/campaigns/{demo.id}/norms/template.xlsx", ".csv", False),
        (f"/public/units/{fund.id}/disclosure/2018.xlsx", ".csv", True),
        (f"/filings/periods/{period.id}.xlsx", ".csv", True),
    ]
    for url, ext, whole in pairs:
        xlsx = client.get(url)
        text = client.get(url.replace(".xlsx", ext))
        assert xlsx.status_code == text.status_code == 200, url
        assert text.mimetype == "text/csv" and ".csv" in text.headers["Content-Disposition"]
        sheets = _sheets(xlsx.data)
        assert len(sheets) == 1 or not whole, url  # a template's CSV is its first sheet
        assert _trim(_rows(text.data)) == sheets[0], url
        assert any(c.isdigit() for row in sheets[0] for c in "".join(row)), url
    workbook = client.get(f"/campaigns/{demo.id}/workbook.xlsx?as_of=31/12/2018")
    zipped = client.get(f"/campaigns/{demo.id}/workbook.zip?as_of=31/12/2018")
    assert zipped.mimetype == "application/zip"
    members = _members(zipped.data)
    names = [name for name, _rows_ in members]
    assert names[:3] == ["01-doi-chieu-chi-tieu.csv", "02-phieu-thu.csv", "03-phieu-chi.csv"]
    assert [_trim(rows) for _name, rows in members] == _sheets(workbook.data)
    # the figures a reader adds up are bare integers: "Đã vận động" of the total row
    total = next(r for r in members[0][1] if r[1:2] == ["Tổng cộng"])
    assert total[3].isdigit() and int(total[3]) > 0
    # the command line writes the same .zip when its file's name ends in .zip
    out = tmp_path / "doi-chieu.zip"
    args = ["export-reconciliation", "--unit", "TT", "--campaign", "2018", "--out", str(out)]
    result = runner.invoke(args=[*args, "--as-of", "31/12/2018"])
    assert result.exit_code == 0, result.output
    assert _members(out.read_bytes()) == members


def test_formula_text_from_users_stays_text(client, session, fund, make_receipt, make_user, login):
    for n, name in enumerate(EVIL):
        make_receipt(
            amount=100_000 * (n + 1), on=date(2018, 3, 2 + n), payer_name=name, reason="Ủng hộ"
        )
    session.commit()
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    make_user("duyet.tt", "reviewer", "TT")
    login("thuquy.a")
    body = client.get(f"/books/{fund.id}/cash.csv?from=01/01/2018&to=31/12/2018").data
    # the book says "<payer>: <reason>": quoted, its quotes doubled, an apostrophe in front
    assert '"\'=HYPERLINK(""http://x"",""Nhấn""): Ủng hộ"'.encode() in body
    login("duyet.tt")
    campaign_id = _campaign_id(session)
    zipped = client.get(f"/campaigns/{campaign_id}/workbook.zip?as_of=31/12/2018").data
    receipts = dict(_members(zipped))["02-phieu-thu.csv"]
    for rows in (_rows(body), receipts):
        cells = [c for row in rows for c in row]
        for name in EVIL:
            assert any(c.startswith("'" + name) for c in cells), name
        # nothing a spreadsheet would run: only numbers may start with "-"
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or _minus(c)]
    payers = [r[3] for r in receipts[1:]]
    assert {"'" + n for n in EVIL} <= set(payers)


def test_the_cell_rules_and_the_line_ends():
    assert csv_value("\tx") == "'\tx" and csv_value("\r=1") == "'\r=1"
    assert csv_value(-2) == -2 and csv_value(10_000_000) == 10_000_000
    assert csv_value(date(2018, 3, 2)) == "02/03/2018" and csv_value(None) == ""
    assert csv_bytes([["a,b", 1], ['"q"', date(2018, 1, 5)]]) == (
        '\ufeff"a,b",1\r\n"""q""","05/01/2018"\r\n'.encode()
    )


def test_csv_masks_and_scopes_as_the_workbook(
    app, client, demo, fund, session, make_receipt, login
):
    """Masked as the workbook (children, anonymous donors), also when made in the background;
    unmasked only by a logged POST; out of scope not found."""
    donor = create_donor(session, unit_id=fund.id, name=SECRET, anonymous=True)
    make_receipt(amount=3_000_000, on=date(2018, 4, 2), donor_id=donor.id, payer_name=SECRET)
    session.commit()
    login("reviewer.thuongtin", DEMO_PASSWORD)  # the district: not the donor's own fund
    masked = client.get(f"/campaigns/{demo.id}/workbook.zip?as_of=31/12/2018").data
    book = client.get(f"/books/{fund.id}/cash.csv?from=01/01/2018&to=31/12/2018").data
    for body in (masked, book):
        text = _all_text(body)
        assert SECRET not in text and DEMO_CHILD not in text and ANONYMOUS_NAME in text
    assert not _events(session)
    assert _members(_background_csv(app, client, demo.id)) == _members(masked)
    # unmasking: a POST with a reason, logged; only then the child's name
    page = client.get(f"/campaigns/{demo.id}?as_of=31/12/2018")
    assert 'id="unmasked-csv"' in page.text
    url = f"/campaigns/{demo.id}/workbook-unmasked.zip?as_of=31/12/2018"
    assert client.post(url, data={"reason": "Kiểm toán"}).status_code == 400  # no CSRF token
    response = client.post(url, data={**form_tokens(page.text), "reason": "Kiểm toán hồ sơ"})
    assert response.status_code == 200 and DEMO_CHILD in _all_text(response.data)
    assert len(_events(session)) == 1
    # the treasurer of another commune: the district's files are not found
    login("treasurer.dungtien", DEMO_PASSWORD)
    for other in (
        f"/campaigns/{demo.id}/workbook.zip",
        f"/books/{fund.id}/cash.csv",
        f"/campaigns/{demo.id}/norms/template.csv",
    ):
        assert client.get(other).status_code in (403, 404), other
    tokens = form_tokens(client.get("/jobs/").text)
    assert client.post(url, data={**tokens, "reason": "x"}).status_code == 404
    assert len(_events(session)) == 1


def _background_csv(app, client, campaign_id: int) -> bytes:
    """The workbook's CSV .zip when it counts as large: the page offers the job, the runner
    makes it, its download is a .zip."""
    app.config["WORKBOOK_DIRECT_RECEIPTS"] = 0
    settings = dataclasses.replace(
        worker.settings_from(app.config, app.instance_path), report_every=0
    )
    page = client.get(f"/campaigns/{campaign_id}/workbook.zip?as_of=31/12/2018")
    assert "Tạo bảng đối chiếu (CSV, .zip)" in page.text and "format=csv" in page.text
    response = client.post(
        f"/campaigns/{campaign_id}/workbook-job?as_of=31/12/2018&format=csv",
        data=form_tokens(page.text),
    )
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    worker.run_next(settings)
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert ".zip" in download.headers["Content-Disposition"]
    app.config["WORKBOOK_DIRECT_RECEIPTS"] = 10**9
    return download.data


def _minus(cell: str) -> bool:
    """A cell starting with "-" that is not a number."""
    if not cell.startswith("-"):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def _all_text(body: bytes) -> str:
    if body[:2] == b"PK":
        return " ".join(" ".join(map(" ".join, rows)) for _name, rows in _members(body))
    return body.decode("utf-8-sig")


def _events(session) -> list[AuditEvent]:
    session.rollback()
    query = select(AuditEvent).where(AuditEvent.action == "workbook.unmasked")
    return list(session.exec(query).all())


def _campaign_id(session) -> int:
    from ledger.services.campaigns import find_campaign

    return find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018).id
