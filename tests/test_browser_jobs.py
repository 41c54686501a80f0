"""In the browser: a reviewer starts a large reconciliation workbook, watches its progress bar
(the page polls, no reload by hand) and downloads it when the background job is done."""

import io
import threading
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from ledger import worker
from tests.browser import _shots, _sign_in

pytestmark = pytest.mark.browser


def test_a_reviewer_starts_a_workbook_sees_the_bar_and_downloads_it(
    browser, app, live_server, demo, make_user
):
    app.config["WORKBOOK_DIRECT_RECEIPTS"] = 0  # every workbook is made in the background
    make_user("duyet.tt", "reviewer", "TT")
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    _sign_in(page, base, "duyet.tt")
    page.goto(f"{base}/campaigns/{demo.id}?as_of=31/12/2018")
    page.click("text=Tải bảng đối chiếu (Excel)")
    page.click("#start-workbook")
    page.wait_for_url(f"{base}/jobs/*")
    bar = page.locator("progress[data-job-bar]")
    assert bar.is_visible()
    assert page.locator("[data-job-status]").inner_text() == "Chờ"
    page.screenshot(path=str(_shots() / "job-queued.png"))

    stop = threading.Event()
    settings = worker.settings_from(app.config, app.instance_path)

    def run():  # the runner, in-process (gunicorn starts `flask jobs work` in production)
        while not stop.is_set():
            if worker.run_next(settings) is None:
                stop.wait(0.2)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    try:
        page.wait_for_selector("#download", timeout=90_000)  # the page reloads when it ends
    finally:
        stop.set()
        runner.join(timeout=30)
    assert page.locator("[data-job-status]").inner_text() == "Xong"
    assert page.locator("progress[data-job-bar]").get_attribute("value") == page.locator(
        "progress[data-job-bar]"
    ).get_attribute("max")
    page.screenshot(path=str(_shots() / "job-done.png"))
    with page.expect_download() as info:
        page.click("#download")
    assert info.value.suggested_filename == "doi-chieu-2018-TT.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert book["Đối chiếu chỉ tiêu"]["B1"].value == "Huyện Thường Tín"
    page.click("text=Công việc nền")
    expect(page.locator("#jobs")).to_contain_text("Bảng đối chiếu")
    context.close()
