"""Period locks: nothing posts or voids inside a locked period, unlocking is audited and ``check``
flags backdated entries, lock and unlock through the web."""

import re
from datetime import date

import pytest
from sqlalchemy import select, text

from ledger.engine import get_engine
from ledger.errors import PeriodLocked, VoidInLockedPeriod
from ledger.models import AuditEvent
from ledger.services.check import check_books
from ledger.services.locks import LockWouldMoveBack, lock_period, unlock_period
from ledger.services.receipts import correct_receipt, void_receipt
from tests.conftest import form_tokens


def test_nothing_posts_or_voids_inside_a_locked_period(session, make_receipt, unit):
    old = make_receipt(amount=500_000, on=date(2018, 4, 10))
    lock_period(session, unit_id=unit("TT-CHUONGDUONG").id, through=date(2018, 4, 30), user_id=None)
    with pytest.raises(PeriodLocked):
        make_receipt(amount=1_000, on=date(2018, 4, 29))
    with pytest.raises(PeriodLocked):
        void_receipt(session, receipt_id=old.id, reason="sai", on=date(2018, 4, 30))
    # a voucher of a locked period is never voided (that would change a filed period), even
    # when the void is made after the lock: the correction is a new entry in the open period
    with pytest.raises(VoidInLockedPeriod, match="điều chỉnh"):
        void_receipt(session, receipt_id=old.id, reason="sai số tiền", on=date(2018, 5, 2))
    correction = correct_receipt(
        session, receipt_id=old.id, reason="sai số tiền", on=date(2018, 5, 2)
    )
    assert correction.entry_date == date(2018, 5, 2) and correction.reverses_id == old.entry_id
    assert make_receipt(amount=1_000, on=date(2018, 5, 1)).number == 3
    assert check_books(session) == []
    with pytest.raises(LockWouldMoveBack):
        lock_period(
            session, unit_id=unit("TT-CHUONGDUONG").id, through=date(2018, 3, 1), user_id=None
        )


def test_unlock_is_audited_and_check_flags_backdated_entries(session, make_receipt, unit, db_url):
    fund = unit("TT-CHUONGDUONG").id
    lock_period(session, unit_id=fund, through=date(2018, 4, 30), user_id=None)
    unlock_period(session, unit_id=fund, through=None, user_id=None, reason="Sửa sai sót đã duyệt")
    make_receipt(amount=1_000, on=date(2018, 4, 1))
    event = (
        session.exec(select(AuditEvent).where(AuditEvent.action == "period.unlock")).scalars().one()
    )
    assert "Sửa sai sót" in event.after
    session.commit()
    with get_engine(db_url).begin() as conn:  # a lock written behind the app, dated before it
        conn.execute(
            text(
                "INSERT INTO periodlock (unit_id, locked_through, locked_at) "
                f"VALUES ({fund}, '2018-04-30', '2000-01-01 00:00:00')"
            )
        )
    # the entry inside the lock, and the lock row itself: the last event said it was removed
    assert sorted(p.what for p in check_books(session)) == ["locked", "seal"]


def test_lock_and_unlock_through_the_web(client, make_user, login, submit, unit, session):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    fund = unit("TT-CHUONGDUONG").id
    # "Khóa sổ" first asks: nothing is locked until the reviewer confirms
    asked = submit(f"/books/{fund}/cash", {"through": "30/04/2018"}, post_url=f"/books/{fund}/lock")
    assert asked.status_code == 200 and "Xác nhận khóa sổ" in asked.text
    assert "Sổ đã khóa" not in client.get(f"/books/{fund}/cash").text
    confirm = asked.text[asked.text.index('id="lock-confirm"') :]
    hidden = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', confirm))
    assert hidden["through"] == "30/04/2018" and hidden["confirmed"] == "1"
    response = client.post(f"/books/{fund}/lock", data={**form_tokens(confirm), **hidden})
    assert response.status_code == 302
    assert "Sổ đã khóa đến hết ngày 30/04/2018" in client.get(f"/books/{fund}/cash").text
    refused = submit(f"/books/{fund}/cash", {"reason": "x"}, post_url=f"/books/{fund}/unlock")
    assert refused.status_code == 403
