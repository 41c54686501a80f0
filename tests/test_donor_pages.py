"""The Nhà hảo tâm pages, and an anonymous donor's name in every list and export that leaves
its fund."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlmodel import select

from ledger.models import AuditEvent, Donor
from ledger.services.campaigns import find_campaign
from ledger.services.donors import ANONYMOUS_NAME, create_donor
from ledger.services.pledges import PledgeInput, create_pledge
from ledger.services.receipts import void_receipt
from ledger.services.units import find_unit
from tests.conftest import form_tokens

SECRET = "Bà Nguyễn Thị Kín Tiếng"


def _donor(session, name, unit_code="TT-CHUONGDUONG", **fields):
    return create_donor(session, unit_id=find_unit(session, unit_code).id, name=name, **fields)


def _fresh(session, donor_id: int) -> Donor:
    """The donor as the database now holds it (after the app's own transactions)."""
    session.rollback()
    session.expire_all()
    return session.exec(select(Donor).where(Donor.id == donor_id)).one()


@pytest.fixture
def users(make_user):
    return {
        "treasurer": make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG"),
        "reviewer": make_user("duyet.tt", "reviewer", "TT"),
        "auditor": make_user("kiemtoan.tt", "auditor", "TT"),
        "other": make_user("thuquy.b", "treasurer", "TT-DUNGTIEN"),
    }


@pytest.fixture
def secret(session, make_receipt):
    """An anonymous donor of Chương Dương who gave once, in April 2018."""
    donor = _donor(session, SECRET, anonymous=True, phone="0912 111 222")
    make_receipt(amount=3_000_000, on=date(2018, 4, 2), donor_id=donor.id, payer_name=SECRET)
    session.commit()
    return donor


def test_directory_pages_past_one_page_and_filters(client, session, users, login):
    for n in range(53):
        _donor(session, f"Hộ gia đình số {n:02d}", kind="household")
    _donor(session, "Trường Tiểu học Chương Dương", kind="school", phone="0243 888 999")
    session.commit()
    login("thuquy.a")
    first = client.get("/donors/?kind=household")
    assert first.status_code == 200 and "53 nhà hảo tâm" in first.text
    assert "Hộ gia đình số 00" in first.text and "Hộ gia đình số 52" not in first.text
    assert "Trường Tiểu học" not in first.text
    second = client.get("/donors/?kind=household&page=2")
    assert "Hộ gia đình số 52" in second.text and "Hộ gia đình số 00" not in second.text
    found = client.get("/donors/?q=truong tieu hoc chuong duong")
    assert "Trường Tiểu học Chương Dương" in found.text and "Hộ gia đình số" not in found.text
    assert "Trường Tiểu học" in client.get("/donors/?q=888999").text
    assert 'href="/donors/"' in client.get("/receipts/").text  # the menu entry


def test_the_directory_is_scoped(client, session, users, login):
    _donor(session, "Ông Dũng Tiến", unit_code="TT-DUNGTIEN")
    session.commit()
    login("thuquy.a")
    assert "Ông Dũng Tiến" not in client.get("/donors/").text
    assert client.get(f"/donors/?unit={find_unit(session, 'TT-DUNGTIEN').id}").status_code == 404
    login("duyet.tt")
    assert "Ông Dũng Tiến" in client.get("/donors/").text


def test_profile_history_with_a_voided_and_a_merged_gift(
    client, session, make_receipt, users, login
):
    donor = _donor(session, "Công ty TNHH Hòa Bình", kind="enterprise")
    twin = _donor(session, "cong ty tnhh hoa binh")
    make_receipt(amount=2_000_000, on=date(2018, 3, 1), donor_id=donor.id, payer_name=donor.name)
    make_receipt(amount=1_500_000, on=date(2018, 5, 1), donor_id=twin.id, payer_name=twin.name)
    bad = make_receipt(
        amount=9_000_000, on=date(2018, 5, 2), donor_id=donor.id, payer_name=donor.name
    )
    void_receipt(session, receipt_id=bad.id, reason="Ghi nhầm")
    session.commit()
    login("thuquy.a")
    page = client.get(f"/donors/{donor.id}")
    assert "Có thể trùng với" in page.text and f"/donors/{twin.id}" in page.text
    response = client.post(
        f"/donors/{donor.id}/merge", data={**form_tokens(page.text), "duplicate_id": twin.id}
    )
    assert response.status_code == 302
    page = client.get(f"/donors/{donor.id}")
    assert "Có thể trùng với" not in page.text
    assert "3.500.000 đ" in page.text  # 2.000.000 + the merged 1.500.000, not the voided
    assert "ĐÃ HỦY" in page.text and "9.000.000 đ" in page.text  # listed, not counted
    assert f"/receipts/{bad.id}" in page.text
    assert find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018).name in page.text
    # the merged duplicate's page leads to its survivor
    shown = client.get(f"/donors/{twin.id}")
    assert shown.headers["Location"].endswith(f"/donors/{donor.id}")
    assert "Hòa Bình" in client.get("/donors/").text
    assert client.get("/donors/").text.count("Hòa Bình") == 1


def test_merge_refusals_on_the_page(client, session, users, login):
    a = _donor(session, "Bà Hạnh")
    b = _donor(session, "Ba Hanh")
    outside = _donor(session, "Bà Hạnh", unit_code="TT-DUNGTIEN")
    session.commit()
    login("thuquy.a")
    page = client.get(f"/donors/{a.id}")
    tokens = form_tokens(page.text)
    self_merge = client.post(
        f"/donors/{a.id}/merge", data={**tokens, "duplicate_id": a.id}, follow_redirects=True
    )
    assert "chính nó" in self_merge.text
    out = client.post(f"/donors/{a.id}/merge", data={**tokens, "duplicate_id": outside.id})
    assert out.status_code == 404
    assert _fresh(session, outside.id).merged_into_id is None
    assert _fresh(session, b.id).merged_into_id is None
    login("duyet.tt")  # a reviewer may read, not merge
    tokens = form_tokens(client.get(f"/donors/{a.id}").text)
    refused = client.post(f"/donors/{a.id}/merge", data={**tokens, "duplicate_id": b.id})
    assert refused.status_code == 403


def test_edit_saves_audits_and_refuses_anonymous_with_consent(client, session, users, login):
    donor = _donor(session, "Anh Tuấn")
    session.commit()
    login("thuquy.a")
    page = client.get(f"/donors/{donor.id}")
    data = {"kind": "individual", "phone": "+84 983 000 111", "email": "tuan@example.vn"}
    response = client.post(
        f"/donors/{donor.id}/edit", data={**form_tokens(page.text), **data, "public_consent": "y"}
    )
    assert response.status_code == 302
    saved = _fresh(session, donor.id)
    assert (saved.phone, saved.email, saved.public_consent) == (
        "0983000111",
        "tuan@example.vn",
        True,
    )
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "donor.update")).first()
    page = client.get(f"/donors/{donor.id}")
    refused = client.post(
        f"/donors/{donor.id}/edit",
        data={**form_tokens(page.text), **data, "anonymous": "y", "public_consent": "y"},
    )
    assert refused.status_code == 400 and "không thể đồng thời" in refused.text
    assert 'value="tuan@example.vn"' in refused.text
    bad_phone = client.post(
        f"/donors/{donor.id}/edit", data={**form_tokens(page.text), **data, "phone": "12"}
    )
    assert bad_phone.status_code == 400 and "Điện thoại" in bad_phone.text
    assert _fresh(session, donor.id).anonymous is False


def test_duplicates_list_and_new_donor_warning(client, session, users, login):
    _donor(session, "Trường THCS Chương Dương", kind="school")
    _donor(session, "truong thcs chuong duong")
    session.commit()
    login("thuquy.a")
    listed = client.get("/donors/duplicates")
    assert listed.text.count("/donors/") >= 2 and "Trường THCS Chương Dương" in listed.text
    page = client.get("/donors/new")
    data = {"name": "TRƯỜNG THCS  Chương Dương", "kind": "school"}
    warned = client.post("/donors/new", data={**form_tokens(page.text), **data})
    assert warned.status_code == 200 and "trùng tên hoặc số điện thoại" in warned.text
    assert 'value="TRƯỜNG THCS  Chương Dương"' in warned.text
    made = client.post(
        "/donors/new", data={**form_tokens(warned.text), **data, "confirm_duplicate": "y"}
    )
    assert made.status_code == 302
    session.rollback()
    assert (
        len(session.exec(select(Donor).where(Donor.search_key == "truong thcs chuong duong")).all())
        == 3
    )


def test_anonymous_name_in_the_directory_and_profile(client, secret, users, login):
    login("thuquy.a")  # the fund's own staff
    assert SECRET in client.get("/donors/").text
    assert SECRET in client.get(f"/donors/{secret.id}").text
    assert SECRET in client.get("/donors/?q=kin tieng").text
    assert SECRET in client.get("/donors/?q=+84 912 111 222").text
    login("duyet.tt")  # the level above
    listed = client.get("/donors/")
    assert SECRET not in listed.text and ANONYMOUS_NAME in listed.text
    assert "0912111222" not in listed.text
    assert ANONYMOUS_NAME not in client.get("/donors/?q=kin tieng").text  # not found by name
    assert ANONYMOUS_NAME not in client.get("/donors/?q=0912111222").text  # nor by phone
    profile = client.get(f"/donors/{secret.id}")
    assert SECRET not in profile.text and "0912111222" not in profile.text


def test_anonymous_name_in_the_receipts_list_and_type_ahead(client, session, secret, users, login):
    login("thuquy.a")
    assert SECRET in client.get("/receipts/").text
    assert client.get("/receipts/donors?q=kin tieng").json[0]["name"] == SECRET
    login("duyet.tt")
    fund = find_unit(session, "TT-CHUONGDUONG").id
    listed = client.get(f"/receipts/?unit={fund}")
    assert "3.000.000 đ" in listed.text and SECRET not in listed.text
    assert ANONYMOUS_NAME in listed.text
    assert client.get("/receipts/donors?q=kin tieng").json == []
    # searching the name from above finds nothing: the hidden row would say who gave
    searched = client.get(f"/receipts/?unit={fund}&donor=kin tieng")
    assert "3.000.000 đ" not in searched.text
    login("thuquy.a")
    assert "3.000.000 đ" in client.get("/receipts/?donor=kin tieng").text


def test_anonymous_name_in_the_cash_book(client, session, secret, users, login):
    fund = find_unit(session, "TT-CHUONGDUONG").id
    url = f"/books/{fund}/cash?from=01/01/2018&to=31/12/2018"
    login("thuquy.a")
    assert SECRET in client.get(url).text
    login("duyet.tt")
    page = client.get(url)
    assert SECRET not in page.text and ANONYMOUS_NAME in page.text
    xlsx = client.get(f"/books/{fund}/cash.xlsx?from=01/01/2018&to=31/12/2018")
    cells = _cells(xlsx.data)
    assert SECRET not in cells and any(ANONYMOUS_NAME in c for c in cells)


def test_a_duplicate_merged_into_an_anonymous_donor_is_hidden_in_the_cash_book(
    client, session, secret, users, login, make_receipt
):
    """The book asks the survivor too: a duplicate entered under the donor's name and merged
    into the anonymous record is hidden from the level above like the survivor's own gifts."""
    twin = _donor(session, "Nguyễn Thị Kín Tiếng (trùng)")
    make_receipt(amount=1_700_000, on=date(2018, 5, 3), donor_id=twin.id, payer_name=twin.name)
    twin.merged_into_id = secret.id
    session.add(twin)
    session.commit()
    fund = find_unit(session, "TT-CHUONGDUONG").id
    url = f"/books/{fund}/cash?from=01/01/2018&to=31/12/2018"
    login("thuquy.a")
    assert twin.name in client.get(url).text
    login("duyet.tt")
    page = client.get(url)
    assert "1.700.000" in page.text and twin.name not in page.text


def test_anonymous_name_in_the_reconciliation_workbook(client, session, secret, users, login):
    campaign = find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)
    # the anonymous donor also promised more: the pledges sheet must not name them either
    create_pledge(
        session,
        unit_id=secret.unit_id,
        data=PledgeInput(secret.id, 1_000_000, date(2018, 5, 1), date(2018, 9, 1), campaign.id),
    )
    session.commit()
    login("kiemtoan.tt")
    data = client.get(f"/campaigns/{campaign.id}/workbook.xlsx?as_of=31/12/2018").data
    cells = _cells(data)
    assert not any(SECRET in c for c in cells) and ANONYMOUS_NAME in cells
    pledges = openpyxl.load_workbook(io.BytesIO(data))["Cam kết ủng hộ"]
    assert ANONYMOUS_NAME in [str(v) for row in pledges.iter_rows(values_only=True) for v in row]


def _cells(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]


def test_duplicate_checks_never_pair_another_funds_anonymous_donor(
    client, session, secret, users, make_user, login
):
    make_user("thuquy.tt", "treasurer", "TT")
    twin = _donor(session, "Ba Nguyen Thi Kin Tieng", unit_code="TT-DUNGTIEN", phone="0912111222")
    session.commit()
    login("thuquy.tt")  # a level above: the phone alone must not tell whose it is
    page = client.get("/donors/new")
    data = {"name": "Ai đó", "kind": "individual", "phone": "0912111222"}
    warned = client.post("/donors/new", data={**form_tokens(page.text), **data})
    assert SECRET not in warned.text
    assert "Ba Nguyen Thi Kin Tieng" in warned.text  # the named twin is still offered
    listed = client.get("/donors/duplicates").text
    assert ANONYMOUS_NAME not in listed and f'/donors/{secret.id}"' not in listed
    profile = client.get(f"/donors/{twin.id}").text
    assert f'/donors/{secret.id}"' not in profile
    assert "possible-duplicates" not in client.get(f"/donors/{secret.id}").text
    _donor(session, "ba nguyen thi kin tieng")  # a twin in the anonymous donor's own fund
    session.commit()
    login("thuquy.a")  # which still sees the pair
    assert f'/donors/{secret.id}"' in client.get("/donors/duplicates").text


def test_the_directory_sorts_a_hidden_name_by_what_it_shows(client, session, secret, users, login):
    for name in ("An Bình", "Cao Văn Tư", "Ông Zũ"):
        _donor(session, name)
    session.commit()
    login("thuquy.a")  # the fund's own staff: by the real name ("Bà Nguyễn…" before "Cao")
    listed = client.get("/donors/").text
    order = [listed.index(x) for x in ("An Bình", SECRET, "Cao Văn Tư", "Ông Zũ")]
    assert order == sorted(order)
    login("duyet.tt")  # above: by "Nhà hảo tâm (ẩn danh)", so its place tells nothing
    listed = client.get(f"/donors/?unit={secret.unit_id}").text
    order = [listed.index(x) for x in ("An Bình", "Cao Văn Tư", ANONYMOUS_NAME, "Ông Zũ")]
    assert order == sorted(order)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    assert data.startswith(b"%PDF")
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_anonymous_name_on_the_voucher_page_and_pdfs(client, session, secret, users, login):
    from ledger.models import Receipt
    from ledger.services.batches import BatchHeader, BatchLine, post_batch

    gift = session.exec(select(Receipt).where(Receipt.donor_id == secret.id)).one()
    batch = post_batch(
        session,
        unit_id=secret.unit_id,
        header=BatchHeader(
            name="Lô ẩn danh",
            receipt_date=date(2018, 4, 3),
            expected_count=1,
            expected_total=50_000,
        ),
        lines=[BatchLine(payer_name=SECRET, address="Thôn Kín", amount="50.000")],
    )
    session.commit()
    login("thuquy.a")  # the fund's own staff print the name
    assert SECRET in client.get(f"/receipts/{gift.id}").text
    assert "Kín Tiếng" in _pdf_text(client.get(f"/receipts/{gift.id}/voucher.pdf").data)
    assert "Thôn Kín" in client.get(f"/receipts/batches/{batch.id}").text
    assert "Kín Tiếng" in _pdf_text(client.get(f"/receipts/batches/{batch.id}/vouchers.pdf").data)
    login("duyet.tt")  # the level above: the screen and every PDF say "ẩn danh"
    page = client.get(f"/receipts/{gift.id}")
    assert page.status_code == 200 and SECRET not in page.text and ANONYMOUS_NAME in page.text
    pdf = _pdf_text(client.get(f"/receipts/{gift.id}/voucher.pdf").data)
    assert "Kín Tiếng" not in pdf and "ẩn danh" in pdf
    shown = client.get(f"/receipts/batches/{batch.id}").text
    assert SECRET not in shown and "Thôn Kín" not in shown and ANONYMOUS_NAME in shown
    pdf = _pdf_text(client.get(f"/receipts/batches/{batch.id}/vouchers.pdf").data)
    assert "Kín Tiếng" not in pdf and "Thôn Kín" not in pdf and "ẩn danh" in pdf


def test_a_letter_for_a_donor_merged_into_an_anonymous_one_is_refused_above(
    client, session, secret, users, make_receipt, login
):
    twin = _donor(session, "Bà Kín Tiếng (trùng)")
    gift = make_receipt(amount=500_000, on=date(2018, 5, 2), donor_id=twin.id, payer_name="Bà K.")
    twin.merged_into_id = secret.id
    session.add(twin)
    session.commit()
    login("thuquy.a")
    assert client.get(f"/receipts/{gift.id}/thank-you.pdf").status_code == 200
    login("duyet.tt")
    assert client.get(f"/receipts/{gift.id}/thank-you.pdf").status_code == 403
    assert client.get(f"/receipts/{gift.id}/certificate.pdf").status_code == 403
    assert client.get(f"/donors/{twin.id}/thank-you?year=2018").status_code == 403


def test_anonymous_name_in_the_audit_log_above_the_fund(
    client, session, secret, users, login, make_user
):
    """The audit log shows what a receipt, a pledge and a donor's new details say; read above
    the fund, not an anonymous donor's name, phone or address."""
    from ledger.services.donor_merge import DonorInput, update_donor

    fund = find_unit(session, "TT-CHUONGDUONG").id
    campaign = find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)
    create_pledge(
        session,
        unit_id=fund,
        data=PledgeInput(secret.id, 1_000_000, date(2018, 5, 1), date(2018, 9, 1), campaign.id),
    )
    update_donor(
        session,
        donor=secret,
        data=DonorInput(
            kind="individual", phone="0987 654 321", address="Số 9 ngõ Kín", anonymous=True
        ),
        user_id=None,
    )
    session.commit()
    make_user("qt.cd", "admin", "TT-CHUONGDUONG")
    login("qt.cd")  # the fund's own admin reads it all
    own = client.get(f"/audit/?unit={fund}").text
    assert SECRET in own and "Số 9 ngõ Kín" in own
    client.post("/auth/logout", data=form_tokens(client.get("/").text))
    login("kiemtoan.tt")
    for action in ("pledge.create", "donor.update"):
        page = client.get(f"/audit/?unit={fund}&action={action}").text
        assert "Ghi cam kết" in page or "nhà hảo tâm" in page.lower()
        assert SECRET not in page and "0987654321" not in page and "Số 9 ngõ Kín" not in page
    page = client.get(f"/audit/?unit={fund}")
    assert page.status_code == 200 and "Lập phiếu thu" in page.text
    assert "3.000.000 đ" in page.text and SECRET not in page.text
    assert ANONYMOUS_NAME in page.text
    for suffix in ("xlsx", "csv"):
        download = client.get(f"/audit/audit.{suffix}?unit={fund}")
        assert download.status_code == 200
        text = (
            " ".join(_cells(download.data))
            if suffix == "xlsx"
            else download.data.decode("utf-8-sig")
        )
        assert "3.000.000" in text and SECRET not in text
