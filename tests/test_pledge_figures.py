"""Pledged but unpaid money beside collected money, never inside it: the campaign's progress,
its page, the period report, the API and the reconciliation workbook agree and reconcile."""

import io
from datetime import date

import openpyxl
import pytest

from ledger.services.donors import create_donor
from ledger.services.pledges import PledgeInput, cancel_pledge, create_pledge, settle_pledge
from ledger.services.progress import campaign_progress
from ledger.services.receipts import void_receipt
from ledger.services.reconciliation import build_reconciliation
from ledger.services.units import find_unit


@pytest.fixture
def pledged(demo, session):
    """Three pledges in the demo's 2018 campaign at Chương Dương: 2.000.000 settled 500.000
    (a second receipt of 800.000 voided), 3.000.000 settled in full, 1.000.000 cancelled."""
    fund = find_unit(session, "TT-CHUONGDUONG")
    school = create_donor(session, unit_id=fund.id, name="Trường THCS Chương Dương", kind="school")
    collected = campaign_progress(session, campaign_id=demo.id).collected

    def pledge(amount, due):
        data = PledgeInput(school.id, amount, date(2018, 5, 1), due, campaign_id=demo.id)
        return create_pledge(session, unit_id=fund.id, data=data)

    def receipt(amount, day):
        from ledger.services.receipts import ReceiptInput, record_receipt

        data = ReceiptInput(receipt_date=day, amount=amount, donor_id=school.id, payer_name="x")
        return record_receipt(session, unit_id=fund.id, data=data)

    partly, full, dropped = (
        pledge(2_000_000, date(2018, 6, 30)),
        pledge(3_000_000, date(2018, 12, 31)),
        pledge(1_000_000, date(2018, 9, 1)),
    )
    first, voided, whole = (
        receipt(500_000, date(2018, 6, 10)),
        receipt(800_000, date(2018, 6, 12)),
        receipt(3_000_000, date(2018, 7, 1)),
    )
    settle_pledge(session, pledge_id=partly.id, receipt_id=first.id)
    settle_pledge(session, pledge_id=partly.id, receipt_id=voided.id)
    void_receipt(session, receipt_id=voided.id, reason="Ghi nhầm", on=date(2018, 6, 13))
    settle_pledge(session, pledge_id=full.id, receipt_id=whole.id)
    cancel_pledge(session, pledge_id=dropped.id, reason="Nhà trường rút cam kết")
    session.commit()
    return {"collected_receipts": collected + 500_000 + 3_000_000}


def test_progress_keeps_pledges_beside_collected(demo, pledged, session):
    p = campaign_progress(session, campaign_id=demo.id, as_of=date(2018, 12, 31))
    assert p.collected == pledged["collected_receipts"]  # the receipts, not the pledges
    assert (p.pledges.count, p.pledges.pledged, p.pledges.settled) == (2, 5_000_000, 3_500_000)
    assert p.pledges.outstanding == p.pledges.overdue == 1_500_000
    early = campaign_progress(session, campaign_id=demo.id, as_of=date(2018, 6, 20))
    assert (early.pledges.settled, early.pledges.overdue) == (500_000, 0)


def test_api_and_pages_show_pledges_apart(client, demo, pledged, session, make_user, login):
    make_user("duyet", "reviewer", "TT")
    login("duyet")
    body = client.get(f"/api/v1/campaigns/{demo.id}/progress").json
    assert body["collected"] == pledged["collected_receipts"]
    assert body["pledges"] == {
        "count": 2,
        "pledged": 5_000_000,
        "settled": 3_500_000,
        "outstanding": 1_500_000,
        "overdue": 1_500_000,
    }
    page = client.get(f"/campaigns/{demo.id}?as_of=31/12/2018").text
    assert "Cam kết ủng hộ chưa thực hiện" in page and "1.500.000 đ" in page
    report = client.get(f"/campaigns/{demo.id}/reports/3").text
    assert 'id="pledges-row"' in report


def test_workbook_sheet_reconciles_settlements_to_receipts(
    client, demo, pledged, session, make_user, login
):
    data = build_reconciliation(session, campaign_id=demo.id, as_of=date(2018, 12, 31))
    checks = [c for c in data.checks if c.name.startswith("Cam kết")]
    assert len(checks) == 4 and all(c.ok for c in checks), checks
    assert checks[0].expected == 3_500_000
    session.rollback()  # the check records how far it verified: let the web app write
    make_user("kiemtoan", "auditor", "TT")
    login("kiemtoan")
    response = client.get(f"/campaigns/{demo.id}/workbook.xlsx?as_of=31/12/2018")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Cam kết ủng hộ"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [r[7] for r in rows[:3]] == ["Quá hạn", "Đã thực hiện đủ", "Đã hủy"]
    assert rows[-1][4:7] == [5_000_000, 3_500_000, 1_500_000]


def test_both_sides_of_the_workbook_check_count_the_campaigns_receipts_only(demo, pledged, session):
    """A settlement made before receipts outside the campaign were refused (a receipt of
    20/12/2017 on a 2018 pledge): the pledges sheet and the receipts' side leave it out alike."""
    from sqlmodel import select

    from ledger.models import Pledge, PledgeSettlement
    from ledger.services.receipts import ReceiptInput, record_receipt

    partly = session.exec(
        select(Pledge).where(Pledge.campaign_id == demo.id, Pledge.amount == 2_000_000)
    ).one()
    data = ReceiptInput(
        receipt_date=date(2017, 12, 20), amount=700_000, donor_id=partly.donor_id, payer_name="x"
    )
    early = record_receipt(session, unit_id=partly.unit_id, data=data)
    session.add(PledgeSettlement(pledge_id=partly.id, receipt_id=early.id, amount=700_000))
    session.flush()
    data = build_reconciliation(session, campaign_id=demo.id, as_of=date(2018, 12, 31))
    checks = [c for c in data.checks if c.name.startswith("Cam kết")]
    assert all(c.ok for c in checks), checks
    assert checks[0].expected == 3_500_000


def test_a_focused_view_counts_the_pledges_of_its_own_subtree_only(demo, pledged, session):
    """The pledges are all Chương Dương's: its own view holds them, a sibling commune's none."""
    own = find_unit(session, "TT-CHUONGDUONG")
    sibling = find_unit(session, "TT-DUNGTIEN")
    mine = campaign_progress(
        session, campaign_id=demo.id, as_of=date(2018, 12, 31), focus_id=own.id
    )
    theirs = campaign_progress(
        session, campaign_id=demo.id, as_of=date(2018, 12, 31), focus_id=sibling.id
    )
    assert (mine.pledges.count, mine.pledges.pledged) == (2, 5_000_000)
    assert (theirs.pledges.count, theirs.pledges.pledged) == (0, 0)
