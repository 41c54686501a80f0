"""Importing receipts from spreadsheets: every bad row named, all or nothing, no duplicates,
hostile files refused without a 500 and within 200 MB."""

import io
import os
import re
import time
import tracemalloc
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from ledger.models import Receipt
from ledger.services.imports import commit_import, preview_import
from ledger.spreadsheets import Rejected, read_table
from tests.conftest import form_tokens

HEADER = ["Ngày", "Số biên lai", "Đơn vị", "Người ủng hộ", "Số tiền", "Hình thức", "Ghi chú"]
GOOD = [
    ["05/01/2018", "BL01", "XÃ CHƯƠNG DƯƠNG", "Nguyễn Văn An", "500.000", "tiền mặt", ""],
    [
        datetime(2018, 6, 1),
        "BL02",
        "Xã Dũng Tiến",
        "Công ty May 10",
        2_000_000,
        "chuyển khoản",
        "Tháng hành động",
    ],
    ["02/06/2018", "BL03", "thị trấn", "Lê Thị Hoa", "300000", "Tiền mặt", ""],
    ["02/06/2018", "BL04", "", "Hội Phụ nữ", "1.000.000 đ", "", "ghi vào quỹ huyện"],
]


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _count(session):
    session.rollback()
    return session.exec(select(func.count(Receipt.id))).scalar_one()


def test_good_file_imports_and_reimport_adds_nothing(session, unit):
    district = unit("TT")
    table = read_table("so-thu.xlsx", xlsx([HEADER, *GOOD]))
    preview = preview_import(session, unit_id=district.id, table=table)
    assert preview.errors == [] and len(preview.rows) == 4 and preview.total == 3_800_000
    assert commit_import(session, unit_id=district.id, preview=preview) == 4
    session.commit()
    again = preview_import(session, unit_id=district.id, table=table)
    assert again.rows == [] and again.duplicates == 4
    credited = {r.reference: r.credit_unit_id for r in session.exec(select(Receipt)).scalars()}
    assert credited["BL03"] == unit("THỊ TRẤN").id and credited["BL04"] == district.id


def test_identical_rows_in_one_file_are_both_kept(session, unit):
    district = unit("TT")
    row = ["05/01/2018", "", "XÃ HÀ HỒI", "Nhà hảo tâm", "100.000", "tiền mặt", ""]
    preview = preview_import(session, unit_id=district.id, table=[HEADER, row, row])
    assert len(preview.rows) == 2


def test_bad_rows_are_each_named_and_nothing_is_stored(client, session, make_user, login, unit):
    make_user("thuquy.tt", "treasurer", "TT")
    login("thuquy.tt")
    bad = [
        ["31/02/2018", "X1", "XÃ CHƯƠNG DƯƠNG", "A", "100.000", "tiền mặt", ""],
        ["01/03/2018", "X2", "XÃ KHÔNG CÓ", "B", "100.000", "tiền mặt", ""],
        ["01/03/2018", "X3", "XÃ HÀ HỒI", "", "100.000", "tiền mặt", ""],
        ["01/03/2018", "X4", "XÃ HÀ HỒI", "C", "=A1*2", "tiền mặt", ""],
        ["01/03/2018", "X5", "XÃ HÀ HỒI", "D", True, "tiền mặt", ""],
        ["01/03/2018", "X6", "XÃ HÀ HỒI", "E", "-50.000", "séc", ""],
    ]
    page = client.get("/imports/receipts")
    response = client.post(
        "/imports/receipts",
        data={
            **form_tokens(page.text),
            "file": (io.BytesIO(xlsx([HEADER, GOOD[0], *bad])), "so-thu.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    text = response.text
    for row, column in [
        (3, "Ngày"),
        (4, "Đơn vị"),
        (5, "Người ủng hộ"),
        (6, "Số tiền"),
        (7, "Số tiền"),
        (8, "Số tiền"),
        (8, "Hình thức"),
    ]:
        assert re.search(rf"<td[^>]*>{row}</td><td[^>]*>{column}</td>", text), (row, column)
    assert "Ghi tất cả" not in text
    assert _count(session) == 0


def test_preview_then_commit_through_the_web(client, session, make_user, login):
    make_user("thuquy.tt", "treasurer", "TT")
    login("thuquy.tt")
    csv_bytes = (
        "\n".join(";".join(str(c) for c in r) for r in [HEADER, GOOD[0], GOOD[2]])
    ).encode()
    page = client.get("/imports/receipts")
    preview = client.post(
        "/imports/receipts",
        data={**form_tokens(page.text), "file": (io.BytesIO(csv_bytes), "so-thu.csv")},
        content_type="multipart/form-data",
    )
    assert "800.000 đ" in preview.text and _count(session) == 0
    token = preview.text.split('name="token" value="')[1].split('"')[0]
    done = client.post(
        "/imports/receipts/commit", data={**form_tokens(preview.text), "token": token}
    )
    assert done.status_code == 302
    assert _count(session) == 2


def test_cli_import_all_or_nothing(runner, session, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([HEADER, *GOOD]))
    result = runner.invoke(args=["import-receipts", str(good), "--unit", "Thường Tín"])
    assert result.exit_code == 0, result.output
    assert _count(session) == 4
    again = runner.invoke(args=["import-receipts", str(good), "--unit", "TT"])
    assert "bỏ qua 4" in again.output and _count(session) == 4
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([HEADER, GOOD[0], ["x", "", "", "", "", "", ""]]))
    result = runner.invoke(args=["import-receipts", str(bad), "--unit", "TT"])
    assert result.exit_code == 1 and "Dòng 3" in result.output
    assert _count(session) == 4


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _with_part(name: str, data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx([HEADER, GOOD[0]])))
    parts = {n: source.read(n) for n in source.namelist()}
    parts[name] = data
    return _zip(parts)


ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i else b"&lol;" * 10)
        for i in range(1, 9)
    )
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row><c t="inlineStr"><is><t>&lol8;</t></is></c></row></sheetData></worksheet>'
)

HOSTILE = {  # case → (file name, builder, the reason it must be refused for)
    "zip bomb": ("bomb.xlsx", lambda: _with_part("xl/big.xml", b"0" * (80 * 1024 * 1024))),
    "too many entries": ("many.xlsx", lambda: _zip({f"xl/p{i}.xml": b"x" for i in range(500)})),
    "macro": ("macro.xlsm", lambda: xlsx([HEADER])),
    "macro inside .xlsx": ("macro.xlsx", lambda: _with_part("xl/vbaProject.bin", b"\0" * 100)),
    "entity bomb": ("entities.xlsx", lambda: _with_part("xl/worksheets/sheet1.xml", ENTITY_BOMB)),
    "not a zip": ("fake.xlsx", lambda: b"this is not a spreadsheet at all" * 100),
    "empty": ("empty.xlsx", lambda: b""),
    "wrong type": ("photo.png", lambda: b"\x89PNG\r\n\x1a\n" + b"0" * 100),
    "huge dimension": (
        "dim.xlsx",
        lambda: _with_part(
            "xl/worksheets/sheet1.xml",
            (
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<dimension ref="A1:XFD1048576"/><sheetData>'
                + b"".join(
                    b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 200_002)
                )
                + b"</sheetData></worksheet>"
            ),
        ),
    ),
}


EXPECTED = {
    "zip bomb": "bomb",
    "too many entries": "entries",
    "macro": "macro",
    "macro inside .xlsx": "macro",
    "entity bomb": "xml",
    "not a zip": "not_xlsx",
    "empty": "empty",
    "wrong type": "type",
    "huge dimension": "rows",
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_files_are_refused_with_a_message(case):
    filename, build = HOSTILE[case]
    expected = EXPECTED[case]
    data = build()
    tracemalloc.start()
    with pytest.raises(Rejected) as caught:
        read_table(filename, data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert str(caught.value) and caught.value.reason == expected
    assert peak < 200 * 1024 * 1024
    print(
        f"hostile file '{case}' ({len(data)} bytes): refused ({caught.value.reason}), "
        f"peak {peak / 1e6:.1f} MB"
    )


def test_hostile_upload_is_a_message_not_a_500(client, make_user, login, session):
    make_user("thuquy.tt", "treasurer", "TT")
    login("thuquy.tt")
    page = client.get("/imports/receipts")
    response = client.post(
        "/imports/receipts",
        data={**form_tokens(page.text), "file": (io.BytesIO(b"not a zip" * 50), "so-thu.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "không phải bảng tính Excel hợp lệ" in response.text
    assert _count(session) == 0


def _upload(client, data: bytes, name: str = "so-thu.csv"):
    page = client.get("/imports/receipts")
    return client.post(
        "/imports/receipts",
        data={**form_tokens(page.text), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _bad_csv(rows: int) -> bytes:
    lines = [";".join(HEADER)] + [f"31/02/2018;B{i};XÃ KHÔNG CÓ;;-{i};séc;" for i in range(rows)]
    return "\n".join(lines).encode()


@pytest.fixture
def treasurer(make_user, login):
    user = make_user("thuquy.tt", "treasurer", "TT")
    login("thuquy.tt")
    return user


def test_a_preview_of_many_bad_rows_lists_200_then_counts(app, client, treasurer):
    response = _upload(client, _bad_csv(20_000))
    assert response.status_code == 200
    listed = response.text.split('id="import-errors"')[1].split("</table>")[0].count("<tr><td")
    assert listed == 200 and "Có 100000 lỗi" in response.text
    assert "99800 lỗi khác" in response.text
    assert len(response.data) < 100_000, len(response.data)  # was ~9 MB for these rows
    assert not list((Path(app.instance_path) / "uploads").glob("*/*"))  # a bad file is not kept
    print(f"import preview: 20,000 bad rows → 200 listed, {len(response.data):,} bytes of HTML")


def test_a_preview_that_takes_too_long_is_refused_with_a_message(app, client, treasurer):
    app.config["IMPORT_SECONDS"] = 0
    good = "\n".join(
        [";".join(HEADER)] + [f"05/01/2018;G{i};;Nhà hảo tâm {i};100.000;;" for i in range(2_000)]
    ).encode()
    response = _upload(client, good)
    assert response.status_code == 400
    assert "Tệp quá lớn để kiểm tra trong một lần" in response.text and "dòng 256" in response.text


def test_only_so_many_files_are_checked_at_once(client, treasurer):
    import threading

    from ledger.views.imports import _SLOTS, _SLOTS_LOCK

    with _SLOTS_LOCK:
        slot = _SLOTS.setdefault(1, threading.BoundedSemaphore(1))
    slot.acquire()
    try:
        busy = _upload(client, _bad_csv(3))
    finally:
        slot.release()
    assert busy.status_code == 429 and "Máy chủ đang kiểm tra một tệp khác" in busy.text
    assert _upload(client, _bad_csv(3)).status_code == 200


def _good_csv(*rows) -> bytes:
    return "\n".join(";".join(str(c) for c in r) for r in [HEADER, *rows]).encode()


def test_previewed_files_are_removed_after_import_after_cancel_and_when_stale(
    app, client, treasurer, session
):
    uploads = Path(app.instance_path) / "uploads"
    preview = _upload(client, _good_csv(GOOD[0]))
    assert len(list(uploads.glob("*/*"))) == 1
    token = preview.text.split('name="token" value="')[1].split('"')[0]
    cancel_form = preview.text.split("/imports/receipts/cancel")[1]
    done = client.post(
        "/imports/receipts/cancel", data={**form_tokens(cancel_form), "token": token}
    )
    assert done.status_code == 302 and not list(uploads.glob("*/*"))
    assert _count(session) == 0

    preview = _upload(client, _good_csv(GOOD[2]))
    token = preview.text.split('name="token" value="')[1].split('"')[0]
    client.post("/imports/receipts/commit", data={**form_tokens(preview.text), "token": token})
    assert _count(session) == 1 and not list(uploads.glob("*/*"))

    other = uploads / "999"
    other.mkdir(parents=True)
    stale, fresh = other / ("a" * 64 + ".csv"), other / ("b" * 64 + ".csv")
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(stale, (two_hours_ago, two_hours_ago))
    _upload(client, _good_csv(GOOD[0]))
    assert not stale.exists() and fresh.exists()


def test_a_user_keeps_at_most_three_previewed_files(app, client, treasurer):
    for i in range(5):
        _upload(client, _good_csv(["05/01/2018", f"K{i}", "", "Nhà hảo tâm", "100.000", "", ""]))
    assert len(list((Path(app.instance_path) / "uploads").glob("*/*"))) == 3


def test_rows_are_streamed_not_read_whole(session, unit):
    from ledger.spreadsheets import iter_table

    rows = iter_table("so-thu.csv", _good_csv(GOOD[0], GOOD[2]))
    assert not isinstance(rows, list)
    preview = preview_import(session, unit_id=unit("TT").id, table=rows, limit=1)
    assert preview.row_count == 2 and len(preview.rows) == 1 and preview.total == 800_000
    with pytest.raises(ValueError):
        commit_import(session, unit_id=unit("TT").id, preview=preview)
