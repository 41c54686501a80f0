"""Cash counts (kiểm kê quỹ): a difference posts only with a reason and a reviewer's approval,
a settled count is a balance assertion that ``check`` verifies and the journal defends, the
pages keep to scope and role."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from ledger.errors import (
    CashCountedThrough,
    CountNeedsReason,
    CountNotPending,
    CountOutdated,
    EmptyCashCount,
    InvalidCashQuantity,
    NotAllowedToApproveCount,
    PeriodLocked,
    UnknownDenomination,
)
from ledger.models import Account, Posting
from ledger.services import cash_counts as service
from ledger.services.cash_counts import CountInput
from ledger.services.check import check_books
from ledger.services.journal import balance
from ledger.services.locks import lock_period
from ledger.services.receipts import ReceiptInput, record_receipt, void_receipt
from ledger.services.units import find_unit
from tests.conftest import form_tokens

COUNT_DAY = date(2018, 6, 30)
#: 950.000 đ: 50.000 đ short of the 1.000.000 đ cash receipt
SHORT = {500_000: 1, 200_000: 2, 50_000: 1}


@pytest.fixture
def fund(session, make_user):
    """Chương Dương with a 1.000.000 đ cash receipt and a 2.000.000 đ bank receipt, its
    treasurer and the district's reviewer."""
    people = {
        "treasurer": make_user("tq.cd", "treasurer", "TT-CHUONGDUONG", full_name="Phạm Thị Lan"),
        "reviewer": make_user("kt.tt", "reviewer", "TT", full_name="Nguyễn Thị Hòa"),
    }
    unit = find_unit(session, "TT-CHUONGDUONG")
    cash = record_receipt(
        session,
        unit_id=unit.id,
        data=ReceiptInput(receipt_date=date(2018, 3, 1), amount=1_000_000, payer_name="Bà An"),
    )
    record_receipt(
        session,
        unit_id=unit.id,
        data=ReceiptInput(
            receipt_date=date(2018, 3, 2), amount=2_000_000, payer_name="Ông Bình", method="bank"
        ),
    )
    session.commit()
    return {"unit": unit, "receipt": cash, **people}


def count(session, fund, quantities, reason="", on=COUNT_DAY):
    return service.record_count(
        session,
        unit_id=fund["unit"].id,
        data=CountInput(
            count_date=on,
            quantities=quantities,
            treasurer_name="Phạm Thị Lan",
            witness_name="Trần Văn Chứng",
            reason=reason,
        ),
        user_id=fund["treasurer"].id,
    )


def decide(session, item, user, approve=True, comment=""):
    act = service.approve_count if approve else service.reject_count
    return act(
        session,
        count_id=item.id,
        user_id=user.id,
        role=user.role,
        user_unit_id=user.unit_id,
        comment=comment,
    )


def cash(session, fund) -> int:
    return balance(session, unit_id=fund["unit"].id, kinds=("cash",))


def test_shortage_posts_only_with_reason_and_approval(session, fund):
    with pytest.raises(CountNeedsReason) as refused:
        count(session, fund, SHORT)
    assert "thiếu" in str(refused.value)
    session.rollback()
    item = count(session, fund, SHORT, reason="Trả nhầm tiền thừa cho người nộp")
    session.commit()
    assert (item.counted, item.book_balance, item.difference) == (950_000, 1_000_000, -50_000)
    assert item.status == "pending" and item.entry_id is None
    assert cash(session, fund) == 1_000_000  # nothing posted while it waits
    with pytest.raises(NotAllowedToApproveCount):  # the treasurer who counted
        decide(session, item, fund["treasurer"])
    session.rollback()
    posted = decide(session, item, fund["reviewer"], comment="Thủ quỹ bồi thường")
    session.commit()
    assert posted.status == "posted" and posted.entry_id is not None
    assert cash(session, fund) == 950_000 == posted.counted
    shortage = session.exec(
        Account.__table__.select().where(
            Account.unit_id == fund["unit"].id, Account.kind == "cash_shortage"
        )
    ).one()
    assert shortage.balance == 50_000
    assert check_books(session, {fund["unit"].id}) == []
    with pytest.raises(CountNotPending):
        decide(session, posted, fund["reviewer"])


def test_balanced_count_needs_no_reason_nor_approval(session, fund):
    item = count(session, fund, {"500000": "2"})
    assert item.status == "balanced" and item.difference == 0
    session.commit()
    assert check_books(session, {fund["unit"].id}) == []


def test_surplus_posts_to_surplus_account(session, fund):
    item = count(session, fund, {500_000: 2, "xu5000": 2}, reason="Chưa rõ nguyên nhân")
    assert item.difference == 10_000
    decide(session, item, fund["reviewer"])
    session.commit()
    assert cash(session, fund) == 1_010_000
    assert check_books(session, {fund["unit"].id}) == []


def test_rejected_count_posts_nothing_and_needs_reason(session, fund):
    item = count(session, fund, SHORT, reason="Chưa rõ")
    session.commit()
    with pytest.raises(Exception, match="lý do"):
        decide(session, item, fund["reviewer"], approve=False)
    session.rollback()
    rejected = decide(session, item, fund["reviewer"], approve=False, comment="Đếm lại")
    session.commit()
    assert rejected.status == "rejected" and cash(session, fund) == 1_000_000
    # a rejected count asserts nothing: cash before its date can still be recorded
    record_receipt(
        session,
        unit_id=fund["unit"].id,
        data=ReceiptInput(receipt_date=date(2018, 6, 1), amount=50_000, payer_name="Chị Cúc"),
    )


@pytest.mark.parametrize(
    ("quantities", "error", "row"),
    [
        ({500_000: -1}, InvalidCashQuantity, "Tờ 500.000 đ"),
        ({"200000": "2,5"}, InvalidCashQuantity, "Tờ 200.000 đ"),
        ({"100000": "1.5"}, InvalidCashQuantity, "Tờ 100.000 đ"),
        ({"xu1000": "10000000"}, InvalidCashQuantity, "Xu 1.000 đ"),
        ({"50000": "abc"}, InvalidCashQuantity, "Tờ 50.000 đ"),
        ({"20000": "١٢"}, InvalidCashQuantity, "Tờ 20.000 đ"),
        ({"20000": True}, InvalidCashQuantity, "Tờ 20.000 đ"),
        ({"300000": 1}, UnknownDenomination, "300000"),
        ({"xu100": 1}, UnknownDenomination, "xu100"),
    ],
)
def test_bad_quantities_name_their_row(session, fund, quantities, error, row):
    with pytest.raises(error) as refused:
        count(session, fund, quantities, reason="x")
    assert row in str(refused.value)


def test_quantities_are_whole_and_exact(session, fund):
    assert service.parse_quantities({"500000": "1.000", "xu200": "3", "100": ""}) == {
        "500000": 1000,
        "xu200": 3,
    }
    assert service.total_of({"500000": 1000, "xu200": 3}) == 500_000_600
    with pytest.raises(EmptyCashCount):
        service.parse_quantities({"500000": "", "200000": None})


def test_backdated_cash_before_a_settled_count_is_refused(session, fund):
    count(session, fund, {500_000: 2})
    session.commit()
    unit = fund["unit"].id
    for day in (date(2018, 6, 1), COUNT_DAY):
        with pytest.raises(CashCountedThrough, match="30/06/2018"):
            record_receipt(
                session,
                unit_id=unit,
                data=ReceiptInput(receipt_date=day, amount=10_000, payer_name="Anh Dũng"),
            )
        session.rollback()
    # bank money is not in the cash box; cash after the count is fine
    record_receipt(
        session,
        unit_id=unit,
        data=ReceiptInput(
            receipt_date=date(2018, 6, 1), amount=10_000, payer_name="Anh Dũng", method="bank"
        ),
    )
    record_receipt(
        session,
        unit_id=unit,
        data=ReceiptInput(receipt_date=date(2018, 7, 1), amount=10_000, payer_name="Anh Dũng"),
    )
    session.commit()
    # voiding the counted receipt would unsay the count: refused, correct it after the count
    with pytest.raises(CashCountedThrough):
        void_receipt(session, receipt_id=fund["receipt"].id, reason="Nhầm", on=date(2018, 7, 2))
    session.rollback()
    assert check_books(session, {unit}) == []


def test_count_in_locked_period_is_refused(session, fund):
    lock_period(session, unit_id=fund["unit"].id, through=date(2018, 6, 30), user_id=None)
    session.commit()
    with pytest.raises(PeriodLocked):
        count(session, fund, {500_000: 2})


def test_approval_in_a_period_locked_since_is_refused(session, fund):
    item = count(session, fund, SHORT, reason="Chưa rõ")
    lock_period(session, unit_id=fund["unit"].id, through=date(2018, 12, 31), user_id=None)
    session.commit()
    with pytest.raises(PeriodLocked):
        decide(session, item, fund["reviewer"])
    session.rollback()
    assert cash(session, fund) == 1_000_000


def test_approval_after_the_book_changed_is_refused(session, fund):
    item = count(session, fund, SHORT, reason="Chưa rõ")
    record_receipt(
        session,
        unit_id=fund["unit"].id,
        data=ReceiptInput(receipt_date=date(2018, 6, 30), amount=50_000, payer_name="Chị Cúc"),
    )
    session.commit()
    with pytest.raises(CountOutdated):
        decide(session, item, fund["reviewer"])


def test_check_names_a_count_broken_by_a_forged_posting(session, fund):
    count(session, fund, {500_000: 2})
    later = record_receipt(
        session,
        unit_id=fund["unit"].id,
        data=ReceiptInput(receipt_date=date(2018, 7, 5), amount=200_000, payer_name="Bà Én"),
    )
    session.commit()
    assert check_books(session, {fund["unit"].id}) == []
    # someone with the database moves July's cash into June, behind the count's back
    session.exec(
        update(Posting)
        .where(Posting.entry_id == later.entry_id)
        .values(entry_date=date(2018, 6, 15))
    )
    session.commit()
    problems = [p for p in check_books(session, {fund["unit"].id}) if p.what == "cash_count"]
    assert len(problems) == 1
    assert problems[0].detail == (
        "Kiểm kê quỹ ngày 30/06/2018 của Xã Chương Dương: sổ quỹ nay là 1.200.000 đ, "
        "kiểm kê là 1.000.000 đ"
    )


# --- pages ---------------------------------------------------------------------------------


def url(fund, suffix=""):
    return f"/funds/{fund['unit'].id}/cash-counts{suffix}"


def form_data(quantities, button="save", **fields):
    """The form as the browser sends it: only the button clicked ("save" or "tally")."""
    data = {f"q_{k}": str(v) for k, v in quantities.items()}
    return {
        "count_date": "30/06/2018",
        "treasurer_name": "Phạm Thị Lan",
        "witness_name": "Trần Văn Chứng",
        "reason": "",
        button: "1",
        **data,
        **fields,
    }


def test_pages_record_approve_print(client, login, submit, session, fund):
    login("tq.cd")
    page = client.get(url(fund, "/new"))
    assert page.status_code == 200 and "Tờ 500.000 đ" in page.text
    refused = submit(url(fund, "/new"), form_data({"500000": 1, "200000": 2, "50000": 1}))
    assert refused.status_code == 400
    assert "phải ghi lý do" in refused.text and 'value="2"' in refused.text  # values kept
    bad = submit(url(fund, "/new"), form_data({"500000": "-1"}))
    assert bad.status_code == 400 and "Tờ 500.000 đ" in bad.text and "âm" in bad.text
    tally = submit(url(fund, "/new"), form_data({"500000": 1, "xu5000": 3}, button="tally"))
    assert tally.status_code == 200 and "515.000 đ" in tally.text
    saved = submit(
        url(fund, "/new"),
        form_data({"500000": 1, "200000": 2, "50000": 1}, reason="Trả nhầm tiền thừa"),
    )
    assert saved.status_code == 302
    show = saved.headers["Location"]
    page = client.get(show)
    assert "950.000 đ" in page.text and "Chờ duyệt" in page.text
    assert client.post(show + "/approve", data=form_tokens(page.text)).status_code == 403
    client.get("/auth/logout")
    login("kt.tt")
    page = client.get(show)
    assert client.post(show + "/approve", data=form_tokens(page.text)).status_code == 302
    assert cash(session, fund) == 950_000
    printed = client.get(show + "/print")
    assert printed.status_code == 200
    for text in ("KIỂM KÊ QUỸ", "C34-HD", "Thủ quỹ", "Người chứng kiến", "thiếu", "TK 1388"):
        assert text in printed.text
    assert "<style" not in printed.text and "<script>" not in printed.text
    listing = client.get(url(fund))
    assert "30/06/2018" in listing.text and "Thiếu 50.000 đ" in listing.text


def test_pages_scope_and_role(client, login, session, fund, make_user, two_districts):
    item = count(session, fund, SHORT, reason="Chưa rõ")
    session.commit()
    make_user("tq.px", "treasurer", "PX-PHUCTIEN")
    make_user("audit.tt", "auditor", "TT")
    make_user("tq.tt", "treasurer", "TT")
    login("tq.px")  # another district's treasurer: the fund does not exist for them
    assert client.get(url(fund)).status_code == 404
    assert client.get(url(fund, "/new")).status_code == 404
    assert client.get(url(fund, f"/{item.id}")).status_code == 404
    assert client.get(url(fund, f"/{item.id}/print")).status_code == 404
    client.get("/auth/logout")
    login("audit.tt")  # an auditor reads, records nothing
    assert client.get(url(fund)).status_code == 200
    assert client.get(url(fund, f"/{item.id}")).status_code == 200
    assert client.get(url(fund, "/new")).status_code == 403
    log = client.get("/audit/")
    assert "Kiểm kê quỹ tiền mặt" in log.text
    assert "Kiểm kê quỹ ngày 30/06/2018 của Xã Chương Dương" in log.text
    other = find_unit(session, "TT-DUNGTIEN").id  # a count seen through another fund's url
    assert client.get(f"/funds/{other}/cash-counts/{item.id}").status_code == 404
    client.get("/auth/logout")
    login("tq.tt")  # the district's treasurer does not hold the commune's cash box
    assert client.get(url(fund)).status_code == 200
    assert client.get(url(fund, "/new")).status_code == 403


def test_the_workbook_lists_the_counts_and_checks_them(session, fund, tmp_path):
    import openpyxl

    from ledger.services.campaigns import find_campaign
    from ledger.services.reconciliation import export_workbook

    item = count(session, fund, SHORT, reason="Trả nhầm tiền thừa")
    decide(session, item, fund["reviewer"])
    session.commit()
    campaign = find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)
    path = tmp_path / "doi-chieu.xlsx"
    made = export_workbook(session, campaign_id=campaign.id, path=path)
    assert all(check.ok for check in made.checks), [c for c in made.checks if not c.ok]
    book = openpyxl.load_workbook(path)
    rows = list(book["Kiểm kê quỹ"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1].date(), *r[2:]) for r in rows] == [
        (
            "Xã Chương Dương",
            COUNT_DAY,
            950_000,
            1_000_000,
            -50_000,
            "Đã ghi sổ chênh lệch",
            "Trả nhầm tiền thừa",
            950_000,
            "OK",
        )
    ]
    checks = {r[0]: r for r in book["Kiểm tra"].iter_rows(min_row=2, values_only=True)}
    assert checks["Số lần kiểm kê quỹ đã chốt khớp sổ quỹ tiền mặt cuối ngày kiểm kê"][1:4] == (
        1,
        1,
        "OK",
    )


def test_the_demo_counts_one_balanced_and_one_short_box(session):
    from ledger.models import CashCount
    from ledger.services import demo

    demo.seed_demo_users(session)
    demo.seed_demo_receipts(session)
    assert demo.seed_demo_cash_counts(session) == 2
    session.commit()
    counts = {c.difference: c for c in session.exec(select(CashCount)).scalars()}
    assert counts[0].status == "balanced"
    assert counts[-50_000].status == "posted" and counts[-50_000].reason
    assert check_books(session) == []
    assert demo.seed_demo_cash_counts(session) == 0  # once


def test_the_receipt_form_refuses_a_counted_day_before_asking_to_confirm(
    client, login, submit, session, fund
):
    """A cash receipt dated inside a counted day is refused at once, with the values kept; it
    is never first offered "confirm the earlier date" and refused only after the confirmation."""
    count(session, fund, {500_000: 2})
    record_receipt(  # a later voucher, so 01/06 would also go back against the series
        session,
        unit_id=fund["unit"].id,
        data=ReceiptInput(
            receipt_date=date(2018, 7, 5), amount=50_000, payer_name="Chị Mai", method="bank"
        ),
    )
    session.commit()
    login("tq.cd")
    answer = submit(
        "/receipts/new",
        {
            "receipt_date": "01/06/2018",
            "amount": "70.000",
            "method": "cash",
            "source": "donation",
            "payer_name": "Ông Tư Đếm Sau",
            "new_donor": "y",  # a new donor, not one picked from the list
            "donor_kind": "individual",
            "reason": "Ủng hộ",
            "attachments": "0",
            "credit_unit_id": str(fund["unit"].id),
        },
    )
    assert answer.status_code in (200, 400)
    assert "đã kiểm kê ngày 30/06/2018" in answer.text
    assert "confirm_backdate" not in answer.text and "Ông Tư Đếm Sau" in answer.text


def test_the_count_form_names_notes_in_the_readers_language(client, login, fund):
    login("tq.cd")
    unit = fund["unit"].id
    assert "Tờ 500.000 đ" in client.get(f"/funds/{unit}/cash-counts/new").text
    client.get("/lang/en")
    english = client.get(f"/funds/{unit}/cash-counts/new").text
    assert "500.000 đ note" in english and "Tờ 500.000 đ" not in english
