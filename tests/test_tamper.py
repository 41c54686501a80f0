"""Tamper evidence beyond the journal: documents, status changes, audit events, child records,
locks, a rewound chain and a full re-hash are found by ``check``; anchors outside the database
catch even a rewrite that recomputes every hash inside it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from ledger.engine import get_engine, new_session
from ledger.models import (
    AuditEvent,
    ChainHead,
    Entry,
    Posting,
)
from ledger.services.anchors import current_heads, parse_anchors
from ledger.services.audit import event_hash
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from ledger.services.check import check_books
from ledger.services.disbursements import (
    DisbursementInput,
    approve_disbursement,
    draft_disbursement,
    pay_disbursement,
)
from ledger.services.journal import entry_hash
from ledger.services.locks import lock_period
from ledger.services.rollups import rebuild
from ledger.services.seals import digests
from ledger.services.transfers import receive_transfer, send_transfer

FUND = "TT-CHUONGDUONG"


@pytest.fixture
def books(session, make_receipt, make_user, unit):
    """A commune with receipts, a paid payout for a child, a transfer, a lock; committed."""
    fund, district = unit(FUND), unit("TT")
    for day in (1, 2, 3, 4):
        make_receipt(unit_code=FUND, amount=1_000_000 * day, on=date(2018, 4, day))
    treasurer = make_user("t.cd", "treasurer", FUND)
    reviewer = make_user("r.tt", "reviewer", "TT")
    child = create_beneficiary(
        session,
        unit_id=fund.id,
        user_id=treasurer.id,
        data=BeneficiaryInput(
            full_name="Nguyễn Văn An",
            birth_date=date(2012, 3, 4),
            sex="male",
            groups=("serious_illness_poor",),
        ),
    )
    item = draft_disbursement(
        session, unit_id=fund.id, user_id=treasurer.id, data=_payout(session, child.id)
    )
    approve_disbursement(
        session,
        disbursement_id=item.id,
        user_id=reviewer.id,
        role="reviewer",
        user_unit_id=district.id,
    )
    pay_disbursement(session, disbursement_id=item.id, on=date(2018, 4, 10), user_id=treasurer.id)
    sent = send_transfer(
        session,
        from_unit_id=fund.id,
        to_unit_id=district.id,
        amount=300_000,
        on=date(2018, 4, 11),
        user_id=treasurer.id,
        from_method="cash",
        to_method="cash",
    )
    receive_transfer(session, transfer_id=sent.id, amount=300_000, on=date(2018, 4, 11))
    lock_period(session, unit_id=fund.id, through=date(2018, 4, 5), user_id=reviewer.id)
    session.commit()
    assert check_books(session) == []
    return {"fund": fund.id, "child": child.id, "payout": item.id, "transfer": sent.id}


def _payout(session, child_id):
    from ledger.models import Category

    category = (
        session.exec(select(Category).where(Category.code == "heart_surgery")).scalars().one()
    )
    return DisbursementInput(
        category_id=category.id,
        amount=2_000_000,
        payee_name="Nguyễn Văn Bố",
        beneficiary_id=child_id,
        reason="Hỗ trợ phẫu thuật tim",
        disbursement_date=date(2018, 4, 9),
    )


def _raw(db_url, *statements):
    with get_engine(db_url).begin() as conn:
        for sql in statements:
            conn.execute(text(sql))


def _problems(session):
    session.rollback()
    session.expire_all()
    return [str(p) for p in check_books(session)]


TAMPERINGS = {
    "a disbursement's amount": (
        "UPDATE disbursement SET amount = 20000000 WHERE id = {payout}",
        "disbursement {payout}",
    ),
    "a disbursement's status": (
        "UPDATE disbursement SET status = 'approved', entry_id = NULL WHERE id = {payout}",
        "disbursement {payout}",
    ),
    "a transfer's amount": (
        "UPDATE transfer SET amount_received = 3000000 WHERE id = {transfer}",
        "transfer {transfer}",
    ),
    "a receipt's payer": ("UPDATE receipt SET payer_name = 'Người khác' WHERE id = 2", "receipt 2"),
    "a receipt's credit unit": (
        "UPDATE receipt SET credit_unit_id = (SELECT id FROM unit "
        "WHERE code = 'TT-DUNGTIEN') WHERE id = 3",
        "receipt 3",
    ),
    "a child's record": (
        "UPDATE beneficiary SET full_name = 'Trần Thị B' WHERE id = {child}",
        "beneficiary {child}",
    ),
    "a deleted period lock": ("DELETE FROM periodlock WHERE unit_id = {fund}", "periodlock {fund}"),
    "an edited audit event": (
        "UPDATE auditevent SET after = '{{}}' WHERE action = 'disbursement.approved'",
        "audit event",
    ),
    "a deleted audit event": (
        "DELETE FROM auditevent WHERE action = 'disbursement.approved'",
        "audit event",
    ),
    "a child added behind the app": (
        "INSERT INTO beneficiary (unit_id, full_name, birth_date, "
        "sex, guardian_name, consent_by, created_at) VALUES ({fund}, "
        "'X', '2015-01-01', 'male', '', '', '2018-01-01 00:00:00')",
        "beneficiary",
    ),
}


@pytest.mark.parametrize("how", TAMPERINGS)
def test_tampering_outside_the_journal_is_named(books, session, db_url, how):
    sql, named = TAMPERINGS[how]
    _raw(db_url, sql.format(**books))
    problems = _problems(session)
    assert any(named.format(**books) in p for p in problems), problems


def test_last_entry_deleted_with_its_head_rewound_is_found(books, session, db_url):
    fund = books["fund"]
    last = (
        session.exec(select(Entry).where(Entry.unit_id == fund).order_by(Entry.seq.desc()))
        .scalars()
        .first()
    )
    previous = (
        session.exec(select(Entry).where(Entry.unit_id == fund, Entry.seq == last.seq - 1))
        .scalars()
        .one()
    )
    _raw(
        db_url,
        f"UPDATE transfer SET received_entry_id = NULL WHERE received_entry_id = {last.id}",
        f"DELETE FROM posting WHERE entry_id = {last.id}",
        f"DELETE FROM entry WHERE id = {last.id}",
        f"UPDATE chainhead SET last_seq = {previous.seq}, last_hash = '{previous.hash}' "
        f"WHERE unit_id = {fund}",
    )
    problems = _problems(session)
    assert problems, "a rewound chain passed"
    assert any("anchor" in p or "transfer" in p for p in problems), problems


def _append_entry(session, db_url, fund, kind, amount, document_id="NULL"):
    """Append an entry with a valid hash and move the head on, as the app itself would."""
    session.rollback()
    head = session.get(ChainHead, fund)
    accounts = dict(
        session.execute(text(f"SELECT kind, id FROM account WHERE unit_id = {fund}")).all()
    )
    debit, credit = (
        ("transfer_out", "in_transit")
        if kind == "transfer_cleared"
        else ("expense:heart_surgery", "cash")
    )
    lines = [(accounts[debit], amount, None), (accounts[credit], -amount, None)]
    seq, day = head.last_seq + 1, date(2018, 4, 12)
    digest = entry_hash(
        prev_hash=head.last_hash,
        unit_id=fund,
        seq=seq,
        entry_date=day,
        kind=kind,
        reverses_id=None,
        postings=lines,
    )
    _raw(
        db_url,
        f"INSERT INTO entry (unit_id, seq, entry_date, kind, document_id, memo, created_at, "
        f"prev_hash, hash) VALUES ({fund}, {seq}, '{day}', '{kind}', {document_id}, '', "
        f"'2018-04-12 00:00:00', '{head.last_hash}', '{digest}')",
        *(
            f"INSERT INTO posting (entry_id, account_id, amount, entry_date) VALUES ((SELECT id "
            f"FROM entry WHERE unit_id = {fund} AND seq = {seq}), {account}, {value}, '{day}')"
            for account, value, _ in lines
        ),
        *(
            f"UPDATE account SET balance = balance + {value} WHERE id = {account}"
            for account, value, _ in lines
        ),
        f"UPDATE chainhead SET last_seq = {seq}, last_hash = '{digest}' WHERE unit_id = {fund}",
    )
    return seq


@pytest.mark.parametrize("kind", ["disbursement", "transfer_cleared"])
def test_an_entry_appended_without_a_voucher_is_named(books, session, db_url, kind):
    """A valid-hash entry appended at the end of a fund's chain (head moved on, balances
    adjusted) moves money with no voucher: ``check`` names it. A second "cleared" entry for a
    transfer already cleared is no better."""
    fund = books["fund"]
    seq = _append_entry(session, db_url, fund, kind, 300_000, document_id=books["transfer"])
    problems = _problems(session)
    assert any(p.startswith("unclaimed:") and f"fund {fund}, seq {seq}" in p for p in problems), (
        problems
    )


def test_a_full_rehash_of_a_fund_is_found(books, session, db_url):
    """An old receipt changed and every hash of the fund recomputed with the app's own
    ``entry_hash``: the documents' seals and the lock's anchor no longer match."""
    fund = books["fund"]
    _raw(
        db_url,
        "UPDATE receipt SET amount = 9000000 WHERE id = 1",
        "UPDATE posting SET amount = CASE WHEN amount > 0 THEN 9000000 ELSE -9000000 END "
        "WHERE entry_id = (SELECT entry_id FROM receipt WHERE id = 1)",
    )
    _rehash_entries(session, db_url, fund)
    problems = _problems(session)
    assert any("receipt 1" in p for p in problems), problems
    assert any("anchor" in p for p in problems), problems


def test_a_rewrite_of_every_chain_inside_the_database_is_caught_by_an_outside_anchor(
    books, session, db_url, runner, tmp_path
):
    """The adversary re-hashes the journal, re-seals every row, re-chains the audit events and
    deletes the recorded anchors: ``check`` alone passes, the printed heads still catch it."""
    fund = books["fund"]
    printed = tmp_path / "anchors.txt"
    printed.write_text("\n".join(h.line() for h in current_heads(session, [fund])))
    _raw(db_url, "UPDATE receipt SET payer_name = 'Người khác' WHERE id = 1", "DELETE FROM anchor")
    _rehash_entries(session, db_url, fund, bump_first=True)
    _reseal_everything(session, db_url)
    assert _problems(session) == []
    result = runner.invoke(args=["check", "--anchors", str(printed)])
    assert result.exit_code == 1, result.output
    assert "anchor of TT-CHUONGDUONG (file)" in result.output


def test_a_workbook_is_an_anchor_file(
    books, session, client, login, make_user, runner, db_url, tmp_path
):
    make_user("auditor.tt", "auditor", "TT")
    login("auditor.tt")
    campaign = session.execute(text("SELECT id FROM campaign")).scalar()
    workbook = client.get(f"/campaigns/{campaign}/workbook.xlsx")
    assert workbook.status_code == 200
    path = tmp_path / "sổ đối chiếu.xlsx"
    path.write_bytes(workbook.data)
    clean = runner.invoke(args=["check", "--anchors", str(path)])
    assert clean.exit_code == 0, clean.output
    assert "anchor(s) from the file" in clean.output
    _raw(db_url, "DELETE FROM anchor")
    _rehash_entries(session, db_url, books["fund"], bump_first=True)
    _reseal_everything(session, db_url)
    recorded = runner.invoke(args=["check"])  # the workbook's check recorded the positions
    assert recorded.exit_code == 1 and "is different since it was verified" in recorded.output
    _raw(db_url, "DELETE FROM chainverified")  # so an attacker removes them too
    assert runner.invoke(args=["check", "--full"]).exit_code == 0
    caught = runner.invoke(args=["check", "--anchors", str(path)])
    assert caught.exit_code == 1 and "TT-CHUONGDUONG" in caught.output


def test_public_page_prints_the_heads(books, session, client):
    campaign = session.execute(text("SELECT id FROM campaign")).scalar()
    page = client.get(f"/public/campaigns/{campaign}").get_data(as_text=True)
    heads = parse_anchors(page)
    assert any(code == FUND for code, *_ in heads)


# --- the adversary's tools: the app's own hash functions, applied behind its back ---


def _rehash_entries(session, db_url, fund, bump_first=False):
    session.rollback()
    entries = (
        session.exec(select(Entry).where(Entry.unit_id == fund).order_by(Entry.seq)).scalars().all()
    )
    prev, statements = "", []
    for entry in entries:
        lines = session.exec(
            select(Posting.account_id, Posting.amount, Posting.credit_unit_id).where(
                Posting.entry_id == entry.id
            )
        ).all()
        day = entry.entry_date if not (bump_first and entry.seq == 1) else date(2018, 4, 2)
        digest = entry_hash(
            prev_hash=prev,
            unit_id=fund,
            seq=entry.seq,
            entry_date=day,
            kind=entry.kind,
            reverses_id=entry.reverses_id,
            postings=[tuple(line) for line in lines],
        )
        statements.append(
            f"UPDATE entry SET prev_hash = '{prev}', hash = '{digest}', "
            f"entry_date = '{day}' WHERE id = {entry.id}"
        )
        statements.append(f"UPDATE posting SET entry_date = '{day}' WHERE entry_id = {entry.id}")
        prev = digest
    statements.append(f"UPDATE chainhead SET last_hash = '{prev}' WHERE unit_id = {fund}")
    if bump_first:
        statements.append(
            f"UPDATE receipt SET receipt_date = '2018-04-02' WHERE entry_id = {entries[0].id}"
        )
    _raw(db_url, *statements)
    writer = new_session(get_engine(db_url), write=True)
    rebuild(writer)  # the adversary keeps the rolled-up totals in step with the moved dates
    writer.commit()
    writer.close()


def _reseal_everything(session, db_url):
    session.rollback()
    from ledger.services.seals import SEALED

    current = {kind: digests(session, kind) for kind in SEALED}
    events = (
        session.exec(select(AuditEvent).order_by(AuditEvent.chain_key, AuditEvent.seq))
        .scalars()
        .all()
    )
    heads, statements = {}, []
    for event in events:
        found = current.get(event.object_type, {}).get(event.object_id)
        digest = found[1] if found and event.digest else event.digest
        prev = heads.get(event.chain_key, "")
        row = {
            "user_id": event.user_id,
            "unit_id": event.unit_id,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "before": event.before,
            "after": event.after,
            "digest": digest,
        }
        new = event_hash(
            prev_hash=prev, chain_key=event.chain_key, seq=event.seq, at=event.at, row=row
        )
        statements.append(
            f"UPDATE auditevent SET digest = '{digest}', prev_hash = '{prev}', "
            f"hash = '{new}' WHERE id = {event.id}"
        )
        heads[event.chain_key] = new
    statements += [
        f"UPDATE audithead SET last_hash = '{h}' WHERE chain_key = {k}" for k, h in heads.items()
    ]
    _raw(db_url, *statements)


def test_a_period_report_prints_the_heads_check_reads_back(
    books, session, client, login, runner, db_url, tmp_path
):
    """The period report, like the workbook, prints each fund's heads in full; saved, it is an
    anchor file for ``check --anchors``."""
    login("r.tt")
    campaign, period = session.execute(
        text("SELECT campaign_id, id FROM reportperiod ORDER BY id")
    ).first()
    page = client.get(f"/campaigns/{campaign}/reports/{period}")
    assert page.status_code == 200
    printed = {code: (es, eh) for code, es, eh, _, _ in parse_anchors(page.text)}
    head = session.get(ChainHead, books["fund"])
    assert printed[FUND] == (head.last_seq, head.last_hash)
    saved = tmp_path / "bao-cao.html"
    saved.write_text(page.text, encoding="utf-8")
    clean = runner.invoke(args=["check", "--anchors", str(saved)])
    assert clean.exit_code == 0, clean.output
    _raw(db_url, "DELETE FROM anchor")
    _rehash_entries(session, db_url, books["fund"], bump_first=True)
    _reseal_everything(session, db_url)
    caught = runner.invoke(args=["check", "--anchors", str(saved)])
    assert caught.exit_code == 1 and FUND in caught.output


def test_a_funds_seals_read_its_own_entries_not_the_journal_between_them(session, db_url):
    """A full check digests a batch of funds' receipts with their entries' hashes. When their
    entries lie far apart (a fund's early and late receipts, another fund's written between),
    the hashes are read by id, not as one range from the first to the last: that range is the
    whole journal at national scale, read again for every batch (the first full check of
    10,000,000 receipts on SQLite had not ended after 51 minutes). The digests are the same either way."""
    from sqlalchemy import event

    from ledger.services.receipts import ReceiptInput, record_receipts
    from ledger.services.units import find_unit

    fund, other = find_unit(session, "TT-CHUONGDUONG"), find_unit(session, "TT-DUNGTIEN")

    def receipts(unit_id: int, count: int) -> None:
        items = [
            ReceiptInput(receipt_date=date(2018, 5, 2), amount=10_000 + n, payer_name="Ẩn danh")
            for n in range(count)
        ]
        record_receipts(session, unit_id=unit_id, items=items)

    receipts(fund.id, 300)
    receipts(other.id, 2_000)
    receipts(fund.id, 300)
    session.commit()
    sent: list[tuple[str, object]] = []

    def seen(_conn, _cursor, statement, parameters, *_args):
        if "entry.hash" in statement and "FROM entry" in statement:
            sent.append((statement, parameters))

    engine = get_engine(db_url)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        found = digests(session, "receipt", funds=[fund.id])
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(found) >= 600
    assert sent and not any("BETWEEN" in statement.upper() for statement, _ in sent), sent
    some = sorted(found)[:3] + sorted(found)[-3:]
    assert {k: found[k] for k in some} == digests(session, "receipt", keys=some, funds=[fund.id])
    dense = digests(session, "receipt", funds=[other.id])  # written together: one range
    some = sorted(dense)[:3] + sorted(dense)[-3:]
    assert {k: dense[k] for k in some} == digests(session, "receipt", keys=some, funds=[other.id])
