"""On a phone (390 px) every list keeps its amount and its action on screen, the page never
scrolls sideways, the top bar folds away; each printable page prints on its own paper without
the chrome (issue #15, "Navigation, phone and printing"). Screenshots at 390 and 1366 px go to
tests/screenshots/."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ledger.services.campaigns import find_campaign
from ledger.services.demo import DEMO_PASSWORD
from ledger.services.units import find_unit
from tests.browser import SIGN_IN, _shots

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

#: what is wrong with the lists of the page at phone width, as a list of sentences (empty: fine)
LIST_PROBLEMS = """() => {
  const width = window.innerWidth, problems = [];
  const scroll = document.scrollingElement.scrollWidth;
  if (scroll > width + 1) problems.push(`the page scrolls sideways: ${scroll} px`);
  document.querySelectorAll("table.list").forEach((table, t) => {
    const name = table.id || `table.list #${t + 1}`;
    table.querySelectorAll("td").forEach((td) => {
      if (!td.hasAttribute("data-label"))
        problems.push(`${name}: a cell without data-label: "${td.textContent.trim().slice(0, 40)}"`);
    });
    table.querySelectorAll("tbody tr, tfoot tr").forEach((tr, r) => {
      tr.querySelectorAll("td.money, td.act").forEach((td) => {
        if (!td.textContent.trim()) return;  // an empty amount or action hides on a phone
        const box = td.getBoundingClientRect();
        const what = `${name} row ${r + 1} ${td.className} "${td.textContent.trim().slice(0, 30)}"`;
        if (box.width === 0 || box.height === 0) problems.push(`${what} is not shown`);
        else if (box.left < 0 || box.right > width)
          problems.push(`${what} lies at ${Math.round(box.left)}–${Math.round(box.right)} px`);
      });
    });
  });
  return problems;
}"""

#: KPI cards whose figure is cut (wider than its card)
CLIPPED_FIGURES = """() => [...document.querySelectorAll(".figures dd")]
  .filter((dd) => dd.scrollWidth > dd.clientWidth + 1 || dd.getBoundingClientRect().right > window.innerWidth)
  .map((dd) => dd.textContent.trim())"""


@pytest.fixture
def demo_world(runner, session, make_receipt):
    """The whole demo (2018 history, the 2025 reorganisation, 2026), a queued job and an API
    token so that those lists have rows; the ids the list pages need."""
    from sqlalchemy import select

    from ledger.models import Receipt, ReportPeriod, User
    from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
    from ledger.services.disbursements import DisbursementInput, draft_disbursement
    from ledger.services.jobs import start_workbook_job

    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    assert runner.invoke(args=["api-token", "admin", "--name", "Máy chủ báo cáo"]).exit_code == 0
    district, commune = find_unit(session, "TT"), find_unit(session, "TT-CHUONGDUONG")
    xa = find_unit(session, "HN-THUONGTIN")
    hanoi = find_unit(session, "HN")
    y2018 = find_campaign(session, unit_id=district.id, year=2018)
    y2026 = find_campaign(session, unit_id=hanoi.id, year=2026)
    auditor = session.exec(select(User).where(User.username == "auditor.thuongtin")).scalar_one()
    start_workbook_job(
        session, user_id=auditor.id, campaign_id=y2018.id, as_of=date(2018, 12, 31), unmasked=False
    )
    # a long amount, in a xã that has not filed its 6-month report (Xã Thường Tín filed it in the
    # demo, which closed its books to 30/06)
    make_receipt("HN-HONGVAN", amount=3_316_355_001, on=date(2026, 6, 1))
    session.commit()
    period = (
        session.exec(
            select(ReportPeriod)
            .where(ReportPeriod.campaign_id == y2018.id)
            .order_by(ReportPeriod.cutoff)
        )
        .scalars()
        .first()
    )
    child = create_beneficiary(
        session,
        unit_id=xa.id,
        data=BeneficiaryInput(full_name="Nguyễn Văn Bé", birth_date=date(2015, 3, 4), sex="male"),
    )
    draft_disbursement(
        session,
        unit_id=xa.id,
        data=DisbursementInput(
            disbursement_date=date.today(),
            category_id=1,
            payee_name="Mẹ của trẻ, người nhận có tên khá dài để thử xuống dòng",
            beneficiary_id=child.id,
            amount=3_316_355_001,
            reason="Phẫu thuật tim",
        ),
    )
    session.commit()
    receipt = (
        session.exec(select(Receipt).where(Receipt.unit_id == commune.id).order_by(Receipt.id))
        .scalars()
        .first()
    )
    return {
        "district": district.id,
        "commune": commune.id,
        "xa": xa.id,
        "y2018": y2018.id,
        "y2026": y2026.id,
        "period": period.id,
        "child": child.id,
        "receipt": receipt.id,
    }


def _pages(w: dict) -> dict[str | None, list[str]]:
    """Every list page, as the demo role who uses it opens it (None: not signed in)."""
    year2018 = "from=01/01/2018&to=31/12/2018"
    return {
        "treasurer.chuongduong": [
            "/",
            "/receipts/",
            "/disbursements/",
            "/transfers/",
            "/beneficiaries/",
            f"/books/{w['commune']}/cash?{year2018}",
            f"/books/{w['commune']}/bank?{year2018}",
            "/campaigns/reports",
            "/campaigns/due",
            "/bank/",
            f"/funds/{w['commune']}/cash-counts",
        ],
        "treasurer.xathuongtin": [
            "/",
            "/receipts/",
            "/disbursements/",
            "/transfers/",
            "/beneficiaries/",
            f"/beneficiaries/{w['child']}",
            f"/books/{w['xa']}/cash",
            f"/books/{w['xa']}/bank",
        ],
        "reviewer.thuongtin": [
            "/",
            f"/receipts/?unit={w['district']}",
            "/disbursements/queue",
            "/books/",
            f"/books/{w['district']}/cash?{year2018}",
            f"/campaigns/{w['y2018']}?as_of=31/12/2018",
            f"/campaigns/{w['y2018']}/reports/{w['period']}",
            "/campaigns/reports",
            "/campaigns/",
            f"/campaigns/{w['y2018']}/periods",
        ],
        "reviewer.hanoi": [
            "/",
            "/books/",
            "/campaigns/reports",
            "/disbursements/",
            "/disbursements/queue",
            "/transfers/",
            "/beneficiaries/",
            f"/campaigns/{w['y2026']}",
            "/bank/",
        ],
        "auditor.thuongtin": ["/audit/", "/jobs/", "/books/", "/campaigns/reports"],
        "admin": [
            "/admin/users",
            "/admin/units",
            "/admin/categories",
            "/admin/settings",
            "/account/tokens",
            "/audit/",
            "/receipts/",
        ],
        None: [
            "/public/",
            f"/public/campaigns/{w['y2018']}",
            f"/public/campaigns/{w['y2026']}",
            f"/public/units/{w['xa']}",
        ],
    }


def _sign_in(page, base: str, username: str | None) -> None:
    if username is None:
        return
    page.goto(base + "/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click(SIGN_IN)
    page.wait_for_url(base + "/")


def _shot(page, username: str | None, path: str, width: int) -> None:
    name = re.sub(r"[^A-Za-z0-9]+", "-", f"{username or 'public'}{path}").strip("-")[:90]
    height = page.evaluate("document.scrollingElement.scrollHeight")
    page.screenshot(path=str(_shots() / f"phone-{name}-{width}.png"), full_page=height < 6000)


def test_every_list_keeps_its_amount_and_action_on_a_phone(browser, live_server, demo_world):
    """At 390 px, in every row of every list the amount and the row's action lie inside the
    screen, every cell carries its column's label, no page scrolls sideways and no KPI card
    cuts its figure; the same pages at 1366 px are photographed for reading."""
    base, problems, tables = live_server.url, {}, 0
    for username, paths in _pages(demo_world).items():
        for viewport in (PHONE, DESKTOP):
            context = browser.new_context(viewport=viewport, locale="vi-VN")
            page = context.new_page()
            _sign_in(page, base, username)
            for path in paths:
                response = page.goto(base + path)
                assert response is not None and response.status == 200, (username, path)
                _shot(page, username, path, viewport["width"])
                found = page.evaluate(CLIPPED_FIGURES)
                if viewport is PHONE:
                    found += page.evaluate(LIST_PROBLEMS)
                    tables += page.locator("table.list").count()
                if found:
                    problems[f"{username} {path} @{viewport['width']}"] = found
            context.close()
    assert not problems, problems
    assert tables >= 30  # the lists were there to be checked


def test_kpi_cards_never_cut_a_long_amount(browser, live_server, demo_world):
    """ "3.316.355.001 đ (803,1%)" fits its card at every width from a phone to a desktop."""
    base, cut = live_server.url, {}
    for width in (320, 390, 560, 700, 900, 1024, 1366):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
        page = context.new_page()
        _sign_in(page, base, "reviewer.hanoi")
        for path in (
            "/",
            f"/campaigns/{demo_world['y2026']}",
            f"/public/campaigns/{demo_world['y2026']}",
        ):
            page.goto(base + path)
            assert re.search(r"\d\.\d{3}\.\d{3}\.\d{3} đ", page.inner_text(".figures"))  # tỷ
            if found := page.evaluate(CLIPPED_FIGURES):
                cut[f"{path} @{width}"] = found
        context.close()
    assert not cut, cut


def test_the_top_bar_folds_behind_a_menu_button_on_a_phone(browser, live_server, demo_world):
    """Closed, the phone's top bar is one line (≤ 60 px); the Menu button (a checkbox, so
    without JavaScript too, reachable by keyboard) opens every link; on a desktop the links show."""
    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/auth/login")
    page.fill("input[name=username]", "reviewer.thuongtin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click(SIGN_IN)
    page.wait_for_url(base + "/")  # a goto before the sign-in has landed could cancel it
    page.goto(base + "/receipts/")
    bar = page.locator("header.topbar")
    assert bar.bounding_box()["height"] <= 60
    assert not bar.get_by_role("link", name="Sổ quỹ", exact=True).is_visible()
    page.screenshot(path=str(_shots() / "phone-menu-closed-390.png"))
    page.get_by_text("Menu").click()
    for name in ("Phiếu thu", "Sổ quỹ", "Báo cáo", "Đăng xuất"):
        assert (
            page.get_by_role("link", name=name)
            .or_(page.get_by_role("button", name=name))
            .first.is_visible()
        ), name
    page.screenshot(path=str(_shots() / "phone-menu-open-390.png"))
    bar.get_by_role("link", name="Sổ quỹ", exact=True).click()
    page.wait_for_url("**/books/")
    page.wait_for_load_state("load")  # Tab before the new page has loaded focuses nothing
    page.keyboard.press("Tab")  # the brand link, then the menu's checkbox
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "menu-toggle"
    page.keyboard.press("Space")
    assert bar.get_by_role("link", name="Báo cáo", exact=True).is_visible()
    context.close()
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    _sign_in(page, base, "reviewer.thuongtin")
    assert page.locator("header.topbar").get_by_role("link", name="Sổ quỹ", exact=True).is_visible()
    assert not page.get_by_text("Menu").is_visible()
    context.close()


def test_the_cash_book_reads_on_a_phone(browser, live_server, demo_world):
    """The 2018 cash book at 390 px: "Diễn giải" wraps as text (not one word per line) and the
    book is at most twice as tall as on a desktop (it was 5.700 px)."""
    base, path = (
        live_server.url,
        f"/books/{demo_world['commune']}/cash?from=01/01/2018&to=31/12/2018",
    )
    heights = {}
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        page = context.new_page()
        _sign_in(page, base, "treasurer.chuongduong")
        page.goto(base + path)
        heights[viewport["width"]] = page.evaluate("document.scrollingElement.scrollHeight")
        if viewport is PHONE:
            widths = page.eval_on_selector_all(
                "table.list td.desc", "cells => cells.map((c) => c.getBoundingClientRect().width)"
            )
            assert widths and min(widths) >= 200, widths  # a line of ~30 characters
        context.close()
    assert heights[390] <= 2 * heights[1366], heights


def _paper(pdf: bytes) -> tuple[int, int]:
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box
    return round(float(box[1])), round(float(box[2]))


def test_each_printable_page_prints_on_its_own_paper_without_the_chrome(
    browser, live_server, demo_world
):
    """Books print on A4 portrait, period reports on A4 landscape, vouchers on A5; the top bar,
    the filter form and the buttons are not printed, the book says its dates instead."""
    base, w = live_server.url, demo_world
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    _sign_in(page, base, "treasurer.chuongduong")
    book = f"{base}/books/{w['commune']}/cash?from=01/01/2018&to=31/12/2018"
    page.goto(book)
    assert _paper(page.pdf(prefer_css_page_size=True)) == (595, 842)
    page.goto(f"{base}/campaigns/{w['y2018']}/reports/{w['period']}")
    assert _paper(page.pdf(prefer_css_page_size=True)) == (842, 595)
    page.goto(f"{base}/receipts/{w['receipt']}")
    assert _paper(page.pdf(prefer_css_page_size=True)) == (420, 595)
    page.goto(book)
    page.emulate_media(media="print")
    for chrome in ("header.topbar", "form.filters", ".actions"):
        assert not page.locator(chrome).first.is_visible(), chrome
    assert page.get_by_text("Từ ngày 01/01/2018 đến ngày 31/12/2018").is_visible()
    page.screenshot(path=str(_shots() / "print-book.png"), full_page=False)
    context.close()
