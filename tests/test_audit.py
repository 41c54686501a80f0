"""The audit log, as auditors read it: in their language, documents by name and number, money
and dates formatted, Vietnam's time, filters, pages and the .xlsx download."""

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from ledger.models import AuditEvent
from ledger.services.locks import lock_period
from ledger.services.receipts import ReceiptInput, record_receipt, void_receipt


@pytest.fixture
def audited(session, demo, make_user, unit):
    """The demo year, an auditor, and a treasurer's receipt, its void and a lock, each an
    event at a known UTC time."""
    auditor = make_user("kiemtoan", "auditor", "TT", full_name="Trần Văn Kiểm")
    treasurer = make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG", full_name="Phạm Thị Lan")
    receipt = record_receipt(
        session,
        unit_id=unit("TT-CHUONGDUONG").id,
        data=ReceiptInput(receipt_date=date(2018, 7, 1), amount=10_000_000, payer_name="Bà Tư"),
        user_id=treasurer.id,
    )
    void_receipt(session, receipt_id=receipt.id, reason="Ghi nhầm người nộp", user_id=treasurer.id)
    lock_period(session, unit_id=receipt.unit_id, through=date(2018, 6, 30), user_id=auditor.id)
    session.flush()
    events = session.exec(select(AuditEvent).where(AuditEvent.user_id == treasurer.id)).all()
    for event in events:  # 23:30 UTC on 31/12/2025 is 06:30 on 01/01/2026 in Vietnam
        event.at = datetime(2025, 12, 31, 23, 30)
    session.commit()
    return {"receipt": receipt, "auditor": auditor, "treasurer": treasurer}


def test_events_read_as_documents_people_money_and_vietnam_time(client, audited, login):
    login("kiemtoan")
    html = client.get("/audit/").text
    r = audited["receipt"]
    assert f"Phiếu thu {r.number}/2018" in html and "Lập phiếu thu" in html
    assert "Hủy phiếu thu" in html and "Lý do: Ghi nhầm người nộp" in html
    assert "Phạm Thị Lan (thuquy.a)" in html and "01/01/2026 06:30" in html
    assert "Sổ của Xã Chương Dương" in html and "Khóa sổ đến ngày: (trống) → 30/06/2018" in html
    assert "Chi tiền" in html and "Số tiền: 3.000.000 đ" in html
    # a receipt's creation (sealed in bulk, no values stored) says what the receipt says
    assert "Số tiền: 10.000.000 đ" in html and "Ngày: 01/07/2018" in html
    assert "Người nộp: Bà Tư" in html
    table = _table(html)  # the filter's options hold the codes
    for raw in ("receipt.create", "receipt.void", "disbursement.pay", '{"', "2018-06-30"):
        assert raw not in table, raw


def _table(html: str) -> str:
    return html.split('<table class="list audit">', 1)[1]


def test_in_english_the_log_reads_in_english(client, audited, login):
    login("kiemtoan")
    html = client.get("/audit/?lang=en").text
    r = audited["receipt"]
    assert f"Receipt {r.number}/2018" in html and "Amount: 3,000,000 đ" in html
    assert "Books locked through: (empty) → 30/06/2018" in html


def test_filters_by_user_unit_kind_and_day(client, audited, login, unit):
    login("kiemtoan")
    treasurer, r = audited["treasurer"], audited["receipt"]
    by_user = client.get(f"/audit/?user={treasurer.id}").text
    assert "2 sự kiện" in by_user and "Chi tiền" not in _table(by_user)
    by_kind = client.get("/audit/?action=receipt.void").text
    assert "1 sự kiện" in by_kind and f"Phiếu thu {r.number}/2018" in by_kind
    by_unit = client.get(f"/audit/?unit={unit('TT-DUNGTIEN').id}&action=receipt.void").text
    assert "0 sự kiện" in by_unit
    # the treasurer's events were at 06:30 on 01/01/2026, Vietnam time
    assert (
        "2 sự kiện" in client.get(f"/audit/?user={treasurer.id}&from=01/01/2026&to=01/01/2026").text
    )
    assert "0 sự kiện" in client.get(f"/audit/?user={treasurer.id}&to=31/12/2025").text


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("from=31/02/2026", "“Từ ngày”"),
        ("to=hôm qua", "“Đến ngày”"),
        ("user=abc", "“Người thực hiện”"),
        ("unit=-1", "“Đơn vị”"),
        ("action=drop table", "“Loại thao tác”"),
    ],
)
def test_a_bad_filter_is_named_and_left_out(client, audited, login, query, named):
    login("kiemtoan")
    page = client.get(f"/audit/?{query}")
    assert page.status_code == 200 and named in page.text and "sự kiện" in page.text


def test_the_download_holds_the_filtered_rows_as_on_screen(client, audited, login):
    login("kiemtoan")
    r = audited["receipt"]
    response = client.get("/audit/audit.xlsx?action=receipt.void")
    assert response.status_code == 200 and response.mimetype.endswith("sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "NHẬT KÝ KIỂM TOÁN"
    header = rows.index(
        [
            "Thời gian (giờ Việt Nam)",
            "Người thực hiện",
            "Đơn vị",
            "Thao tác",
            "Chứng từ / đối tượng",
            "Nội dung thay đổi",
        ]
    )
    body = rows[header + 1 :]
    assert body == [
        [
            "01/01/2026 06:30",
            "Phạm Thị Lan (thuquy.a)",
            "Xã Chương Dương",
            "Hủy phiếu thu",
            f"Phiếu thu {r.number}/2018",
            f"Số phiếu: {r.number}\nLý do: Ghi nhầm người nộp",
        ]
    ]


def test_a_huge_download_is_cut_at_its_limit_and_says_so(client, audited, login, monkeypatch):
    from ledger.services import audit_view

    monkeypatch.setattr(audit_view, "EXPORT_LIMIT", 5)
    monkeypatch.setattr(audit_view.events_for_export, "__kwdefaults__", {"limit": 5})
    login("kiemtoan")
    sheet = load_workbook(io.BytesIO(client.get("/audit/audit.xlsx").data)).active
    texts = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert any(t and t.startswith("Chỉ có") for t in texts)
    assert sheet.max_row - texts.index("Thời gian (giờ Việt Nam)") - 1 == 5


def test_the_log_is_for_auditors_and_admins_only(client, audited, login):
    login("thuquy.a")
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/audit.xlsx").status_code == 403
