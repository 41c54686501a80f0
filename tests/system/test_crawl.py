"""Every page as every demo role over the demo data, pages 2 and 3 of every list: no 500.

The pytest version of the lead's crawler (``../shared/tools/crawl.py``): it starts from home,
the public pages and every GET route without arguments in ``app.url_map`` (so a new list page is
walked without editing this file), follows every same-site link, and asks for page 2 and 3 of
any page that links a ``page=2``.
"""

from __future__ import annotations

import re
import time
from html import unescape
from urllib.parse import urljoin, urlparse

import pytest

from tests.world import build_world, sign_in

SKIP = re.compile(r"logout|\.(pdf|xlsx|csv|docx)(\?|$)|/static/|[?&]lang=|/lang/", re.IGNORECASE)
PAGES_PER_USER = 140


@pytest.fixture
def world(app, session):
    return build_world(session)


def _start_paths(app) -> list[str]:
    paths = ["/", "/public/"]
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            paths.append(rule.rule)
    return paths


def crawl(app, client, limit: int) -> tuple[list[str], int]:
    """Breadth-first over the links a signed-in ``client`` sees; the failures and pages seen."""
    queue, seen, failures = _start_paths(app), set(), []
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {path}")
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        body = response.get_data(as_text=True)
        for href in re.findall(r'(?:href|src)="([^"#]+)"', body):
            url = urlparse(urljoin("http://localhost" + path, unescape(href)))
            if url.netloc not in ("", "localhost") or SKIP.search(url.path + "?" + url.query):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen:
                queue.append(target)
        if "page=" not in path and re.search(r"[?&](amp;)?page=2", body):
            queue[:0] = [f"{path}{'&' if '?' in path else '?'}page={n}" for n in (2, 3)]
    return failures, len(seen)


def test_every_page_as_every_role_has_no_server_error(app, world):
    started, failures, pages = time.monotonic(), [], 0
    for username in [*world["users"], None]:
        client = app.test_client()
        if username:
            sign_in(client, username)
        found, seen = crawl(app, client, PAGES_PER_USER)
        failures += [f"{line} as {username or 'anonymous'}" for line in found]
        pages += seen
    assert failures == [], failures
    assert pages > 300
    assert time.monotonic() - started < 90


def test_receipts_list_past_its_first_page(app, world):
    """A district user sees many pages of receipts; page 2 and the last page render."""
    client = app.test_client()
    sign_in(client, "treasurer.thuongtin")
    first = client.get("/receipts/")
    assert first.status_code == 200
    last = int(re.search(r"Trang 1/(\d+)", first.text).group(1))
    assert last > 2
    assert "page=2" in first.text
    for page in (2, last):
        response = client.get(f"/receipts/?page={page}")
        assert response.status_code == 200
        assert f"Trang {page}/{last}" in response.text
    commune = client.get(f"/receipts/?unit={world['big_commune']}&page=2&method=cash")
    assert commune.status_code == 200 and "Trang 2/" in commune.text
    assert "method=cash" in commune.text  # the pager keeps the filter
