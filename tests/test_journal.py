"""The journal: receipts post balanced entries, numbers run gap-free, voids reverse."""

from datetime import date

import pytest
from sqlalchemy import event, func, select

from ledger.errors import (
    AlreadyVoided,
    InvalidAmount,
    QuotaOutsideTree,
    ReasonRequired,
    UnitNotValid,
)
from ledger.models import Entry, Posting, Receipt
from ledger.services.check import check_books
from ledger.services.journal import balance, balance_from_postings
from ledger.services.receipts import void_receipt
from ledger.services.units import find_unit


def test_receipt_posts_one_balanced_entry(session, make_receipt):
    receipt = make_receipt(amount=1_050_000)
    postings = (
        session.exec(select(Posting.amount).where(Posting.entry_id == receipt.entry_id))
        .scalars()
        .all()
    )
    assert sorted(postings) == [-1_050_000, 1_050_000]
    assert balance(session, unit_id=receipt.unit_id) == 1_050_000
    assert (
        balance_from_postings(session, unit_id=receipt.unit_id, kinds=("cash", "bank")) == 1_050_000
    )


def test_three_billion_dong_stores_and_reads_back(session, make_receipt):
    receipt = make_receipt(amount=3_000_000_000, method="bank")
    session.commit()
    session.expunge_all()
    stored = session.get(Receipt, receipt.id)
    assert stored.amount == 3_000_000_000
    assert balance(session, unit_id=stored.unit_id) == 3_000_000_000
    assert check_books(session) == []


def test_numbers_are_gap_free_per_fund_and_year(session, make_receipt):
    numbers = [make_receipt(on=date(2018, 1, d)).number for d in (2, 3, 4)]
    other_fund = make_receipt(unit_code="TT-DUNGTIEN").number
    next_year = make_receipt(on=date(2019, 1, 2)).number
    assert numbers == [1, 2, 3]
    assert other_fund == 1
    assert next_year == 1


def test_void_reverses_and_keeps_the_number(session, make_receipt):
    first = make_receipt(amount=2_000_000)
    second = make_receipt(amount=500_000)
    void_receipt(session, receipt_id=first.id, reason="Ghi nhầm số tiền", on=date(2018, 3, 5))
    third = make_receipt(amount=700_000)
    assert (first.number, second.number, third.number) == (1, 2, 3)
    assert first.voided_at is not None and first.void_reason == "Ghi nhầm số tiền"
    assert balance(session, unit_id=first.unit_id) == 1_200_000
    reversal = session.get(Entry, first.void_entry_id)
    assert reversal.reverses_id == first.entry_id
    assert check_books(session) == []
    with pytest.raises(AlreadyVoided):
        void_receipt(session, receipt_id=first.id, reason="lần hai", on=date(2018, 3, 6))


def test_void_needs_a_reason(session, make_receipt):
    receipt = make_receipt()
    with pytest.raises(ReasonRequired):
        void_receipt(session, receipt_id=receipt.id, reason="  ", on=date(2018, 3, 5))


@pytest.mark.parametrize("amount", [0, -1, 10**12 + 1])
def test_bad_amounts_store_nothing(session, make_receipt, amount):
    with pytest.raises(InvalidAmount):
        make_receipt(amount=amount)
    assert session.exec(select(func.count(Receipt.id))).scalar_one() == 0


def test_receipt_credits_only_units_under_the_fund(session, make_receipt, unit):
    with pytest.raises(QuotaOutsideTree):
        make_receipt(unit_code="TT-CHUONGDUONG", credit_unit_id=unit("TT-DUNGTIEN").id)
    credited = make_receipt(unit_code="TT", credit_unit_id=unit("TT-DUNGTIEN").id)
    assert credited.credit_unit_id == unit("TT-DUNGTIEN").id


def test_merged_unit_takes_no_receipts_after_its_end(session, make_receipt):
    with pytest.raises(UnitNotValid):
        make_receipt(on=date(2025, 7, 2))


def test_every_entry_is_chained_to_the_previous_of_its_fund(session, make_receipt):
    receipts = [make_receipt(on=date(2018, 2, d)) for d in (1, 2, 3)]
    entries = [session.get(Entry, r.entry_id) for r in receipts]
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == ""
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash


def test_a_batch_links_each_receipt_and_its_entry_both_ways(session, make_receipt):
    from ledger.services.receipts import ReceiptInput, record_receipts

    before = make_receipt(amount=10_000)
    fund = find_unit(session, "TT-CHUONGDUONG")
    items = [
        ReceiptInput(receipt_date=date(2018, 3, 2), amount=1_000 * (n + 1), payer_name=f"Người {n}")
        for n in range(30)
    ]
    ids = record_receipts(session, unit_id=fund.id, items=items)
    after = make_receipt(amount=20_000)
    receipts = (
        session.exec(select(Receipt).where(Receipt.id.in_(ids)).order_by(Receipt.number))
        .scalars()
        .all()
    )
    assert [r.id for r in receipts] == ids and len(set(ids)) == 30
    assert before.id < min(ids) and after.id > max(ids)
    for receipt in receipts:
        entry = session.get(Entry, receipt.entry_id)
        assert entry.document_id == receipt.id and entry.kind == "receipt"
        amounts = (
            session.exec(select(Posting.amount).where(Posting.entry_id == entry.id)).scalars().all()
        )
        assert sorted(amounts) == [-receipt.amount, receipt.amount]
    assert [r.number for r in receipts] == list(range(2, 32))
    assert check_books(session) == []


def test_a_receipt_reads_its_funds_heads_once_and_takes_no_savepoint(session, make_receipt):
    """Posting's statements are its cost on PostgreSQL (a round trip each): the fund's chain
    head is read once under its lock, the audit head needs no INSERT once it exists, and only
    an asset's money going out pays for a savepoint (a receipt puts money in)."""
    make_receipt()  # the fund's first audited action creates its audit head
    sent: list[str] = []
    engine = session.get_bind()

    def record(_conn, _cursor, statement, *_args):
        sent.append(" ".join(statement.split()).lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        make_receipt(amount=250_000)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len([s for s in sent if s.startswith("select") and "from chainhead" in s]) == 1
    assert not [s for s in sent if "insert into audithead" in s]
    assert not [s for s in sent if "savepoint" in s]
    # no asset's money goes out, so nothing is read to check a balance stays covered
    assert not [s for s in sent if "from account" in s and "account.type" in s]
    assert balance(session, unit_id=find_unit(session, "TT-CHUONGDUONG").id) == 1_250_000
