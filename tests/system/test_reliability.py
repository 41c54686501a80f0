"""What must hold under concurrency, crashes and hostile input (RELIABILITY.md)."""

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date

from sqlalchemy import func, select, text

from ledger.engine import get_engine, make_engine, new_session
from ledger.models import IdempotencyKey, Receipt
from ledger.services.check import check_books
from ledger.services.journal import balance
from ledger.services.receipts import ReceiptInput, record_receipt

SIZE = int(os.environ.get("LEDGER_RELIABILITY_SIZE", "1"))  # nightly: set 5 or more


def _post_many(url, fund, count, errors):
    engine = make_engine(url)
    for index in range(count):
        session = new_session(engine, write=True)
        try:
            record_receipt(
                session,
                unit_id=fund,
                data=ReceiptInput(receipt_date=date(2018, 3, 1 + index % 28), amount=1_000 + index),
            )
            session.commit()
        except Exception as error:  # noqa: BLE001 - counted: the test requires 0
            errors.put(repr(error))
            session.rollback()
        finally:
            session.close()
    engine.dispose()


def test_no_lost_update_across_processes(db_url, session, unit):
    processes, per_process = 4, 25 * SIZE
    fund = unit("TT-CHUONGDUONG").id
    session.close()
    errors = multiprocessing.get_context("fork").Queue()
    workers = [
        multiprocessing.get_context("fork").Process(
            target=_post_many, args=(db_url, fund, per_process, errors)
        )
        for _ in range(processes)
    ]
    get_engine(db_url).dispose()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    lost_errors = []
    while not errors.empty():
        lost_errors.append(errors.get())
    count, total = session.exec(select(func.count(Receipt.id), func.sum(Receipt.amount))).one()
    numbers = sorted(session.exec(select(Receipt.number)).scalars().all())
    expected = processes * sum(1_000 + i for i in range(per_process))
    print(
        f"no lost update: {processes} processes × {per_process} receipts: {count} stored, "
        f"balance {balance(session, unit_id=fund)}, expected {expected}, "
        f"{len(lost_errors)} errors"
    )
    assert lost_errors == []
    assert count == processes * per_process and total == expected
    assert balance(session, unit_id=fund) == expected
    assert numbers == list(range(1, count + 1))
    assert check_books(session) == []


def test_writers_killed_at_random_lose_nothing_and_duplicate_nothing(
    db_url, session, unit, tmp_path
):
    writers, kills, per_writer = 3, 12 * SIZE, 60 * SIZE
    fund = unit("TT-DUNGTIEN").id
    session.close()
    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}

    def start(name):
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.crash_writer",
                db_url,
                str(fund),
                name,
                str(tmp_path / f"{name}.acks"),
                str(per_writer),
            ],
            env=env,
        )

    def finished(name):
        acks = tmp_path / f"{name}.acks"
        return acks.exists() and len(acks.read_text().split()) >= per_writer

    running = {f"w{i}": start(f"w{i}") for i in range(writers)}
    done_kills = 0
    while done_kills < kills:
        alive = [n for n, p in running.items() if p.poll() is None]
        if not alive:
            break
        name = rng.choice(alive)
        _wait_for_progress(tmp_path / f"{name}.acks", running[name])
        time.sleep(rng.uniform(0, 0.03))  # land inside a transaction, most of the time
        if running[name].poll() is None:
            os.kill(running[name].pid, signal.SIGKILL)
            running[name].wait()
            done_kills += 1
        if not finished(name):
            running[name] = start(name)
    for name, process in running.items():
        process.wait(timeout=300)
        while not finished(name):  # a writer killed last, or one that crashed: finish its work
            running[name] = start(name)
            assert running[name].wait(timeout=300) == 0
    acknowledged = set()
    for name in running:
        acknowledged |= set((tmp_path / f"{name}.acks").read_text().split())
    session.rollback()
    stored = session.exec(select(Receipt.payer_name)).scalars().all()
    keys = dict(session.exec(select(IdempotencyKey.key, IdempotencyKey.result)).all())
    lost = acknowledged - set(stored)
    duplicates = len(stored) - len(set(stored))
    replayed = sum(len(p.read_text().split()) for p in tmp_path.glob("*.replayed"))
    print(
        f"crash safety: {writers} writers, {done_kills} SIGKILLs, {len(acknowledged)} "
        f"acknowledged, {len(stored)} stored, {len(lost)} lost, {duplicates} duplicates, "
        f"{replayed} committed-but-unacknowledged retries answered from the key"
    )
    assert lost == set() and duplicates == 0
    assert len(stored) == writers * per_writer == len(keys)
    if db_url.startswith("sqlite"):
        with get_engine(db_url).connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert check_books(session) == []


def _wait_for_progress(acks, process, timeout=10.0):
    """Until the writer acknowledges one more receipt (it is past start-up and posting)."""
    before = acks.read_text().count("\n") if acks.exists() else 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if acks.exists() and acks.read_text().count("\n") > before:
            return
        time.sleep(0.005)
