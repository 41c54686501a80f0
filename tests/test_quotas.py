"""Quotas: exact splits, the quota screen and the annex import, refusals that keep the form,
every change an audit event."""

from __future__ import annotations

import io
import re

import openpyxl
from sqlalchemy import func, select

from ledger.models import AuditEvent, Quota
from ledger.services.campaigns import (
    find_campaign,
    set_quota,
)
from ledger.services.quotas import split_by_weights, split_equal
from ledger.services.units import find_unit
from tests.conftest import form_tokens


def test_quota_splits_are_exact():
    assert sum(split_equal(200_000_000, 29)) == 200_000_000
    assert split_by_weights(1_000, [3, 1]) == [750, 250]
    shares = split_by_weights(290_000_001, [5, 3, 2, 7])
    assert sum(shares) == 290_000_001 and max(shares) - min(shares) > 0


def test_quota_screen_equal_split_updates_headroom(client, session, make_user, login, submit, unit):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    campaign = find_campaign(session, unit_id=unit("TT").id, year=2018)
    response = submit(f"/campaigns/{campaign.id}/quotas", {"mode": "equal", "total": "200.000.000"})
    assert response.status_code == 302
    session.rollback()
    amounts = (
        session.exec(select(Quota.amount).where(Quota.campaign_id == campaign.id)).scalars().all()
    )
    assert sum(amounts) == 200_000_000 and len(amounts) == 29
    assert (
        "+0 đ" in client.get(f"/campaigns/{campaign.id}").text
        or "0 đ (100,0%)" in client.get(f"/campaigns/{campaign.id}").text
    )


def test_quota_screen_refuses_a_bad_amount(client, session, make_user, login, submit, unit):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    campaign = find_campaign(session, unit_id=unit("TT").id, year=2018)
    first = unit("TT-CHUONGDUONG").id
    response = submit(
        f"/campaigns/{campaign.id}/quotas", {"mode": "typed", f"quota-{first}": "10,5"}
    )
    assert response.status_code == 400 and "số nguyên" in response.text
    session.rollback()
    assert session.exec(select(func.sum(Quota.amount))).scalar_one() == 290_000_000


def test_quota_annex_import(client, session, make_user, login, unit):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    campaign = find_campaign(session, unit_id=unit("TT").id, year=2018)
    book = openpyxl.Workbook()
    book.active.append(["STT", "TÊN ĐƠN VỊ", "Số tiền (Đồng)"])
    book.active.append([1, "XÃ CHƯƠNG DƯƠNG", "12.000.000"])
    book.active.append([2, "THỊ TRẤN", 15_000_000])
    book.active.append([None, "Tổng", "27.000.000"])
    data = io.BytesIO()
    book.save(data)
    page = client.get(f"/campaigns/{campaign.id}/quotas")
    token = re.search(
        r'<form method="post" action="[^"]*import".*?name="csrf_token"[^>]*value="([^"]+)"',
        page.text,
        re.DOTALL,
    )
    response = client.post(
        f"/campaigns/{campaign.id}/quotas/import",
        data={
            "csrf_token": form_tokens(page.text)["csrf_token"],
            "file": (io.BytesIO(data.getvalue()), "phu-luc.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, token
    session.rollback()
    assert (
        session.exec(select(Quota.amount).where(Quota.unit_id == unit("THỊ TRẤN").id)).scalar_one()
        == 15_000_000
    )


def test_saving_all_zero_quotas_returns_to_the_dashboard(
    client, session, make_user, login, submit, unit
):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    campaign = find_campaign(session, unit_id=unit("TT").id, year=2018)
    zeros = {
        f"quota-{u}": "0"
        for u in session.exec(
            select(Quota.unit_id).where(Quota.campaign_id == campaign.id)
        ).scalars()
    }
    response = submit(f"/campaigns/{campaign.id}/quotas", {"mode": "typed", **zeros})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")


def test_quota_weights_in_superscript_are_refused_not_a_500(client, make_user, login, submit):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    page = client.get("/campaigns/1/quotas")
    assert page.status_code == 200
    import re

    weights = dict.fromkeys(re.findall(r'name="(weight-\d+)"', page.text), "²")
    response = submit("/campaigns/1/quotas", {"mode": "weights", "total": "1.000.000", **weights})
    assert response.status_code == 400
    assert 'value="1.000.000"' in response.text  # what was typed is still there
    assert 'value="weights" checked' in response.text and 'value="²"' in response.text


def test_quota_changes_leave_audit_events(client, login, make_user, session, submit):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    campaign = find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)
    commune = find_unit(session, "TT-CHUONGDUONG")
    response = submit(f"/campaigns/{campaign.id}/quotas", {"mode": "equal", "total": "290.000.001"})
    assert response.status_code == 302
    session.rollback()
    events = (
        session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "quota.set", AuditEvent.user_id.is_not(None)
            )
        )
        .scalars()
        .all()
    )
    assert len(events) == 1  # one commune gets the extra đồng; the others are unchanged
    assert '"amount": 10000000' in events[0].before and '"amount": 10000001' in events[0].after
    assert events[0].user_id is not None
    set_quota(session, campaign_id=campaign.id, unit_id=commune.id, amount=12_000_000)
    last = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
    assert last.action == "quota.set" and "12000000" in last.after


def test_quota_amounts_typed_equal_and_weighted():
    from ledger.services.quotas import QuotaEntries, quota_amounts

    typed = QuotaEntries("typed", "", {1: "10.000.000", 2: ""}, {})
    assert quota_amounts(typed, [1, 2]) == {1: 10_000_000, 2: 0}
    equal = QuotaEntries("equal", "3.000.001", {}, {})
    assert sum(quota_amounts(equal, [1, 2, 3]).values()) == 3_000_001
    weighted = QuotaEntries("weights", "1.000.000", {}, {1: "3", 2: "1"})
    assert quota_amounts(weighted, [1, 2]) == {1: 750_000, 2: 250_000}
