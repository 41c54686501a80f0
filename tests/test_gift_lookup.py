"""A donor verifies their own gift on a fund's public page (issue #17): signed out, a bank
reference (or voucher number) with its amount finds the gift; the same reference with another
amount, or guessed references, reveal nothing, and the guesses are slowed down (429)."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ledger import create_app
from ledger.engine import make_engine, new_session
from ledger.errors import TooManyLookups
from ledger.models import GiftLookupAttempt, StatementLine
from ledger.services.bank_matching import confirm_match
from ledger.services.donors import create_donor
from ledger.services.gift_lookup import (
    LOOKUP_LIMIT,
    admit_lookup,
    client_key,
    find_gift,
    parse_voucher_number,
)
from ledger.services.locks import lock_period
from ledger.services.receipts import correct_receipt, void_receipt
from ledger.services.units import find_unit
from tests.bankworld import make_account, make_lines
from tests.conftest import form_tokens

BANK_REF = "FT18152000123"
PAYER = "Nguyễn Thị Hoa Canarypayer"


@pytest.fixture
def gifts(session, make_receipt):
    """Chương Dương: a bank gift matched to its statement line, a cash gift with the slip
    reference BL-0042; Dũng Tiến: a gift of the same amount."""
    fund = find_unit(session, "TT-CHUONGDUONG")
    donor = create_donor(session, unit_id=fund.id, name=PAYER, address="Thôn 3 Canaryaddress")
    account = make_account(session)
    by_bank = make_receipt(
        amount=500_000,
        on=date(2018, 6, 1),
        method="bank",
        donor_id=donor.id,
        payer_name=PAYER,
        reason="Ủng hộ Canaryreason",
    )
    statement = make_lines(session, account, [(date(2018, 6, 1), 500_000, "UNG HO QUY", BANK_REF)])
    line = session.exec(
        select(StatementLine).where(StatementLine.statement_id == statement.id)
    ).scalar_one()
    confirm_match(session, account=account, line_ids=[line.id], entry_ids=[by_bank.entry_id])
    in_cash = make_receipt(amount=200_000, on=date(2018, 6, 5), reference="BL-0042")
    other = make_receipt("TT-DUNGTIEN", amount=500_000, on=date(2018, 6, 1))
    session.commit()
    return {
        "fund": fund,
        "other_fund": find_unit(session, "TT-DUNGTIEN"),
        "bank": by_bank,
        "cash": in_cash,
        "other": other,
    }


def _ask(client, unit_id, reference, amount, **kwargs):
    url = f"/public/units/{unit_id}/lookup"
    page = client.get(url, **kwargs)
    return client.post(
        url, data={**form_tokens(page.text), "reference": reference, "amount": amount}, **kwargs
    )


def _answer(html: str) -> str:
    found = re.search(r'<section id="lookup-answer".*?</section>', html, re.DOTALL)
    assert found, html
    return found.group(0)


def test_a_bank_reference_with_its_amount_finds_the_gift_and_nothing_else(client, gifts):
    response = _ask(client, gifts["fund"].id, BANK_REF.lower(), "500.000")
    assert response.status_code == 200
    answer = _answer(response.text)
    assert "Quỹ đã ghi nhận khoản ủng hộ" in answer
    assert "01/06/2018" in answer and "500.000 đ" in answer
    assert "Xã Chương Dương" in answer
    assert f"{gifts['bank'].number}/2018" in answer
    assert "Đã ghi sổ" in answer
    for private in ("Canarypayer", "Canaryaddress", "Canaryreason", "Nguyễn"):
        assert private not in response.text


def test_the_voucher_number_or_the_slip_reference_finds_it_too(client, gifts):
    fund = gifts["fund"].id
    assert "500.000 đ" in _answer(_ask(client, fund, f"{gifts['bank'].number}/2018", "500000").text)
    assert "200.000 đ" in _answer(_ask(client, fund, "bl-0042", "200.000 đ").text)
    assert "200.000 đ" in _answer(
        _ask(client, fund, f"số {gifts['cash'].number}/2018", "200000").text
    )


def test_wrong_guesses_get_one_identical_answer(client, gifts):
    fund = gifts["fund"].id
    answers = {
        _answer(_ask(client, fund, BANK_REF, "600.000").text),  # right reference, other amount
        _answer(_ask(client, fund, "FT18152999999", "500.000").text),  # unknown reference
        _answer(_ask(client, fund, "99/2018", "500.000").text),  # unknown voucher number
        _answer(_ask(client, fund, "BL-0042", "500.000").text),  # a slip with another amount
    }
    assert len(answers) == 1
    assert 'id="not-found"' in answers.pop()


def test_another_funds_page_does_not_find_this_funds_gift(client, gifts):
    """Dũng Tiến has a 500.000 đ gift too, but the reference is Chương Dương's."""
    response = _ask(client, gifts["other_fund"].id, BANK_REF, "500.000")
    assert 'id="not-found"' in _answer(response.text)
    response = _ask(client, gifts["other_fund"].id, "BL-0042", "200.000")
    assert 'id="not-found"' in _answer(response.text)


def test_a_voided_gift_says_so(client, session, gifts):
    void_receipt(session, receipt_id=gifts["cash"].id, reason="Ghi nhầm số tiền")
    session.commit()
    answer = _answer(_ask(client, gifts["fund"].id, "BL-0042", "200.000").text)
    assert "Phiếu thu đã hủy" in answer and "Ghi nhầm" not in answer


def test_a_gift_corrected_in_a_locked_period_says_so_too(client, session, gifts):
    """Corrected in a locked period (reversed, ``voided_at`` left empty): no longer stands."""
    lock_period(session, unit_id=gifts["fund"].id, through=date(2018, 6, 30), user_id=None)
    correct_receipt(session, receipt_id=gifts["cash"].id, reason="Ghi nhầm", on=date(2018, 7, 2))
    session.commit()
    answer = _answer(_ask(client, gifts["fund"].id, "BL-0042", "200.000").text)
    assert "Phiếu thu đã hủy" in answer


def test_a_hundred_guesses_find_nothing_and_are_slowed_down(client, gifts, session):
    fund = gifts["fund"].id
    url = f"/public/units/{fund}/lookup"
    tokens = form_tokens(client.get(url).text)
    statuses = []
    for guess in range(100):
        response = client.post(
            url, data={**tokens, "reference": f"FT18152{guess:06d}", "amount": "500.000"}
        )
        statuses.append(response.status_code)
        assert "Quỹ đã ghi nhận" not in response.text
    assert statuses[:10] == [200] * 10
    assert set(statuses[10:]) == {429}
    assert "Thử lại sau 10 phút" in _answer(response.text)
    # the right answer is refused too until the window passes: the limit is not a hint
    assert _ask(client, fund, BANK_REF, "500.000").status_code == 429
    # another fund, or another client, is counted on its own
    assert _ask(client, gifts["other_fund"].id, "1/2018", "1").status_code == 200
    other = {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}}
    assert "500.000 đ" in _answer(_ask(client, fund, BANK_REF, "500.000", **other).text)
    session.rollback()
    kept = session.exec(select(func.count()).select_from(GiftLookupAttempt)).scalar_one()
    assert kept == 12  # refused look-ups are not stored


def test_the_limit_holds_across_workers(app, db_url, gifts, tmp_path):
    """Two app instances (two gunicorn workers) on one database share the count."""
    second = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "test-secret-key"})
    second.instance_path = str(tmp_path / "second")
    clients = [app.test_client(), second.test_client()]
    fund = gifts["fund"].id
    statuses = [_ask(clients[i % 2], fund, f"X{i}", "1.000").status_code for i in range(12)]
    assert statuses == [200] * 10 + [429, 429]


def test_behind_the_proxy_the_forwarded_address_counts(client, gifts):
    fund = gifts["fund"].id
    for _ in range(10):
        _ask(client, fund, "X", "1.000", headers={"X-Forwarded-For": "198.51.100.1"})
    blocked = _ask(client, fund, "X", "1.000", headers={"X-Forwarded-For": "198.51.100.1"})
    assert blocked.status_code == 429
    # a forged first address does not escape: nginx appends the real one last
    forged = _ask(client, fund, "X", "1.000", headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.1"})
    assert forged.status_code == 429
    fresh = _ask(client, fund, "X", "1.000", headers={"X-Forwarded-For": "198.51.100.2"})
    assert fresh.status_code == 200


@pytest.mark.parametrize(
    ("reference", "amount", "field"),
    [("", "500.000", "Số phiếu thu"), (BANK_REF, "", "Số tiền"), (BANK_REF, "năm trăm", "Số tiền")],
)
def test_bad_input_is_named_and_not_counted(client, session, gifts, reference, amount, field):
    response = _ask(client, gifts["fund"].id, reference, amount)
    assert response.status_code == 400
    assert f"{field}" in response.text and 'class="error"' in response.text
    assert f'value="{reference}"' in response.text or not reference
    session.rollback()
    assert session.exec(select(func.count()).select_from(GiftLookupAttempt)).scalar_one() == 0


def test_an_unknown_fund_is_404(client):
    assert client.get("/public/units/999999/lookup").status_code == 404


def test_old_attempts_are_pruned_and_the_wait_counts_down(session, gifts):
    fund = gifts["fund"].id
    start = datetime(2026, 3, 1, 8, 0)
    for minute in range(10):
        admit_lookup(
            session, unit_id=fund, client="192.0.2.1", now=start + timedelta(minutes=minute)
        )
    with pytest.raises(TooManyLookups) as refused:
        admit_lookup(session, unit_id=fund, client="192.0.2.1", now=start + timedelta(minutes=9))
    assert refused.value.params == {"minutes": "1"}
    admit_lookup(
        session, unit_id=fund, client="192.0.2.1", now=start + timedelta(minutes=10, seconds=1)
    )
    admit_lookup(session, unit_id=fund, client="192.0.2.9", now=start + timedelta(minutes=30))
    left = session.exec(select(func.count()).select_from(GiftLookupAttempt)).scalar_one()
    assert left == 1  # every fund's attempts older than the window are gone
    stored = session.exec(select(GiftLookupAttempt.client_key)).scalars().all()
    assert all("192.0.2" not in key and len(key) == 64 for key in stored)


def test_an_ipv6_client_is_counted_by_its_64_prefix(session, gifts):
    """A host is handed a whole /64: rotating through its addresses does not escape."""
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff:ffff:ffff:fffe")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:192.0.2.1") == client_key("192.0.2.1") != client_key("192.0.2.2")
    fund, now = gifts["fund"].id, datetime(2026, 3, 1, 8, 0)
    for host in range(1, 11):
        admit_lookup(session, unit_id=fund, client=f"2001:db8:1:2::{host:x}", now=now)
    with pytest.raises(TooManyLookups):
        admit_lookup(session, unit_id=fund, client="2001:db8:1:2:abcd::99", now=now)
    admit_lookup(session, unit_id=fund, client="2001:db8:1:3::1", now=now)


def test_concurrent_lookups_never_pass_the_limit(db_url, gifts):
    """Threads with their own sessions (as gunicorn workers): without a lock each counted 9
    before any inserted, and all were admitted (PostgreSQL's advisory lock; SQLite's write
    transaction serialises them the same way)."""
    fund, now, tries = gifts["fund"].id, datetime(2026, 3, 1, 8, 0), 2 * LOOKUP_LIMIT
    start, admitted, refused = threading.Barrier(tries, timeout=60), [], []

    def ask() -> None:
        engine = make_engine(db_url)  # its own connection, as another worker's
        session = new_session(engine, write=True)
        try:
            start.wait()  # on SQLite a write session's first statement takes the write lock
            admit_lookup(session, unit_id=fund, client="198.51.100.7", now=now)
            session.commit()
            admitted.append(1)
        except TooManyLookups:
            session.rollback()
            refused.append(1)
        finally:
            session.close()
            engine.dispose()

    workers = [threading.Thread(target=ask) for _ in range(tries)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert (len(admitted), len(refused)) == (LOOKUP_LIMIT, tries - LOOKUP_LIMIT)


def test_find_gift_needs_both_halves(session, gifts):
    fund = gifts["fund"].id
    assert find_gift(session, unit_id=fund, query=BANK_REF, amount=500_000) is not None
    assert find_gift(session, unit_id=fund, query=BANK_REF, amount=500_001) is None
    assert find_gift(session, unit_id=fund, query="", amount=500_000) is None
    assert find_gift(session, unit_id=fund, query="UNG HO QUY", amount=500_000) is None
    assert find_gift(session, unit_id=fund, query=f"{BANK_REF}\x00", amount=500_000) is not None
    assert parse_voucher_number(" 0017 / 2026 ") == (17, 2026)
    assert parse_voucher_number("17") is None
