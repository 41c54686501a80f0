"""Lists page by the key of the last row shown (services/paging.py): every row once, forward
and back, filters kept, counts bounded; numbered pages while a list is short."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest

from ledger.services import paging
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary, list_beneficiaries
from ledger.services.disbursements import (
    DisbursementFilter,
    DisbursementInput,
    disbursements_page,
    draft_disbursement,
)
from ledger.services.paging import Cursor, key_text, parse_cursor
from ledger.services.units import find_unit, subtree_scope

NUMBER = re.compile(r"<td[^>]*>(\d+)/2018</td>")


@pytest.fixture
def many_receipts(session, make_receipt):
    """120 receipts of Chương Dương, two a day (every third one by bank), newest last."""
    made = []
    for index in range(120):
        method = "bank" if index % 3 == 0 else "cash"
        on = date(2018, 1, 1) + timedelta(days=index // 2)
        made.append(make_receipt("TT-CHUONGDUONG", amount=10_000 + index, on=on, method=method))
    session.commit()
    return made


def _links(html: str) -> dict[str, str]:
    """The pager's links by their text."""
    nav = html[html.index('<nav class="pager">') :]
    nav = nav[: nav.index("</nav>")]
    return {
        unescape(text).strip(" «»‹"): unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav)
    }


def _walk(client, url: str, link: str) -> list[list[int]]:
    """Pages of receipt numbers, following ``link`` until it is gone."""
    pages = []
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append([int(n) for n in NUMBER.findall(html)])
        url = _links(html).get(link)
    return pages


def test_a_long_list_pages_by_key_forward_and_back_with_its_filter(
    client, many_receipts, make_user, login, monkeypatch
):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 30)  # 120 receipts: "more than", then keys
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    first = client.get("/receipts/").get_data(as_text=True)
    assert "Hơn 30 phiếu" in first and "after=" in _links(first)["Trang sau"]
    forward = _walk(client, "/receipts/", "Trang sau")
    assert [len(p) for p in forward] == [50, 50, 20]
    numbers = [n for page in forward for n in page]
    assert numbers == list(range(120, 0, -1))  # newest first, every receipt once
    last = client.get(_links(first)["Trang sau"]).get_data(as_text=True)
    last = client.get(_links(last)["Trang sau"]).get_data(as_text=True)
    assert "Trang sau" not in _links(last)
    back = _walk(client, _links(last)["Trang trước"], "Trang trước")
    assert [n for page in reversed(back) for n in page] == list(range(120, 20, -1))
    # the filter stays in every link and every page holds only what it asks for
    bank = _walk(client, "/receipts/?method=bank", "Trang sau")
    assert [n for page in bank for n in page] == [n for n in range(120, 0, -1) if n % 3 == 1]


def test_a_short_list_keeps_numbered_pages_and_its_total(client, many_receipts, make_user, login):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    first = client.get("/receipts/").get_data(as_text=True)
    total = sum(10_000 + index for index in range(120))
    assert "120 phiếu" in first and "Trang 1/3" in first
    assert f"{total:,}".replace(",", ".") in first
    third = client.get(_links(first)["Trang sau"].replace("page=2", "page=3"))
    assert "Trang 3/3" in third.text and len(NUMBER.findall(third.text)) == 20


def test_a_cursor_that_does_not_parse_shows_the_first_page(client, many_receipts, make_user, login):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    for bad in ("x", "2018-13-01.5", "2018-01-01.-5", "2018-01-01.٣", "9" * 40, "1.2.3"):
        response = client.get(f"/receipts/?after={bad}")
        assert response.status_code == 200 and "Trang 1/3" in response.text
    assert parse_cursor("2018-01-02.7", "", with_date=True) == Cursor((date(2018, 1, 2), 7))
    assert parse_cursor("", "42", with_date=False) == Cursor((42,), backwards=True)
    assert key_text((date(2018, 1, 2), 7)) == "2018-01-02.7"


def test_the_audit_log_pages_by_event(client, many_receipts, make_user, login, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 10)
    make_user("kiemtoan", "auditor", "TT-CHUONGDUONG")
    login("kiemtoan")
    seen, url = [], "/audit/"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen.append(html.count('<tr class="event">'))
        url = _links(html).get("Trang sau")
    assert sum(seen) >= 120 and all(n == 100 for n in seen[:-1]) and len(seen) >= 2


def test_disbursements_and_children_page_by_key(session, unit):
    """Service level, small pages: every draft and every child once, newest first."""
    commune = unit("TT-CHUONGDUONG").id
    drafts = [
        draft_disbursement(
            session,
            unit_id=commune,
            data=DisbursementInput(
                disbursement_date=date(2018, 5, 1) + timedelta(days=i // 3),
                category_id=1,
                payee_name=f"Người nhận {i}",
                amount=100_000 + i,
            ),
        ).id
        for i in range(13)
    ]
    children = [
        create_beneficiary(
            session,
            unit_id=commune,
            data=BeneficiaryInput(
                full_name=f"Trẻ Thứ {i}", birth_date=date(2012, 1, 1 + i), sex="male"
            ),
        ).id
        for i in range(7)
    ]
    session.commit()
    scope = subtree_scope(session, unit("TT").id)
    seen, cursor = [], None
    while True:
        found = disbursements_page(
            session, unit_ids=scope, flt=DisbursementFilter(), per_page=5, cursor=cursor
        )
        seen.extend(d.id for d, _category in found.page.rows)
        if found.page.older is None:
            break
        cursor = Cursor(found.page.older)
    assert sorted(seen) == sorted(drafts) and len(seen) == len(set(seen))
    kids, cursor = [], None
    while True:
        page = list_beneficiaries(session, unit_ids=scope, per_page=3, cursor=cursor)
        kids.extend(b.id for b, _unit, received in page.rows)
        if page.older is None:
            break
        cursor = Cursor(page.older)
    assert kids == sorted(children, reverse=True)


def test_a_nation_sized_scope_is_a_condition_not_a_list(session, unit, monkeypatch):
    """A scope larger than ``MAX_LISTED_UNITS`` is "not one of the units outside it"."""
    import ledger.services.units as units

    monkeypatch.setattr(units, "MAX_LISTED_UNITS", 3)
    scope = subtree_scope(session, find_unit(session, "HN").id)
    assert scope.ids is None and scope.outside is not None
    listed = subtree_scope(session, unit("TT-CHUONGDUONG").id)
    assert listed.ids == frozenset({unit("TT-CHUONGDUONG").id})
