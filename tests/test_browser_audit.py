"""In the browser: an auditor filters the audit log and downloads what the screen shows."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser import _shots, _sign_in
from tests.test_audit import audited  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_an_auditor_filters_the_log_and_downloads_the_same_rows(
    browser, live_server, audited, width
):
    base, treasurer = live_server.url, audited["treasurer"]
    number = audited["receipt"].number
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    _sign_in(page, base, "kiemtoan")
    page.goto(base + "/audit/")
    page.select_option("#user", str(treasurer.id))
    page.select_option("#action", label="Hủy phiếu thu")
    page.fill("#from", "01/01/2026")
    page.fill("#to", "01/01/2026")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_url("**/audit/?*")
    rows = page.locator("table.audit tbody tr.event")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[:5] == [
        "01/01/2026 06:30",
        "Phạm Thị Lan (thuquy.a)",
        "Xã Chương Dương",
        "Hủy phiếu thu",
        f"Phiếu thu {number}/2018",
    ]
    assert "Lý do: Ghi nhầm người nộp" in cells[5]
    # on a phone the row is a card: what was done stays inside the screen
    box = rows.first.locator("td.act").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    page.screenshot(path=str(_shots() / f"audit-filtered-{width}.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#audit-download")
    assert info.value.suggested_filename.endswith(".xlsx")
    # the download is saved under a name without extension, which openpyxl refuses by name
    sheet = load_workbook(BytesIO(info.value.path().read_bytes())).active
    body = [
        list(r)
        for r in sheet.iter_rows(values_only=True)
        if r[0] and str(r[0]).startswith("01/01/2026")
    ]
    assert [r[:5] for r in body] == [cells[:5]]
    context.close()
