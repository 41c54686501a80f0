"""Backup under write load and restore: every acknowledged receipt is in the restored copy."""

import threading
from datetime import date

from sqlalchemy import create_engine, select, text

from ledger.engine import get_engine, new_session
from ledger.models import Receipt
from ledger.services.check import check_books
from ledger.services.receipts import ReceiptInput, record_receipt
from tests.conftest import PG_URL


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
