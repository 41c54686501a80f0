"""Filed reports (issue #18): the document's figures are the period report's to the đồng, filing
closes the books, the level above follows, returns, and the unit refiles; the rules hold
against the wrong unit, the wrong role, replays and clashing numbers."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from docx import Document as read_docx
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import func, select

from ledger.errors import (
    InvalidReportNumber,
    NotAReportingUnit,
    NotTheLevelAbove,
    NotYourUnitsReport,
    PeriodLocked,
    PeriodNotOver,
    ReasonRequired,
    ReportAlreadyFiled,
    ReportAlreadyReturned,
    ReportNumberTaken,
)
from ledger.models import Anchor, FiledReport
from ledger.services.anchors import current_heads
from ledger.services.campaigns import find_campaign, report_periods
from ledger.services.disbursements import DisbursementInput, draft_disbursement, pay_disbursement
from ledger.services.filing_documents import collected_by_source, figures_changed, report_of
from ledger.services.filing_status import filed_documents, period_filings
from ledger.services.filings import FilingInput, file_report, return_report
from ledger.services.locks import locked_through, unlock_period
from ledger.services.units import find_unit
from tests.conftest import form_tokens

PAPER = FilingInput(
    number="7/bc-ubnd",
    recipient="Ủy ban nhân dân Huyện Thường Tín",
    signer_title="Chủ tịch",
    signer_name="Nguyễn Văn Bình",
    difficulties="Nguồn vận động từ doanh nghiệp giảm.",
    proposals="Đề nghị huyện hỗ trợ thêm học bổng.",
    copies_to="UBND huyện Thường Tín\nPhòng Lao động - TB&XH",
)


@pytest.fixture
def world(session, funded, make_receipt):
    """Chương Dương in Thường Tín's 2018 campaign: gifts from two sources, a paid heart
    surgery; the 6-month period (figures to 30/04/2018, due 15/05/2018)."""
    make_receipt(amount=2_500_000, on=date(2018, 2, 1), source="budget")
    make_receipt(amount=1_050_000, on=date(2018, 3, 1), source="designated")
    payout = draft_disbursement(
        session,
        unit_id=funded["fund"].id,
        data=DisbursementInput(
            disbursement_date=date(2018, 3, 10),
            category_id=1,
            payee_name="Mẹ của trẻ",
            children_count=2,
            amount_each=1_500_000,
            reason="Phẫu thuật tim",
        ),
    )
    payout.status = "approved"
    pay_disbursement(session, disbursement_id=payout.id, on=date(2018, 3, 11))
    campaign = find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)
    h1, m9, _year = report_periods(session, campaign.id)
    session.commit()
    return {**funded, "campaign": campaign, "h1": h1, "m9": m9}


def _file(session, world, *, user="treasurer", period="h1", today=date(2018, 5, 10), **paper):
    fund, person = world["fund"], world[user]
    return file_report(
        session,
        period_id=world[period].id,
        unit_id=fund.id,
        user_id=person.id,
        user_unit_id=person.unit_id,
        data=FilingInput(**{**PAPER.__dict__, **paper}),
        today=today,
    )


def _money(text: str) -> int:
    assert re.fullmatch(r"-?[\d.]+ đ", text), text
    return int(text.replace(" đ", "").replace(".", ""))


def test_the_filed_docx_carries_the_period_reports_figures_to_the_dong(session, world):
    filing = _file(session, world)
    session.commit()
    report = report_of(session, period=world["h1"], unit_id=world["fund"].id)
    p = report.progress
    word = read_docx(io.BytesIO(filing.docx))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in word.tables]
    header, summary, sources, spent, children, same = tables[:6]
    rows = {r[0]: r[1:] for r in summary + sources + spent + children + same}
    assert _money(rows["Chỉ tiêu được giao"][0]) == p.target == 10_000_000
    assert (
        _money(rows["Số tiền đã vận động"][0]) == p.collected == 11_050_000
    )  # the budget's money is not mobilised
    assert rows["Tỷ lệ so với chỉ tiêu được giao"][0] == "110,5 %"
    by_source = {r[0]: _money(r[1]) for r in sources[1:-1]}
    assert by_source == {"Ủng hộ": 10_000_000, "Ủng hộ có địa chỉ": 1_050_000}
    assert sum(by_source.values()) == _money(sources[-1][1]) == p.collected
    assert {r[0]: _money(r[1]) for r in spent[1:-1]} == {vi: a for _c, vi, _e, a in report.spent}
    assert _money(spent[-1][1]) == report.spent_total == 3_000_000
    lines = {line.name_vi: line.count for line in report.children.lines}
    assert {r[0]: int(r[1]) for r in children[1:-1]} == lines
    assert int(children[-1][1]) == report.children.total == 2
    assert same[1][1:3] == [f"{p.collected:,} đ".replace(",", "."), "0 đ"]
    assert _money(same[2][1]) == report.spent_total and _money(same[2][2]) == report.previous_spent
    text = "\n".join(p.text for p in word.paragraphs)
    assert (
        f"Tồn quỹ đến hết ngày 30/04/2018 (tiền mặt và tiền gửi ngân hàng): {p.balance:,} đ".replace(
            ",", "."
        )
        in text
    )
    assert p.balance == 13_550_000 - 3_000_000  # the budget's money is held
    # the administrative layout (NĐ 30/2020) and the unit's own texts
    assert header[0][0].split("\n") == ["ỦY BAN NHÂN DÂN", "XÃ CHƯƠNG DƯƠNG", "Số: 7/BC-UBND"]
    assert header[0][1].split("\n") == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Chương Dương, ngày 10 tháng 05 năm 2018",
    ]
    for expected in (
        "BÁO CÁO",
        "Kết quả vận động và sử dụng Quỹ Bảo trợ trẻ em 6 tháng đầu năm 2018",
        "Kính gửi: Ủy ban nhân dân Huyện Thường Tín",
        "VI. KHÓ KHĂN, VƯỚNG MẮC\nNguồn vận động từ doanh nghiệp giảm.",
        "VII. ĐỀ XUẤT, KIẾN NGHỊ\nĐề nghị huyện hỗ trợ thêm học bổng.",
    ):
        assert expected in text
    footer = tables[6][0]
    assert "- Phòng Lao động - TB&XH;" in footer[0] and footer[0].endswith("- Lưu: VT.")
    assert footer[1].split("\n")[:2] == ["TM. ỦY BAN NHÂN DÂN XÃ CHƯƠNG DƯƠNG", "CHỦ TỊCH"]
    assert footer[1].endswith("Nguyễn Văn Bình")
    # the chain heads at filing time are printed, the PDF is frozen beside it
    [anchor] = session.exec(select(Anchor).where(Anchor.kind == "report")).all()
    [head] = current_heads(session, [world["fund"].id])  # the filing's audit event followed
    line = f"TT-CHUONGDUONG E{anchor.entry_seq}:{anchor.entry_hash} A{anchor.audit_seq}:"
    assert line in text and filing.anchors.startswith(line)
    assert (head.entry_seq, head.entry_hash) == (anchor.entry_seq, anchor.entry_hash)
    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(filing.pdf)).pages)
    for printed in ("Số: 7/BC-UBND", "11.050.000 đ", "3.000.000 đ", "Trang 1/", line):
        assert printed in pdf
    assert not filing.late
    assert filed_documents(session, filing.id).to_unit.code == "TT"


def test_filing_closes_the_books_so_the_figures_cannot_change(session, world, make_receipt):
    filing = _file(session, world)
    session.commit()
    assert locked_through(session, world["fund"].id) == date(2018, 4, 30)
    assert filing.locked_through == date(2018, 4, 30)
    with pytest.raises(PeriodLocked):
        make_receipt(amount=1_000, on=date(2018, 4, 30))
    session.rollback()
    make_receipt(amount=1_000, on=date(2018, 5, 1))  # after the cut-off: still open
    session.commit()
    assert figures_changed(session, filing) == []
    unlock_period(session, unit_id=world["fund"].id, through=None, user_id=None, reason="sửa")
    make_receipt(amount=1_000, on=date(2018, 4, 2))  # an admin reopened the books: it shows
    session.commit()
    assert figures_changed(session, filing) == ["balance", "collected", "sources"]
    assert collected_by_source(
        session, root_id=world["fund"].id, start=date(2018, 1, 1), end=date(2018, 4, 30)
    ) == [("donation", 10_001_000), ("designated", 1_050_000)]


def test_filing_rules_hold_against_the_wrong_unit_replays_and_clashing_numbers(session, world):
    with pytest.raises(PeriodNotOver):
        _file(session, world, today=date(2018, 4, 30))
    with pytest.raises(InvalidReportNumber):
        _file(session, world, number="bảy")
    with pytest.raises(NotYourUnitsReport):  # the district's reviewer files the commune's
        _file(session, world, user="reviewer")
    with pytest.raises(NotYourUnitsReport):  # another commune's reviewer
        _file(session, world, user="other_reviewer")
    reviewer = world["reviewer"]  # the district holds no quota in its own campaign
    with pytest.raises(NotAReportingUnit):
        file_report(
            session,
            period_id=world["h1"].id,
            unit_id=reviewer.unit_id,
            user_id=reviewer.id,
            user_unit_id=reviewer.unit_id,
            data=PAPER,
            today=date(2018, 5, 10),
        )
    first = _file(session, world)
    with pytest.raises(ReportAlreadyFiled):
        _file(session, world, number="8/BC-UBND")
    with pytest.raises(ReportNumberTaken):  # the number is taken for the year, any period
        _file(session, world, period="m9", today=date(2018, 8, 20))
    late = _file(session, world, period="m9", number="9/BC-UBND", today=date(2018, 8, 20))
    assert late.late and not first.late
    session.commit()
    assert session.exec(select(func.count()).select_from(FiledReport)).one() == 2


def test_the_level_above_returns_with_a_comment_and_the_unit_refiles(session, world):
    filing = _file(session, world)

    def give_back(user, comment="Thiếu số liệu trẻ em được hỗ trợ."):
        return return_report(
            session,
            filing_id=filing.id,
            user_id=world[user].id,
            user_unit_id=world[user].unit_id,
            comment=comment,
        )

    for user in ("treasurer", "local_reviewer", "other_reviewer"):  # own unit, a sibling
        with pytest.raises(NotTheLevelAbove):
            give_back(user)
    with pytest.raises(ReasonRequired):
        give_back("reviewer", comment="   ")
    give_back("reviewer")
    with pytest.raises(ReportAlreadyReturned):  # a replayed return
        give_back("reviewer")
    with pytest.raises(ReportNumberTaken):
        _file(session, world, today=date(2018, 5, 20))
    again = _file(session, world, number="12/BC-UBND", today=date(2018, 5, 20))
    session.commit()
    assert (again.version, again.late, filing.status) == (2, True, "returned")
    assert filing.return_comment == "Thiếu số liệu trẻ em được hỗ trợ."
    assert filing.docx and filing.pdf  # history keeps the returned document
    rows = {
        r.unit.code: r for r in period_filings(session, period=world["h1"], today=date(2018, 5, 20))
    }
    assert (rows["TT-CHUONGDUONG"].state, rows["TT-CHUONGDUONG"].on_time) == ("filed_late", False)
    assert rows["TT-DUNGTIEN"].state == "late" and rows["TT-DUNGTIEN"].on_time is False
    early = period_filings(session, period=world["h1"], today=date(2018, 5, 1))
    assert {r.unit.code: r.state for r in early}["TT-DUNGTIEN"] == "not_filed"


def test_pages_file_return_refile_and_export_within_scope(
    client, session, world, login, submit, make_user
):
    h1 = world["h1"]
    make_user("kiemtoan.cd", "auditor", "TT-CHUONGDUONG")
    login("kiemtoan.cd")
    assert client.get(f"/filings/periods/{h1.id}/new").status_code == 403
    login("thuquy.a")
    page = client.get(f"/filings/periods/{h1.id}/new")
    assert "sẽ được khóa đến hết ngày 30/04/2018" in page.text
    assert 'value="Ủy ban nhân dân Huyện Thường Tín"' in page.text
    form = {
        "number": "abc",
        "recipient": "Ủy ban nhân dân Huyện Thường Tín",
        "place": "Chương Dương",
        "signer_title": "Chủ tịch",
        "signer_name": "Nguyễn Văn Bình",
        "difficulties": "Không",
    }
    refused = client.post(f"/filings/periods/{h1.id}/new", data={**form_tokens(page.text), **form})
    assert refused.status_code == 400 and "Số, ký hiệu phải có dạng" in refused.text
    assert 'value="Nguyễn Văn Bình"' in refused.text
    session.rollback()
    assert session.exec(select(func.count()).select_from(FiledReport)).one() == 0
    filed = client.post(
        f"/filings/periods/{h1.id}/new",
        data={**form_tokens(refused.text), **form, "number": "5/BC-UBND"},
    )
    assert filed.status_code == 302
    session.rollback()
    filing = session.exec(select(FiledReport)).one()
    assert client.get(f"/filings/{filing.id}.docx").data == filing.docx
    assert (
        client.post(
            f"/filings/{filing.id}/return",
            data={"comment": "x", **form_tokens(client.get(f"/filings/{filing.id}").text)},
        ).status_code
        == 403
    )
    assert client.get(f"/filings/periods/{h1.id}").status_code == 404  # the district's list
    login("duyet.px")  # another commune's reviewer
    for url in (f"/filings/{filing.id}", f"/filings/{filing.id}.pdf"):
        assert client.get(url).status_code == 404
    login("duyet.tt")
    listing = client.get(f"/filings/periods/{h1.id}")
    assert "5/BC-UBND" in listing.text and "Nộp muộn" in listing.text  # filed in 2026
    empty = submit(
        f"/filings/{filing.id}", {"comment": ""}, post_url=f"/filings/{filing.id}/return"
    )
    assert empty.status_code == 400
    back = submit(
        f"/filings/{filing.id}",
        {"comment": "Bổ sung số trẻ"},
        post_url=f"/filings/{filing.id}/return",
    )
    assert back.status_code == 302
    sheet = load_workbook(io.BytesIO(client.get(f"/filings/periods/{h1.id}.xlsx").data)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["TT-CHUONGDUONG"][2] == "Bị trả lại" and sheet.cell(3, 8).value == "Đúng hạn"
    login("thuquy.a")
    shown = client.get(f"/filings/{filing.id}")
    assert "Bổ sung số trẻ" in shown.text and "Nộp lại báo cáo" in shown.text
    again = client.get(f"/filings/periods/{h1.id}/new")
    assert 'value="Nguyễn Văn Bình"' in again.text  # the returned version's texts
