"""Browser-test plumbing: a live server in a thread, Debian's Chromium through Playwright, and the
steps every browser test shares (sign in, read a closing balance, screenshots)."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"

# The sign-in form's own button: a page still signed in also has "Đăng xuất" (a submit button).
SIGN_IN = "form:has(input[name=username]) button[type=submit]"


ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_or_skip() -> str:
    """Chromium's path; CI (LEDGER_REQUIRE_BROWSER=1) fails instead of skipping without it."""
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path:
        return path
    if os.environ.get("LEDGER_REQUIRE_BROWSER") == "1":
        pytest.fail(
            "Chromium is required (LEDGER_REQUIRE_BROWSER=1) but /usr/bin/chromium is missing"
        )
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


class LiveServer:
    """The app served on 127.0.0.1 on a free port until ``stop``."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _sign_in(page, base, username):
    page.goto(base + "/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click(SIGN_IN)
    page.wait_for_url(base + "/")


def _closing(page, base, unit_id) -> str:
    page.goto(f"{base}/books/{unit_id}/cash?from=01/01/2018&to=31/12/2018")
    return page.locator("#closing").inner_text()


def _shots():
    from pathlib import Path

    path = Path(__file__).resolve().parent / "screenshots"
    path.mkdir(exist_ok=True)
    return path
