"""Incremental verification: a check that passes records how far each chain (and each fund's
receipts and disbursements) was verified; the next re-hashes only what is new, still catches an
old row rewritten, deleted or unbalanced, and ``check --full`` re-hashes everything."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import event, text
from sqlmodel import func, select

from ledger.dates import format_local_datetime
from ledger.engine import get_engine
from ledger.models import ChainHead, ChainVerified, Entry, FullCheck, Receipt, Rollup, Unit
from ledger.services import check
from ledger.services.campaigns import find_campaign
from ledger.services.check import verify_and_record
from ledger.services.reconciliation import export_workbook
from ledger.vocab import ChainKind
from tests.test_tamper import _rehash_entries

FUND = "TT-CHUONGDUONG"


@pytest.fixture
def verified(session, make_receipt, unit):
    """Two funds with receipts, checked once (so verified through their last entries)."""
    for code in (FUND, "TT-DUNGTIEN"):
        for day in (1, 2, 3):
            make_receipt(unit_code=code, amount=100_000 * day, on=date(2018, 4, day))
    session.commit()
    assert verify_and_record(session) == []
    session.rollback()  # a reading transaction begun before the record was written cannot write
    fund = unit(FUND)
    session.rollback()
    return fund


@pytest.fixture
def hashed(monkeypatch):
    """Counts the journal entries the check re-hashes."""
    calls = []
    real = check.entry_hash

    def counting(**fields):
        calls.append(fields["seq"])
        return real(**fields)

    monkeypatch.setattr(check, "entry_hash", counting)
    return calls


def _raw(db_url, sql):
    with get_engine(db_url).begin() as conn:
        conn.execute(text(sql))


def _position(session, chain, key):
    session.rollback()
    row = session.get(ChainVerified, (chain.value, key))
    return None if row is None else (row.seq, row.hash)


def test_a_passing_check_records_where_each_chain_ends(session, verified):
    head = session.get(ChainHead, verified.id)
    assert _position(session, ChainKind.JOURNAL, verified.id) == (head.last_seq, head.last_hash)
    assert _position(session, ChainKind.AUDIT, verified.id) is not None
    seq, count = _position(session, ChainKind.RECEIPT, verified.id)
    assert seq > 0 and count == "3"


def test_a_repeated_check_rehashes_only_what_is_new(session, verified, make_receipt, hashed):
    assert verify_and_record(session) == []
    assert hashed == [], "nothing new: nothing re-hashed"
    session.rollback()
    make_receipt(unit_code=FUND, amount=700_000, on=date(2018, 4, 9))
    session.commit()
    assert verify_and_record(session) == []
    head = session.get(ChainHead, verified.id)
    assert hashed == [head.last_seq], "only the new entry"
    assert _position(session, ChainKind.JOURNAL, verified.id) == (head.last_seq, head.last_hash)
    hashed.clear()
    assert verify_and_record(session, full=True) == []
    assert len(hashed) == len(session.exec(select(Entry)).all()), "--full: every entry"


def test_full_and_incremental_agree_on_clean_books(session, verified, make_receipt):
    make_receipt(unit_code=FUND, amount=700_000, on=date(2018, 4, 9))
    session.commit()
    incremental = check.Verification(incremental=True)
    full = check.Verification(incremental=False)
    assert check.check_books(session, verification=incremental) == []
    assert check.check_books(session, verification=full) == []
    assert incremental.ends == full.ends


def test_a_new_entry_tampered_after_verification_is_found(session, verified, make_receipt, db_url):
    receipt = make_receipt(unit_code=FUND, amount=700_000, on=date(2018, 4, 9))
    session.commit()
    _raw(db_url, f"UPDATE entry SET entry_date = '2018-04-08' WHERE id = {receipt.entry_id}")
    problems = [str(p) for p in verify_and_record(session)]
    assert any(p.startswith(f"hash: entry {receipt.entry_id} ") for p in problems), problems


def test_an_old_posting_changed_is_left_to_the_full_check_until_its_fund_moves(
    session, verified, make_receipt, db_url
):
    """By design: a verified line edited behind the application is found by ``check --full``
    (and by the incremental check once its fund has new lines: it then compares the fund's
    balances with all its postings); a fund with nothing new is not read again."""
    first = session.exec(select(Entry).where(Entry.unit_id == verified.id, Entry.seq == 1)).one()
    _raw(
        db_url,
        f"UPDATE posting SET amount = amount + 1000 WHERE entry_id = {first.id} AND amount > 0",
    )
    assert verify_and_record(session) == []
    full = [str(p) for p in verify_and_record(session, full=True)]
    assert any(p.startswith(f"unbalanced: entry {first.id} ") for p in full), full
    assert any(p.startswith("balance: account ") for p in full), full
    session.rollback()
    make_receipt(unit_code=FUND, amount=700_000, on=date(2018, 4, 9))
    session.commit()
    problems = [str(p) for p in verify_and_record(session)]
    assert any(p.startswith("balance: account ") for p in problems), problems


def test_an_old_chain_rewritten_with_new_hashes_is_found(session, verified, db_url):
    before = _position(session, ChainKind.JOURNAL, verified.id)
    _rehash_entries(session, db_url, verified.id, bump_first=True)
    problems = [str(p) for p in verify_and_record(session)]
    assert any("is different since it was verified" in p for p in problems), problems
    assert _position(session, ChainKind.JOURNAL, verified.id) == before, "nothing recorded"


def test_an_old_entry_edited_in_place_is_left_to_the_full_check(session, verified, db_url):
    """By design: an already-verified entry edited without recomputing its hash, in a field
    no other check compares, is found by ``check --full`` only (README, Tamper evidence)."""
    first, second = session.exec(
        select(Entry).where(Entry.unit_id == verified.id).order_by(Entry.seq).limit(2)
    ).all()
    _raw(db_url, f"UPDATE entry SET reverses_id = {first.id} WHERE id = {second.id}")
    assert verify_and_record(session) == []
    problems = [str(p) for p in verify_and_record(session, full=True)]
    assert any(p.startswith(f"hash: entry {second.id} ") for p in problems), problems


def test_an_old_receipt_deleted_is_found_by_the_full_check(session, verified, db_url, runner):
    entry = session.exec(select(Entry).where(Entry.unit_id == verified.id, Entry.seq == 2)).one()
    receipt_id = session.exec(select(Receipt.id).where(Receipt.entry_id == entry.id)).one()
    _raw(db_url, f"DELETE FROM receipt WHERE entry_id = {entry.id}")
    assert runner.invoke(args=["check"]).exit_code == 0, "the verified part is not read again"
    result = runner.invoke(args=["check", "--full"])
    assert result.exit_code == 1
    assert f"seal: receipt {receipt_id}: deleted since its last audit event" in result.output


def test_a_receipt_slipped_in_behind_the_application_is_found(session, verified, db_url):
    """A row added since the last check, with no audit event sealing it, is new: the
    incremental check reads it (a primary-key range above every recorded position)."""
    other = session.exec(select(Receipt).where(Receipt.unit_id == verified.id)).first()
    _raw(db_url, _copy_receipt_sql(other.id))
    session.rollback()
    new_id = session.exec(select(func.max(Receipt.id))).one()
    session.rollback()
    problems = [str(p) for p in verify_and_record(session)]
    assert f"unsealed: receipt {new_id}: no audit event records this row" in problems, problems


def _copy_receipt_sql(receipt_id: int) -> str:
    """SQL copying a receipt under another number (a row no event sealed)."""
    columns = [c.name for c in Receipt.__table__.columns if c.name != "id"]
    changed = {"number": "number + 1000", "import_key": "NULL"}
    chosen = ", ".join(changed.get(c, c) for c in columns)
    return (
        f"INSERT INTO receipt ({', '.join(columns)}) "
        f"SELECT {chosen} FROM receipt WHERE id = {receipt_id}"
    )


def test_nothing_is_recorded_when_the_check_fails(session, verified, make_receipt, db_url):
    before = _position(session, ChainKind.JOURNAL, verified.id)
    receipt = make_receipt(unit_code=FUND, amount=700_000, on=date(2018, 4, 9))
    session.commit()
    _raw(db_url, f"UPDATE posting SET amount = 1 WHERE entry_id = {receipt.entry_id}")
    assert verify_and_record(session) != []
    assert _position(session, ChainKind.JOURNAL, verified.id) == before


def test_check_full_rehashes_every_chain(verified, runner, hashed):
    result = runner.invoke(args=["check", "--full"])
    assert result.exit_code == 0, result.output
    assert "from its first link" in result.output and len(hashed) == 6


def test_a_repeated_workbook_export_rehashes_nothing(
    session, verified, hashed, monkeypatch, tmp_path
):
    from ledger import forked

    monkeypatch.setattr(forked.threading, "active_count", lambda: 2)  # check in-process
    campaign = find_campaign(session, unit_id=verified.parent_id, year=2018)
    made = export_workbook(session, campaign_id=campaign.id, path=tmp_path / "a.xlsx")
    assert all(c.ok for c in made.checks) and hashed == []


@pytest.fixture(params=["funds", "entries"])
def in_small_batches(request, monkeypatch):
    """The check holds a few funds at a time, as at national scale (1,500 of 11,000), or a
    few entries (100,000 of 10,000,000)."""
    if request.param == "funds":
        monkeypatch.setattr(check, "FUNDS_AT_A_TIME", 3)
    else:
        monkeypatch.setattr(check, "ROWS_AT_A_TIME", 2)


def test_a_batch_holds_a_bounded_number_of_rows(session, verified, unit, monkeypatch):
    """Memory follows the rows a batch holds, not its funds: its entries and its days of
    rolled-up totals (a district holds its communes' days). A fund with many is a batch of its
    own, small ones share one up to the bound, and every fund is in exactly one batch."""
    monkeypatch.setattr(check, "ROWS_AT_A_TIME", 2)
    lengths = Counter(dict(session.exec(select(ChainHead.unit_id, ChainHead.last_seq)).all()))
    days = session.exec(
        select(Rollup.unit_id, func.count()).where(Rollup.grain == "day").group_by(Rollup.unit_id)
    ).all()
    lengths.update(dict(days))
    district = unit("TT")
    assert lengths[district.id] > session.get(ChainHead, district.id).last_seq
    batches = check.fund_batches(session, None)
    every = [fund for batch in batches for fund in batch]
    assert sorted(every) == sorted(session.exec(select(Unit.id)).all())
    assert any(lengths.get(fund, 0) > 2 for fund in every)
    for batch in batches:
        held = sum(lengths.get(fund, 0) for fund in batch)
        assert held <= 2 or len(batch) == 1, (batch, held)
    monkeypatch.setattr(check, "ROWS_AT_A_TIME", sum(lengths.values()))
    assert check.fund_batches(session, None) == [None]


def test_an_incremental_check_weighs_a_fund_by_what_it_will_read(
    session, verified, make_receipt, unit, monkeypatch
):
    """After a verified check, the next one walks a verified fund's new entries only, and no
    rolled-up totals until every batch is done: its batches are weighed so (a workbook's check
    at national scale was cut into three times the batches by rows it never reads), while a
    full check still weighs every entry and every day of totals."""
    other = unit("TT-DUNGTIEN")
    make_receipt(unit_code=FUND, amount=70_000, on=date(2018, 4, 9))
    make_receipt(unit_code=FUND, amount=80_000, on=date(2018, 4, 10))
    session.commit()
    full = check._rows_held(session)
    walked = check._rows_held(session, incremental=True)
    assert walked[verified.id] == 2 and walked[other.id] == 0
    assert full[verified.id] > session.get(ChainHead, verified.id).last_seq > 2
    monkeypatch.setattr(check, "ROWS_AT_A_TIME", 2)
    assert check.fund_batches(session, None, incremental=True) == [None]
    assert len(check.fund_batches(session, None)) > 3
    assert verify_and_record(session) == []


def test_an_incremental_check_of_many_units_verifies_their_totals_in_bounded_batches(
    app, session, verified, make_receipt, unit, monkeypatch
):
    """When the new lines touch more units than a targeted check of totals covers (a large
    import), every total is verified batch by batch, the batches weighed by the totals they
    hold as a full check's are: a wrong district total is found either way."""
    monkeypatch.setattr(check, "TOUCHED_UNITS_LIMIT", 0)
    monkeypatch.setattr(check, "ROWS_AT_A_TIME", 2)
    weighed = []
    real = check.fund_batches

    def spy(session_, unit_ids, *, incremental=False):
        weighed.append(incremental)
        return real(session_, unit_ids, incremental=incremental)

    monkeypatch.setattr(check, "fund_batches", spy)
    make_receipt(unit_code=FUND, amount=50_000, on=date(2018, 4, 9))
    session.commit()
    _tamper_rollup(app.config["DATABASE_URL"], unit("TT").id, "month", "2018-04-01")
    session.rollback()
    found = [str(p) for p in verify_and_record(session)]
    assert weighed == [True, False]
    assert any(p.startswith(f"rollup: unit {unit('TT').id} month 01/04/2018") for p in found)


def test_checking_a_few_funds_at_a_time_finds_what_one_pass_finds(
    session, verified, make_receipt, db_url, in_small_batches
):
    """Memory stays bounded at national scale: the funds are checked a batch at a time (each
    batch's entries and postings in memory, the global audit chain with each), and the result
    is the same as one pass: a tampered entry named once, the positions recorded for all."""
    assert len(check.fund_batches(session, None)) > 3
    assert verify_and_record(session, full=True) == []
    session.rollback()  # a reading transaction begun before the record was written cannot write
    other = session.exec(select(Entry.unit_id).where(Entry.unit_id != verified.id)).first()
    for key in (verified.id, other):
        assert _position(session, ChainKind.JOURNAL, key) is not None
    receipt = make_receipt(unit_code="TT-DUNGTIEN", amount=700_000, on=date(2018, 4, 9))
    session.commit()
    _raw(db_url, f"UPDATE entry SET entry_date = '2018-04-08' WHERE id = {receipt.entry_id}")
    for full in (False, True):
        problems = [str(p) for p in verify_and_record(session, full=full)]
        named = [p for p in problems if p.startswith(f"hash: entry {receipt.entry_id} ")]
        assert len(named) == 1, problems


def test_a_batched_check_reports_progress_once_across_batches(session, verified, in_small_batches):
    seen: list[tuple[int, int]] = []
    verify_and_record(session, report=lambda _step, done, total: seen.append((done, total)))
    totals = {total for _, total in seen}
    assert len(totals) == 1 and [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1][0] == seen[-1][1]


def test_a_batched_check_reads_the_recorded_positions_once(
    session, verified, make_receipt, db_url, monkeypatch
):
    """A workbook's check at national scale runs in batches (8 at 10,600 funds): each chain
    kind's recorded positions are read once per check, not by every step of every batch, and
    the check still resumes each fund from its own position (a new receipt in a verified fund
    re-hashed alone, a tampered one named)."""
    monkeypatch.setattr(check, "FUNDS_AT_A_TIME", 3)
    assert len(check.fund_batches(session, None, incremental=True)) > 3
    receipt = make_receipt(unit_code=FUND, amount=90_000, on=date(2018, 4, 9))
    session.commit()
    sent: list[str] = []
    engine = get_engine(db_url)

    def count(_conn, _cursor, statement, *_args):
        if "FROM chainverified" in statement and "JOIN" not in statement.upper():
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert verify_and_record(session) == []
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the batches' weights (journal), then each chain kind once: journal, audit, receipts,
    # disbursements; and the positions already recorded, read before writing the new ones
    assert len(sent) <= 6, sent
    session.rollback()
    seq = session.get(ChainHead, verified.id).last_seq
    assert _position(session, ChainKind.JOURNAL, verified.id)[0] == seq
    _raw(db_url, f"UPDATE entry SET entry_date = '2018-04-08' WHERE id = {receipt.entry_id}")
    problems = [str(p) for p in verify_and_record(session)]
    assert not any(p.startswith(f"hash: entry {receipt.entry_id} ") for p in problems)
    session.rollback()  # its snapshot predates the tampering: a write from it would be refused
    tampered = make_receipt(unit_code=FUND, amount=95_000, on=date(2018, 4, 10))
    session.commit()
    _raw(db_url, f"UPDATE entry SET entry_date = '2018-04-08' WHERE id = {tampered.entry_id}")
    problems = [str(p) for p in verify_and_record(session)]
    assert [p for p in problems if p.startswith(f"hash: entry {tampered.entry_id} ")], problems


def _tamper_rollup(db_url, unit_id: int, grain: str, period: str) -> None:
    _raw(
        db_url,
        f"UPDATE rollup SET credited = credited - 1 WHERE unit_id = {unit_id} "
        f"AND grain = '{grain}' AND period = '{period}'",
    )


def test_an_incremental_check_verifies_the_totals_its_new_lines_moved(
    app, session, verified, make_receipt, unit
):
    """After a verified check, a new receipt moves its commune's, the district's and the city's
    day, month and year totals: the next (incremental) check recomputes exactly those from the
    postings, so a wrong district total beside it is named; a total no new line touched (another
    district's) waits for ``check --full``, as an old chain link does."""
    make_receipt(unit_code=FUND, amount=50_000, on=date(2018, 4, 9))
    session.commit()
    db_url = app.config["DATABASE_URL"]
    district, city, other = unit("TT"), unit("HN"), unit("TT-DUNGTIEN")
    _tamper_rollup(db_url, district.id, "month", "2018-04-01")
    _tamper_rollup(db_url, other.id, "day", "2018-04-02")
    session.rollback()
    found = [str(p) for p in verify_and_record(session)]
    assert len(found) == 1 and found[0].startswith(f"rollup: unit {district.id} month 01/04/2018")
    session.rollback()
    full = [str(p) for p in verify_and_record(session, full=True)]
    assert len(full) == 2 and any(
        p.startswith(f"rollup: unit {other.id} day 02/04/2018") for p in full
    )
    _tamper_rollup(db_url, city.id, "year", "2018-01-01")  # the city's year: also touched
    session.rollback()
    assert any(f"unit {city.id} year" in str(p) for p in verify_and_record(session))


def test_an_incremental_check_reads_only_the_totals_its_new_lines_moved(
    session, verified, make_receipt, unit, monkeypatch
):
    """No new line: no total recomputed (a repeated export re-sums nothing); one new receipt:
    the rows of its commune and their ancestors, at its day, month and year."""
    asked = []
    real = check._expected_rollups

    def spying(session, funds, window=None):
        asked.append((funds, window))
        return real(session, funds, window)

    monkeypatch.setattr(check, "_expected_rollups", spying)
    assert verify_and_record(session) == [] and asked == []
    session.rollback()
    make_receipt(unit_code=FUND, amount=50_000, on=date(2018, 4, 9))
    session.commit()
    assert verify_and_record(session) == []
    [(funds, window)] = asked
    chain = [unit(FUND).id, unit("TT").id, unit("HN").id]
    assert set(chain) <= set(funds) and unit("TT-DUNGTIEN").id not in funds
    assert window == (date(2018, 1, 1), date(2018, 12, 31))


def test_an_old_receipt_edited_behind_the_app_waits_until_its_fund_moves(
    session, verified, make_receipt, db_url
):
    """By design: an incremental check compares receipts with their entries (and days with
    zero, and the goods book) only in the funds that have new lines; the fund's first new
    receipt brings the old edit back into view, and ``--full`` always finds it."""
    old = session.exec(select(Receipt).where(Receipt.unit_id == verified.id)).first()
    _raw(db_url, f"UPDATE receipt SET amount = amount + 1000 WHERE id = {old.id}")
    mismatch = f"receipt: receipt {old.id} "
    assert not any(str(p).startswith(mismatch) for p in verify_and_record(session))
    full = [str(p) for p in verify_and_record(session, full=True)]
    assert any(p.startswith(mismatch) for p in full), full
    session.rollback()
    make_receipt(unit_code=FUND, amount=700_000, on=date(2018, 4, 9))
    session.commit()
    moved = [str(p) for p in verify_and_record(session)]
    assert any(p.startswith(mismatch) for p in moved), moved


def test_an_unchanged_check_writes_no_position(session, verified, db_url):
    """A check that found nothing new leaves every recorded position (and its time) alone:
    at 1,000,000 receipts rewriting the nation's 33,000 positions took a second each time."""
    session.rollback()
    before = {(r.chain, r.chain_key): r.verified_at for r in session.exec(select(ChainVerified))}
    assert verify_and_record(session) == []
    session.rollback()
    after = {(r.chain, r.chain_key): r.verified_at for r in session.exec(select(ChainVerified))}
    assert after == before


def _full_check_row(session, campaign_id, tmp_path):
    made = export_workbook(session, campaign_id=campaign_id, path=tmp_path / "w.xlsx")
    session.rollback()
    [row] = [c for c in made.checks if c.name.startswith("Kiểm tra toàn bộ gần nhất")]
    return row


def test_the_workbook_states_when_its_scope_was_last_checked_in_full(
    session, verified, db_url, tmp_path, monkeypatch
):
    """The workbook's own check reads what is new; its checks sheet says when the books it
    covers were last checked in full (by a check over everything or over a unit above), and
    a full check that found problems shows there as a mismatch."""
    from ledger import forked

    monkeypatch.setattr(forked.threading, "active_count", lambda: 2)
    campaign = find_campaign(session, unit_id=verified.parent_id, year=2018)
    row = _full_check_row(session, campaign.id, tmp_path)
    assert row.ok and row.note.startswith("Chưa chạy lần nào"), row
    # a full check of one commune does not cover the district's workbook
    assert verify_and_record(session, {verified.id}, full=True, root=verified.id) == []
    session.rollback()
    assert _full_check_row(session, campaign.id, tmp_path).note.startswith("Chưa chạy lần nào")
    assert verify_and_record(session, full=True) == []
    session.rollback()
    runs = session.exec(select(FullCheck).order_by(FullCheck.id)).all()
    assert [(r.unit_id, r.problems) for r in runs] == [(verified.id, 0), (None, 0)]
    row = _full_check_row(session, campaign.id, tmp_path)
    shown = format_local_datetime(runs[-1].finished_at)
    assert row.ok and row.note == f"Lúc {shown}.", row
    _raw(db_url, "UPDATE receipt SET amount = amount + 1 WHERE id = 1")
    found = verify_and_record(session, full=True)
    session.rollback()
    row = _full_check_row(session, campaign.id, tmp_path)
    assert not row.ok and row.actual == len(found) > 0, row
