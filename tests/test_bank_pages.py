"""The bank pages: funds and accounts in scope, add/edit/close an account, import a statement
through the preview, and refusals for other funds' accounts, wrong roles and bad files."""

from __future__ import annotations

import io
import re
from datetime import date

from sqlmodel import select

from ledger.models import BankAccount, BankStatement, StatementLine
from ledger.services.units import find_unit

from .bankworld import make_account, make_lines
from .conftest import form_tokens
from .make_statements import vietcombank


def _upload(client, account_id, data, name):
    page = client.get(f"/bank/accounts/{account_id}/import")
    assert page.status_code == 200, page.text
    return client.post(
        f"/bank/accounts/{account_id}/import",
        data={**form_tokens(page.text), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _confirm(client, account_id, preview_html):
    token = re.search(r'name="token" value="([^"]+)"', preview_html).group(1)
    return client.post(
        f"/bank/accounts/{account_id}/import/confirm",
        data={**form_tokens(preview_html), "token": token, "filename": "sao-ke.xlsx"},
    )


def test_index_lists_funds_in_scope_with_accounts_and_unmatched_lines(
    client, login, make_user, session
):
    account = make_account(session)
    make_lines(session, account, [(date(2026, 11, 3), 500_000, "ung ho")], opening=0)
    other = make_account(session, "TT-DUNGTIEN")
    make_user("duyet.cd", "reviewer", "TT-CHUONGDUONG")
    session.commit()
    login("duyet.cd")
    page = client.get("/bank/")
    assert page.status_code == 200
    assert account.account_number in page.text and "03/11/2026" in page.text
    assert other.account_number not in page.text  # another commune's fund
    assert "Thêm tài khoản" not in page.text  # a reviewer reads only


def test_treasurer_imports_through_the_preview_and_a_reimport_adds_nothing(
    client, login, make_user, session
):
    account = make_account(session)
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    session.commit()
    login("thuquy.a")
    preview = _upload(client, account.id, vietcombank(), "sao-ke.xlsx")
    assert preview.status_code == 200, preview.text
    assert 'id="lines-new">30<' in preview.text and "Vietcombank" in preview.text
    assert "25.000.000 đ" in preview.text and 'id="balance-ok"' in preview.text
    done = _confirm(client, account.id, preview.text)
    assert done.status_code == 302
    session.rollback()
    assert session.exec(select(StatementLine)).all().__len__() == 30
    shown = client.get(done.headers["Location"])
    assert "Đã ghi 30 dòng mới" in shown.text and "chưa khớp" in shown.text
    again = _upload(client, account.id, vietcombank(), "sao-ke.xlsx")
    assert 'id="lines-new">0<' in again.text and 'id="nothing-new"' in again.text
    assert re.search(r"<button[^>]*disabled[^>]*>Ghi<", again.text)


def test_lines_are_paged(client, login, make_user, session):
    account = make_account(session)
    make_lines(
        session,
        account,
        [(date(2026, 1, 1 + n % 28), 1_000 + n, f"dong {n}") for n in range(120)],
    )
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    session.commit()
    login("thuquy.a")
    first = client.get(f"/bank/accounts/{account.id}")
    assert first.text.count('class="unmatched"') == 50 and "Trang 1/3" in first.text
    third = client.get(f"/bank/accounts/{account.id}?page=3")
    assert third.text.count('class="unmatched"') == 20


def test_a_balance_mismatch_and_bad_rows_are_shown(client, login, make_user, session):
    account = make_account(session)
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    session.commit()
    login("thuquy.a")
    data = (
        "Số dư đầu kỳ: 1.000.000\n"
        "Ngày,Nội dung,Ghi nợ,Ghi có,Số dư\n"
        "01/12/2026,a,,100.000,1.100.000\n"
        "02/12/2026,b,,50.000,1.160.000\n"
    ).encode()
    page = _upload(client, account.id, data, "s.csv")
    assert 'id="balance-mismatch"' in page.text and "1.150.000 đ" in page.text
    bad = _upload(client, account.id, b'Ngay,Noi dung,So tien\n01/12/2026,x,"1,5"\n', "b.csv")
    assert "statement-errors" in bad.text and "số nguyên đồng" in bad.text
    assert re.search(r"<button[^>]*disabled[^>]*>Ghi<", bad.text)


def test_hostile_files_get_a_message_not_a_500(client, login, make_user, session):
    account = make_account(session)
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    session.commit()
    login("thuquy.a")
    for data, name in ((b"not a zip", "s.xlsx"), (b"", "s.xlsx"), (b"%PDF", "s.pdf")):
        page = _upload(client, account.id, data, name)
        assert page.status_code == 400, page.text
        assert "Tệp không được nhận" in page.text


def test_unknown_columns_are_picked_once_and_remembered(client, login, make_user, session):
    account = make_account(session)
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    session.commit()
    login("thuquy.a")
    data = "Thời điểm,Thông tin,Vào,Ra\n01/12/2026,ung ho,100.000,\n".encode()
    page = _upload(client, account.id, data, "m.csv")
    assert 'id="column-map"' in page.text
    token = re.search(r'name="token"[^>]*value="([^"]+)"', page.text).group(1)
    mapped = client.post(
        f"/bank/accounts/{account.id}/import/columns",
        data={
            **form_tokens(page.text),
            "token": token,
            "date": "Thời điểm",
            "description": "Thông tin",
            "credit": "Vào",
            "debit": "Ra",
        },
    )
    assert mapped.status_code == 302
    preview = client.get(mapped.headers["Location"])
    assert 'id="lines-new">1<' in preview.text
    session.rollback()
    session.refresh(account)
    assert "Thời điểm" in account.column_map


def test_another_funds_account_is_404_and_a_reviewer_cannot_import(
    client, login, make_user, session
):
    mine = make_account(session)
    other = make_account(session, "TT-DUNGTIEN")
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    make_user("duyet.cd", "reviewer", "TT-CHUONGDUONG")
    session.commit()
    login("thuquy.a")
    for url in (
        f"/bank/accounts/{other.id}",
        f"/bank/accounts/{other.id}/import",
        f"/bank/accounts/{other.id}/edit",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/bank/new?unit={find_unit(session, 'TT-DUNGTIEN').id}").status_code == 404
    client.get("/auth/logout")
    login("duyet.cd")
    assert client.get(f"/bank/accounts/{mine.id}").status_code == 200
    assert client.get(f"/bank/accounts/{mine.id}/import").status_code == 403
    tokens = form_tokens(client.get(f"/bank/accounts/{mine.id}").text)
    posted = client.post(
        f"/bank/accounts/{mine.id}/import/confirm", data={**tokens, "token": "0" * 64 + ".csv"}
    )
    assert posted.status_code == 403
    assert client.get("/bank/new").status_code == 403
    assert session.exec(select(BankStatement)).first() is None


def test_treasurer_adds_edits_makes_primary_and_closes_accounts(
    client, login, make_user, submit, session
):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    fund = find_unit(session, "TT-CHUONGDUONG")
    login("thuquy.a")
    first = submit(
        f"/bank/new?unit={fund.id}",
        {"bank_bin": "970405", "account_number": "2200 1234 5678", "opened_on": "01/01/2020"},
    )
    assert first.status_code == 302
    taken = submit(
        f"/bank/new?unit={fund.id}",
        {"bank_bin": "970405", "account_number": "220012345678", "opened_on": "01/01/2020"},
    )
    assert taken.status_code == 400 and "đã được khai báo" in taken.text
    second = submit(
        f"/bank/new?unit={fund.id}",
        {"bank_bin": "970436", "account_number": "0011009988", "opened_on": "01/01/2024"},
    )
    session.rollback()
    a, b = session.exec(select(BankAccount).order_by(BankAccount.id)).all()
    assert a.is_primary and not b.is_primary
    edited = submit(
        f"/bank/accounts/{b.id}/edit",
        {"branch": "PGD Thường Tín", "holder_name": "QUY BTTE", "opened_on": "02/01/2024"},
    )
    assert edited.status_code == 302
    refused = submit(
        f"/bank/accounts/{a.id}/edit", {"closed_on": "01/12/2026"}, f"/bank/accounts/{a.id}/close"
    )
    assert refused.status_code == 400 and "tài khoản chính" in refused.text
    assert (
        submit(f"/bank/accounts/{b.id}/edit", {}, f"/bank/accounts/{b.id}/primary").status_code
        == 302
    )
    closed = submit(
        f"/bank/accounts/{a.id}/edit", {"closed_on": "01/12/2026"}, f"/bank/accounts/{a.id}/close"
    )
    assert closed.status_code == 302
    session.rollback()
    a, b = session.get(BankAccount, a.id), session.get(BankAccount, b.id)
    assert b.is_primary and not a.is_primary and a.closed_on == date(2026, 12, 1)
    assert b.branch == "PGD Thường Tín" and second.status_code == 302
    assert client.get(f"/bank/accounts/{a.id}/import").status_code == 302  # closed: no import


RECEIPT = {
    "receipt_date": "15/05/2018",
    "amount": "1.050.000",
    "method": "bank",
    "source": "donation",
    "payer_name": "Nguyễn Văn Bình",
    "new_donor": "y",  # a new donor, not one picked from the list
    "donor_kind": "individual",
    "payer_address": "Thôn Đông",
    "reason": "Ủng hộ Quỹ",
    "attachments": "0",
}


def test_a_bank_receipt_names_one_of_the_funds_accounts(client, login, make_user, submit, session):
    from ledger.models import Receipt

    first = make_account(session)
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    session.commit()
    login("thuquy.a")
    assert 'name="bank_account_id"' not in client.get("/receipts/new").text  # one account
    second = make_account(session, bank_bin="970436", number="0011009988")
    other = make_account(session, "TT-DUNGTIEN")
    session.commit()
    form = client.get("/receipts/new").text
    assert 'name="bank_account_id"' in form and "Vietcombank 0011009988" in form
    fund_id = str(first.unit_id)
    refused = submit(
        "/receipts/new", {**RECEIPT, "credit_unit_id": fund_id, "bank_account_id": str(other.id)}
    )
    assert refused.status_code == 400 and "không thuộc quỹ" in refused.text
    assert "Tài khoản ngân hàng: Tài khoản ngân hàng này không thuộc quỹ" in refused.text
    done = submit(
        "/receipts/new", {**RECEIPT, "credit_unit_id": fund_id, "bank_account_id": str(second.id)}
    )
    assert done.status_code == 302
    session.rollback()
    (receipt,) = session.exec(select(Receipt)).all()
    assert receipt.bank_account_id == second.id


def test_payouts_and_transfers_name_their_account_and_refuse_another_funds(session):
    import pytest

    from ledger.services.bank_accounts import AccountOfAnotherFund
    from ledger.services.disbursements import DisbursementInput, draft_disbursement
    from ledger.services.receipts import ReceiptInput, record_receipt
    from ledger.services.transfers import receive_transfer, send_transfer

    first = make_account(session)
    second = make_account(session, bank_bin="970436", number="0011009988")
    other = make_account(session, "TT-DUNGTIEN")
    fund = find_unit(session, "TT-CHUONGDUONG")
    record_receipt(
        session,
        unit_id=fund.id,
        data=ReceiptInput(
            receipt_date=date(2018, 3, 1), amount=5_000_000, method="bank", payer_name="A"
        ),
    )
    draft = draft_disbursement(
        session,
        unit_id=fund.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 3, 2),
            category_id=1,
            payee_name="B",
            amount=100_000,
            reason="x",
            method="bank",
            bank_account_id=second.id,
        ),
    )
    assert draft.bank_account_id == second.id
    cash = draft_disbursement(
        session,
        unit_id=fund.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 3, 2),
            category_id=1,
            payee_name="B",
            amount=100_000,
            reason="x",
            method="cash",
            bank_account_id=second.id,
        ),
    )
    assert cash.bank_account_id is None  # cash names no bank account
    with pytest.raises(AccountOfAnotherFund):
        send_transfer(
            session,
            from_unit_id=fund.id,
            to_unit_id=fund.id,
            amount=1_000,
            on=date(2018, 3, 3),
            from_method="bank",
            to_method="cash",
            from_bank_account_id=other.id,
        )
    moved = send_transfer(
        session,
        from_unit_id=fund.id,
        to_unit_id=find_unit(session, "TT").id,
        amount=1_000,
        on=date(2018, 3, 3),
        from_bank_account_id=second.id,
        to_bank_account_id=other.id,  # ignored: the receiver names its own on confirming
    )
    assert (moved.from_bank_account_id, moved.to_bank_account_id) == (second.id, None)
    with pytest.raises(AccountOfAnotherFund):
        receive_transfer(
            session,
            transfer_id=moved.id,
            amount=1_000,
            on=date(2018, 3, 3),
            to_bank_account_id=first.id,
        )
