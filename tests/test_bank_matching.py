"""Matching a month's statement of a commune's account to its books: suggestions with their
reasons, one-to-many and many-to-one, auto-match only the undisputed, refusals, and the lines
the books lack turned into receipts, fees and draft payouts."""

from datetime import date

import pytest
from sqlmodel import select

from ledger.models import (
    AuditEvent,
    BankMatch,
    BankMatchEntry,
    Category,
    Receipt,
    StatementLine,
)
from ledger.services.bank_book import bank_movements, unmatched_lines
from ledger.services.bank_drafts import (
    FEE_CATEGORY,
    LineRefused,
    disbursement_prefill,
    draft_payout_for_line,
    parse_description,
    post_bank_fee,
    receipt_prefill,
    record_qr_donation,
    record_receipt_for_line,
    sender_name,
)
from ledger.services.bank_matching import (
    MatchRefused,
    auto_match,
    confirm_match,
    matches_of,
    reject_suggestion,
    unmatch,
)
from ledger.services.bank_suggestions import subset_sum, suggestions
from ledger.services.check import check_books
from ledger.services.costs import management_costs
from ledger.services.disbursements import (
    DisbursementInput,
    approve_disbursement,
    draft_disbursement,
    pay_disbursement,
)
from ledger.services.donors import create_donor
from ledger.services.locks import lock_period
from ledger.services.transfers import send_transfer
from ledger.services.units import find_unit
from ledger.vietqr import donation_reference

from .bankworld import make_account, make_lines

D = date


def _user(session, make_user, role, code):
    return make_user(f"{role}-{code}".lower(), role, code)


DONORS = [
    ("Nguyễn Văn Bình", "NGUYEN VAN BINH"),
    ("Trần Thị Hoa", "TRAN THI HOA"),
    ("Lê Văn Cường", "LE VAN CUONG"),
    ("Phạm Thị Dung", "PHAM THI DUNG"),
    ("Hoàng Văn Em", "HOANG VAN EM"),
    ("Vũ Thị Phương", "VU THI PHUONG"),
    ("Đặng Văn Giang", "DANG VAN GIANG"),
    ("Bùi Thị Hạnh", "BUI THI HANH"),
    ("Đỗ Văn Khánh", "DO VAN KHANH"),
    ("Ngô Thị Lan", "NGO THI LAN"),
    ("Dương Văn Minh", "DUONG VAN MINH"),
    ("Lý Thị Nga", "LY THI NGA"),
    ("Trịnh Văn Oanh", "TRINH VAN OANH"),
    ("Mai Thị Phúc", "MAI THI PHUC"),
    ("Cao Văn Quang", "CAO VAN QUANG"),
    ("Lương Thị Rạng", "LUONG THI RANG"),
    ("Đinh Văn Sơn", "DINH VAN SON"),
    ("Tạ Thị Tâm", "TA THI TAM"),
    ("Hồ Văn Uy", "HO VAN UY"),
    ("Kiều Thị Vân", "KIEU THI VAN"),
]
PREFIXES = [
    "MBVCB.{n}.{name} chuyen tien ung ho quy BTTE",
    "IBFT {name} CK ung ho",
    "{name} ung ho",
]


@pytest.fixture
def month(session, make_receipt, make_user):
    """March 2018 of Chương Dương: ~40 statement lines against its books."""
    fund = find_unit(session, "TT-CHUONGDUONG")
    treasurer = _user(session, make_user, "treasurer", "TT-CHUONGDUONG")
    reviewer = _user(session, make_user, "reviewer", "TT")
    account = make_account(session)
    lines, receipts = [], {}
    make_receipt(amount=10_000_000, on=D(2018, 3, 1), payer_name="Quỹ tiền mặt đầu kỳ")
    for i, (name, upper) in enumerate(DONORS):
        on, amount = D(2018, 3, 2 + i % 20), 100_000 * (i + 3) + 7_000
        receipts[upper] = make_receipt(
            amount=amount, on=on, payer_name=name, method="bank", reason="Ủng hộ quỹ"
        )
        text = PREFIXES[i % 3].format(n=900_100 + i, name=upper)
        lines.append((on, amount, text, f"FT{900_100 + i}"))
    # one donation the bank booked two days after the receipt's date
    late = make_receipt(amount=1_234_000, on=D(2018, 3, 5), payer_name="Chu Văn Tài", method="bank")
    lines.append((D(2018, 3, 7), 1_234_000, "CHU VAN TAI chuyen tien", "FT777"))
    # three deposits of cash, one line on the bank's side
    deposits = [
        send_transfer(
            session,
            from_unit_id=fund.id,
            to_unit_id=fund.id,
            amount=amount,
            on=D(2018, 3, 10),
            from_method="cash",
            to_method="bank",
        )
        for amount in (1_200_000, 800_000, 500_000)
    ]
    lines.append((D(2018, 3, 11), 2_500_000, "NOP TIEN MAT VAO TAI KHOAN", "FT888"))
    # a payout the bank split in two lines
    category = session.exec(select(Category).where(Category.code == "heart_surgery")).one()
    payout = draft_disbursement(
        session,
        unit_id=fund.id,
        user_id=treasurer.id,
        data=DisbursementInput(
            disbursement_date=D(2018, 3, 15),
            category_id=category.id,
            payee_name="Bệnh viện Tim Hà Nội",
            amount=3_000_000,
            method="bank",
        ),
    )
    approve_disbursement(
        session,
        disbursement_id=payout.id,
        user_id=reviewer.id,
        role="reviewer",
        user_unit_id=reviewer.unit_id,
    )
    pay_disbursement(session, disbursement_id=payout.id, on=D(2018, 3, 15), user_id=treasurer.id)
    lines += [
        (D(2018, 3, 15), -2_000_000, "CHUYEN TIEN BENH VIEN TIM HA NOI (1/2)", "FT901"),
        (D(2018, 3, 16), -1_000_000, "CHUYEN TIEN BENH VIEN TIM HA NOI (2/2)", "FT902"),
    ]
    # two identical receipts on one day, one line: ambiguous
    twins = [
        make_receipt(amount=150_000, on=D(2018, 3, 20), payer_name=n, method="bank")
        for n in ("Ông Một", "Bà Hai")
    ]
    lines.append((D(2018, 3, 20), 150_000, "UNG HO QUY", "FT950"))
    # what the books lack: fees, interest, unknown donors, a VietQR donation, a refund paid out
    qr = donation_reference(fund.id)
    lines += [
        (D(2018, 3, 25), -11_000, "Phi SMS Banking thang 03", "FT960"),
        (D(2018, 3, 31), -22_000, "Thu phi quan ly tai khoan", "FT961"),
        (D(2018, 3, 31), 12_345, "Tra lai tien gui thang 03/2018", "FT962"),
        (D(2018, 3, 21), 200_000, "IBFT NGUYEN THI BE CK ung ho", "FT970"),
        (D(2018, 3, 22), 300_000, "MBVCB.555111.TRAN VAN CHI chuyen tien ung ho quy BTTE", "FT971"),
        (D(2018, 3, 23), 400_000, f"PHAN VAN DUC {qr} ung ho", "FT972"),
        (D(2018, 3, 26), -450_000, "CHUYEN KHOAN LE THI EM hoan tien", "FT973"),
    ]
    statement = make_lines(session, account, lines, opening=0)
    session.flush()
    by_ref = {
        line.bank_ref: line
        for line in session.exec(
            select(StatementLine).where(StatementLine.statement_id == statement.id)
        )
    }
    return {
        "fund": fund,
        "account": account,
        "treasurer": treasurer,
        "reviewer": reviewer,
        "receipts": receipts,
        "late": late,
        "deposits": deposits,
        "payout": payout,
        "twins": twins,
        "lines": by_ref,
        "qr": qr,
    }


def test_the_books_bank_side_is_signed_like_the_statement(session, month):
    found = {m.entry_id: m for m in bank_movements(session, month["account"])}
    receipt = month["receipts"]["NGUYEN VAN BINH"]
    assert found[receipt.entry_id].amount == receipt.amount
    assert found[receipt.entry_id].voucher == f"{receipt.number}/2018"
    assert found[receipt.entry_id].party == "Nguyễn Văn Bình"
    assert found[month["payout"].entry_id].amount == -3_000_000
    assert found[month["deposits"][0].sent_entry_id].amount == 1_200_000
    cash_only = [m for m in found.values() if m.party == "Quỹ tiền mặt đầu kỳ"]
    assert cash_only == []  # a cash receipt never touched the bank


def test_suggestions_rank_and_explain(session, month):
    lines, found = month["lines"], suggestions(session, month["account"])
    top = found[lines["FT900100"].id][0]
    assert top.entry_ids == (month["receipts"]["NGUYEN VAN BINH"].entry_id,)
    assert top.reason_text == "cùng số tiền; cùng ngày; tên người nộp NGUYEN VAN BINH trùng"
    late = found[lines["FT777"].id][0]
    assert late.entry_ids == (month["late"].entry_id,)
    assert "cách 2 ngày" in late.reason_text
    assert top.score > late.score


def test_one_to_many_and_many_to_one(session, month):
    lines, found = month["lines"], suggestions(session, month["account"])
    deposit = found[lines["FT888"].id][0]
    assert sorted(deposit.entry_ids) == sorted(t.sent_entry_id for t in month["deposits"])
    assert deposit.reason_text.startswith("tổng 3 bút toán bằng số tiền")
    split = found[lines["FT901"].id][0]
    assert split.line_ids == tuple(sorted((lines["FT901"].id, lines["FT902"].id)))
    assert split.entry_ids == (month["payout"].entry_id,)
    confirm_match(
        session,
        account=month["account"],
        line_ids=split.line_ids,
        entry_ids=split.entry_ids,
        reason=split.reason_text,
    )
    confirm_match(
        session, account=month["account"], line_ids=deposit.line_ids, entry_ids=deposit.entry_ids
    )
    left = {line.id for line in unmatched_lines(session, month["account"])}
    assert not left & {lines["FT901"].id, lines["FT902"].id, lines["FT888"].id}


def test_subset_sum_is_bounded():
    amounts = [5, 3, 2, 7]
    found = subset_sum(amounts, 10, minimum=2)
    assert found is not None and len(found) == 2 and sum(amounts[i] for i in found) == 10
    assert subset_sum(amounts, 17, minimum=2) == (0, 1, 2, 3)
    assert subset_sum(amounts, 4, minimum=2) is None
    assert subset_sum([1] * 40, 7, minimum=2) is None  # more than six parts: not searched
    assert subset_sum([999_983 * k for k in range(1, 21)], 1, minimum=2) is None


def test_auto_match_confirms_only_the_undisputed(session, month):
    account, lines = month["account"], month["lines"]
    matched = auto_match(session, account, user_id=month["treasurer"].id)
    assert matched == 20  # the donors on their day; not the late one, the deposit, the twins
    left = {line.bank_ref for line in unmatched_lines(session, account)}
    assert {"FT777", "FT888", "FT950", "FT901", "FT902"} <= left
    assert not any(f"FT{900_100 + i}" in left for i in range(20))
    twins = suggestions(session, account)[lines["FT950"].id]
    assert len(twins) == 2
    assert session.exec(select(BankMatch)).all()[0].kind == "suggested"
    assert auto_match(session, account) == 0


def test_a_rejected_suggestion_is_not_offered_again(session, month):
    account, line = month["account"], month["lines"]["FT777"]
    first = suggestions(session, account)[line.id][0]
    reject_suggestion(
        session, account=account, line_ids=[line.id], entry_ids=first.entry_ids, user_id=None
    )
    again = suggestions(session, account)[line.id]
    assert first.entry_ids not in [s.entry_ids for s in again]


def test_confirm_refuses_each_rule(session, month, make_receipt):
    account, lines = month["account"], month["lines"]
    binh = month["receipts"]["NGUYEN VAN BINH"]
    with pytest.raises(MatchRefused) as refused:
        confirm_match(
            session, account=account, line_ids=[lines["FT777"].id], entry_ids=[binh.entry_id]
        )
    assert refused.value.reason == "sums_differ"
    assert "1.234.000" in str(refused.value)
    confirm_match(
        session, account=account, line_ids=[lines["FT900100"].id], entry_ids=[binh.entry_id]
    )
    with pytest.raises(MatchRefused) as refused:
        confirm_match(
            session, account=account, line_ids=[lines["FT900100"].id], entry_ids=[binh.entry_id]
        )
    assert refused.value.reason == "line_matched"
    with pytest.raises(MatchRefused) as refused:
        confirm_match(
            session, account=account, line_ids=[lines["FT900101"].id], entry_ids=[binh.entry_id]
        )
    assert refused.value.reason == "entry_matched"
    other = make_receipt("TT-HAHOI", amount=807_000 - 400_000, on=D(2018, 3, 2), method="bank")
    with pytest.raises(MatchRefused) as refused:
        confirm_match(
            session, account=account, line_ids=[lines["FT900101"].id], entry_ids=[other.entry_id]
        )
    assert refused.value.reason == "entry_elsewhere"
    cash = make_receipt(amount=11_000, on=D(2018, 3, 25))
    with pytest.raises(MatchRefused) as refused:
        confirm_match(
            session, account=account, line_ids=[lines["FT960"].id], entry_ids=[cash.entry_id]
        )
    assert refused.value.reason == "entry_not_bank"
    foreign = make_account(session, "TT-HAHOI")
    with pytest.raises(MatchRefused) as refused:
        confirm_match(
            session, account=foreign, line_ids=[lines["FT960"].id], entry_ids=[cash.entry_id]
        )
    assert refused.value.reason == "line_elsewhere"
    assert session.exec(select(BankMatchEntry)).all()[0].entry_id == binh.entry_id


def test_unmatch_undoes_and_respects_locks(session, month):
    account, line = month["account"], month["lines"]["FT900100"]
    binh = month["receipts"]["NGUYEN VAN BINH"]
    match = confirm_match(session, account=account, line_ids=[line.id], entry_ids=[binh.entry_id])
    unmatch(session, account=account, match_id=match.id)
    assert line.id in {x.id for x in unmatched_lines(session, account)}
    match = confirm_match(session, account=account, line_ids=[line.id], entry_ids=[binh.entry_id])
    lock_period(
        session, unit_id=month["fund"].id, through=D(2018, 3, 31), user_id=month["treasurer"].id
    )
    with pytest.raises(MatchRefused) as refused:
        unmatch(session, account=account, match_id=match.id)
    assert refused.value.reason == "locked"
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.action.like("bank_match%")))
    assert list(actions) == ["bank_match.confirm", "bank_match.undo", "bank_match.confirm"]


def test_descriptions_give_the_sender():
    assert sender_name("MBVCB.123456.NGUYEN VAN A chuyen tien ung ho quy BTTE") == "Nguyen Van A"
    assert sender_name("IBFT NGUYEN THI B CK ung ho") == "Nguyen Thi B"
    assert sender_name("TKThe :0011002233, tai Vietcombank. NGUYEN VAN C chuyen tien") == (
        "Nguyen Van C"
    )
    assert sender_name("REM Tfr Ac: 12345678 TRAN VAN D ung ho tre em") == "Tran Van D"
    assert sender_name("Phi SMS Banking") == ""
    assert parse_description("Tra lai tien gui thang 03").interest
    assert parse_description("Thu phi quan ly tai khoan").fee
    assert not parse_description("NGUYEN VAN A ung ho").fee


def test_unmatched_credits_become_receipts_totalling_them(session, month):
    account = month["account"]
    auto_match(session, account)
    done: set[int] = set()
    for s in suggestions(session, account).values():
        if s and set(s[0].line_ids).isdisjoint(done) and s[0].reason_text != "":
            if s[0].one_to_one and "cách" not in s[0].reason_text:
                continue  # the twins: the treasurer picks one below
            confirm_match(
                session, account=account, line_ids=s[0].line_ids, entry_ids=s[0].entry_ids
            )
            done.update(s[0].line_ids)
    twins = month["lines"]["FT950"]
    confirm_match(
        session, account=account, line_ids=[twins.id], entry_ids=[month["twins"][0].entry_id]
    )
    credits = [line for line in unmatched_lines(session, account) if line.amount > 0]
    assert {line.bank_ref for line in credits} == {"FT962", "FT970", "FT971", "FT972"}
    made = []
    for line in credits:
        data = receipt_prefill(session, account, line)
        made.append(record_receipt_for_line(session, account=account, line_id=line.id, data=data))
    assert sum(r.amount for r in made) == sum(line.amount for line in credits)
    by_ref = {r.reference: r for r in made}
    assert by_ref["FT970"].payer_name == "Nguyen Thi Be"
    assert by_ref["FT971"].reason.startswith("MBVCB.555111.TRAN VAN CHI")
    assert by_ref["FT962"].source == "interest"
    assert all(r.method == "bank" for r in made)
    assert [x for x in unmatched_lines(session, account) if x.amount > 0] == []
    assert check_books(session) == []


def test_a_receipt_of_another_amount_is_not_kept(session, month):
    account, line = month["account"], month["lines"]["FT970"]
    data = receipt_prefill(session, account, line)
    data.amount = 199_000
    before = session.exec(select(Receipt)).all()
    savepoint = session.begin_nested()
    with pytest.raises(MatchRefused):
        record_receipt_for_line(session, account=account, line_id=line.id, data=data)
    savepoint.rollback()
    assert len(session.exec(select(Receipt)).all()) == len(before)
    with pytest.raises(LineRefused):
        receipt_prefill(session, account, month["lines"]["FT960"])


def test_a_vietqr_donation_is_one_confirmation(session, month):
    account, line = month["account"], month["lines"]["FT972"]
    offered = suggestions(session, account)[line.id]
    assert offered == []  # nothing in the books yet
    receipt = record_qr_donation(session, account=account, line_id=line.id)
    assert receipt.amount == 400_000 and receipt.credit_unit_id == month["fund"].id
    assert receipt.payer_name == "Phan Van Duc"
    [view] = matches_of(session, account)
    assert view.match.reason == f"Mã ủng hộ QR: {month['qr']}"
    with pytest.raises(LineRefused):
        record_qr_donation(session, account=account, line_id=month["lines"]["FT970"].id)


def test_a_vietqr_reference_names_the_campaign(session, month):
    from ledger.models import Campaign

    district = find_unit(session, "TT")
    campaign = session.exec(select(Campaign).where(Campaign.unit_id == district.id)).first()
    ref = donation_reference(month["fund"].id, campaign.id)
    [line] = list(
        session.exec(
            select(StatementLine).where(
                StatementLine.statement_id
                == make_lines(session, month["account"], [(D(2018, 4, 2), 90_000, ref)]).id
            )
        )
    )
    data = receipt_prefill(session, month["account"], line)
    assert data.purpose == campaign.name and data.credit_unit_id == month["fund"].id


def test_a_fee_posts_to_management_costs_and_matches(session, month):
    account, line = month["account"], month["lines"]["FT960"]
    before = management_costs(session, unit_id=month["fund"].id, year=2018)
    entry = post_bank_fee(session, account=account, line_id=line.id)
    assert entry.kind == "bank_fee"
    after = management_costs(session, unit_id=month["fund"].id, year=2018)
    assert after.spent - before.spent == 11_000
    assert FEE_CATEGORY == "mgmt_admin"
    assert line.id not in {x.id for x in unmatched_lines(session, account)}
    with pytest.raises(LineRefused):
        post_bank_fee(session, account=account, line_id=line.id)
    with pytest.raises(LineRefused):
        post_bank_fee(session, account=account, line_id=month["lines"]["FT970"].id)
    assert check_books(session) == []
    [view] = matches_of(session, account)
    unmatch(session, account=account, match_id=view.match.id)
    with pytest.raises(LineRefused) as refused:  # never a second fee for one line
        post_bank_fee(session, account=account, line_id=line.id)
    assert refused.value.reason == "fee_posted"
    assert suggestions(session, account)[line.id][0].entry_ids == (entry.id,)
    assert check_books(session) == []


def test_a_debit_becomes_a_draft_payout_matched_when_paid(session, month):
    account, line = month["account"], month["lines"]["FT973"]
    category = session.exec(select(Category).where(Category.code == "emergency_aid")).one()
    data = disbursement_prefill(line, category.id)
    assert data.payee_name == "Le Thi Em" and data.amount == 450_000 and data.method == "bank"
    item = draft_payout_for_line(
        session, account=account, line_id=line.id, data=data, user_id=month["treasurer"].id
    )
    assert item.status == "draft" and item.entry_id is None
    approve_disbursement(
        session,
        disbursement_id=item.id,
        user_id=month["reviewer"].id,
        role="reviewer",
        user_unit_id=month["reviewer"].unit_id,
    )
    pay_disbursement(session, disbursement_id=item.id, on=D(2018, 3, 26))
    [top] = suggestions(session, account)[line.id][:1]
    assert top.entry_ids == (item.entry_id,)
    assert "cùng ngày" in top.reason_text


# --- the pages ----------------------------------------------------------------------------


@pytest.fixture
def web(session, month):
    session.commit()
    return month


def _page(client, account, **args):
    response = client.get(f"/bank/accounts/{account.id}/match", query_string=args)
    assert response.status_code == 200, response.text
    return response


def test_page_lists_suggestions_and_a_treasurer_confirms(client, login, submit, session, web):
    account, lines = web["account"], web["lines"]
    login("treasurer-tt-chuongduong")
    page = _page(client, account)
    assert "Chưa nhập ngày" not in page.text  # the filters are optional
    assert "tên người nộp NGUYEN VAN BINH trùng" in page.text
    assert "Mã ủng hộ QR: " + web["qr"] in page.text
    binh = web["receipts"]["NGUYEN VAN BINH"]
    response = submit(
        f"/bank/accounts/{account.id}/match",
        {"line_ids": str(lines["FT900100"].id), "entry_ids": str(binh.entry_id), "reason": "x"},
        post_url=f"/bank/accounts/{account.id}/match/confirm",
    )
    assert response.status_code == 302
    session.rollback()
    [view] = matches_of(session, account)
    assert [line.id for line in view.lines] == [lines["FT900100"].id]
    matched = _page(client, account, state="matched")
    assert "Bỏ khớp" in matched.text and "NGUYEN VAN BINH" in matched.text
    refused = submit(
        f"/bank/accounts/{account.id}/match",
        {"line_ids": str(lines["FT777"].id), "entry_ids": str(binh.entry_id)},
        post_url=f"/bank/accounts/{account.id}/match/confirm",
        follow_redirects=True,
    )
    assert "đã được khớp" in refused.text
    auto = submit(
        f"/bank/accounts/{account.id}/match",
        {},
        post_url=f"/bank/accounts/{account.id}/match/auto",
        follow_redirects=True,
    )
    assert "Đã tự động khớp 19 dòng." in auto.text
    client.get("/lang/en")
    english = _page(client, account)
    assert "Match the statement to the books" in english.text
    assert "same amount; 2 days apart" in english.text  # the late donation's reasons


def test_manual_match_shows_the_difference_then_confirms(client, login, session, web):
    from .conftest import form_tokens

    account, lines = web["account"], web["lines"]
    login("treasurer-tt-chuongduong")
    url = f"/bank/accounts/{account.id}/match/manual"
    page = client.get(url, query_string={"line": lines["FT888"].id})
    assert page.status_code == 200
    entries = [str(t.sent_entry_id) for t in web["deposits"][:2]]
    data = {**form_tokens(page.text), "line": str(lines["FT888"].id), "entry": entries}
    checked = client.post(url, data={**data, "check": "1"})
    assert "−500.000 đ" in checked.text or "+500.000 đ" in checked.text
    refused = client.post(url, data={**data, "confirm": "1"})
    assert "khác tổng các bút toán" in refused.text
    data["entry"] = [*entries, str(web["deposits"][2].sent_entry_id)]
    done = client.post(url, data={**form_tokens(refused.text), **data, "confirm": "1"})
    assert done.status_code == 302
    session.rollback()
    assert lines["FT888"].id not in {x.id for x in unmatched_lines(session, account)}
    ranged = client.get(url, query_string={"date_from": "01/03/2018", "date_to": "03/03/2018"})
    assert "NGUYEN VAN BINH" in ranged.text and "TRAN VAN CHI" not in ranged.text


def test_a_credit_line_becomes_a_receipt_from_the_form(client, login, submit, session, web):
    account, line = web["account"], web["lines"]["FT971"]
    login("treasurer-tt-chuongduong")
    url = f"/bank/accounts/{account.id}/lines/{line.id}/receipt"
    page = client.get(url)
    assert 'value="Tran Van Chi"' in page.text and "300.000" in page.text
    response = submit(
        url,
        {
            "receipt_date": "22/03/2018",
            "amount": "300.000",
            "method": "bank",
            "source": "donation",
            "payer_name": "Trần Văn Chi",
            "donor_kind": "individual",
            "credit_unit_id": str(web["fund"].id),
            "reason": line.description,
        },
    )
    assert response.status_code == 302, response.text
    session.rollback()
    made = session.exec(select(Receipt).where(Receipt.payer_name == "Trần Văn Chi")).one()
    assert made.reference == "FT971" and made.method == "bank"
    assert line.id not in {x.id for x in unmatched_lines(session, account)}
    again = client.get(url, follow_redirects=True)
    assert "Dòng sao kê này đã được khớp với sổ sách." in again.text
    wrong = submit(
        f"/bank/accounts/{account.id}/lines/{web['lines']['FT970'].id}/receipt",
        {
            "receipt_date": "21/03/2018",
            "amount": "150.000",
            "method": "bank",
            "source": "donation",
            "payer_name": "Nguyễn Thị Bé",
            "donor_kind": "individual",
            "credit_unit_id": str(web["fund"].id),
            "reason": "x",
        },
    )
    assert wrong.status_code == 400 and "khác tổng các bút toán" in wrong.text
    assert 'value="Nguyễn Thị Bé"' in wrong.text


def test_a_sender_who_gave_before_is_the_same_donor(client, login, submit, session, web):
    account, line = web["account"], web["lines"]["FT971"]
    fund = web["fund"]
    login("treasurer-tt-chuongduong")
    before = create_donor(session, unit_id=fund.id, name="Trần Văn Chi")
    session.commit()
    response = submit(
        f"/bank/accounts/{account.id}/lines/{line.id}/receipt",
        {
            "receipt_date": "22/03/2018",
            "amount": "300.000",
            "method": "bank",
            "source": "donation",
            "payer_name": "tran van chi",
            "donor_kind": "individual",
            "credit_unit_id": str(fund.id),
            "reason": line.description,
        },
    )
    assert response.status_code == 302, response.text
    session.rollback()
    made = session.exec(select(Receipt).where(Receipt.reference == "FT971")).one()
    assert made.donor_id == before.id and made.payer_name == "tran van chi"


def test_qr_and_fee_after_a_confirm_page(client, login, submit, session, web):
    account, lines = web["account"], web["lines"]
    login("treasurer-tt-chuongduong")
    qr_url = f"/bank/accounts/{account.id}/lines/{lines['FT972'].id}/qr"
    shown = client.get(qr_url)
    assert web["qr"] in shown.text and "Phan Van Duc" in shown.text
    assert submit(qr_url, {}).status_code == 302
    fee_url = f"/bank/accounts/{account.id}/lines/{lines['FT961'].id}/fee"
    assert "Chi phí quản lý quỹ" in client.get(fee_url).text
    assert submit(fee_url, {}).status_code == 302
    session.rollback()
    left = {x.bank_ref for x in unmatched_lines(session, account)}
    assert "FT972" not in left and "FT961" not in left
    assert (
        client.get(f"/bank/accounts/{account.id}/lines/{lines['FT970'].id}/qr").status_code == 404
    )
    assert check_books(session) == []


def test_a_debit_line_becomes_a_draft_payout(client, login, submit, session, web):
    account, line = web["account"], web["lines"]["FT973"]
    login("treasurer-tt-chuongduong")
    url = f"/bank/accounts/{account.id}/lines/{line.id}/payout"
    assert 'value="Le Thi Em"' in client.get(url).text
    category = session.exec(select(Category).where(Category.code == "emergency_aid")).one()
    response = submit(
        url,
        {
            "disbursement_date": "26/03/2018",
            "category_id": str(category.id),
            "amount": "450.000",
            "payee_name": "Lê Thị Em",
            "reason": "Hoàn tiền",
        },
    )
    assert response.status_code == 302, response.text
    session.rollback()
    from ledger.models import Disbursement

    item = session.exec(select(Disbursement).where(Disbursement.payee_name == "Lê Thị Em")).one()
    assert item.status == "draft" and item.method == "bank"


def test_scope_and_roles(client, login, make_user, session, web):
    account, line = web["account"], web["lines"]["FT900100"]
    binh = web["receipts"]["NGUYEN VAN BINH"]
    make_user("treasurer-hahoi", "treasurer", "TT-HAHOI")
    login("reviewer-tt")
    assert _page(client, account).status_code == 200
    page = client.get(f"/bank/accounts/{account.id}/match")
    from .conftest import form_tokens

    data = {**form_tokens(page.text), "line_ids": str(line.id), "entry_ids": str(binh.entry_id)}
    assert "Xác nhận khớp" not in page.text
    assert client.post(f"/bank/accounts/{account.id}/match/confirm", data=data).status_code == 403
    assert client.get(f"/bank/accounts/{account.id}/lines/{line.id}/receipt").status_code == 403
    client.get("/auth/logout")
    login("treasurer-hahoi")
    assert client.get(f"/bank/accounts/{account.id}/match").status_code == 404
    assert client.get(f"/bank/accounts/{account.id}/match/manual").status_code == 404
    other = make_account(session, "TT-HAHOI")
    session.commit()
    assert client.get(f"/bank/accounts/{other.id}/lines/{line.id}/receipt").status_code in (
        403,
        404,
    )
    client.get("/auth/logout")
    login("treasurer-tt-chuongduong")
    assert client.get(f"/bank/accounts/{other.id}/match").status_code == 404
    assert client.get(f"/bank/accounts/{account.id}/lines/99999999/fee").status_code == 404
    fuzzed = client.get(f"/bank/accounts/{account.id}/match?page=²&date_from=xx&state=x")
    assert fuzzed.status_code == 200 and "Ngày không hợp lệ" in fuzzed.text
    narrowed = _page(
        client, account, date_from="20/03/2018", date_to="21/03/2018", direction="credit"
    )
    assert "IBFT NGUYEN THI BE" in narrowed.text and "TRAN VAN CHI" not in narrowed.text
    bad = client.get(f"/bank/accounts/{account.id}/match")
    hostile = {**form_tokens(bad.text), "line_ids": "1,x", "entry_ids": str(2**70)}
    response = client.post(
        f"/bank/accounts/{account.id}/match/confirm", data=hostile, follow_redirects=True
    )
    assert response.status_code == 200 and "Chọn ít nhất một dòng" in response.text


def test_cli_prints_suggestions_then_auto_matches(runner, session, web):
    account = web["account"]
    shown = runner.invoke(args=["bank", "match", "--account", str(account.id), "--limit", "100"])
    assert shown.exit_code == 0, shown.output
    assert "tên người nộp NGUYEN VAN BINH trùng" in shown.output
    assert "(không có gợi ý)" in shown.output
    done = runner.invoke(args=["bank", "match", "--account", str(account.id), "--auto"])
    assert "Đã tự động khớp 20 dòng." in done.output
    session.rollback()
    assert len(matches_of(session, account)) == 20
    missing = runner.invoke(args=["bank", "match", "--account", "999999"])
    assert missing.exit_code == 2


def test_each_account_of_a_fund_has_its_own_book_side(session, make_receipt):
    primary = make_account(session)
    second = make_account(session, bank_bin="970436", number="0011002233")
    on_primary = make_receipt(amount=500_000, on=D(2018, 4, 2), method="bank")
    on_second = make_receipt(amount=500_000, on=D(2018, 4, 2), method="bank")
    on_second_row = session.get(Receipt, on_second.id)
    on_second_row.bank_account_id = second.id
    session.flush()
    assert [m.entry_id for m in bank_movements(session, primary)] == [on_primary.entry_id]
    assert [m.entry_id for m in bank_movements(session, second)] == [on_second.entry_id]
    make_lines(
        session,
        second,
        [
            (D(2018, 4, 2), 500_000, "NOP TIEN THEO PT 2/2018", "X1"),
            (D(2018, 4, 3), 80_000, "IBFT LE VAN AN CK ung ho", "X2"),
        ],
    )
    line, credit = unmatched_lines(session, second)
    [only] = suggestions(session, second)[line.id]
    assert only.entry_ids == (on_second.entry_id,)
    assert f"số phiếu {on_second.number}/2018 trùng" in only.reason_text
    with pytest.raises(MatchRefused) as refused:
        confirm_match(session, account=second, line_ids=[line.id], entry_ids=[on_primary.entry_id])
    assert refused.value.reason == "entry_elsewhere"
    receipt = record_receipt_for_line(
        session,
        account=second,
        line_id=credit.id,
        data=receipt_prefill(session, second, credit),
    )
    assert receipt.bank_account_id == second.id
    assert receipt.entry_id in {m.entry_id for m in bank_movements(session, second)}
    assert receipt.entry_id not in {m.entry_id for m in bank_movements(session, primary)}


def test_a_name_matches_only_as_whole_words(session, make_receipt):
    account = make_account(session)
    receipt = make_receipt(amount=70_000, on=D(2018, 4, 2), method="bank", payer_name="Lê Văn A")
    make_lines(session, account, [(D(2018, 4, 2), 70_000, "IBFT LE VAN AN CK ung ho", "Y1")])
    [line] = unmatched_lines(session, account)
    [only] = suggestions(session, account)[line.id]
    assert only.entry_ids == (receipt.entry_id,) and "tên người nộp" not in only.reason_text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("MBVCB.4525077405.000000.NGUYEN VAN AN chuyen tien ung ho quy BTTE", "Nguyen Van An"),
        ("MBVCB.123456.TRAN THI BINH chuyen tien ung ho quy BTTE", "Tran Thi Binh"),
        ("IBFT NGUYEN THI B CK ung ho", "Nguyen Thi B"),
        ("NOP TIEN MAT BL 0012-0015 QUY BTTE", ""),
    ],
)
def test_the_senders_name_keeps_its_first_word(text, name):
    """A transaction number glued to the name by a dot is not part of it, and a cash deposit
    names nobody (the reviewer found "Van An" and "Tien Mat Bl")."""
    from ledger.services.bank_drafts import sender_name

    assert sender_name(text) == name


def test_credits_from_different_senders_are_never_offered_as_one_receipt(session, make_receipt):
    """Two donors' transfers that happen to add up to a receipt are not one donation; one
    donor's transfer in two parts is (the reviewer saw 5 unrelated lines offered as one)."""
    from datetime import date

    from ledger.services.bank_suggestions import suggestions
    from tests.bankworld import make_account, make_lines

    account = make_account(session)
    on = date(2018, 6, 5)
    make_receipt(amount=600_000, on=on, method="bank", payer_name="Hội phụ nữ xã")
    make_lines(
        session,
        account,
        [
            (on, 200_000, "MBVCB.111.NGUYEN VAN AN chuyen tien ung ho"),
            (on, 400_000, "MBVCB.222.TRAN THI BINH chuyen tien ung ho"),
        ],
    )
    found = suggestions(session, account)
    assert all(len(s.line_ids) == 1 for found_for in found.values() for s in found_for)
    make_lines(
        session,
        account,
        [
            (on, 250_000, "MBVCB.333.LE VAN CUONG chuyen tien ung ho lan 1"),
            (on, 350_000, "MBVCB.444.LE VAN CUONG chuyen tien ung ho lan 2"),
        ],
    )
    found = suggestions(session, account)
    split = [s for found_for in found.values() for s in found_for if len(s.line_ids) == 2]
    assert split and all(
        {session.get(StatementLine, i).amount for i in s.line_ids} == {250_000, 350_000}
        for s in split
    )
