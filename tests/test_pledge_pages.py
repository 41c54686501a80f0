"""The pledges pages as a treasurer uses them: record a pledge, list past one page, make the
prefilled receipt that settles it, attach a receipt already recorded, the overdue list and its
reminder letter; another unit's pledge is a 404."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ledger.models import Pledge, PledgeSettlement, Receipt
from ledger.services.campaigns import find_campaign
from ledger.services.donors import create_donor
from ledger.services.pledges import PledgeInput, create_pledge, settled_amount
from ledger.services.units import find_unit
from tests.conftest import form_tokens


def _today() -> date:
    """Today as the pages count it, asked when used: a constant taken when the tests were
    collected is yesterday for a test that runs past midnight (a CI run did)."""
    return date.today()


@pytest.fixture
def treasurer(make_user, login, unit):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG", full_name="Phạm Thị Lan")
    login("thuquy.a")
    return unit("TT-CHUONGDUONG")


@pytest.fixture
def school(session, treasurer):
    donor = create_donor(
        session,
        unit_id=treasurer.id,
        name="Trường Tiểu học Chương Dương",
        kind="school",
        address="Thôn Đông",
    )
    session.commit()
    return donor


def _pledge(session, fund, donor, amount=2_000_000, due=None, **kw):
    due = due or _today() + timedelta(days=30)
    pledge = create_pledge(
        session,
        unit_id=fund.id,
        data=PledgeInput(donor.id, amount, min(due, _today()) - timedelta(days=10), due, **kw),
    )
    session.commit()
    return pledge


def test_record_a_pledge_with_a_donor_picked(client, treasurer, school, submit, session):
    found = client.get("/receipts/donors?q=truong tieu hoc").json
    assert [d["id"] for d in found] == [school.id]
    response = submit(
        f"/pledges/new?unit={treasurer.id}",
        {
            "donor_id": str(school.id),
            "donor_name": school.name,
            "campaign_id": "",
            "amount": "2.000.000",
            "pledged_on": _today().strftime("%d/%m/%Y"),
            "due_on": (_today() + timedelta(days=20)).strftime("%d/%m/%Y"),
            "note": "Tháng hành động",
        },
    )
    assert response.status_code == 302, response.text
    page = client.get(response.headers["Location"]).text
    assert "Trường Tiểu học Chương Dương" in page and "2.000.000 đ" in page


def test_a_pledge_without_a_picked_donor_or_due_before_stays_on_the_form(
    client, treasurer, submit, session
):
    response = submit(
        f"/pledges/new?unit={treasurer.id}",
        {
            "donor_name": "Ai đó",
            "amount": "1.000.000",
            "pledged_on": "20/05/2026",
            "due_on": "01/05/2026",
        },
    )
    assert response.status_code == 200
    assert "Chọn nhà hảo tâm trong danh sách gợi ý." in response.text
    assert "Hạn thực hiện cam kết không được trước ngày cam kết." in response.text
    assert 'value="1.000.000"' in response.text
    session.rollback()
    assert session.exec(select(Pledge)).first() is None


def test_the_list_works_past_one_page_and_filters(client, treasurer, school, session):
    other = create_donor(session, unit_id=treasurer.id, name="Công ty Đức Thành")
    for i in range(55):
        _pledge(session, treasurer, school if i % 5 else other, amount=100_000 + i)
    first = client.get(f"/pledges/?unit={treasurer.id}")
    assert first.status_code == 200 and first.text.count("/pledges/") > 50
    assert "Trang 1/2" in first.text
    second = client.get(f"/pledges/?unit={treasurer.id}&page=2")
    assert second.text.count('href="/pledges/') >= 5
    by_donor = client.get(f"/pledges/?unit={treasurer.id}&donor=duc thanh")
    assert "11 cam kết" in by_donor.text
    overdue = client.get(f"/pledges/?unit={treasurer.id}&status=overdue")
    assert "0 cam kết" in overdue.text


def test_the_prefilled_receipt_settles_the_pledge(client, treasurer, school, submit, session):
    pledge = _pledge(session, treasurer, school)
    page = client.get(f"/pledges/{pledge.id}/receipt")
    assert page.status_code == 200
    assert 'value="2.000.000"' in page.text and school.name in page.text
    assert "Thực hiện cam kết ủng hộ" in page.text
    response = client.post(
        f"/pledges/{pledge.id}/receipt",
        data={
            **form_tokens(page.text),
            "receipt_date": "15/06/2018",  # the seeded commune existed until 2025
            "amount": "1.500.000",
            "method": "cash",
            "source": "donation",
            "payer_name": school.name,
            "donor_kind": _hidden(page.text, "donor_kind"),
            "credit_unit_id": str(treasurer.id),
            "reason": "Thực hiện cam kết ủng hộ",
            "attachments": "0",
        },
    )
    assert response.status_code == 302, response.text
    session.rollback()
    receipt = session.exec(select(Receipt)).scalars().one()
    assert receipt.donor_id == school.id and receipt.amount == 1_500_000
    assert settled_amount(session, pledge.id) == 1_500_000
    shown = client.get(f"/pledges/{pledge.id}").text
    assert "500.000 đ" in shown  # outstanding


def _hidden(html: str, name: str) -> str:
    """The value of a hidden input the page carries (the browser posts it back)."""
    return re.search(rf'type="hidden" name="{name}" value="([^"]*)"', html).group(1)


def test_attach_an_existing_receipt(client, treasurer, school, session, make_receipt):
    pledge = _pledge(session, treasurer, school)
    receipt = make_receipt(
        "TT-CHUONGDUONG",
        amount=3_000_000,
        on=date(2018, 6, 10),
        donor_id=school.id,
        payer_name=school.name,
    )
    session.commit()
    page = client.get(f"/pledges/{pledge.id}")
    assert f"{receipt.number}/{receipt.year}" in page.text
    response = client.post(
        f"/pledges/{pledge.id}/settle",
        data={**form_tokens(page.text), "receipt_id": str(receipt.id), "amount": "2.500.000"},
    )
    assert response.status_code == 400
    assert "chỉ còn 2.000.000 đ" in response.text
    page = client.get(f"/pledges/{pledge.id}")
    response = client.post(
        f"/pledges/{pledge.id}/settle",
        data={**form_tokens(page.text), "receipt_id": str(receipt.id), "amount": ""},
    )
    assert response.status_code == 302
    session.rollback()
    assert session.exec(select(PledgeSettlement.amount)).scalars().all() == [2_000_000]


def test_overdue_list_and_reminder_letter(client, treasurer, school, session):
    today = _today()
    pledge = _pledge(session, treasurer, school, due=today - timedelta(days=12))
    listed = client.get(f"/pledges/overdue?unit={treasurer.id}").text
    assert school.name in listed and "2.000.000 đ" in listed and ">12<" in listed
    letter = client.get(f"/pledges/{pledge.id}/reminder").text
    assert "THƯ NHẮC THỰC HIỆN CAM KẾT ỦNG HỘ" in letter
    assert f"Chương Dương, ngày {today:%d} tháng {today:%m} năm {today:%Y}" in letter
    assert f"Kính gửi: {school.name}" in letter
    assert "Hai triệu đồng" in letter and "Thủ trưởng đơn vị" in letter


def test_another_units_pledge_is_a_404(client, treasurer, session, unit):
    other = unit("TT-DUNGTIEN")
    donor = create_donor(session, unit_id=other.id, name="Nhà hảo tâm khác")
    pledge = _pledge(session, other, donor)
    for url in (
        f"/pledges/{pledge.id}",
        f"/pledges/{pledge.id}/receipt",
        f"/pledges/{pledge.id}/reminder",
        f"/pledges/?unit={other.id}",
    ):
        assert client.get(url).status_code == 404, url


def test_a_receipt_outside_the_campaign_is_refused_on_the_form(
    client, treasurer, school, session, make_receipt
):
    campaign = find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)
    pledge = _pledge(session, treasurer, school, campaign_id=campaign.id)
    receipt = make_receipt(
        "TT-CHUONGDUONG",
        amount=3_000_000,
        on=date(2017, 12, 20),
        donor_id=school.id,
        payer_name=school.name,
    )
    session.commit()
    page = client.get(f"/pledges/{pledge.id}")
    response = client.post(
        f"/pledges/{pledge.id}/settle",
        data={**form_tokens(page.text), "receipt_id": str(receipt.id), "amount": "1.500.000"},
    )
    assert response.status_code == 400
    assert "nằm ngoài đợt vận động" in response.text
    assert "01/01/2018" in response.text and "31/12/2018" in response.text
    assert 'value="1.500.000"' in response.text
    session.rollback()
    assert session.exec(select(PledgeSettlement.amount)).scalars().all() == []


def test_an_anonymous_donors_name_stays_in_the_pledges_fund(
    client, treasurer, session, make_user, login
):
    secret = "Bà Kín Tiếng Cam Kết"
    donor = create_donor(session, unit_id=treasurer.id, name=secret, anonymous=True)
    pledge = _pledge(session, treasurer, donor, due=_today() - timedelta(days=5))
    make_user("duyet.tt", "reviewer", "TT")
    pages = (
        f"/pledges/?unit={treasurer.id}",
        f"/pledges/overdue?unit={treasurer.id}",
        f"/pledges/{pledge.id}",
    )
    for url in pages:
        assert secret in client.get(url).text, url  # the fund's own staff
    assert secret in client.get(f"/pledges/{pledge.id}/reminder").text
    assert (
        f'/pledges/{pledge.id}"'
        in client.get(f"/pledges/?unit={treasurer.id}&donor=kin tieng").text
    )
    login("duyet.tt")  # the level above
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200 and secret not in page.text, url
        assert "Nhà hảo tâm (ẩn danh)" in page.text, url
    # the name filter finds nothing: the masked row would say who promised
    searched = client.get(f"/pledges/?unit={treasurer.id}&donor=kin tieng").text
    assert "Không có cam kết nào." in searched and f'/pledges/{pledge.id}"' not in searched
    letter = client.get(f"/pledges/{pledge.id}/reminder")
    assert letter.status_code == 403 and secret not in letter.text


def test_a_pledge_of_another_funds_donor_is_refused_on_the_field(
    client, session, submit, make_user, login, unit
):
    make_user("thuquy.tt", "treasurer", "TT")
    login("thuquy.tt")
    lower = create_donor(session, unit_id=unit("TT-CHUONGDUONG").id, name="Trường Xã Dưới")
    session.commit()
    data = {
        "donor_id": str(lower.id),
        "donor_name": lower.name,
        "campaign_id": "",
        "amount": "1.000.000",
        "pledged_on": _today().strftime("%d/%m/%Y"),
        "due_on": (_today() + timedelta(days=20)).strftime("%d/%m/%Y"),
    }
    # a donor of a unit under the province's fund may be picked for the province's pledge
    assert submit(f"/pledges/new?unit={unit('TT').id}", data).status_code == 302
    # but not for a sibling commune's pledge: the donor is recorded by another fund
    refused = submit(f"/pledges/new?unit={unit('TT-DUNGTIEN').id}", data)
    assert refused.status_code == 400 and "do quỹ khác ghi nhận" in refused.text
    assert 'value="1.000.000"' in refused.text
    session.rollback()
    assert len(session.exec(select(Pledge)).all()) == 1
