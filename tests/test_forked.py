"""The workbook's integrity check in a forked child: same answer as in-process, safe fallback."""

import os
from datetime import date

import pytest
from sqlalchemy import text

from ledger import forked
from ledger.engine import get_engine
from ledger.services.campaigns import find_campaign
from ledger.services.reconciliation import build_reconciliation
from ledger.services.units import find_unit


@pytest.fixture
def single_threaded(monkeypatch):
    monkeypatch.setattr(forked.threading, "active_count", lambda: 1)


def _pid_and_double(session, value):
    assert session.exec(text("SELECT 1")).scalar_one() == 1
    return os.getpid(), value * 2


def test_runs_in_a_child_with_its_own_connection(session, db_url, single_threaded):
    pid, doubled = forked.Pending(db_url, _pid_and_double, 21).result(session)
    assert doubled == 42 and pid != os.getpid()


def test_a_failing_child_leaves_the_work_to_the_parent(session, db_url, single_threaded):
    parent = os.getpid()

    def fails_in_the_child(session, value):
        if os.getpid() != parent:
            raise RuntimeError("child fails")
        return os.getpid(), value

    assert forked.Pending(db_url, fails_in_the_child, 7).result(session) == (parent, 7)


def test_with_other_threads_it_runs_in_process(session, db_url, monkeypatch):
    monkeypatch.setattr(forked.threading, "active_count", lambda: 2)
    assert forked.Pending(db_url, _pid_and_double, 1).result(session) == (os.getpid(), 2)


@pytest.mark.parametrize("threads", [1, 2], ids=["forked", "in-process"])
def test_workbook_checks_name_tampering_either_way(
    session, db_url, make_receipt, monkeypatch, threads
):
    monkeypatch.setattr(forked.threading, "active_count", lambda: threads)
    for day in (2, 3, 4):
        make_receipt(amount=100_000 * day, on=date(2018, 4, day))
    session.commit()
    campaign = find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)
    clean = build_reconciliation(session, campaign_id=campaign.id)
    assert all(check.ok for check in clean.checks)
    # a line written since that check (the workbook's check reads what is new), then edited
    # behind the application
    session.rollback()  # a reading transaction begun before the check recorded cannot write
    late = make_receipt(amount=700_000, on=date(2018, 4, 9))
    session.commit()
    with get_engine(db_url).begin() as conn:
        conn.execute(
            text(
                "UPDATE posting SET amount = amount + 1000 WHERE amount > 0 AND entry_id = "
                f"{late.entry_id}"
            )
        )
    session.rollback()
    tampered = build_reconciliation(session, campaign_id=campaign.id).checks
    broken = [check for check in tampered if not check.ok]
    assert broken and any(
        "chuỗi băm" in check.name and ("entry " in check.note or "account " in check.note)
        for check in broken
    )
