"""Tamper evidence: raw SQL edits behind the application are found and named by ``check``."""

from datetime import date

import pytest
from sqlalchemy import text

from ledger.engine import get_engine


@pytest.fixture
def books(session, make_receipt):
    """Three funds with a few receipts each, committed."""
    for code in ("TT-CHUONGDUONG", "TT-DUNGTIEN", "TT"):
        for day in (1, 2, 3, 4):
            make_receipt(unit_code=code, amount=100_000 * day, on=date(2018, 4, day))
    session.commit()
    return session


def _raw(db_url, sql):
    with get_engine(db_url).begin() as conn:
        conn.execute(text(sql))


def test_clean_books_pass(books, runner):
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


TAMPERINGS = {
    "change an amount": "UPDATE posting SET amount = amount + 1000 WHERE id = 5",
    "change both lines": "UPDATE posting SET amount = amount * 2 WHERE entry_id = 3",
    "delete an entry's lines and entry": "DELETE FROM posting WHERE entry_id = 2",
    "move a line to another date": "UPDATE posting SET entry_date = '2018-05-01' WHERE id = 3",
    "change a receipt": "UPDATE receipt SET amount = 1 WHERE id = 2",
    "backdate an entry": "UPDATE entry SET entry_date = '2018-01-01' WHERE id = 4",
}


@pytest.mark.parametrize("how", TAMPERINGS)
def test_tampering_is_detected_and_named(books, runner, db_url, how):
    _raw(db_url, TAMPERINGS[how])
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "entry " in result.output or "receipt " in result.output or "account " in result.output
    print(f"tampering '{how}': detected -> {result.output.splitlines()[0]}")


def test_deleted_last_entry_is_detected(books, runner, db_url):
    _raw(db_url, "UPDATE receipt SET entry_id = 1 WHERE entry_id = 12")
    _raw(db_url, "DELETE FROM posting WHERE entry_id = 12")
    _raw(db_url, "DELETE FROM entry WHERE id = 12")
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "chain_head" in result.output


def test_swapped_entries_are_detected(books, runner, db_url):
    _raw(db_url, "UPDATE entry SET seq = 100 WHERE id = 1")
    _raw(db_url, "UPDATE entry SET seq = 1 WHERE id = 2")
    _raw(db_url, "UPDATE entry SET seq = 2 WHERE id = 1")
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "entry 1 " in result.output or "entry 2 " in result.output


@pytest.mark.parametrize(
    "change",
    [
        "amount = 1",
        "receipt_date = '2018-12-30'",
        "entry_id = (SELECT MIN(id) FROM entry WHERE id > 2)",
    ],
)
def test_a_receipt_that_no_longer_matches_its_entry_is_named(books, runner, db_url, change):
    _raw(db_url, f"UPDATE receipt SET {change} WHERE id = 2")
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "receipt: receipt 2 " in result.output, result.output
