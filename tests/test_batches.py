"""Batch entry (nhập theo lô): a round of envelopes posts only when its rows agree with the
count and total typed first, all in one go with consecutive numbers."""

from datetime import date

from sqlalchemy import func
from sqlmodel import col, select

from ledger.models import Donor, Receipt, ReceiptBatch, ReceiptBatchItem
from ledger.services.batches import BatchHeader, BatchLine, post_batch
from ledger.services.check import check_books
from ledger.services.locks import lock_period
from tests.conftest import form_tokens

FUND = "TT-CHUONGDUONG"


def _header(fund_id: int, count: int, total: str, **fields) -> dict:
    return {
        "expected_count": str(count),
        "expected_total": total,
        "name": fields.pop("name", "Thôn 3 — đợt 1"),
        "receipt_date": fields.pop("receipt_date", "15/03/2018"),
        "method": "cash",
        "source": "donation",
        "credit_unit_id": str(fund_id),
        "book_no": "02",
        "step": "post",
        **fields,
    }


def _rows(amounts: list[str], names: list[str] | None = None) -> dict:
    names = names or [f"Hộ gia đình số {n}" for n in range(1, len(amounts) + 1)]
    return {
        "row_name": names,
        "row_amount": amounts,
        "row_address": [f"Thôn 3, nhà {n}" for n in range(1, len(amounts) + 1)],
        "row_reason": [""] * len(amounts),
    }


def _receipts(session, fund_id: int) -> list[Receipt]:
    session.rollback()
    return list(
        session.exec(select(Receipt).where(Receipt.unit_id == fund_id).order_by(col(Receipt.id)))
    )


def _treasurer(make_user, login):
    make_user("thuquy.cd", "treasurer", FUND)
    login("thuquy.cd")


def test_a_batch_1000_off_is_refused_with_the_difference_and_fixed_posts_30_numbers(
    client, login, make_user, make_receipt, session, unit
):
    """The issue's check: 30 envelopes typed 1.000 đ short of the counted 30.000.000 đ."""
    make_receipt(amount=500_000)  # the fund's series already holds number 1
    session.commit()
    _treasurer(make_user, login)
    fund = unit(FUND)
    url = f"/receipts/batches/new?unit={fund.id}"
    amounts = ["1.000.000" if n % 2 else "1000000" for n in range(29)] + ["999.000"]
    data = {**_header(fund.id, 30, "30.000.000"), **_rows(amounts)}
    page = client.get(url)
    refused = client.post(url, data={**form_tokens(page.text), **data})

    assert refused.status_code == 400
    assert (
        "Tổng các phiếu là 29.999.000 đ, chênh 1.000 đ so với tổng dự kiến 30.000.000 đ"
        in refused.text
    )
    assert 'value="999.000"' in refused.text and "Hộ gia đình số 30" in refused.text  # kept
    assert len(_receipts(session, fund.id)) == 1

    data["row_amount"][-1] = "1.000.000"
    posted = client.post(url, data={**form_tokens(refused.text), **data})

    assert posted.status_code == 302, posted.text
    receipts = _receipts(session, fund.id)[1:]
    assert [r.number for r in receipts] == list(range(2, 32))
    assert sum(r.amount for r in receipts) == 30_000_000
    assert {r.book_no for r in receipts} == {"02"}
    assert receipts[0].reason == "Ủng hộ Quỹ Bảo trợ trẻ em"
    assert receipts[29].payer_address == "Thôn 3, nhà 30"
    batch = session.exec(select(ReceiptBatch)).one()
    assert posted.headers["Location"].endswith(f"/receipts/batches/{batch.id}")
    items = session.exec(select(ReceiptBatchItem).order_by(col(ReceiptBatchItem.line_no))).all()
    assert [i.receipt_id for i in items] == [r.id for r in receipts]
    assert check_books(session) == []

    shown = client.get(f"/receipts/batches/{batch.id}")
    assert "2/2018" in shown.text and "31/2018" in shown.text
    assert "30.000.000 đ" in shown.text and "Hộ gia đình số 17" in shown.text
    pdf = client.get(f"/receipts/batches/{batch.id}/vouchers.pdf")
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.count(b"/Type /Page\n") + pdf.data.count(b"/Type /Page ") >= 30


def test_every_bad_row_is_named_and_the_count_told(client, login, make_user, session, unit):
    _treasurer(make_user, login)
    fund = unit(FUND)
    url = f"/receipts/batches/new?unit={fund.id}"
    amounts = ["100.000"] * 6 + ["abc", "-5.000", "0"] + ["100.000"] * 20
    names = [f"Người {n}" for n in range(1, 30)]
    names[2] = ""
    data = {**_header(fund.id, 30, "3.000.000"), **_rows(amounts, names)}
    page = client.get(url)
    refused = client.post(url, data={**form_tokens(page.text), **data})

    assert refused.status_code == 400
    text = refused.text
    assert "Dòng 3: Chưa ghi tên người nộp." in text
    assert "Dòng 7: Số tiền chỉ gồm chữ số" in text
    assert "Dòng 8: Số tiền không được âm." in text
    assert "Dòng 9: Số tiền phải lớn hơn 0." in text
    assert "Có 29 phiếu, dự kiến 30" in text
    assert 'value="abc"' in text
    assert _receipts(session, fund.id) == []
    assert session.exec(select(func.count()).select_from(ReceiptBatch)).one() == 0


def test_the_grid_has_one_row_per_expected_receipt_without_javascript(
    client, login, make_user, unit
):
    _treasurer(make_user, login)
    fund = unit(FUND)
    url = f"/receipts/batches/new?unit={fund.id}"
    page = client.get(url)
    assert page.text.count('name="row_name"') == 1  # only the hidden template row
    grid = client.post(
        url, data={**form_tokens(page.text), **_header(fund.id, 4, "400.000", step="grid")}
    )
    assert grid.status_code == 200
    assert grid.text.count('name="row_name"') == 4 + 1


def test_a_locked_period_refuses_the_whole_batch(client, login, make_user, session, unit):
    fund = unit(FUND)
    lock_period(session, unit_id=fund.id, through=date(2018, 3, 31), user_id=None)
    session.commit()
    _treasurer(make_user, login)
    url = f"/receipts/batches/new?unit={fund.id}"
    data = {**_header(fund.id, 2, "300.000"), **_rows(["100.000", "200.000"])}
    page = client.get(url)
    refused = client.post(url, data={**form_tokens(page.text), **data})

    assert refused.status_code == 400
    assert "đã khóa đến ngày 31/03/2018" in refused.text
    assert 'value="200.000"' in refused.text
    assert _receipts(session, fund.id) == []


def test_a_resubmitted_batch_posts_once(client, login, make_user, session, unit):
    _treasurer(make_user, login)
    fund = unit(FUND)
    url = f"/receipts/batches/new?unit={fund.id}"
    data = {**_header(fund.id, 3, "600.000"), **_rows(["100.000", "200.000", "300.000"])}
    tokens = form_tokens(client.get(url).text)
    first = client.post(url, data={**tokens, **data})
    again = client.post(url, data={**tokens, **data})

    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert len(_receipts(session, fund.id)) == 3
    assert session.exec(select(func.count()).select_from(ReceiptBatch)).one() == 1


def test_donors_are_found_or_created_by_folded_name(session, unit):
    fund = unit(FUND)
    header = BatchHeader(
        name="Trường Tiểu học",
        receipt_date=date(2018, 4, 2),
        expected_count=3,
        expected_total=60_000,
    )
    lines = [
        BatchLine(payer_name="Lớp 5A", amount="20.000"),
        BatchLine(payer_name="lop 5a", amount="20000"),
        BatchLine(),  # a blank row is not a receipt
        BatchLine(payer_name="Lớp 4B", amount="20.000 đ"),
    ]
    batch = post_batch(session, unit_id=fund.id, header=header, lines=lines)
    receipts = session.exec(
        select(Receipt)
        .join(ReceiptBatchItem, col(ReceiptBatchItem.receipt_id) == col(Receipt.id))
        .where(ReceiptBatchItem.batch_id == batch.id)
    ).all()
    assert len({r.donor_id for r in receipts}) == 2
    assert session.exec(select(func.count()).select_from(Donor)).one() == 2


def test_another_units_batch_is_not_found(client, login, make_user, session, unit):
    other = unit("TT-DUNGTIEN")
    batch = post_batch(
        session,
        unit_id=other.id,
        header=BatchHeader(
            name="CANARY", receipt_date=date(2018, 4, 2), expected_count=1, expected_total=50_000
        ),
        lines=[BatchLine(payer_name="CANARY", amount="50.000")],
    )
    session.commit()
    _treasurer(make_user, login)
    for path in (
        f"/receipts/batches/{batch.id}",
        f"/receipts/batches/{batch.id}/vouchers.pdf",
        f"/receipts/batches/?unit={other.id}",
        f"/receipts/batches/new?unit={other.id}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "CANARY" not in response.text
    own = client.get("/receipts/batches/")
    assert own.status_code == 200 and "CANARY" not in own.text


def test_the_list_of_batches_goes_past_one_page(client, login, make_user, session, unit):
    fund = unit(FUND)
    for n in range(1, 53):
        post_batch(
            session,
            unit_id=fund.id,
            header=BatchHeader(
                name=f"Lô số {n:02d}",
                receipt_date=date(2018, 1, 1 + n % 28),
                expected_count=1,
                expected_total=10_000 * n,
            ),
            lines=[BatchLine(payer_name=f"Người {n}", amount=str(10_000 * n))],
        )
    session.commit()
    _treasurer(make_user, login)
    first = client.get(f"/receipts/batches/?unit={fund.id}")
    second = client.get(f"/receipts/batches/?unit={fund.id}&page=2")
    names = [f"Lô số {n:02d}" for n in range(1, 53)]
    shown = [n for n in names if n in first.text] + [n for n in names if n in second.text]
    assert sorted(shown) == names
    assert "52 lô" in first.text and "Trang 1/2" in first.text
