"""Units setup (create, rename, move, close, type, official code; unit lists) and
reorganisations (mergers, splits 60/40, balances moved by share to the đồng, check)."""

import csv
import html
import io
import json
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from ledger.errors import (
    DuplicateUnit,
    InvalidUnitField,
    UnitCycle,
    UnitHasLaterEntries,
    UnitHasOpenChildren,
    UnitHoldsMoney,
    UnitImportRejected,
)
from ledger.models import Account, AuditEvent, Entry, PeriodLock, Unit, UnitSuccession, User
from ledger.services.check import Problem
from ledger.services.check_reorg import check_reorganisations
from ledger.services.journal import Line, balance, post_entry
from ledger.services.reorganisation import allocate, parse_share, preview_reorganisation, reorganise
from ledger.services.transfers import send_transfer
from ledger.services.unit_setup import add_unit, import_units, preview_units, update_unit
from ledger.services.units import find_unit
from ledger.spreadsheets import Rejected, read_table
from tests.conftest import form_tokens

ASSETS = ("cash", "bank", "in_kind")
UNITS = [
    ["Mã", "Tên", "Loại", "Trực thuộc", "Hiệu lực từ"],
    ["T1", "Tỉnh Thử Nghiệm", "Tỉnh", "", "01/01/2020"],
    ["X1", "Xã An", "Xã", "T1", "01/01/2020"],
    ["X2", "Xã Bình", "Xã", "T1", "01/01/2020"],
    ["X3", "Xã Chiến", "Xã", "T1", "01/01/2020"],
    ["N1", "Xã An Bình", "Xã", "T1", "01/07/2025"],
    ["N2", "Xã Chiến Thắng", "Xã", "T1", "01/07/2025"],
]
REORG = [
    ["Đơn vị cũ", "Đơn vị mới", "Tỷ lệ (%)", "Ngày hiệu lực", "Căn cứ"],
    ["X1", "N1", "100", "01/07/2025", "Nghị quyết 1/NQ-TEST"],
    ["Xã Bình", "N1", "100", "01/07/2025", "Nghị quyết 1/NQ-TEST"],
    ["X3", "N1", "60", "01/07/2025", "Nghị quyết 1/NQ-TEST"],
    ["X3", "N2", "40", "01/07/2025", "Nghị quyết 1/NQ-TEST"],
]


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _assets(session, code):
    return balance(session, unit_id=find_unit(session, code).id, kinds=ASSETS)


def _receipt(make_receipt, code, amount, on=date(2025, 3, 1), **fields):
    return make_receipt(unit_code=code, amount=amount, on=on, **fields)


# --- units: the service -------------------------------------------------------------------


def test_each_change_of_a_unit_is_one_audit_event_with_before_and_after(session):
    city = find_unit(session, "HN")
    unit = add_unit(
        session,
        code="HN-PHUXUYEN",
        name="Xã Phú Xuyen",
        unit_type="xa",
        valid_from=date(2025, 7, 1),
        parent_id=city.id,
        actor_id=None,
    )
    assert (unit.level, unit.unit_type) == ("commune", "xa")
    assert update_unit(session, unit_id=unit.id, name="Xã Phú Xuyên") == ["name"]
    assert update_unit(session, unit_id=unit.id, gso_code="10345", unit_type="thi_tran") == [
        "gso_code",
        "unit_type",
    ]
    other = add_unit(
        session,
        code="HN-TEST",
        name="Thị xã Thử",
        unit_type="thi_xa",
        valid_from=date(2025, 7, 1),
        parent_id=city.id,
    )
    assert update_unit(session, unit_id=unit.id, parent_id=other.id) == ["parent_id"]
    assert update_unit(session, unit_id=unit.id, valid_to=date(2026, 12, 31)) == ["valid_to"]
    assert update_unit(session, unit_id=unit.id, name="Xã Phú Xuyên") == []
    events = (
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.object_id == unit.id, AuditEvent.object_type == "unit")
            .order_by(AuditEvent.id)
        )
        .scalars()
        .all()
    )
    assert [e.action for e in events] == ["unit.create"] + ["unit.update"] * 4
    assert json.loads(events[1].before) == {"name": "Xã Phú Xuyen"}
    assert json.loads(events[1].after) == {"name": "Xã Phú Xuyên"}
    assert json.loads(events[3].before) == {"parent_id": city.id}
    assert json.loads(events[4].after) == {"valid_to": "2026-12-31"}


@pytest.mark.parametrize(
    "change, error",
    [
        ({"parent_id": "self"}, UnitCycle),
        ({"valid_to": date(2017, 12, 31)}, UnitHasOpenChildren),
        ({"code": "TT-DUNGTIEN"}, DuplicateUnit),
        ({"gso_code": "12ab"}, InvalidUnitField),
        ({"name": "   "}, InvalidUnitField),
    ],
)
def test_unit_changes_that_break_a_rule_are_refused(session, change, error):
    district = find_unit(session, "TT")
    if change.get("parent_id") == "self":
        change = {"parent_id": find_unit(session, "TT-CHUONGDUONG").id}
    with pytest.raises(error):
        update_unit(session, unit_id=district.id, **change)


def test_a_fund_with_documents_after_the_date_or_money_cannot_close(session, make_receipt):
    make_receipt(unit_code="TT-CHUONGDUONG", amount=100_000, on=date(2018, 6, 1))
    unit_id = find_unit(session, "TT-CHUONGDUONG").id
    with pytest.raises(UnitHasLaterEntries) as caught:
        update_unit(session, unit_id=unit_id, valid_to=date(2018, 5, 31))
    assert "Xã Chương Dương" in str(caught.value) and "31/05/2018" in str(caught.value)
    with pytest.raises(UnitHoldsMoney) as caught:
        update_unit(session, unit_id=unit_id, valid_to=date(2018, 12, 31))
    assert "100000" in str(caught.value)  # the edge shows it as 100.000 đ


def test_import_creates_the_tree_once_and_reimport_adds_nothing(session):
    result = import_units(session, table=read_table("u.xlsx", _xlsx(UNITS)))
    assert len(result.new_rows) == 6
    x3 = find_unit(session, "X3")
    assert (x3.level, x3.unit_type, x3.parent_id, x3.valid_from) == (
        "commune",
        "xa",
        find_unit(session, "T1").id,
        date(2020, 1, 1),
    )
    assert find_unit(session, "T1").level == "province"
    again = import_units(session, table=read_table("u.csv", _csv(UNITS)))
    assert again.new_rows == [] and len(again.rows) == 6
    assert (
        session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "unit.create")
        ).scalar_one()
        == 6
    )


def test_import_names_every_bad_row_and_stores_nothing(session):
    rows = [
        *UNITS,
        ["X9", "", "Làng", "T9", "31/02/2025"],
        ["X1", "Xã Khác", "Xã", "T1", "01/01/2020"],
        ["TT-DUNGTIEN", "Xã Khác", "Xã", "HN", "01/01/2020"],
        ["X8", "Xã Tám", "Tỉnh", "T1", "01/01/2020"],
    ]
    preview = preview_units(session, table=read_table("u.csv", _csv(rows)))
    found = {(e.row, e.column, e.text()) for e in preview.errors}
    assert found == {
        (8, "Tên", "chưa có tên đơn vị."),
        (
            8,
            "Loại",
            "loại “Làng” không hợp lệ (Tỉnh, Thành phố, Huyện, Quận, Thị xã, Xã, "
            "Phường, Thị trấn, Đặc khu).",
        ),
        (8, "Hiệu lực từ", "ngày “31/02/2025” không hợp lệ; nhập dd/mm/yyyy."),
        (9, "Mã", "mã “X1” lặp lại ở dòng 3."),
        (10, "Mã", "mã “TT-DUNGTIEN” đã dùng cho đơn vị “Xã Dũng Tiến”."),
        (11, "Trực thuộc", "đơn vị cấp trên phải ở cấp cao hơn."),
    }
    with pytest.raises(UnitImportRejected):
        import_units(session, table=read_table("u.csv", _csv(rows)))
    assert (
        session.exec(
            select(func.count()).select_from(Unit).where(Unit.code.in_(("T1", "X1")))
        ).scalar_one()
        == 0
    )


def test_a_unit_list_with_macros_is_refused_before_reading():
    with pytest.raises(Rejected):
        read_table("units.xlsm", _xlsx(UNITS))


# --- reorganisations: the service ----------------------------------------------------------


@pytest.fixture
def tree(session):
    import_units(session, table=read_table("u.csv", _csv(UNITS)))
    return session


def test_shares_are_split_by_largest_remainder():
    assert allocate(10_000_001, [6000, 4000]) == [6_000_001, 4_000_000]
    assert allocate(100, [3333, 3333, 3334]) == [33, 33, 34]
    assert allocate(7, [5000, 5000]) == [4, 3]
    assert [parse_share(s) for s in ("100", "60", "33,33", "12.5", "0", "100,01", "1,234")] == [
        10000,
        6000,
        3333,
        1250,
        None,
        None,
        None,
    ]


def test_merge_and_split_move_every_dong_by_share(tree, make_receipt):
    session = tree
    _receipt(make_receipt, "X1", 1_000_000)
    _receipt(make_receipt, "X2", 2_500_000, method="bank")
    _receipt(make_receipt, "X3", 3_333_333)
    _receipt(make_receipt, "X3", 1_000_001, method="bank", on=date(2025, 6, 30))
    before = {c: _assets(session, c) for c in ("X1", "X2", "X3")}
    result = reorganise(session, table=read_table("r.csv", _csv(REORG)))
    assert len(result.moves) == 3
    assert {c: _assets(session, c) for c in ("X1", "X2", "X3")} == {"X1": 0, "X2": 0, "X3": 0}
    # X3 cash 3.333.333 → 2.000.000 (60 %: 1.999.999,8 rounds up) + 1.333.333; bank 1.000.001
    n1_cash = balance(session, unit_id=find_unit(session, "N1").id, kinds=("cash",))
    n2 = {k: balance(session, unit_id=find_unit(session, "N2").id, kinds=(k,)) for k in ASSETS}
    assert n1_cash == 1_000_000 + 2_000_000
    assert n2 == {"cash": 1_333_333, "bank": 400_000, "in_kind": 0}
    assert _assets(session, "N1") + _assets(session, "N2") == sum(before.values())
    assert _assets(session, "N1") == before["X1"] + before["X2"] + 2_000_000 + 600_001
    x3 = find_unit(session, "X3")
    assert x3.valid_to == date(2025, 6, 30)
    links = (
        session.exec(
            select(UnitSuccession)
            .where(UnitSuccession.predecessor_id == x3.id)
            .order_by(UnitSuccession.share_bp)
        )
        .scalars()
        .all()
    )
    assert [(ln.share_bp, ln.legal_basis) for ln in links] == [
        (4000, "Nghị quyết 1/NQ-TEST"),
        (6000, "Nghị quyết 1/NQ-TEST"),
    ]
    assert check_reorganisations(session) == []
    # the closed fund is locked through its last day: nothing can be backdated into it
    assert session.get(PeriodLock, x3.id).locked_through == date(2025, 6, 30)
    again = preview_reorganisation(session, table=read_table("r.csv", _csv(REORG)))
    assert again.errors == [] and again.moves == [] and len(again.already) == 3


def test_shares_not_totalling_100_refuse_the_file_naming_the_unit(tree, make_receipt):
    session = tree
    _receipt(make_receipt, "X3", 1_000_000)
    rows = [r[:] for r in REORG]
    rows[4][2] = "39,99"
    with pytest.raises(UnitImportRejected):
        reorganise(session, table=read_table("r.csv", _csv(rows)))
    preview = preview_reorganisation(session, table=read_table("r.csv", _csv(rows)))
    assert [(e.row, e.column, e.text()) for e in preview.errors] == [
        (4, "Tỷ lệ (%)", "tỷ lệ của “Xã Chiến” cộng lại 99,99%, phải bằng 100%.")
    ]
    session.rollback()
    assert session.exec(select(func.count()).select_from(UnitSuccession)).scalar_one() == 0


def test_money_in_transit_refuses_the_reorganisation_naming_the_transfer(tree, make_receipt):
    session = tree
    _receipt(make_receipt, "X1", 1_000_000)
    transfer = send_transfer(
        session,
        from_unit_id=find_unit(session, "X1").id,
        to_unit_id=find_unit(session, "T1").id,
        amount=400_000,
        on=date(2025, 4, 1),
        from_method="cash",
    )
    preview = preview_reorganisation(session, table=read_table("r.csv", _csv(REORG)))
    [error] = preview.errors
    assert error.row == 2 and f"khoản chuyển số {transfer.id}" in error.text()
    assert "400.000 đ" in error.text()


def test_users_move_to_the_largest_share_and_the_rest_are_told_at_sign_in(
    tree, make_receipt, make_user, client, login
):
    session = tree
    moved = make_user("thuquy.x3", "treasurer", "X3")
    rows = [
        *REORG[:3],
        ["X3", "N1", "50", "01/07/2025", "NQ"],
        ["X3", "N2", "50", "01/07/2025", "NQ"],
    ]
    stays = make_user("thuquy.x3b", "treasurer", "X2")
    tied = make_user("thuquy.x3c", "treasurer", "X3")
    reorganise(session, table=read_table("r.csv", _csv(rows[:3])))
    session.commit()
    session.rollback()
    assert session.get(User, moved.id).unit_id == find_unit(session, "X3").id  # not in that file
    assert session.get(User, stays.id).unit_id == find_unit(session, "N1").id
    event = (
        session.exec(select(AuditEvent).where(AuditEvent.action == "user.move")).scalars().first()
    )
    assert json.loads(event.after)["unit_id"] == find_unit(session, "N1").id
    reorganise(session, table=read_table("r.csv", _csv([rows[0], *rows[3:]])))
    session.commit()
    assert session.get(User, tied.id).unit_id == find_unit(session, "X3").id  # 50/50: ambiguous
    page = client.get("/auth/login")
    response = client.post(
        "/auth/login",
        data={
            "username": "thuquy.x3c",
            "password": "correct-horse-battery",
            **form_tokens(page.text),
        },
        follow_redirects=True,
    )
    shown = html.unescape(response.text)
    assert "Đơn vị Xã Chiến đã kết thúc hoạt động từ sau ngày 30/06/2025" in shown
    assert "Xã An Bình (50%)" in shown and "Xã Chiến Thắng (50%)" in shown


def test_check_names_a_successor_that_got_more_than_its_share(tree, make_receipt):
    session = tree
    _receipt(make_receipt, "X3", 1_000_000)
    reorganise(session, table=read_table("r.csv", _csv(REORG)))
    n2 = find_unit(session, "N2")
    post_entry(
        session,
        unit_id=n2.id,
        entry_date=date(2025, 7, 1),
        kind="reorg_in",
        document_id=find_unit(session, "X3").id,
        lines=[Line("cash", 1), Line("reorg_clearing", -1)],
    )
    problems = check_reorganisations(session)
    assert {p.what for p in problems} == {"reorg_total", "reorg_share"}
    assert all(isinstance(p, Problem) for p in problems)
    assert any("400001" in p.detail for p in problems)


# --- the browser --------------------------------------------------------------------------


@pytest.fixture
def hn_admin(make_user, login):
    make_user("quantri.hn", "admin", "HN")
    login("quantri.hn")


def test_units_page_lists_filters_and_pages(client, hn_admin, session):
    city = find_unit(session, "HN")
    for n in range(60):
        add_unit(
            session,
            code=f"HN-P{n:02d}",
            name=f"Phường Thử {n:02d}",
            unit_type="phuong",
            valid_from=date(2025, 7, 1),
            parent_id=city.id,
        )
    session.commit()
    first = html.unescape(client.get("/admin/units?type=phuong").text)
    for label in ("Mã", "Tên", "Loại", "Trực thuộc", "Hiệu lực từ", "Hiệu lực đến"):
        assert f"<th>{label}</th>" in first
    assert "60 đơn vị" in first and "Trang 1/2" in first
    assert first.count(">Phường</td>") == 50 and "HN-P49" in first and "HN-P50" not in first
    second = html.unescape(client.get("/admin/units?type=phuong&page=2").text)
    assert second.count(">Phường</td>") == 10 and "HN-P59" in second
    closed = html.unescape(client.get("/admin/units?status=closed&q=TT-").text)
    assert "29 đơn vị" in closed and "30/06/2025" in closed


def test_admin_creates_and_closes_a_unit_in_the_browser(client, hn_admin, submit, session):
    city = find_unit(session, "HN")
    response = submit(
        "/admin/units/new",
        {
            "code": "HN-PHUXUYEN",
            "name": "Xã Phú Xuyên",
            "unit_type": "xa",
            "parent_id": str(city.id),
            "valid_from": "01/07/2025",
            "gso_code": "10351",
        },
    )
    assert response.status_code == 302
    session.rollback()
    unit = find_unit(session, "HN-PHUXUYEN")
    assert (unit.gso_code, unit.level, unit.valid_from) == ("10351", "commune", date(2025, 7, 1))
    edit = submit(
        f"/admin/units/{unit.id}",
        {
            "code": "HN-PHUXUYEN",
            "name": "Xã Phú Xuyên Mới",
            "unit_type": "xa",
            "parent_id": str(city.id),
            "valid_from": "01/07/2025",
            "valid_to": "31/12/2026",
            "gso_code": "10351",
        },
    )
    assert edit.status_code == 302
    session.rollback()
    assert (session.get(Unit, unit.id).name, session.get(Unit, unit.id).valid_to) == (
        "Xã Phú Xuyên Mới",
        date(2026, 12, 31),
    )
    event = (
        session.exec(select(AuditEvent).where(AuditEvent.action == "unit.update")).scalars().one()
    )
    assert json.loads(event.before) == {"name": "Xã Phú Xuyên", "valid_to": None}
    bad = submit(
        "/admin/units/new",
        {
            "code": "TT",
            "name": "Trùng",
            "unit_type": "xa",
            "parent_id": str(city.id),
            "valid_from": "01/07/2025",
        },
    )
    assert bad.status_code == 400 and "Đã có đơn vị mã “TT”." in html.unescape(bad.text)


def test_a_district_admin_cannot_touch_units_outside_its_scope(client, make_user, login, session):
    make_user("quantri.tt", "admin", "TT")
    login("quantri.tt")
    assert client.get(f"/admin/units/{find_unit(session, 'HN-THUONGTIN').id}").status_code == 404
    assert client.get(f"/admin/units/{find_unit(session, 'TT-DUNGTIEN').id}").status_code == 200
    page = client.get("/admin/units/new")
    assert "HN-THUONGTIN" not in page.text and ">—<" not in page.text
    treasurer = make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    login(treasurer.username)
    refused = client.get("/admin/units")
    assert refused.status_code == 403
    # the page says why, not "Yêu cầu không hợp lệ" (an invalid request) as for a bad form
    assert "Tài khoản của bạn không có quyền mở trang này" in refused.text
    assert "Yêu cầu không hợp lệ" not in refused.text


def _upload(client, url, name, data):
    page = client.get(url)
    assert page.status_code == 200 and "Tiêu đề" not in page.text
    return client.post(
        url,
        data={**form_tokens(page.text), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _confirm(client, preview, url):
    token = preview.text.split('name="token" value="')[1].split('"')[0]
    return client.post(url, data={**form_tokens(preview.text.split("<form")[1]), "token": token})


def test_upload_preview_and_confirm_a_unit_list_and_a_reorganisation(
    client, hn_admin, session, make_receipt
):
    rows = [UNITS[0]] + [[r[0], r[1], r[2], r[3] or "HN", r[4]] for r in UNITS[1:2]] + UNITS[2:]
    rows[1][2] = "Thành phố thuộc tỉnh"  # a district-level city under Hà Nội, to keep the depth
    preview = _upload(client, "/admin/units/import", "units.xlsx", _xlsx(rows))
    assert preview.status_code == 200 and "6 đơn vị sẽ được thêm" in html.unescape(preview.text)
    done = _confirm(client, preview, "/admin/units/import/commit")
    assert done.status_code == 302
    session.rollback()
    assert find_unit(session, "X3").parent_id == find_unit(session, "T1").id
    _receipt(make_receipt, "X3", 1_000_001)
    session.commit()
    bad = [r[:] for r in REORG]
    bad[3][2] = "70"
    refused = _upload(client, "/admin/units/reorganise", "r.csv", _csv(bad))
    assert "tỷ lệ của “Xã Chiến” cộng lại 110%, phải bằng 100%." in html.unescape(refused.text)
    preview = _upload(client, "/admin/units/reorganise", "r.csv", _csv(REORG))
    shown = html.unescape(preview.text)
    assert "3 đơn vị cũ sẽ được sắp xếp." in shown and "600.001 đ" in shown and "400.000 đ" in shown
    assert _confirm(client, preview, "/admin/units/reorganise/commit").status_code == 302
    session.rollback()
    assert _assets(session, "N1") == 600_001 and _assets(session, "N2") == 400_000


def test_cli_adds_renames_and_closes_a_unit(runner, session):
    added = runner.invoke(
        args=[
            "units",
            "add",
            "--code",
            "HN-PHUXUYEN",
            "--name",
            "Xã Phú Xuyên",
            "--type",
            "Xã",
            "--parent",
            "HN",
            "--from",
            "01/07/2025",
        ]
    )
    assert added.exit_code == 0 and "Đã tạo HN-PHUXUYEN Xã Phú Xuyên." in added.output
    edited = runner.invoke(
        args=[
            "units",
            "edit",
            "HN-PHUXUYEN",
            "--name",
            "Xã Phú Xuyên Mới",
            "--gso-code",
            "10351",
            "--to",
            "31/12/2026",
        ]
    )
    assert edited.exit_code == 0 and "gso_code, name, valid_to" in edited.output, edited.output
    bad = runner.invoke(
        args=[
            "units",
            "add",
            "--code",
            "TT",
            "--name",
            "X",
            "--type",
            "Xã",
            "--parent",
            "HN",
            "--from",
            "01/07/2025",
        ]
    )
    assert bad.exit_code == 2 and "Đã có đơn vị mã “TT”." in bad.output
    session.rollback()
    unit = find_unit(session, "HN-PHUXUYEN")
    assert (unit.name, unit.gso_code, unit.valid_to) == (
        "Xã Phú Xuyên Mới",
        "10351",
        date(2026, 12, 31),
    )
    assert [
        e.action
        for e in session.exec(
            select(AuditEvent).where(
                AuditEvent.object_id == unit.id, AuditEvent.object_type == "unit"
            )
        ).scalars()
    ] == ["unit.create", "unit.update"]


# --- the CLI, from an empty database -------------------------------------------------------


@pytest.fixture
def empty_runner(template_db, tmp_path):
    """A CLI runner on a migrated database holding nothing at all."""
    from sqlalchemy import text

    from ledger import create_app
    from ledger.engine import dispose_engines, get_engine
    from ledger.migrate import upgrade
    from tests.conftest import PG_URL

    if PG_URL:
        url = template_db
        with get_engine(url).begin() as conn:
            tables = (
                conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                        "AND tablename <> 'alembic_version'"
                    )
                )
                .scalars()
                .all()
            )
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
    else:
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        upgrade(url)
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "k", "SERVER_NAME": "localhost"}
    )
    yield app.test_cli_runner(), url
    dispose_engines()


def test_cli_sets_up_units_and_reorganises_from_an_empty_database(empty_runner, tmp_path):
    from ledger.engine import get_engine, new_session

    runner, url = empty_runner
    (tmp_path / "units.csv").write_bytes(_csv(UNITS))
    (tmp_path / "bad.csv").write_bytes(_csv([*REORG[:4], ["X3", "N2", "30", "01/07/2025", "NQ"]]))
    (tmp_path / "reorg.xlsx").write_bytes(_xlsx(REORG))
    header = "Ngày,Số biên lai,Người ủng hộ,Số tiền,Hình thức"
    receipts = {
        "X1": [
            "05/01/2025,B1,Nguyễn Văn An,1.000.000,tiền mặt",
            "06/02/2025,B2,Trần Thị Bình,250.001,chuyển khoản",
        ],
        "X2": ["07/03/2025,B3,Lê Văn Cường,2.000.000,tiền mặt"],
        "X3": [
            "08/04/2025,B4,Công ty May,3.333.333,tiền mặt",
            "30/06/2025,B5,Hội Phụ nữ,1.000.001,chuyển khoản",
        ],
    }
    first = runner.invoke(args=["units", "import", str(tmp_path / "units.csv")])
    assert first.exit_code == 0 and "Đã thêm 6 đơn vị" in first.output, first.output
    assert (
        "Đã thêm 0 đơn vị; 6 đơn vị đã có."
        in runner.invoke(args=["units", "import", str(tmp_path / "units.csv")]).output
    )
    for code, lines in receipts.items():
        path = tmp_path / f"{code}.csv"
        path.write_text("\n".join([header, *lines]), encoding="utf-8")
        result = runner.invoke(args=["import-receipts", str(path), "--unit", code])
        assert result.exit_code == 0, result.output
    refused = runner.invoke(args=["units", "reorganise", str(tmp_path / "bad.csv")])
    assert refused.exit_code == 1
    assert (
        "Dòng 4, cột Tỷ lệ (%): tỷ lệ của “Xã Chiến” cộng lại 90%, phải bằng 100%."
        in refused.output
    )
    done = runner.invoke(args=["units", "reorganise", str(tmp_path / "reorg.xlsx")])
    assert done.exit_code == 0 and "Đã sắp xếp 3 đơn vị cũ." in done.output, done.output
    after = tmp_path / "after.csv"
    after.write_text(f"{header}\n15/08/2025,B9,Nguyễn Văn An,500.000,tiền mặt", encoding="utf-8")
    assert runner.invoke(args=["import-receipts", str(after), "--unit", "N2"]).exit_code == 0
    before_x3 = runner.invoke(args=["import-receipts", str(after), "--unit", "X3"])
    assert before_x3.exit_code != 0  # a closed unit takes no receipt
    check = runner.invoke(args=["check"])
    assert check.exit_code == 0, check.output
    session = new_session(get_engine(url), write=False)
    try:
        x3_cash, x3_bank = 3_333_333, 1_000_001
        n1 = {k: balance(session, unit_id=find_unit(session, "N1").id, kinds=(k,)) for k in ASSETS}
        n2 = {k: balance(session, unit_id=find_unit(session, "N2").id, kinds=(k,)) for k in ASSETS}
        assert n1["cash"] == 1_000_000 + 2_000_000 + allocate(x3_cash, [6000, 4000])[0]
        assert n1["bank"] == 250_001 + allocate(x3_bank, [6000, 4000])[0]
        assert n2 == {"cash": 1_333_333 + 500_000, "bank": 400_000, "in_kind": 0}
        assert sum(n1.values()) + sum(n2.values()) == 7_583_335 + 500_000
        assert check_reorganisations(session) == []
        assert (
            session.exec(
                select(func.count()).select_from(Entry).where(Entry.kind == "reorg_in")
            ).scalar_one()
            == 4
        )
        clearing = session.exec(
            select(func.sum(Account.balance)).where(Account.kind == "reorg_clearing")
        ).scalar_one()
        assert clearing == 0
    finally:
        session.close()
