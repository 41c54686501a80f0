"""Campaigns (issue #12): set-up by CLI and browser, calendars and templates, every level sees its
own, the dashboard's figures equal independent sums."""

import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from ledger.models import AuditEvent, Campaign, Disbursement, Quota, Receipt, ReportPeriod
from ledger.services.calendars import template_periods
from ledger.services.campaigns import (
    copy_campaign,
    create_campaign,
    find_campaign,
    set_quota,
    set_report_period,
)
from ledger.services.progress import campaign_progress
from ledger.services.receipts import ReceiptInput, record_receipt
from ledger.services.reorganisation import reorganise
from ledger.services.units import create_unit, find_unit
from tests.conftest import form_tokens


def _cli(runner, *args):
    result = runner.invoke(args=[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _sheet_rows(path_or_bytes):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def _receipt(session, code, amount, on):
    unit = find_unit(session, code)
    return record_receipt(
        session,
        unit_id=unit.id,
        data=ReceiptInput(receipt_date=on, amount=amount, payer_name="Nguyễn Văn An"),
    )


@pytest.fixture
def province(session):
    """A province with no district: four communes directly under it; two of them (A, B) closed
    on 30/06/2025, A merged whole into N1, B split 60/40 between N1 and N2."""
    top = create_unit(
        session, code="TP", name="Tỉnh Thử", level="province", valid_from=date(2000, 1, 1)
    )
    for code, name in (("TP-A", "Xã An"), ("TP-B", "Xã Bình")):
        create_unit(
            session,
            code=code,
            name=name,
            level="commune",
            parent_id=top.id,
            valid_from=date(2000, 1, 1),
        )
    for code, name in (("TP-N1", "Xã Nhất"), ("TP-N2", "Xã Nhì")):
        create_unit(
            session,
            code=code,
            name=name,
            level="commune",
            parent_id=top.id,
            valid_from=date(2025, 7, 1),
        )
    _receipt(session, "TP-A", 3_000_000, date(2025, 3, 1))
    _receipt(session, "TP-B", 1_000_001, date(2025, 4, 1))
    reorganise(
        session,
        table=[
            ["Đơn vị cũ", "Đơn vị mới", "Tỷ lệ (%)", "Ngày hiệu lực", "Căn cứ"],
            *(
                [old, new, share, "01/07/2025", "Nghị quyết thử"]
                for old, new, share in (
                    ("TP-A", "TP-N1", "100"),
                    ("TP-B", "TP-N1", "60"),
                    ("TP-B", "TP-N2", "40"),
                )
            ),
        ],
    )
    _receipt(session, "TP", 7_000_000, date(2025, 8, 1))  # after the cut-off a year back
    session.commit()
    return top


def test_cli_sets_up_a_2026_campaign_and_exports_the_period_report(
    runner, province, session, tmp_path
):
    """From the CLI alone: campaign, quotas from the annex table, a calendar, receipts, then the
    exported report's figures — and the successors' "cùng kỳ" = Σ predecessor × share."""
    _cli(
        runner,
        "campaigns",
        "add",
        "--unit",
        "TP",
        "--code",
        "2026",
        "--name",
        "Vận động Quỹ năm 2026",
        "--target",
        "50.000.000",
        "--from",
        "01/01/2026",
        "--to",
        "31/12/2026",
    )
    annex = tmp_path / "quotas.csv"
    annex.write_text(
        'STT,TÊN ĐƠN VỊ,Số tiền (Đồng)\n1,Xã Nhất,"30.000.000"\n'
        '2,Xã Nhì,"25.000.000"\n,Tổng cộng,"55.000.000"\n',
        encoding="utf-8",
    )
    _cli(runner, "quotas", "import", annex, "--unit", "TP", "--campaign", "2026")
    _cli(
        runner, "periods", "template", "--unit", "TP", "--campaign", "2026", "--template", "6-9-nam"
    )
    _cli(
        runner,
        "periods",
        "add",
        "--unit",
        "TP",
        "--campaign",
        "2026",
        "--name",
        "Báo cáo 6 tháng",
        "--to",
        "30/06/2026",
        "--due",
        "15/07/2026",
    )
    receipts = tmp_path / "receipts.csv"
    receipts.write_text(
        'Ngày,Người ủng hộ,Số tiền\n02/03/2026,Trần Văn Bình,"4.000.000"\n'
        '10/06/2026,Lê Thị Hoa,"1.500.000"\n15/07/2026,Lê Thị Hoa,"900.000"\n',
        encoding="utf-8",
    )
    _cli(runner, "import-receipts", receipts, "--unit", "TP-N1")
    out = tmp_path / "report.xlsx"
    _cli(
        runner,
        "export-report",
        "--unit",
        "TP",
        "--campaign",
        "2026",
        "--period",
        "Báo cáo 6 tháng",
        "--out",
        out,
    )

    session.rollback()
    campaign = find_campaign(session, unit_id=province.id, code="2026")
    periods = (
        session.exec(
            select(ReportPeriod)
            .where(ReportPeriod.campaign_id == campaign.id)
            .order_by(ReportPeriod.cutoff)
        )
        .scalars()
        .all()
    )
    assert [(p.name, p.cutoff, p.due) for p in periods] == [
        ("Báo cáo 6 tháng", date(2026, 6, 30), date(2026, 7, 15)),
        ("Báo cáo 9 tháng", date(2026, 9, 30), date(2026, 10, 15)),
        ("Báo cáo năm", date(2026, 12, 31), date(2027, 1, 10)),
    ]
    rows = _sheet_rows(out)
    figures = {r[0]: r[1:] for r in rows if r and r[0]}
    assert figures["Chỉ tiêu được giao"][0] == 50_000_000
    assert figures["Tổng chỉ tiêu phân bổ cho đơn vị trực thuộc"][0] == 55_000_000
    assert figures["Số tiền đã vận động"][0] == 5_500_000  # the 15/07 receipt is after the cut-off
    assert figures["Số tiền đã vận động"][1] == 3_000_000 + 1_000_001  # the province existed
    # successors: N1 = A × 100 % + B × 60 %, N2 = B × 40 %, each product rounded down
    assert figures["Xã Nhất"][:4] == [30_000_000, 5_500_000, 18.3, 3_000_000 + 600_000]
    assert figures["Xã Nhì"][3] == 400_000
    assert figures["Xã Nhất"][5].startswith("ước tính: Xã An 100 %, Xã Bình 60 %")
    assert figures["Xã Nhì"][5] == "ước tính: Xã Bình 40 %"


def test_cli_refuses_an_ambiguous_year_and_names_the_codes(runner, province):
    for code, start, end in (
        ("2026", "01/01/2026", "31/12/2026"),
        ("2026-THĐ", "01/06/2026", "30/06/2026"),
    ):
        _cli(
            runner,
            "campaigns",
            "add",
            "--unit",
            "TP",
            "--code",
            code,
            "--name",
            code,
            "--target",
            "10.000.000",
            "--from",
            start,
            "--to",
            end,
        )
    # the year alone picks the campaign coded as the year; the drive by its code
    _cli(
        runner,
        "periods",
        "add",
        "--unit",
        "TP",
        "--campaign",
        "2026-THĐ",
        "--name",
        "Báo cáo tháng 6",
        "--to",
        "30/06/2026",
        "--due",
        "05/07/2026",
    )
    assert "2026-THĐ" in _cli(runner, "campaigns", "list", "--unit", "TP")
    duplicate = runner.invoke(
        args=[
            "campaigns",
            "add",
            "--unit",
            "TP",
            "--code",
            "2026",
            "--name",
            "x",
            "--target",
            "1.000",
            "--from",
            "01/01/2026",
            "--to",
            "31/12/2026",
        ]
    )
    assert duplicate.exit_code == 2 and "2026" in duplicate.output
    bad_period = runner.invoke(
        args=[
            "periods",
            "add",
            "--unit",
            "TP",
            "--campaign",
            "2026-THĐ",
            "--name",
            "x",
            "--to",
            "31/07/2026",
            "--due",
            "05/08/2026",
        ]
    )
    assert bad_period.exit_code == 2 and "01/06/2026" in bad_period.output


@pytest.fixture
def commune_quota(session, province, make_user):
    """The province's 2026 campaign with a quota for Xã Nhất, a report calendar and users."""
    campaign = create_campaign(
        session,
        unit_id=province.id,
        year=2026,
        target=50_000_000,
        code="2026",
        name="Vận động năm 2026",
    )
    n1, n2 = find_unit(session, "TP-N1"), find_unit(session, "TP-N2")
    set_quota(session, campaign_id=campaign.id, unit_id=n1.id, amount=30_000_000)
    set_quota(session, campaign_id=campaign.id, unit_id=n2.id, amount=20_000_000)
    set_report_period(
        session,
        campaign_id=campaign.id,
        code="h1",
        name="Báo cáo 6 tháng",
        cutoff=date(2026, 6, 30),
        due=date(2026, 7, 15),
    )
    _receipt(session, "TP-N1", 6_000_000, date(2026, 2, 1))
    _receipt(session, "TP-N2", 2_222_000, date(2026, 2, 1))
    session.commit()
    make_user("thuquy.nhat", "treasurer", "TP-N1")
    make_user("duyet.nhat", "reviewer", "TP-N1")
    make_user("thuquy.nhi", "treasurer", "TP-N2")
    make_user("duyet.tinh", "reviewer", "TP")
    return campaign


def test_a_commune_treasurer_sees_its_quota_progress_and_reports(
    client, login, commune_quota, session
):
    login("thuquy.nhat")
    home = client.get("/").text
    assert "Vận động năm 2026" in home and "30.000.000 đ" in home and "6.000.000 đ" in home
    assert "2.222.000" not in home  # the neighbour's figures are not its own
    page = client.get(f"/campaigns/{commune_quota.id}?as_of=30/06/2026")
    assert page.status_code == 200
    assert re.search(r'id="target">30\.000\.000 đ', page.text)
    assert "6.000.000 đ (20,0" in page.text and "2.222.000" not in page.text
    assert "Xã Nhì" not in page.text
    period = (
        session.exec(select(ReportPeriod).where(ReportPeriod.campaign_id == commune_quota.id))
        .scalars()
        .one()
    )
    report = client.get(f"/campaigns/{commune_quota.id}/reports/{period.id}")
    assert report.status_code == 200 and "Xã Nhất" in report.text
    assert "ước tính" in report.text  # B went 60 % to N1
    assert client.get(f"/campaigns/{commune_quota.id}/workbook.xlsx").status_code == 404
    assert client.get(f"/campaigns/{commune_quota.id}/quotas").status_code in (403, 404)
    for name in ("progress", "yoy"):
        assert client.get(f"/campaigns/{commune_quota.id}/charts/{name}.png").status_code == 200
    api = client.get(f"/api/v1/campaigns/{commune_quota.id}/progress").get_json()
    assert (api["unit"]["code"], api["target"], api["collected"]) == (
        "TP-N1",
        30_000_000,
        6_000_000,
    )
    assert [c["code"] for c in client.get("/api/v1/campaigns").get_json()] == ["2026"]
    from ledger.services.reports import due_reports

    due = due_reports(
        session,
        unit_ids={find_unit(session, "TP-N1").id},
        today=date(2026, 7, 1),
        holder_id=find_unit(session, "TP-N1").id,
    )
    assert [p.name for p, _c, _u in due] == ["Báo cáo 6 tháng"]


def test_a_commune_without_a_quota_does_not_see_the_campaign(client, login, commune_quota, session):
    other = create_unit(
        session,
        code="TP-N9",
        name="Xã Chín",
        level="commune",
        parent_id=commune_quota.unit_id,
        valid_from=date(2025, 7, 1),
    )
    from ledger.services.users import create_user
    from tests.conftest import PASSWORD

    create_user(
        session, username="thuquy.chin", password=PASSWORD, role="treasurer", unit_id=other.id
    )
    session.commit()
    login("thuquy.chin")
    assert client.get(f"/campaigns/{commune_quota.id}").status_code == 404
    assert "Vận động năm 2026" not in client.get("/").text


def test_the_province_sees_its_communes_directly(client, login, commune_quota):
    login("duyet.tinh")
    page = client.get(f"/campaigns/{commune_quota.id}?as_of=30/06/2026").text
    assert sorted(
        re.findall(r'<tr class="[^"]*">\s*<td[^>]*><a href="[^"]*">([^<]+)</a>', page)
    ) == [
        "Xã Nhì",
        "Xã Nhất",
    ]  # the communes valid in 2026, directly under the province
    assert '3.600.000 đ <small class="estimated"' in page  # N1: A × 100 % + B × 60 %
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/campaigns/{commune_quota.id}/workbook.xlsx?as_of=30/06/2026").data)
    )
    same = {r[0]: r for r in workbook["Cùng kỳ năm trước"].iter_rows(values_only=True)}
    assert same["Xã Nhất"][2:4] == (3_600_000, "ước tính")
    assert same["Xã Nhì"][2:5] == (400_000, "ước tính", "Xã Bình 40 %")
    checks = list(workbook["Kiểm tra"].iter_rows(values_only=True))[1:]
    assert all(row[3] == "OK" for row in checks), [r for r in checks if r[3] != "OK"]
    api = client.get(f"/api/v1/campaigns/{commune_quota.id}/progress").get_json()
    units = {u["code"]: u for u in api["units"]}
    assert units["TP-N1"]["same_period_last_year"]["estimated"] is True
    assert units["TP-N1"]["same_period_last_year"]["collected"] == 3_600_000


def test_campaign_pages_create_edit_refuse_with_values_and_audit(
    client, login, make_user, session, submit
):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    tt = find_unit(session, "TT")
    data = {
        "unit_id": str(tt.id),
        "code": "2026-THĐ",
        "name": "Tháng hành động 2026",
        "target": "20.000.000",
        "starts_on": "01/06/2026",
        "ends_on": "30/06/2026",
    }
    assert submit("/campaigns/new", data).status_code == 302
    refused = submit("/campaigns/new", {**data, "name": "Tên gõ lại"})
    assert (
        refused.status_code == 400 and "Tên gõ lại" in refused.text and "2026-THĐ" in refused.text
    )
    bad_dates = submit("/campaigns/new", {**data, "code": "X", "ends_on": "01/05/2026"})
    assert bad_dates.status_code == 400 and "01/05/2026" in bad_dates.text
    session.rollback()
    campaign = find_campaign(session, unit_id=tt.id, code="2026-THĐ")
    assert campaign.target == 20_000_000 and campaign.ends_on == date(2026, 6, 30)
    edited = submit(f"/campaigns/{campaign.id}/edit", {**data, "target": "25.000.000"})
    assert edited.status_code == 302
    session.rollback()
    event = (
        session.exec(select(AuditEvent).where(AuditEvent.action == "campaign.update"))
        .scalars()
        .one()
    )
    assert '"target": 20000000' in event.before and '"target": 25000000' in event.after
    # calendar: from a template (June only: the drive lasts June), then one report edited
    page = f"/campaigns/{campaign.id}/periods"
    assert submit(page, {"t-template": "thang"}).status_code == 302
    session.rollback()
    [june] = (
        session.exec(select(ReportPeriod).where(ReportPeriod.campaign_id == campaign.id))
        .scalars()
        .all()
    )
    assert (june.cutoff, june.due) == (date(2026, 6, 30), date(2026, 7, 5))
    refused = submit(
        page, {"p-name": "Báo cáo nhanh", "p-cutoff": "15/07/2026", "p-due": "20/07/2026"}
    )
    assert refused.status_code == 400 and "Báo cáo nhanh" in refused.text
    assert (
        submit(
            f"{page}/{june.id}/edit",
            {"name": "Báo cáo tháng 6", "cutoff": "30/06/2026", "due": "10/07/2026"},
        ).status_code
        == 302
    )
    delete = client.get(page)
    assert (
        client.post(
            f"{page}/{june.id}/delete",
            data=form_tokens(
                delete.text.split(f'action="/campaigns/{campaign.id}/periods/{june.id}/delete"')[1]
            ),
        ).status_code
        == 302
    )
    session.rollback()
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert actions[-4:] == ["campaign.update", "period.set", "period.set", "period.delete"]


def test_a_treasurer_may_not_set_up_campaigns(client, login, make_user):
    make_user("thuquy.x", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.x")
    assert client.get("/campaigns/new").status_code == 403
    assert client.get("/campaigns/").status_code == 403


def test_campaign_list_pages_and_long_calendar(client, login, make_user, session):
    tt = find_unit(session, "TT")
    for number in range(55):
        create_campaign(
            session,
            unit_id=tt.id,
            year=2030,
            code=f"D{number:02d}",
            name=f"Đợt thử {number:02d}",
            target=1_000_000 + number,
            starts_on=date(2030, 1, 1),
            ends_on=date(2030, 12, 31),
        )
    campaign = find_campaign(session, unit_id=tt.id, code="D00")
    for number in range(60):
        set_report_period(
            session,
            campaign_id=campaign.id,
            code=f"k{number}",
            name=f"Kỳ {number:02d}",
            cutoff=date(2030, 1, 1 + number % 28),
            due=date(2030, 3, 1),
        )
    session.commit()
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    first, second = client.get("/campaigns/").text, client.get("/campaigns/?page=2").text
    shown = set(re.findall(r"Đợt thử \d\d", first)) | set(re.findall(r"Đợt thử \d\d", second))
    assert len(shown) == 55 and "Trang sau" in first
    calendar = client.get(f"/campaigns/{campaign.id}/periods").text
    assert len(re.findall(r"Kỳ \d\d", calendar)) == 60


def test_templates_cut_at_month_ends_and_copy_maps_quotas_to_successors(session, province):
    drive = create_campaign(
        session,
        unit_id=province.id,
        year=2026,
        code="2026-THĐ",
        target=5_000_000,
        starts_on=date(2026, 6, 1),
        ends_on=date(2026, 6, 30),
    )
    assert [p[2] for p in template_periods("6-9-nam", drive)] == [date(2026, 6, 30)]
    year = create_campaign(session, unit_id=province.id, year=2026, target=5_000_000)
    assert [p[2] for p in template_periods("quy", year)] == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 30),
        date(2026, 12, 31),
    ]
    assert template_periods("thang", year)[1][2] == date(2026, 2, 28)
    # last year's campaign had quotas for the old communes; the copy gives them to successors
    old = create_campaign(
        session,
        unit_id=province.id,
        year=2025,
        target=9_000_000,
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 6, 30),
        code="2025-H1",
    )
    set_quota(session, campaign_id=old.id, unit_id=find_unit(session, "TP-A").id, amount=3_000_000)
    set_quota(session, campaign_id=old.id, unit_id=find_unit(session, "TP-B").id, amount=5_000_001)
    set_report_period(
        session,
        campaign_id=old.id,
        code="h1",
        name="6 tháng",
        cutoff=date(2025, 6, 30),
        due=date(2025, 7, 15),
    )
    copy = copy_campaign(session, campaign_id=old.id)
    assert (copy.code, copy.starts_on, copy.ends_on) == (
        "2026-H1",
        date(2026, 1, 1),
        date(2026, 6, 30),
    )
    quotas = dict(
        session.exec(select(Quota.unit_id, Quota.amount).where(Quota.campaign_id == copy.id)).all()
    )
    assert quotas == {
        find_unit(session, "TP-N1").id: 3_000_000 + 3_000_000,
        find_unit(session, "TP-N2").id: 2_000_000,
    }
    [period] = (
        session.exec(select(ReportPeriod).where(ReportPeriod.campaign_id == copy.id))
        .scalars()
        .all()
    )
    assert (period.cutoff, period.due) == (date(2026, 6, 30), date(2026, 7, 15))
    assert session.exec(select(Campaign).where(Campaign.id == copy.id)).scalars().one()


def _ensure_new_communes(session):
    """The 4 xã of 01/07/2025 (the units branch's reorganisation creates them; here only if
    missing), two of them successors of 2018 communes, one by a 60/40 split."""
    city = find_unit(session, "HN")
    from sqlalchemy import select as _select

    from ledger.models import Unit

    for code, name in (
        ("HN-THUONGTIN", "Xã Thường Tín"),
        ("HN-THUONGPHUC", "Xã Thượng Phúc"),
        ("HN-CHUONGDUONG", "Xã Chương Dương"),
        ("HN-HONGVAN", "Xã Hồng Vân"),
    ):
        if session.exec(_select(Unit).where(Unit.code == code)).scalars().first() is None:
            create_unit(
                session,
                code=code,
                name=name,
                level="commune",
                parent_id=city.id,
                valid_from=date(2025, 7, 1),
            )
    session.commit()


def test_demo_runs_to_today(runner, session, client, login, make_user):
    _ensure_new_communes(session)
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    session.rollback()
    from sqlalchemy import func as _func

    from ledger.models import Receipt

    city = find_unit(session, "HN")
    yearly = find_campaign(session, unit_id=city.id, code="2026")
    drive = find_campaign(session, unit_id=city.id, code="2026-THĐ")
    assert yearly.name == "Vận động Quỹ Bảo trợ trẻ em năm 2026"
    assert (drive.starts_on, drive.ends_on) == (date(2026, 6, 1), date(2026, 6, 30))
    cutoffs = [
        p.cutoff
        for p in session.exec(
            select(ReportPeriod)
            .where(ReportPeriod.campaign_id == yearly.id)
            .order_by(ReportPeriod.cutoff)
        ).scalars()
    ]
    assert cutoffs == [date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)]
    quotas = session.exec(select(Quota).where(Quota.campaign_id == yearly.id)).scalars().all()
    assert len(quotas) == 4
    xa = find_unit(session, "HN-CHUONGDUONG")
    today = date.today()

    def counts():
        return (
            session.exec(select(_func.count(Receipt.id))).scalar_one(),
            session.exec(select(_func.count(Campaign.id))).scalar_one(),
        )

    before = counts()
    assert (
        session.exec(
            select(_func.count(Receipt.id)).where(
                Receipt.unit_id == xa.id, Receipt.receipt_date == today
            )
        ).scalar_one()
        >= 1
    )
    tt2018 = session.exec(
        select(_func.sum(Receipt.amount)).where(Receipt.receipt_date < date(2019, 1, 1))
    ).scalar_one()
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    session.rollback()
    assert counts() == before
    assert (
        session.exec(
            select(_func.sum(Receipt.amount)).where(Receipt.receipt_date < date(2019, 1, 1))
        ).scalar_one()
        == tt2018
    )
    # a treasurer of a 2026 xã records a receipt dated today and sees the quota page
    make_user("thuquy.moi", "treasurer", "HN-CHUONGDUONG")
    _receipt(session, "HN-CHUONGDUONG", 1_000_000, today)
    session.commit()
    login("thuquy.moi")
    page = client.get(f"/campaigns/{yearly.id}")
    assert page.status_code == 200 and "120.000.000 đ" in page.text
    assert "Cùng kỳ năm trước" in page.text
    assert client.get(f"/campaigns/{drive.id}").status_code == 200


@pytest.mark.parametrize(
    "field,value",
    [
        ("code", "x" * 10_000),
        ("code", "\u200b"),
        ("name", "\x00\x07"),
        ("target", "1e9"),
        ("target", "-0"),
        ("target", str(2**63)),
        ("starts_on", "31/02/2026"),
        ("ends_on", "01/01/9999"),
        ("unit_id", "999999999"),
        ("unit_id", "abc"),
    ],
)
def test_campaign_form_refuses_hostile_values_without_a_server_error(
    client, login, make_user, session, submit, field, value
):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    data = {
        "unit_id": str(find_unit(session, "TT").id),
        "code": "H",
        "name": "Đợt",
        "target": "1.000.000",
        "starts_on": "01/01/2026",
        "ends_on": "31/12/2026",
        field: value,
    }
    response = submit("/campaigns/new", data)
    assert response.status_code in (302, 400, 404), response.status_code
    session.rollback()
    campaign = find_campaign(
        session, unit_id=find_unit(session, "TT").id, code="H"
    ) or find_campaign(session, unit_id=find_unit(session, "TT").id, code="2026")
    if response.status_code == 302:  # a blank code after cleaning defaults to the year
        assert campaign is not None and 0 < campaign.target <= 10**12
    page = submit(
        f"/campaigns/{find_campaign(session, unit_id=find_unit(session, 'TT').id, year=2018).id}/periods",
        {"p-name": value if field == "name" else "Kỳ", "p-cutoff": value, "p-due": value},
    )
    assert page.status_code in (302, 400)


def _independent_totals(session, campaign):
    receipts = session.exec(
        select(func.sum(Receipt.amount)).where(
            Receipt.voided_at.is_(None), Receipt.source.in_(("donation", "designated"))
        )
    ).scalar_one()
    paid = session.exec(
        select(func.sum(Disbursement.amount)).where(Disbursement.status == "paid")
    ).scalar_one()
    return int(receipts), int(paid)


def test_dashboard_figures_equal_independent_sums(client, demo, session, make_user, login):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    page = client.get(f"/campaigns/{demo.id}?as_of=31/12/2018").text
    collected, paid = _independent_totals(session, demo)
    assert "200.000.000 đ" in page and "290.000.000 đ" in page
    assert "+90.000.000 đ (145,0%)" in page
    assert f"{collected:,} đ".replace(",", ".") in page
    assert f"{collected - paid:,} đ".replace(",", ".") in page  # fund balance
    assert len(re.findall(r'<tr class="(?:behind)?">', page)) == 29


def test_sorting_and_behind_schedule(client, demo, make_user, login, session):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    page = client.get(f"/campaigns/{demo.id}?as_of=31/12/2018&sort=rate&dir=asc").text
    progress = campaign_progress(session, campaign_id=demo.id)
    slowest = min(progress.rows, key=lambda r: r.rate)
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    assert slowest.name in first_row and 'class="behind"' in first_row


def test_progress_is_the_same_with_units_listed_or_queried(demo, session, monkeypatch):
    from ledger.services import units
    from ledger.services.reports import spent_by_category

    def figures():
        p = campaign_progress(session, campaign_id=demo.id)
        return (
            p.collected,
            p.disbursed,
            p.balance,
            [(r.name, r.collected, r.disbursed, r.balance) for r in p.rows],
            spent_by_category(
                session, root_id=demo.unit_id, start=date(2018, 1, 1), end=date(2018, 12, 31)
            ),
        )

    listed = figures()
    monkeypatch.setattr(units, "MAX_LISTED_UNITS", 0)  # the nation's way: a recursive CTE
    assert figures() == listed and listed[0] > 0 and listed[4]
