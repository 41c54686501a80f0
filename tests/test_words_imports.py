"""The receipts import's preview as a treasurer reads it (#15): method and source as understood,
each bad value shown, a template to start from, .xls files, and nothing to record said so."""

import io
import re
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from ledger.models import Receipt
from ledger.services.imports import COLUMN_NAMES, TEMPLATE_COLUMNS
from tests.conftest import form_tokens
from tests.test_imports import HEADER, error_rows, xlsx

XLS = Path(__file__).parent / "files" / "receipts-2003.xls"  # written by xlwt 1.3.0


@pytest.fixture
def treasurer(make_user, login):
    user = make_user("thuquy.tt", "treasurer", "TT")
    login("thuquy.tt")
    return user


def _upload(client, data: bytes, name: str):
    page = client.get("/imports/receipts")
    return client.post(
        "/imports/receipts",
        data={**form_tokens(page.text), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _commit(client, preview_html: str):
    token = re.search(r'name="token" value="([^"]+)"', preview_html).group(1)
    return client.post(
        "/imports/receipts/commit", data={**form_tokens(preview_html), "token": token}
    )


def _good_rows(html: str) -> list[list[str]]:
    table = html.split('id="import-rows"')[1].split("</table>")[0].split("<tbody>")[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.DOTALL)
    ]


def test_the_preview_shows_method_and_source_as_understood(client, treasurer):
    rows = [
        [*HEADER[:6], "Nguồn thu", "Ghi chú"],
        ["05/01/2018", "A1", "XÃ HÀ HỒI", "Bà Năm", "100.000", "CK", "", ""],
        ["05/01/2018", "A2", "XÃ HÀ HỒI", "Ông Sáu", "200.000", "TM", "ngân sách cấp", ""],
        ["05/01/2018", "A3", "", "Ngân hàng", "3.000", "ck", "Lãi tiền gửi", ""],
    ]
    html = _upload(client, xlsx(rows), "so.xlsx").text
    assert [r[5:7] for r in _good_rows(html)] == [
        ["Chuyển khoản", "Ủng hộ"],
        ["Tiền mặt", "Ngân sách cấp"],
        ["Chuyển khoản", "Lãi tiền gửi"],
    ]


def test_a_bad_source_is_shown_with_its_value(client, treasurer):
    rows = [
        [*HEADER[:6], "Nguồn thu"],
        ["05/01/2018", "A1", "XÃ HÀ HỒI", "Bà Năm", "100.000", "CK", "từ thiện"],
    ]
    html = _upload(client, xlsx(rows), "so.xlsx").text
    assert [cells[:3] for cells in error_rows(html)] == [["2", "Nguồn thu", "“từ thiện”"]]


def test_the_template_has_the_importers_headers_an_example_and_notes(client, treasurer):
    response = client.get("/imports/receipts/template.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet, notes = book["Phiếu thu"], book["Hướng dẫn"]
    header = [c.value for c in sheet[1]]
    assert header == [COLUMN_NAMES[c] for c in TEMPLATE_COLUMNS]
    assert sheet.max_row == 2 and sheet.cell(2, 5).value == 10_000_000
    assert [row[0] for row in notes.iter_rows(min_row=2, values_only=True)] == header
    # the template as downloaded is a file the importer takes: its example row is good
    html = _upload(client, response.data, "mau.xlsx").text
    assert 'id="import-errors"' not in html and len(_good_rows(html)) == 1
    assert "Ghi tất cả" in html


def test_an_xls_file_is_previewed_and_imported(client, session, treasurer, unit):
    html = _upload(client, XLS.read_bytes(), "so-thu-2003.xls").text
    assert 'id="import-errors"' not in html, error_rows(html)
    assert _good_rows(html) == [
        [
            "2",
            "05/03/2018",
            "BL101",
            "Xã Chương Dương",
            "Nguyễn Thị Xls",
            "Chuyển khoản",
            "Ủng hộ",
            "1.500.000 đ",
        ],
        [
            "3",
            "06/03/2018",
            "102",
            "Xã Dũng Tiến",
            "Công ty Cổ phần Bình Minh",
            "Tiền mặt",
            "Ủng hộ",
            "2.500.000 đ",
        ],
        [
            "4",
            "07/03/2018",
            "BL103",
            "Huyện Thường Tín",
            "Lãi tháng 3",
            "Chuyển khoản",
            "Lãi tiền gửi",
            "12.345 đ",
        ],
    ]
    assert _commit(client, html).status_code == 302
    session.rollback()
    stored = session.exec(select(Receipt).where(Receipt.reference == "BL103")).scalar_one()
    assert stored.source == "interest" and stored.method == "bank" and stored.amount == 12_345


def test_a_reimport_with_nothing_new_disables_recording_and_says_why(client, treasurer):
    first = _upload(client, XLS.read_bytes(), "so-thu-2003.xls").text
    assert _commit(client, first).status_code == 302
    again = _upload(client, XLS.read_bytes(), "so-thu-2003.xls").text
    assert "Không có dòng mới để ghi: cả 3 dòng của tệp đã được nhập trước đó." in again
    button = re.search(r"<button[^>]*>Ghi tất cả</button>", again).group(0)
    assert "disabled" in button and 'name="token"' not in again


@pytest.mark.parametrize(
    "data",
    [
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,  # an OLE header, nothing behind it
        b"not a spreadsheet at all",
        XLS.read_bytes()[:2000],  # cut short
        xlsx([HEADER]),  # an .xlsx renamed .xls
        XLS.read_bytes()[:512] + bytes(range(256)) * 40,  # a real header, then noise
    ],
)
def test_a_hostile_xls_is_refused_with_a_message(client, session, treasurer, data):
    response = _upload(client, data, "so.xls")
    assert (
        response.status_code in (200, 400, 422)
        and "không phải bảng tính Excel 97–2003" in response.text
    )
    session.rollback()
    assert session.exec(select(func.count(Receipt.id))).scalar_one() == 0
