"""A commune's month at the bank, end to end (issue #16's "How we will check"): a Vietcombank-like
statement of ~300 lines (donor transfers with the descriptions banks print, a deposit of several
receipts in one line, fees, interest, one line booked on another day than the bank's) is
imported, matched, the rest turned into receipts and fees, and reconciled to zero; the receipts
made from the statement add up to exactly the credits the books did not have; importing the
file again adds nothing; a saved reconciliation keeps its matches and ``check`` passes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from ledger.errors import BankReconciledThrough
from ledger.models import BankMatchLine, Receipt, StatementLine
from ledger.services import bank_drafts, bank_matching, bank_reconciliation, statements
from ledger.services.bank_suggestions import suggestions
from ledger.services.check import verify_and_record
from tests.bankworld import make_account
from tests.make_statements import vietcombank_file

FUND = "TT-CHUONGDUONG"
JUNE = date(2018, 6, 1)
NAMES = ("NGUYEN VAN", "TRAN THI", "LE VAN", "PHAM THI", "HOANG VAN", "VU THI")
LETTERS = "ABCDEGHKLMNPQSTUVXY"


def _name(n: int) -> str:
    return f"{NAMES[n % len(NAMES)]} {LETTERS[n % len(LETTERS)]}{LETTERS[n // len(LETTERS) % len(LETTERS)]}"


def _workbook(lines: list[tuple[date, int, str, str]]) -> bytes:
    """The month as Vietcombank exports it (opening balance 0: a new account)."""
    return vietcombank_file(sorted(lines, key=lambda line: line[0]), opening=0, start=JUNE)


@pytest.fixture
def month(session, make_receipt):
    """The books before the statement arrives, and the statement's lines."""
    account = make_account(session, FUND, bank_bin="970436", number="0011004455667")
    lines: list[tuple[date, int, str, str]] = []
    for n in range(100):  # bank receipts the treasurer typed from the donors' slips
        day = JUNE + timedelta(days=n % 28)
        amount = 100_000 + n * 1_000
        make_receipt(
            unit_code=FUND, amount=amount, on=day, method="bank", payer_name=_name(n).title()
        )
        booked_by_bank = day + timedelta(days=2) if n == 7 else day  # one booked 2 days later
        lines.append(
            (
                booked_by_bank,
                amount,
                f"MBVCB.{3359000 + n}.{_name(n)} chuyen tien ung ho quy BTTE",
                f"5243.{n:05d}",
            )
        )
    for amount in (1_000_000, 1_500_000, 2_000_000):  # slips the bank credited as one line
        make_receipt(unit_code=FUND, amount=amount, on=date(2018, 6, 15), method="bank")
    lines.append((date(2018, 6, 15), 4_500_000, "NOP TIEN UNG HO QUY BTTE THON 3", "CK00415"))
    late = make_receipt(unit_code=FUND, amount=777_000, on=date(2018, 6, 30), method="bank")
    not_in_books = 0
    for n in range(190):  # donors nobody told the commune about
        amount = 50_250 + n * 500  # never a receipt's amount: these are not in the books
        not_in_books += amount
        lines.append(
            (
                JUNE + timedelta(days=n % 30),
                amount,
                f"MBVCB.{4400000 + n}.{_name(n + 100)} chuyen tien ung ho quy BTTE",
                f"7788.{n:05d}",
            )
        )
    lines.append((date(2018, 6, 30), 2_345, "Tra lai tien gui thang 06/2018", "INT1806"))
    not_in_books += 2_345
    for day in (5, 15, 25):
        lines.append((date(2018, 6, day), -11_000, "Thu phi dich vu SMS Banking", f"FEE{day}"))
    session.commit()
    return {
        "account": account,
        "file": _workbook(lines),
        "lines": len(lines),
        "credits_not_in_books": not_in_books,
        "late": late,
    }


def _import(session, account, data: bytes):
    preview = statements.preview_statement(
        session, account=account, filename="sao-ke-vcb-062018.xlsx", data=data
    )
    assert not preview.statement.errors
    return statements.import_statement(
        session,
        account=account,
        parsed=preview,
        filename="sao-ke-vcb-062018.xlsx",
        file_hash=preview.file_hash,
    )


def _unmatched(session, account) -> list[StatementLine]:
    matched = select(BankMatchLine.statement_line_id)
    return list(
        session.exec(
            select(StatementLine)
            .where(
                StatementLine.bank_account_id == account.id,
                col(StatementLine.id).not_in(matched),
            )
            .order_by(col(StatementLine.id))
        )
    )


def test_a_month_imports_matches_and_reconciles_to_zero(session, month, make_receipt):
    account = month["account"]
    first = _import(session, account, month["file"])
    assert first.lines_new == month["lines"] >= 295
    assert first.opening_balance == 0

    matched = bank_matching.auto_match(session, account)
    assert matched == 99  # the same amount on the same day, nobody else claiming it
    # the treasurer confirms each remaining suggestion (the line booked 2 days later, the
    # deposit of three slips)
    for found in suggestions(session, account).values():
        if found:
            best = found[0]
            bank_matching.confirm_match(
                session,
                account=account,
                line_ids=list(best.line_ids),
                entry_ids=list(best.entry_ids),
                kind="suggested",
                reason=best.reason_text,
            )
    receipts_before = {r.id for r in session.exec(select(Receipt))}
    for line in _unmatched(session, account):  # what the books did not have
        if line.amount > 0:
            data = bank_drafts.receipt_prefill(session, account, line)
            data.payer_name = data.payer_name or "Nhà hảo tâm chuyển khoản"
            bank_drafts.record_receipt_for_line(
                session, account=account, line_id=line.id, data=data
            )
        else:
            bank_drafts.post_bank_fee(session, account=account, line_id=line.id)
    assert _unmatched(session, account) == []
    made = [r for r in session.exec(select(Receipt)) if r.id not in receipts_before]
    assert sum(r.amount for r in made) == month["credits_not_in_books"]
    assert any(r.source == "interest" for r in made)
    named = [r.payer_name for r in made if r.source == "donation"]
    assert all(named) and "Nguyen Van" in " ".join(named)

    result = bank_reconciliation.reconcile(
        session, account=account, period_from=JUNE, period_to=date(2018, 6, 30)
    )
    assert result.difference == 0
    assert result.in_bank == []
    assert [item.amount for item in result.in_books] == [month["late"].amount]
    assert result.adjusted_bank == result.books_closing
    bank_reconciliation.save_reconciliation(
        session, account=account, result=result, note="", user_id=None
    )
    session.commit()

    again = statements.preview_statement(
        session, account=account, filename="sao-ke-vcb-062018.xlsx", data=month["file"]
    )
    assert again.new == [] and again.known == month["lines"]  # re-import adds nothing

    # the reconciled books stay as saved: a bank receipt dated inside the period is refused,
    # one dated after it is taken
    with pytest.raises(BankReconciledThrough):
        make_receipt(unit_code=FUND, amount=300_000, on=date(2018, 6, 20), method="bank")
    session.rollback()
    assert make_receipt(unit_code=FUND, amount=300_000, on=date(2018, 7, 2), method="bank")
    session.commit()

    # what the saved reconciliation explained stays matched
    some_match = session.exec(select(BankMatchLine.match_id)).first()
    with pytest.raises(bank_reconciliation.PeriodReconciled):
        bank_matching.unmatch(session, account=account, match_id=some_match)
    session.rollback()
    assert verify_and_record(session) == []
