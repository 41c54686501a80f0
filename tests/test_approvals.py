"""Informed approvals (issue #15): the approval screen shows what the payout is and what the
fund holds; the queue has a unit column, filters, a menu count and honest footers; a shortfall
names the account that is short and offers the other where the user may switch."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from ledger.errors import InsufficientFunds
from ledger.models import Category, Disbursement, Setting
from ledger.services.disbursements import (
    Approver,
    DisbursementInput,
    approve_disbursement,
    count_awaiting,
    draft_disbursement,
    fund_position,
    may_approve,
    pay_disbursement,
)
from ledger.services.journal import balance_from_postings
from ledger.services.transfers import send_transfer
from ledger.services.units import subtree_scope
from ledger.vocab import DisbursementStatus
from tests.conftest import PASSWORD, form_tokens

BANK = 3_000_000_000  # "3 tỷ in the bank"


def _category(session, code):
    return session.exec(select(Category).where(Category.code == code)).scalars().one()


def _draft(session, funded, amount, *, method="cash", by="treasurer", **fields):
    return draft_disbursement(
        session,
        unit_id=funded["fund"].id,
        user_id=funded[by].id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            payee_name=fields.pop("payee_name", "Trần Thị Mẹ"),
            category_id=_category(session, fields.pop("category", "heart_surgery")).id,
            amount=amount,
            method=method,
            **fields,
        ),
    )


def _approve(session, item, user):
    return approve_disbursement(
        session,
        disbursement_id=item.id,
        user_id=user.id,
        role=user.role,
        user_unit_id=user.unit_id,
    )


@pytest.fixture
def banked(session, funded, make_receipt):
    """Chương Dương: 10.000.000 đ cash and 3 tỷ in the bank; 2.000.000 đ cash already approved
    and unpaid; a cash draft of 5.000.000 đ waiting."""
    make_receipt(amount=BANK, on=date(2018, 1, 6), method="bank")
    held = _draft(session, funded, 2_000_000, payee_name="Đã duyệt trước")
    _approve(session, held, funded["reviewer"])
    waiting = _draft(
        session,
        funded,
        5_000_000,
        payee_name="Lê Thị Mai",
        payee_address="Thôn Thượng, Chương Dương",
        reason="Phẫu thuật tim cho cháu Khôi",
        attachments=3,
    )
    session.commit()
    return {**funded, "held": held, "waiting": waiting}


def test_the_approval_screen_shows_the_payout_and_the_funds_money(banked, client, login):
    login("duyet.tt")
    page = client.get(f"/disbursements/{banked['waiting'].id}").text
    details = page[page.index('id="details"') : page.index('id="fund-position"')]
    for shown in (
        "Lê Thị Mai",
        "Thôn Thượng, Chương Dương",
        "Phẫu thuật tim cho cháu Khôi",
        "Ngày chi dự kiến",
        "01/06/2018",
        "Tiền mặt",
        "3 chứng từ gốc",
        "thuquy.a",
    ):
        assert shown in details, shown
    # drafted at: Vietnam time, dd/mm/yyyy HH:MM
    created = banked["waiting"].created_at
    assert re.search(r"thuquy\.a, lúc \d\d/\d\d/\d{4} \d\d:\d\d", details)
    local = f"{(created.hour + 7) % 24:02d}:{created.minute:02d}"
    assert local in details
    position = page[page.index('id="fund-position"') :]
    assert "10.000.000 đ" in position and "3.000.000.000 đ" in position  # balances now
    assert "2.000.000 đ" in position and "(1 phiếu)" in position  # approved, unpaid
    assert "8.000.000 đ" in position  # cash still available
    assert "Đủ để chi 5.000.000 đ bằng tiền mặt." in position
    assert 'href="/books/' in position  # each balance links to its book
    assert "Duyệt" in page


def test_the_funds_position_is_the_sum_of_its_postings(banked, session):
    fund = banked["fund"].id
    position = fund_position(session, fund)
    assert position.cash.balance == balance_from_postings(session, unit_id=fund, kinds=("cash",))
    assert position.bank.balance == balance_from_postings(session, unit_id=fund, kinds=("bank",))
    assert (position.cash.committed, position.cash.committed_count) == (2_000_000, 1)
    assert position.bank.committed == 0 and position.cash.available == 8_000_000


def test_approval_refused_for_cash_names_the_cash_and_the_bank(banked, session):
    big = _draft(session, banked, 9_000_000)
    with pytest.raises(InsufficientFunds) as refused:
        _approve(session, big, banked["reviewer"])
    error = refused.value
    assert error.message.startswith("Tiền mặt của quỹ %(fund)s còn %(held)s nhưng %(committed)s")
    assert error.params == {
        "fund": "Xã Chương Dương",
        "held": 10_000_000,
        "committed": 2_000_000,
        "balance": 8_000_000,
        "amount": 9_000_000,
        "other": BANK,
    }
    # the whole fund is not short: the bank could pay it
    bank = _draft(session, banked, 9_000_000, method="bank")
    assert _approve(session, bank, banked["reviewer"]).status == "approved"


def test_payment_refused_names_the_account(banked, session):
    """Cash moved to the bank after approval: paying the approved cash payout is refused,
    naming the cash and what the bank holds."""
    send_transfer(
        session,
        from_unit_id=banked["fund"].id,
        to_unit_id=banked["fund"].id,
        amount=9_000_000,
        on=date(2018, 6, 1),
        from_method="cash",
        to_method="bank",
    )
    with pytest.raises(InsufficientFunds) as refused:
        pay_disbursement(session, disbursement_id=banked["held"].id, on=date(2018, 6, 2))
    assert refused.value.message.startswith("Tiền mặt của quỹ %(fund)s chỉ còn %(balance)s")
    assert refused.value.params["balance"] == 1_000_000
    assert refused.value.params["other"] == BANK + 9_000_000


def test_transfers_keep_the_general_message(session, funded):
    with pytest.raises(InsufficientFunds) as refused:
        send_transfer(
            session,
            from_unit_id=funded["fund"].id,
            to_unit_id=funded["fund"].id,
            amount=20_000_000,
            on=date(2018, 6, 1),
            from_method="cash",
            to_method="bank",
        )
    assert refused.value.message.startswith("Quỹ không đủ số dư")


def test_web_shortfall_offers_the_drafter_the_bank(banked, session, client, login, app):
    big = _draft(session, banked, 20_000_000, payee_name="Bệnh viện Nhi", reason="Mổ tim")
    # about the shortfall, not the second factor (tests/test_second_factor.py)
    session.add(Setting(key="second_factor_above", value="100000000"))
    session.commit()
    reviewer = app.test_client()
    page = reviewer.get("/auth/login")
    reviewer.post(
        "/auth/login",
        data={"username": "duyet.tt", "password": PASSWORD, **form_tokens(page.text)},
    )
    show = f"/disbursements/{big.id}"
    refused = reviewer.post(f"{show}/approve", data=form_tokens(reviewer.get(show).text))
    assert refused.status_code == 400
    assert "Quỹ không đủ số dư" not in refused.text
    assert (
        "Tiền mặt của quỹ Xã Chương Dương còn 10.000.000 đ nhưng 2.000.000 đ đã duyệt chưa chi, "
        "nên chỉ còn 8.000.000 đ có thể chi, cần chi 20.000.000 đ; tiền gửi ngân hàng còn "
        "3.000.000.000 đ có thể chi."
    ) in refused.text
    # the reviewer may not change the method: told who can
    assert "Chỉ người lập phiếu đổi được hình thức chi" in refused.text
    assert f"{show}/edit" not in refused.text
    # the drafter is offered the switch, which keeps every value they typed
    login("thuquy.a")
    mine = client.get(show).text
    assert "Không đủ tiền mặt để chi 20.000.000 đ, nhưng tiền gửi ngân hàng thì đủ." in mine
    link = re.search(r'id="switch-method" href="([^"]+)"', mine).group(1)
    assert link == f"{show}/edit?method=bank"
    form = client.get(link).text
    assert re.search(r'<option selected value="bank">|<option value="bank" selected', form)
    assert 'value="Bệnh viện Nhi"' in form and 'value="Mổ tim"' in form
    assert 'value="20.000.000"' in form
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form))
    fields.update({"method": "bank", "category_id": str(big.category_id), "beneficiary_id": "0"})
    saved = client.post(link, data=fields)
    assert saved.status_code == 302
    session.rollback()
    session.expire_all()
    assert session.get(Disbursement, big.id).method == "bank"
    approved = reviewer.post(f"{show}/approve", data=form_tokens(reviewer.get(show).text))
    assert approved.status_code == 302
    session.rollback()
    session.expire_all()
    assert session.get(Disbursement, big.id).status == "approved"


def _approver(user, limit=0):
    return Approver(user_id=user.id, role=user.role, unit_id=user.unit_id, same_level_max=limit)


def test_the_count_is_the_rule_of_may_approve(banked, session, unit):
    small = _draft(session, banked, 300_000, by="treasurer")
    own = _draft(session, banked, 400_000, by="local_reviewer")
    session.commit()
    drafts = session.exec(select(Disbursement).where(Disbursement.status == "draft")).scalars()
    drafts = list(drafts)
    assert {small.id, own.id} <= {d.id for d in drafts}
    for who in ("reviewer", "local_reviewer", "other_reviewer", "treasurer"):
        user = banked[who]
        for limit in (0, 350_000, 10_000_000):
            scope = subtree_scope(session, user.unit_id)
            expected = sum(
                may_approve(
                    session,
                    item=d,
                    user_id=user.id,
                    role=user.role,
                    user_unit_id=user.unit_id,
                    same_level_max=limit,
                )
                for d in drafts
            )
            got = count_awaiting(session, unit_ids=scope, approver=_approver(user, limit))
            assert got == expected, (who, limit)


def test_menu_count_and_queue(banked, session, client, login, make_user):
    login("duyet.tt")
    home = client.get("/").text
    assert re.search(r'id="nav-queue">Chờ duyệt \(1\)</a>', home)
    queue = client.get("/disbursements/queue").text
    assert "Xã Chương Dương" in queue and 'data-label="Đơn vị"' in queue
    assert 'class="list"' in queue and 'class="act"' in queue
    # the footer says what it sums: the drafts waiting, never "đã chi"
    assert "Tổng chờ duyệt (1 phiếu)" in queue and "Tổng đã chi" not in queue
    footer = queue[queue.index('id="total-draft"') :]
    assert "5.000.000 đ" in footer.split("</tr>")[0]
    # nothing to approve: no number
    make_user("duyet.px2", "reviewer", "TT-DUNGTIEN")
    login("duyet.px2")
    assert re.search(r'id="nav-queue">Chờ duyệt</a>', client.get("/").text)


def test_queue_filters(banked, session, client, login, unit):
    _draft(session, banked, 700_000, category="scholarship", payee_name="Học bổng An")
    session.commit()
    login("duyet.tt")

    def payees(query=""):
        page = client.get("/disbursements/queue" + query)
        assert page.status_code == 200
        return page.text

    everything = payees()
    assert "Lê Thị Mai" in everything and "Học bổng An" in everything
    by_category = payees(f"?category={_category(session, 'scholarship').id}")
    assert "Học bổng An" in by_category and "Lê Thị Mai" not in by_category
    by_amount = payees("?min=1.000.000&max=6.000.000")
    assert "Lê Thị Mai" in by_amount and "Học bổng An" not in by_amount
    by_unit = payees(f"?unit={unit('TT-DUNGTIEN').id}")
    assert "Lê Thị Mai" not in by_unit and "Không có phiếu chi nào chờ anh/chị duyệt" in by_unit
    assert "Xã Chương Dương" in payees()  # the unit filter offers the units waiting
    bad = client.get("/disbursements/queue?min=abc", follow_redirects=True).text
    assert "“Số tiền từ”:" in bad and "Lê Thị Mai" in bad  # named, and left out
    assert "“Khoản chi”:" in client.get("/disbursements/queue?category=x").text
    assert client.get(f"/disbursements/queue?unit={unit('HN').id}").status_code == 404


def test_list_footer_sums_each_stage(banked, session, client, login):
    paid = _draft(session, banked, 1_000_000, payee_name="Đã chi")
    _approve(session, paid, banked["reviewer"])
    pay_disbursement(session, disbursement_id=paid.id, on=date(2018, 6, 2))
    session.commit()
    login("duyet.tt")
    page = client.get("/disbursements/").text

    def total(row_id):
        row = page[page.index(f'id="{row_id}"') :].split("</tr>")[0]
        return re.search(r'class="money"[^>]*>([^<]+)<', row).group(1)

    assert total("total-draft") == "5.000.000 đ"
    assert total("total-approved") == "2.000.000 đ"
    assert total("total-paid") == "1.000.000 đ"
    assert "Tổng chờ duyệt" in page and "Tổng đã duyệt chưa chi" in page
    assert 'data-label="Đơn vị">Xã Chương Dương' in page


def test_a_payout_dated_back_against_its_series_asks_first(banked, session, client, login):
    """A phiếu chi takes its number when paid: paying on 05/06 after số 1 of 10/06 would give
    số 2 an earlier date than số 1; the treasurer is asked, keeps the date, and confirms."""
    pay_disbursement(
        session,
        disbursement_id=banked["held"].id,
        on=date(2018, 6, 10),
        user_id=banked["treasurer"].id,
    )
    _approve(session, banked["waiting"], banked["reviewer"])
    session.commit()
    login("thuquy.a")
    show = f"/disbursements/{banked['waiting'].id}"
    asked = client.post(
        f"{show}/pay", data={**form_tokens(client.get(show).text), "paid_on": "05/06/2018"}
    )
    assert asked.status_code == 200 and 'id="backdate-warning"' in asked.text
    assert "Phiếu chi số 1/2018 đã lập ngày 10/06/2018" in asked.text
    assert 'value="05/06/2018"' in asked.text  # the date typed stays in the form
    session.rollback()
    assert session.get(Disbursement, banked["waiting"].id).status == DisbursementStatus.APPROVED
    confirmed = client.post(
        f"{show}/pay",
        data={**form_tokens(asked.text), "paid_on": "05/06/2018", "confirm_backdate": "2018-06-05"},
    )
    assert confirmed.status_code == 302
    page = client.get(confirmed.headers["Location"]).text
    assert "Đã chi tiền" in page and "2/2018" in page
    session.rollback()
    paid = session.get(Disbursement, banked["waiting"].id, populate_existing=True)
    assert paid.status == DisbursementStatus.PAID and paid.number == 2
