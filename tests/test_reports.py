"""Period reports: "cùng kỳ" across reorganisations by share, balances as of the date, every unit
listed, the report page and its due list."""

import re
from datetime import date

from sqlalchemy import select

from ledger.models import ReportPeriod
from ledger.services.books import read_book
from ledger.services.campaigns import (
    create_campaign,
    find_campaign,
    set_report_period,
)
from ledger.services.journal import balance_from_postings
from ledger.services.reports import period_report
from ledger.services.units import create_unit, find_unit, record_succession, subtree_ids
from tests.test_campaigns import (
    _receipt,
    _sheet_rows,
    province,  # noqa: F401  (fixture)
)


def test_same_period_of_a_successor_is_the_sum_of_predecessors_times_share(session, province):
    n1, n2 = find_unit(session, "TP-N1"), find_unit(session, "TP-N2")
    campaign = create_campaign(session, unit_id=n2.id, year=2026, target=10_000_000)
    period = set_report_period(
        session,
        campaign_id=campaign.id,
        code="h1",
        name="6 tháng",
        cutoff=date(2026, 6, 30),
        due=date(2026, 7, 15),
    )
    report = period_report(session, campaign_id=campaign.id, period_id=period.id)
    assert report.previous_collected == 1_000_001 * 4000 // 10000 == 400_000
    assert report.previous.estimated
    assert [(s.unit.code, s.percent) for s in report.previous.sources] == [
        ("TP-N2", 100.0),
        ("TP-B", 40.0),
    ]
    # a chain: N2 later merges whole into N3 → N3's 2025 figure is still B × 40 %
    n3 = create_unit(
        session,
        code="TP-N3",
        name="Xã Ba",
        level="commune",
        parent_id=n1.parent_id,
        valid_from=date(2026, 1, 1),
    )
    record_succession(
        session,
        predecessor_id=n2.id,
        successor_id=n3.id,
        effective_on=date(2026, 1, 1),
        share_bp=5000,
    )
    later = create_campaign(session, unit_id=n3.id, year=2026, target=1_000_000)
    period = set_report_period(
        session,
        campaign_id=later.id,
        code="h1",
        name="6 tháng",
        cutoff=date(2026, 6, 30),
        due=date(2026, 7, 15),
    )
    report = period_report(session, campaign_id=later.id, period_id=period.id)
    assert report.previous_collected == 1_000_001 * 4000 * 5000 // (10000 * 10000) == 200_000
    assert [(s.unit.code, s.percent) for s in report.previous.sources] == [
        ("TP-N3", 100.0),
        ("TP-B", 20.0),
        ("TP-N2", 50.0),
    ]


def test_whole_mergers_are_not_marked_estimated(session, province):
    campaign = create_campaign(session, unit_id=province.id, year=2026, target=10_000_000)
    period = set_report_period(
        session,
        campaign_id=campaign.id,
        code="h1",
        name="6 tháng",
        cutoff=date(2026, 6, 30),
        due=date(2026, 7, 15),
    )
    report = period_report(session, campaign_id=campaign.id, period_id=period.id)
    assert not report.previous.estimated and not report.previous.inherited
    rows = {r.name: r for r in report.rows}
    assert rows["Xã Nhất"].previous.estimated  # B's 60 % share
    assert rows["Xã Nhất"].previous.collected == 3_600_000


def test_period_report_for_30_04_2018_shows_the_cash_book_balance(
    session, client, login, make_user
):
    """The seeded 6-month report (cut at 30/04/2018) with later activity in the database."""
    for code, amount, on in (
        ("TT-CHUONGDUONG", 5_000_000, date(2018, 4, 30)),
        ("TT-CHUONGDUONG", 7_000_000, date(2018, 5, 1)),
        ("TT-DUNGTIEN", 2_000_000, date(2018, 3, 3)),
        ("TT-DUNGTIEN", 9_000_000, date(2018, 11, 3)),
    ):
        _receipt(session, code, amount, on)
    session.commit()
    tt = find_unit(session, "TT")
    campaign = find_campaign(session, unit_id=tt.id, year=2018)
    period = (
        session.exec(
            select(ReportPeriod).where(
                ReportPeriod.campaign_id == campaign.id, ReportPeriod.code == "h1"
            )
        )
        .scalars()
        .one()
    )
    assert period.cutoff == date(2018, 4, 30)  # the 2018 plan's calendar is kept as data
    report = period_report(session, campaign_id=campaign.id, period_id=period.id)
    funds = subtree_ids(session, tt.id)
    books = sum(
        read_book(
            session, unit_id=u, kind=k, date_from=date(2018, 1, 1), date_to=date(2018, 4, 30)
        ).closing
        for u in funds
        for k in ("cash", "bank")
    )
    assert report.progress.balance == books == 7_000_000
    assert report.progress.balance == sum(
        balance_from_postings(session, unit_id=u, kinds=("cash", "bank"), through=date(2018, 4, 30))
        for u in funds
    )
    rows = {r.name: r for r in report.progress.rows}
    assert rows["Xã Chương Dương"].balance == 5_000_000
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    page = client.get(f"/campaigns/{campaign.id}/reports/{period.id}").text
    assert "7.000.000 đ" in page
    sheet = _sheet_rows(client.get(f"/campaigns/{campaign.id}/reports/{period.id}.xlsx").data)
    assert next(r for r in sheet if r[0] == "Tồn quỹ (tiền mặt + ngân hàng)")[1] == 7_000_000
    # each unit's line shows its own books' closing at the cut-off, on the page and in the sheet
    header = next(r for r in sheet if r[0] == "Theo đơn vị")
    lines = {
        r[0]: dict(zip(header, r, strict=False)) for r in sheet if r[0] and r[0].startswith("Xã")
    }
    for name, code in (("Xã Chương Dương", "TT-CHUONGDUONG"), ("Xã Dũng Tiến", "TT-DUNGTIEN")):
        unit_id = find_unit(session, code).id
        closing = sum(
            read_book(
                session,
                unit_id=unit_id,
                kind=k,
                date_from=date(2018, 1, 1),
                date_to=date(2018, 4, 30),
            ).closing
            for k in ("cash", "bank")
        )
        assert (
            lines[name]["Tồn quỹ"]
            == closing
            == {"Xã Chương Dương": 5_000_000, "Xã Dũng Tiến": 2_000_000}[name]
        )
    row = re.search(r"<tr><td[^>]*>Xã Chương Dương</td>(.*?)</tr>", page).group(1)
    assert "5.000.000 đ" in row and "12.000.000" not in row
    dashboard = client.get(f"/campaigns/{campaign.id}?as_of=30/04/2018").text
    assert "7.000.000 đ" in dashboard


def test_report_lists_every_unit_and_counts_a_successors_own_months(
    session, province, client, login, make_user
):
    """A report of 60 communes shows all 60; a successor that existed for part of last year's
    span counts its own receipts since then plus its predecessors' × share before."""
    for number in range(58):
        create_unit(
            session,
            code=f"TP-X{number:02d}",
            name=f"Xã Số {number:02d}",
            level="commune",
            parent_id=province.id,
            valid_from=date(2025, 7, 1),
        )
    _receipt(session, "TP-N1", 2_500_000, date(2025, 8, 1))
    campaign = create_campaign(session, unit_id=province.id, year=2026, target=10_000_000)
    period = set_report_period(
        session,
        campaign_id=campaign.id,
        code="year",
        name="Báo cáo năm",
        cutoff=date(2026, 12, 31),
        due=date(2027, 1, 10),
    )
    session.commit()
    report = period_report(session, campaign_id=campaign.id, period_id=period.id)
    rows = {r.name: r for r in report.rows}
    assert rows["Xã Nhất"].previous.collected == 2_500_000 + 3_000_000 + 600_000
    make_user("duyet.tinh", "reviewer", "TP")
    login("duyet.tinh")
    page = client.get(f"/campaigns/{campaign.id}/reports/{period.id}").text
    assert len(set(re.findall(r"Xã Số \d\d", page))) == 58
    assert "Xã Nhất" in page and "Xã Nhì" in page


def test_same_period_last_year_sums_predecessors_of_a_merged_unit(session, make_receipt):
    old = [find_unit(session, c) for c in ("TT-CHUONGDUONG", "TT-DUNGTIEN")]
    make_receipt(unit_code="TT-CHUONGDUONG", amount=4_000_000, on=date(2024, 3, 1))
    make_receipt(unit_code="TT-DUNGTIEN", amount=6_000_000, on=date(2024, 4, 1))
    make_receipt(unit_code="TT-DUNGTIEN", amount=9_000_000, on=date(2024, 9, 1))
    merged = find_unit(session, "HN-CHUONGDUONG")  # seeded: seed/units_2025.csv
    for unit in old:
        record_succession(
            session, predecessor_id=unit.id, successor_id=merged.id, effective_on=date(2025, 7, 1)
        )
    campaign = create_campaign(session, unit_id=merged.id, year=2025, target=20_000_000)
    period = set_report_period(
        session,
        campaign_id=campaign.id,
        code="h1",
        name="Báo cáo 6 tháng",
        cutoff=date(2025, 6, 30),
        due=date(2025, 7, 15),
    )
    report = period_report(session, campaign_id=campaign.id, period_id=period.id)
    assert report.previous_collected == 10_000_000
    assert {u.code for u in report.previous_units} == {"TT-CHUONGDUONG", "TT-DUNGTIEN"}


def test_period_report_page_and_due_list(client, demo, make_user, login):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    page = client.get(f"/campaigns/{demo.id}/reports/1")
    assert "Báo cáo 6 tháng" in page.text and "Hoạt động của Quỹ Bảo trợ trẻ em" in page.text
    assert client.get(f"/campaigns/{demo.id}/reports/1.xlsx").data[:2] == b"PK"


def test_the_menus_báo_cáo_lands_on_the_period_reports(client, demo, make_user, login):
    """ "Báo cáo" opens the period reports of the campaigns the user follows, each linked; the
    reports coming due stay one click away (issue #15)."""
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    page = client.get("/campaigns/reports")
    assert 'href="/campaigns/reports"' in page.text  # the menu's "Báo cáo"
    assert demo.name in page.text
    for name in ("Báo cáo 6 tháng", "Báo cáo 9 tháng", "Báo cáo năm"):
        assert name in page.text
    assert f"/campaigns/{demo.id}/reports/" in page.text and 'href="/campaigns/due"' in page.text
