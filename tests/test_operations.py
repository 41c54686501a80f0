"""Operations: period locks, backup under load and restore, migrations that keep the data."""

import threading
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text

from ledger.engine import get_engine, new_session
from ledger.errors import PeriodLocked, VoidInLockedPeriod
from ledger.migrate import downgrade, upgrade
from ledger.models import AuditEvent, Entry, Posting, Receipt
from ledger.services.check import check_books
from ledger.services.locks import LockWouldMoveBack, lock_period, unlock_period
from ledger.services.receipts import ReceiptInput, correct_receipt, record_receipt, void_receipt
from tests.conftest import PG_URL


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
    response = submit(
        f"/books/{fund}/cash", {"through": "30/04/2018"}, post_url=f"/books/{fund}/lock"
    )
    assert response.status_code == 302
    assert "Sổ đã khóa đến hết ngày 30/04/2018" in client.get(f"/books/{fund}/cash").text
    refused = submit(f"/books/{fund}/cash", {"reason": "x"}, post_url=f"/books/{fund}/unlock")
    assert refused.status_code == 403


def test_backup_under_write_load_restores_every_acknowledged_receipt(
    db_url, runner, tmp_path, session, unit
):
    fund = unit("TT-CHUONGDUONG").id
    acknowledged, stop = [], threading.Event()

    def writer():
        s = new_session(get_engine(db_url), write=True)
        day = 1
        while not stop.is_set():
            receipt = record_receipt(
                s,
                unit_id=fund,
                data=ReceiptInput(
                    receipt_date=date(2018, 1 + day % 12, 1 + day % 28), amount=10_000 + day
                ),
            )
            s.commit()
            acknowledged.append(receipt.id)
            day += 1
        s.close()

    thread = threading.Thread(target=writer)
    thread.start()
    while len(acknowledged) < 20:
        threading.Event().wait(0.01)
    before_backup = list(acknowledged)
    out = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", str(out)])
    stop.set()
    thread.join()
    assert result.exit_code == 0, result.output
    restored_url = _restore(db_url, out, tmp_path)
    restored = new_session(
        create_engine(restored_url.replace("postgresql://", "postgresql+psycopg://", 1)),
        write=False,
    )
    ids = set(restored.exec(select(Receipt.id)).scalars().all())
    assert set(before_backup) <= ids
    assert check_books(restored) == []
    print(
        f"backup under load: {len(acknowledged)} receipts written, {len(before_backup)} "
        f"acknowledged before the backup, {len(ids)} in the restored copy, check OK"
    )
    restored.close()
    restored.bind.dispose()
    if PG_URL:
        _drop(restored_url)


def _restore(db_url, out, tmp_path) -> str:
    if db_url.startswith("sqlite"):
        return f"sqlite:///{out}"
    from ledger.backup import restore_postgres

    name = "ledger_restore_" + str(abs(hash(str(out))))[:8]
    admin = create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    restore_postgres(out, url)
    return url


def _drop(url):
    admin = create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def _fingerprint(url):
    session = new_session(
        create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)), write=False
    )
    figures = (
        session.exec(select(func.count(Receipt.id), func.sum(Receipt.amount))).one(),
        session.exec(select(func.count(Posting.id), func.sum(Posting.amount))).one(),
        tuple(session.exec(select(Entry.hash).order_by(Entry.id)).scalars().all()),
        [str(p) for p in check_books(session)],
    )
    session.close()
    session.bind.dispose()
    return figures


def test_migrations_keep_counts_sums_and_the_hash_chain(db_url, runner):
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    from ledger.engine import dispose_engines

    dispose_engines()
    before = _fingerprint(db_url)
    # the demo runs a drive beside the yearly campaign (2026, 2026-THĐ): from 0004 on, where a
    # unit may run several campaigns a year, the round trip keeps everything ...
    downgrade(db_url, "0004")
    upgrade(db_url)
    after = _fingerprint(db_url)
    assert before == after and before[0][0] > 300 and after[3] == []
    # ... and going below it is refused, naming the unit and year, with nothing lost
    downgrade(db_url, "0004")
    with pytest.raises(RuntimeError, match=r"campaigns in 2026.*one campaign a year"):
        downgrade(db_url, "0003")
    upgrade(db_url)
    assert _fingerprint(db_url) == before
