"""In-kind gifts counted as goods: quantity × unit value exactly (and the table's CHECK), goods
handed out through the disbursement workflow, the goods book reconciling to the in-kind
account, and ``check`` catching a book that does not."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ledger.errors import (
    GoodsAlreadyHandedOut,
    GoodsNotOnHand,
    GoodsUnitValueOffBook,
    InKindAmountMismatch,
    InKindDetailsMissing,
    InKindValueNotWhole,
    InvalidQuantity,
)
from ledger.money import format_quantity, parse_quantity
from ledger.services.check import check_books
from ledger.services.disbursements import (
    DisbursementInput,
    approve_disbursement,
    draft_disbursement,
    pay_disbursement,
)
from ledger.services.goods import goods_book, goods_value, in_kind_balance
from ledger.services.receipts import void_receipt
from tests.test_disbursements import category

NOODLES = "Mì tôm Hảo Hảo"


def gift(make_receipt, quantity="10", unit_value=150_000, amount=None, **fields):
    milli = parse_quantity(quantity)
    return make_receipt(
        amount=amount if amount is not None else goods_value(milli, unit_value),
        method="in_kind",
        in_kind_description=fields.pop("goods", NOODLES),
        goods_unit=fields.pop("goods_unit", "thùng"),
        quantity_milli=milli,
        unit_value=unit_value,
        on=fields.pop("on", date(2018, 2, 1)),
        **fields,
    )


def hand_out(session, funded, quantity="4", unit_value=150_000, goods=NOODLES, unit="thùng"):
    return draft_disbursement(
        session,
        unit_id=funded["fund"].id,
        user_id=funded["treasurer"].id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            payee_name="Trường Tiểu học Chương Dương",
            category_id=category(session, "gift_tet").id,
            reason="Quà Tết cho trẻ em khó khăn",
            method="in_kind",
            goods_name=goods,
            goods_unit=unit,
            quantity_milli=parse_quantity(quantity),
            unit_value=unit_value,
        ),
    )


def approve(session, item, user):
    return approve_disbursement(
        session,
        disbursement_id=item.id,
        user_id=user.id,
        role=user.role,
        user_unit_id=user.unit_id,
    )


def pay(session, item):
    return pay_disbursement(session, disbursement_id=item.id, on=date(2018, 6, 2))


@pytest.mark.parametrize(
    ("typed", "milli", "shown"),
    [
        ("10", 10_000, "10"),
        ("2,5", 2_500, "2,5"),
        ("1.200", 1_200_000, "1.200"),
        ("0,125", 125, "0,125"),
    ],
)
def test_quantities_are_exact_thousandths(typed, milli, shown):
    assert parse_quantity(typed) == milli
    assert format_quantity(milli) == shown


@pytest.mark.parametrize(
    "typed",
    ["", "0", "-1", "2,5555", "abc", "1,2,3", "1" * 4400, "1" + ".000" * 1500, "٣", "１２"],
)
def test_bad_quantity_is_refused(typed):
    with pytest.raises(InvalidQuantity):
        parse_quantity(typed)


def test_value_is_quantity_times_unit_value_exactly():
    assert goods_value(parse_quantity("2,5"), 18_000) == 45_000
    assert goods_value(parse_quantity("3"), 333_333) == 999_999
    with pytest.raises(InKindValueNotWhole):
        goods_value(parse_quantity("0,001"), 1_500)


def test_in_kind_receipt_stores_quantity_and_value(session, make_receipt):
    receipt = gift(make_receipt, quantity="2,5", unit_value=18_000, goods="Gạo", goods_unit="kg")
    assert (receipt.amount, receipt.quantity_milli, receipt.unit_value) == (45_000, 2_500, 18_000)
    assert receipt.goods_unit == "kg"


def test_in_kind_amount_must_equal_quantity_times_unit_value(session, make_receipt):
    with pytest.raises(InKindAmountMismatch):
        gift(make_receipt, quantity="10", unit_value=150_000, amount=1_400_000)
    with pytest.raises(InKindDetailsMissing):
        make_receipt(
            amount=1_500_000,
            method="in_kind",
            in_kind_description=NOODLES,
            quantity_milli=10_000,
            unit_value=150_000,
        )


def test_the_table_refuses_a_value_that_is_not_quantity_times_unit_value(session, make_receipt):
    receipt = gift(make_receipt)
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(
            text("UPDATE receipt SET unit_value = 140000 WHERE id = :id"), {"id": receipt.id}
        )
        session.flush()
    session.rollback()
    with pytest.raises(IntegrityError):
        session.execute(
            text("UPDATE receipt SET method = 'cash' WHERE id = :id"), {"id": receipt.id}
        )
        session.flush()
    session.rollback()


def test_goods_handed_out_through_approval_and_payment(session, funded, make_receipt):
    gift(make_receipt)  # 10 thùng × 150.000 đ
    gift(make_receipt, quantity="2,5", unit_value=18_000, goods="Gạo", goods_unit="kg")
    fund = funded["fund"].id
    item = hand_out(session, funded, quantity="4")
    assert item.amount == 600_000
    approve(session, item, funded["reviewer"])
    pay(session, item)
    assert item.status == "paid"
    book = goods_book(session, fund)
    noodles = next(line for line in book.lines if line.name == NOODLES)
    assert (noodles.received_qty, noodles.issued_qty, noodles.on_hand_qty) == (10_000, 4_000, 6_000)
    assert (noodles.received_value, noodles.issued_value, noodles.on_hand_value) == (
        1_500_000,
        600_000,
        900_000,
    )
    assert book.on_hand_value == in_kind_balance(session, fund) == 945_000
    assert book.reconciles
    assert check_books(session) == []


def test_handing_out_more_than_on_hand_is_refused(session, funded, make_receipt):
    gift(make_receipt)  # 10 thùng
    with pytest.raises(GoodsNotOnHand) as refused:
        hand_out(session, funded, quantity="11")
    assert "10 thùng" in str(refused.value) and NOODLES in str(refused.value)
    first = hand_out(session, funded, quantity="7")
    second = hand_out(session, funded, quantity="4")  # drafted while the 7 wait
    approve(session, first, funded["reviewer"])
    with pytest.raises(GoodsNotOnHand) as refused:
        approve(session, second, funded["reviewer"])
    assert "3 thùng" in str(refused.value)
    with pytest.raises(GoodsNotOnHand):
        hand_out(session, funded, quantity="4")  # the 7 approved are held
    pay(session, first)
    assert goods_book(session, funded["fund"].id).lines[0].on_hand_qty == 3_000


def test_goods_leave_at_the_books_unit_value(session, funded, make_receipt):
    """40 thùng received at 100.000 đ: handing all 40 out at 1 đ would empty the item and strand
    3.999.960 đ in the in-kind account; the unit value must be the book's."""
    gift(make_receipt, quantity="40", unit_value=100_000)
    fund = funded["fund"].id
    with pytest.raises(GoodsUnitValueOffBook) as refused:
        hand_out(session, funded, quantity="40", unit_value=1)
    assert "100.000 đ/thùng" in str(refused.value) and "4.000.000 đ" in str(refused.value)
    with pytest.raises(GoodsUnitValueOffBook):
        hand_out(session, funded, quantity="10", unit_value=99_000)
    for quantity in ("10", "30"):
        item = hand_out(session, funded, quantity=quantity, unit_value=100_000)
        approve(session, item, funded["reviewer"])
        pay(session, item)
    book = goods_book(session, fund)
    assert (book.lines[0].on_hand_qty, book.lines[0].on_hand_value) == (0, 0)
    assert in_kind_balance(session, fund) == 0 and book.reconciles


def test_the_last_of_an_item_takes_exactly_what_it_has_left(session, funded, make_receipt):
    """1 thùng at 100.000 đ and 1 at 100.001 đ: 200.001 đ for 2 is no whole unit value, so both
    at once are refused (the message gives 100.000,5 đ); one at a whole đồng beside it may go,
    and the last one then takes exactly the 100.001 đ left."""
    gift(make_receipt, quantity="1", unit_value=100_000)
    gift(make_receipt, quantity="1", unit_value=100_001)
    fund = funded["fund"].id
    with pytest.raises(GoodsUnitValueOffBook) as refused:
        hand_out(session, funded, quantity="2", unit_value=100_000)
    assert "100.000,5 đ" in str(refused.value)
    with pytest.raises(GoodsUnitValueOffBook):
        hand_out(session, funded, quantity="1", unit_value=99_999)
    first = hand_out(session, funded, quantity="1", unit_value=100_000)
    approve(session, first, funded["reviewer"])
    pay(session, first)
    with pytest.raises(GoodsUnitValueOffBook):
        hand_out(session, funded, quantity="1", unit_value=100_000)
    last = hand_out(session, funded, quantity="1", unit_value=100_001)
    approve(session, last, funded["reviewer"])
    pay(session, last)
    assert in_kind_balance(session, fund) == 0 and goods_book(session, fund).reconciles


def test_goods_the_fund_never_received_are_refused(session, funded, make_receipt):
    gift(make_receipt)
    with pytest.raises(GoodsNotOnHand):
        hand_out(session, funded, quantity="1", goods="Sữa", unit="hộp")


def test_goods_book_lists_past_a_page_and_still_reconciles(session, funded, make_receipt):
    for n in range(60):
        gift(make_receipt, quantity="1", unit_value=10_000 + n, goods=f"Vở loại {n:02d}")
    book = goods_book(session, funded["fund"].id)
    assert len(book.lines) == 60 and book.reconciles


def test_check_catches_a_goods_book_that_does_not_match_the_account(session, funded, make_receipt):
    gift(make_receipt)
    item = hand_out(session, funded, quantity="4")
    approve(session, item, funded["reviewer"])
    pay(session, item)
    session.commit()
    assert check_books(session) == []
    # someone edits the paid payout's goods behind the ledger's back
    session.execute(
        text("UPDATE disbursement SET quantity_milli = 2000, amount = 300000 WHERE id = :id"),
        {"id": item.id},
    )
    problems = [p for p in check_books(session) if p.what == "goods_book"]
    assert problems and "900.000 đ" in problems[0].detail


def test_voided_gift_leaves_the_goods_book(session, funded, make_receipt):
    receipt = gift(make_receipt)
    void_receipt(session, receipt_id=receipt.id, reason="Ghi nhầm", on=date(2018, 2, 2))
    book = goods_book(session, funded["fund"].id)
    assert book.lines == [] and book.account_balance == 0 and book.reconciles


def test_a_gift_whose_goods_were_handed_out_is_not_voided(session, funded, make_receipt):
    receipt = gift(make_receipt)
    item = hand_out(session, funded, quantity="4")
    approve(session, item, funded["reviewer"])
    with pytest.raises(GoodsAlreadyHandedOut):
        void_receipt(session, receipt_id=receipt.id, reason="Ghi nhầm", on=date(2018, 2, 2))


def test_goods_carried_over_by_a_reorganisation_still_reconcile(session, funded, make_receipt):
    from ledger.services.check import check_goods_book
    from ledger.services.journal import Line, post_entry

    gift(make_receipt)
    fund = funded["fund"].id
    post_entry(  # what a reorganisation's reorg_out does to the old fund's in-kind account
        session,
        unit_id=fund,
        entry_date=date(2018, 3, 5),
        kind="reorg_out",
        lines=[
            Line(kind="in_kind", amount=-1_500_000),
            Line(kind="reorg_clearing", amount=1_500_000),
        ],
    )
    book = goods_book(session, fund)
    assert (book.other_value, book.on_hand_value, book.account_balance) == (-1_500_000, 0, 0)
    assert check_goods_book(session, [fund]) == []


def test_the_phieu_chi_of_goods_names_them(session, funded, make_receipt):
    from ledger.exports.vouchers import disbursement_voucher
    from ledger.services.settings import voucher_settings

    gift(make_receipt)
    item = hand_out(session, funded, quantity="2,5")
    approve(session, item, funded["reviewer"])
    pay(session, item)
    voucher = disbursement_voucher(
        item, fund=funded["fund"], settings=voucher_settings(session, item.disbursement_date)
    )
    assert any(f"{NOODLES}: 2,5 thùng × 150.000 đ/thùng" in text for text in voucher.texts())
