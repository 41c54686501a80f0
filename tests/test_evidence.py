"""Evidence files (chứng từ gốc) on documents: upload, download within scope, refusals, the
voucher's count, removal, backup and restore, and ``check`` naming a missing or altered file."""

import io
import re
import shutil
from datetime import date
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from pypdf import PdfReader
from sqlmodel import col, select

from ledger.models import Attachment, AuditEvent
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from ledger.services.disbursements import DisbursementInput, draft_disbursement
from ledger.services.transfers import send_transfer
from ledger.services.units import find_unit
from tests.conftest import form_tokens

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 300
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: an ISO-BMFF "ftyp" box of brand heic, as an iPhone writes it
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
NAME = "Hóa đơn viện tim.jpg"


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "Bảng kê"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("run.sh", "rm -rf /")
    return out.getvalue()


def _upload(client, page_url, data: bytes, name: str, kind="receipt", owner_id=None):
    page = client.get(page_url)
    owner_id = owner_id or int(page_url.rstrip("/").split("/")[-1])
    return client.post(
        f"/evidence/{kind}/{owner_id}",
        data={**form_tokens(page.text), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _files(session, owner_id, kind="receipt"):
    session.rollback()
    return session.exec(
        select(Attachment)
        .where(Attachment.owner_kind == kind, Attachment.owner_id == owner_id)
        .order_by(col(Attachment.id))
    ).all()


def _store(app) -> Path:
    return Path(app.instance_path) / "evidence"


@pytest.fixture
def receipt(session, funded, make_receipt):
    """A cash receipt of Chương Dương; the treasurer signed in separately."""
    made = make_receipt(amount=500_000, on=date(2018, 3, 2))
    session.commit()
    return made


def test_jpeg_on_a_receipt_downloads_in_scope_and_check_names_it_once_altered(
    app, client, session, login, receipt, make_user, runner
):
    make_user("thuquy.b", "treasurer", "TT-DUNGTIEN")
    login("thuquy.a")
    page_url = f"/receipts/{receipt.id}"
    assert "Kèm theo: 0 chứng từ gốc." in client.get(page_url).text

    response = _upload(client, page_url, JPEG, NAME)
    assert response.status_code == 302 and response.headers["Location"].endswith(page_url)
    [row] = _files(session, receipt.id)
    assert (row.media_type, row.size, row.file_name) == ("image/jpeg", len(JPEG), NAME)
    page = client.get(page_url).text
    assert NAME in page and "Kèm theo: 1 chứng từ gốc." in page
    pdf = client.get(f"/receipts/{receipt.id}/voucher.pdf").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Kèm theo: 1 chứng từ gốc." in text

    got = client.get(f"/evidence/{row.id}")
    assert got.status_code == 200 and got.data == JPEG
    assert got.mimetype == "image/jpeg"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(NAME)}" in disposition
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "evidence.attach")).one()
    assert (event.object_type, event.object_id, event.unit_id) == (
        "receipt",
        receipt.id,
        receipt.unit_id,
    )
    assert row.sha256 in event.after

    client.post("/auth/logout", data=form_tokens(client.get("/").text))
    login("thuquy.b")  # another commune's treasurer: the file, a guessed id, the upload are 404
    assert client.get(f"/evidence/{row.id}").status_code == 404
    assert client.get(f"/evidence/{row.id + 1}").status_code == 404
    tokens = form_tokens(client.get("/receipts/").text)
    other = client.post(
        f"/evidence/receipt/{receipt.id}",
        data={**tokens, "file": (io.BytesIO(PNG), "x.png")},
        content_type="multipart/form-data",
    )
    assert other.status_code == 404 and len(_files(session, receipt.id)) == 1

    assert runner.invoke(args=["check"]).exit_code == 0
    blob = next(_store(app).glob(f"*/*/{row.sha256}"))
    blob.write_bytes(JPEG + b"tampered")
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert re.search(rf"evidence: receipt {receipt.id} .*{NAME}.*altered", result.output)
    blob.unlink()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1 and "missing from the store" in result.output


def test_only_pdf_jpeg_png_heic_xlsx_by_their_bytes_within_the_size(
    app, client, session, login, receipt
):
    app.config["EVIDENCE_MAX_BYTES"] = 40_000
    login("thuquy.a")
    page_url = f"/receipts/{receipt.id}"
    refused = {
        "trang.jpg": (b"<html><script>alert(1)</script></html>", "không được nhận"),
        "logo.svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "không được nhận"),
        "bang-ke.xlsx": (_zip(), "không được nhận"),
        "trong.pdf": (b"", "rỗng"),
        "lon.pdf": (PDF + b"0" * 40_000, "quá lớn: tối đa"),
    }
    for name, (data, message) in refused.items():
        response = _upload(client, page_url, data, name)
        assert response.status_code == 302, name
        shown = client.get(page_url).text
        assert message in shown and "Tệp chứng từ" in shown, name
    huge = _upload(client, page_url, PDF + b"0" * 200_000, "rat-lon.pdf")  # past the envelope
    assert huge.status_code == 302
    assert "quá lớn: tối đa" in client.get(page_url).text
    assert _files(session, receipt.id) == []

    accepted = {
        "../../etc/passwd.png": (PNG, "passwd.png", "image/png"),
        "..\\..\\scan.pdf.html": (PDF, "scan.pdf.pdf", "application/pdf"),
        "IMG_0001.HEIC": (HEIC, "IMG_0001.heic", "image/heic"),
        "bảng kê.xlsx": (_xlsx(), "bảng kê.xlsx", None),
        "ảnh\x00\x1b<b>.jpg": (JPEG, "ảnh_b.jpg", "image/jpeg"),
    }
    for name, (data, _stored, _type) in accepted.items():
        assert _upload(client, page_url, data, name).status_code == 302, name
    rows = _files(session, receipt.id)
    assert [r.file_name for r in rows] == [v[1] for v in accepted.values()]
    assert rows[3].media_type.endswith("spreadsheetml.sheet")
    assert [r.media_type for r in rows if r.file_name != "bảng kê.xlsx"] == [
        v[2] for v in accepted.values() if v[2]
    ]
    again = _upload(client, page_url, PNG, "lan-hai.png")  # the same bytes are stored once
    assert again.status_code == 302
    assert len(list(_store(app).glob("*/*/*"))) == len(accepted)
    assert "Kèm theo: 6 chứng từ gốc." in client.get(page_url).text


def test_who_may_attach_and_what_removal_and_void_keep(
    app, client, session, login, receipt, funded, make_user
):
    login("duyet.tt")  # a reviewer above reads the receipt but does not edit receipts
    page = client.get(f"/receipts/{receipt.id}").text
    assert "Chứng từ gốc đính kèm" in page and "evidence-upload" not in page
    assert _upload(client, f"/receipts/{receipt.id}", JPEG, "a.jpg").status_code == 403
    assert (
        _upload(client, f"/receipts/{receipt.id}", JPEG, "a.jpg", kind="pledge").status_code == 404
    )
    client.post("/auth/logout", data=form_tokens(client.get("/").text))

    login("thuquy.a")
    page_url = f"/receipts/{receipt.id}"
    _upload(client, page_url, JPEG, "bien-ban.jpg")
    _upload(client, page_url, PNG, "giay-bao-co.png")
    first, second = _files(session, receipt.id)
    tokens = form_tokens(client.get(page_url).text)
    assert client.post(f"/evidence/{first.id}/remove", data=tokens).status_code == 302
    assert "Phải ghi lý do gỡ tệp" in client.get(page_url).text
    removed = client.post(f"/evidence/{first.id}/remove", data={**tokens, "reason": "Tải nhầm ảnh"})
    assert removed.status_code == 302
    page = client.get(page_url).text
    assert "Đã gỡ tệp “bien-ban.jpg”" in page
    assert f"/evidence/{first.id}" not in page and f'href="/evidence/{second.id}"' in page
    assert client.get(f"/evidence/{first.id}").status_code == 404
    assert any(_store(app).glob(f"*/*/{first.sha256}")), "the blob stays"
    session.rollback()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "evidence.remove")).one()
    assert "Tải nhầm ảnh" in event.after

    void_tokens = form_tokens(client.get(page_url).text)
    client.post(f"/receipts/{receipt.id}/void", data={**void_tokens, "reason": "Ghi trùng"})
    page = client.get(page_url).text
    assert "ĐÃ HỦY" in page and "giay-bao-co.png" in page
    assert client.get(f"/evidence/{second.id}").data == PNG


def test_files_on_payouts_transfers_and_cash_counts(app, client, session, login, funded):
    from ledger.services.cash_counts import CountInput, record_count

    fund = find_unit(session, "TT-CHUONGDUONG")
    deposit = send_transfer(
        session,
        from_unit_id=fund.id,
        to_unit_id=fund.id,
        amount=100_000,
        on=date(2018, 1, 6),
        from_method="cash",
        to_method="bank",
    )
    count = record_count(
        session,
        unit_id=fund.id,
        data=CountInput(
            count_date=date(2018, 1, 7), quantities={500_000: 19, 200_000: 2}, treasurer_name="A"
        ),
        user_id=None,
    )
    payout = draft_disbursement(
        session,
        unit_id=fund.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 1, 8),
            category_id=1,
            payee_name="B",
            amount=100_000,
            beneficiary_id=create_beneficiary(
                session,
                unit_id=fund.id,
                data=BeneficiaryInput(
                    full_name="Lê Thị Canarytre", birth_date=date(2012, 5, 1), sex="female"
                ),
            ).id,
        ),
    )
    session.commit()
    login("thuquy.a")
    pages = {
        "transfer": (f"/transfers/{deposit.id}/voucher", deposit.id),
        "cash_count": (f"/funds/{fund.id}/cash-counts/{count.id}", count.id),
        "disbursement": (f"/disbursements/{payout.id}", payout.id),
    }
    for kind, (url, owner_id) in pages.items():
        assert "Chứng từ gốc đính kèm" in client.get(url).text, kind
        assert (
            _upload(client, url, PDF, f"{kind}.pdf", kind=kind, owner_id=owner_id).status_code
            == 302
        )
        assert f"{kind}.pdf" in client.get(url).text, kind
    assert "Kèm theo: 1 chứng từ gốc." in client.get(pages["transfer"][0]).text
    [bill] = _files(session, payout.id, kind="disbursement")
    assert client.get(f"/evidence/{bill.id}").data == PDF  # the child's own treasurer

    client.post("/auth/logout", data=form_tokens(client.get("/").text))
    login("duyet.tt")  # the district's reviewer sees the child masked: not its papers either
    page = client.get(f"/disbursements/{payout.id}").text
    assert "disbursement.pdf" not in page and "có thông tin của trẻ, ẩn" in page
    refused = client.get(f"/evidence/{bill.id}")
    assert refused.status_code == 403 and b"%PDF" not in refused.data


def test_backup_carries_the_files_and_restore_puts_them_back(
    app, client, session, login, receipt, runner, tmp_path
):
    login("thuquy.a")
    _upload(client, f"/receipts/{receipt.id}", JPEG, NAME)
    [row] = _files(session, receipt.id)
    out = tmp_path / "backups" / "ledger.backup"
    made = runner.invoke(args=["backup", str(out)])
    assert made.exit_code == 0, made.output
    kept = tmp_path / "backups" / "ledger.backup.evidence"
    assert [p.read_bytes() for p in kept.glob("*/*/*")] == [JPEG]

    shutil.rmtree(_store(app))  # the server's disk is lost; the database is not
    assert runner.invoke(args=["check"]).exit_code == 1
    restored = runner.invoke(args=["restore-evidence", str(out)])
    assert restored.exit_code == 0 and "Restored 1 evidence file(s)" in restored.output
    assert runner.invoke(args=["check"]).exit_code == 0
    assert client.get(f"/evidence/{row.id}").data == JPEG

    next(kept.glob("*/*/*")).write_bytes(b"not the scan")  # a backup damaged in its turn
    damaged = runner.invoke(args=["restore-evidence", str(out)])
    assert damaged.exit_code == 1 and f"{row.sha256}: altered in the backup" in damaged.output


def test_a_workbook_is_told_from_any_zip_by_its_directory():
    """Excel's own files may put the workbook past the 8 KB the magic-number reader sees."""
    from ledger.services.evidence import sniff

    def zipped(*names: str) -> bytes:
        import zipfile

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>" + " " * 12_000)
            for name in names:
                archive.writestr(name, "x" * 9_000)
        return out.getvalue()

    assert sniff(zipped("docProps/app.xml", "xl/workbook.xml")).endswith("spreadsheetml.sheet")
    assert sniff(zipped("word/document.xml")) is None  # a .docx, or any other zip
    assert sniff(_zip()) is None and sniff(b"GIF89a" + b"\x00" * 50) is None  # not accepted
