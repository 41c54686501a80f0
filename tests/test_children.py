"""Children helped per category against a campaign's targets in children: the counting rule,
the targets on the set-up page, and the campaign page, period report, API and reconciliation
workbook agreeing with each other and with the payouts."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from ledger.errors import InvalidChildrenTarget
from ledger.models import Category, ChildrenTarget, Disbursement, ReportPeriod
from ledger.services import reconciliation
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from ledger.services.children import (
    children_helped,
    children_payouts,
    children_targets,
    set_children_targets,
)
from ledger.services.disbursements import (
    DisbursementInput,
    draft_disbursement,
    pay_disbursement,
    void_disbursement,
)
from ledger.services.reports import period_report
from ledger.services.units import find_unit, subtree_ids
from tests.conftest import DEMO_CHILD

YEAR_END = date(2018, 12, 31)


def _categories(session) -> dict[str, int]:
    return {c.code: c.id for c in session.exec(select(Category))}


@pytest.fixture
def payouts(session, demo, make_receipt, two_districts):
    """Beside the demo's heart surgery for its named child (A, Chương Dương, 02/06/2018):
    A's second heart payout and a scholarship; B's heart payout (Dũng Tiến); C's heart payout
    paid then voided; D's a draft, E's rejected; group Tết gifts of 6 and 3 children in October;
    B's scholarship on 15/11 (after the year report's cut-off); F's heart payout in Phú Xuyên
    (another district, outside Thường Tín's campaign)."""
    for code in ("TT-CHUONGDUONG", "TT-DUNGTIEN", "PX-PHUCTIEN"):
        make_receipt(code, amount=50_000_000, on=date(2018, 1, 10))
    cat = _categories(session)

    def child(code: str, name: str) -> int:
        unit_id = find_unit(session, code).id
        data = BeneficiaryInput(full_name=name, birth_date=date(2012, 3, 4), sex="male")
        return create_beneficiary(session, unit_id=unit_id, data=data).id

    def pay(code, category, day, *, who=None, count=None, each=500_000, status="paid"):
        item = draft_disbursement(
            session,
            unit_id=find_unit(session, code).id,
            data=DisbursementInput(
                disbursement_date=day,
                category_id=cat[category],
                payee_name="Gia đình",
                beneficiary_id=who,
                amount=None if count else 1_000_000,
                children_count=count,
                amount_each=each if count else None,
                reason="Hỗ trợ",
            ),
        )
        if status == "draft":
            return item
        if status == "rejected":
            item.status = "rejected"
            return item
        item.status = "approved"
        return pay_disbursement(session, disbursement_id=item.id, on=day)

    a = session.exec(select(Disbursement.beneficiary_id)).first()
    b = child("TT-DUNGTIEN", "Trần Văn Bê")
    pay("TT-CHUONGDUONG", "heart_surgery", date(2018, 7, 10), who=a)
    pay("TT-CHUONGDUONG", "scholarship", date(2018, 9, 15), who=a)
    pay("TT-DUNGTIEN", "heart_surgery", date(2018, 7, 20), who=b)
    voided = pay(
        "TT-DUNGTIEN", "heart_surgery", date(2018, 7, 25), who=child("TT-DUNGTIEN", "Lê Xê")
    )
    void_disbursement(session, disbursement_id=voided.id, reason="Chi nhầm")
    pay("TT-DUNGTIEN", "heart_surgery", date(2018, 8, 1), who=child("TT-DUNGTIEN", "Đỗ Đê"),
        status="draft")  # fmt: skip
    pay("TT-DUNGTIEN", "heart_surgery", date(2018, 8, 2), who=child("TT-DUNGTIEN", "Vũ E"),
        status="rejected")  # fmt: skip
    pay("TT-DUNGTIEN", "gift_tet", date(2018, 10, 10), count=6)
    pay("TT-CHUONGDUONG", "gift_tet", date(2018, 10, 20), count=3)
    pay("TT-DUNGTIEN", "scholarship", date(2018, 11, 15), who=b)
    pay("PX-PHUCTIEN", "heart_surgery", date(2018, 8, 5), who=child("PX-PHUCTIEN", "Phí Ép"))
    session.commit()
    return demo


def _counts(helped) -> dict[str, tuple[int, int, int | None]]:
    return {line.code: (line.named, line.grouped, line.target) for line in helped.lines}


def _recount(session, campaign, as_of: date, root_code: str = "TT") -> dict[str, int]:
    """The rule counted again in Python from the payouts themselves (the tests' own reading)."""
    funds = subtree_ids(session, find_unit(session, root_code).id)
    codes = {c.id: c.code for c in session.exec(select(Category))}
    named: dict[str, set[int]] = {}
    grouped: dict[str, int] = {}
    for d in session.exec(select(Disbursement).where(col(Disbursement.unit_id).in_(funds))):
        if d.status != "paid" or not campaign.starts_on <= d.disbursement_date <= as_of:
            continue
        code = codes[d.category_id]
        if d.beneficiary_id is not None:
            named.setdefault(code, set()).add(d.beneficiary_id)
        grouped[code] = grouped.get(code, 0) + (d.children_count or 0)
    found = {c: len(named.get(c, ())) + grouped.get(c, 0) for c in {*named, *grouped}}
    return {c: n for c, n in found.items() if n}


def test_each_child_counts_once_per_category_and_group_gifts_add_their_count(session, payouts):
    helped = children_helped(session, campaign=payouts, as_of=YEAR_END)
    assert _counts(helped) == {
        "heart_surgery": (2, 0, None),  # A twice, B; not the voided, draft, rejected or Phú Xuyên
        "scholarship": (2, 0, None),  # A is counted here as well as in heart surgery
        "gift_tet": (0, 9, None),
    }
    assert helped.total == 13
    assert {line.code: line.count for line in helped.lines} == _recount(session, payouts, YEAR_END)


def test_a_payout_that_names_no_child_adds_none_and_shows_no_line(session, payouts):
    """A payout with neither a child nor a group (school support paid to a school) helps no
    child to count: the count reads only the payouts that do (``ix_disbursement_children``),
    and its category gets no line unless it has a target."""
    before = _counts(children_helped(session, campaign=payouts, as_of=YEAR_END))
    item = draft_disbursement(
        session,
        unit_id=find_unit(session, "TT-CHUONGDUONG").id,
        data=DisbursementInput(
            disbursement_date=date(2018, 9, 1),
            category_id=_categories(session)["school_support"],
            payee_name="Trường Tiểu học Chương Dương",
            amount=2_000_000,
            reason="Hỗ trợ sách vở",
        ),
    )
    item.status = "approved"
    pay_disbursement(session, disbursement_id=item.id, on=date(2018, 9, 1))
    helped = children_helped(session, campaign=payouts, as_of=YEAR_END)
    assert _counts(helped) == before and "school_support" not in before
    assert {line.code: line.count for line in helped.lines} == _recount(session, payouts, YEAR_END)


def test_as_of_a_past_date_later_payouts_do_not_count(session, payouts):
    july = children_helped(session, campaign=payouts, as_of=date(2018, 7, 15))
    assert _counts(july) == {"heart_surgery": (1, 0, None)}  # A, paid 02/06 and 10/07
    october = children_helped(session, campaign=payouts, as_of=date(2018, 10, 31))
    assert _counts(october)["scholarship"] == (1, 0, None)  # B's comes on 15/11
    assert children_helped(session, campaign=payouts, as_of=date(2018, 5, 31)).lines == []


def test_a_focused_unit_counts_its_own_subtree_without_the_campaigns_targets(session, payouts):
    cat = _categories(session)
    set_children_targets(session, campaign_id=payouts.id, typed={cat["heart_surgery"]: "4"})
    commune = find_unit(session, "TT-CHUONGDUONG")
    own = children_helped(session, campaign=payouts, as_of=YEAR_END, focus_id=commune.id)
    assert _counts(own) == {
        "heart_surgery": (1, 0, None),
        "scholarship": (1, 0, None),
        "gift_tet": (0, 3, None),
    }
    assert {line.code: line.count for line in own.lines} == _recount(
        session, payouts, YEAR_END, "TT-CHUONGDUONG"
    )


def test_targets_are_set_changed_and_removed_with_an_audit_event(session, payouts):
    cat = _categories(session)
    set_children_targets(
        session,
        campaign_id=payouts.id,
        typed={cat["heart_surgery"]: "4", cat["gift_tet"]: "1.200", cat["scholarship"]: ""},
    )
    assert children_targets(session, payouts.id) == {cat["heart_surgery"]: 4, cat["gift_tet"]: 1200}
    helped = children_helped(session, campaign=payouts, as_of=YEAR_END)
    lines = {line.code: line for line in helped.lines}
    assert (lines["heart_surgery"].count, lines["heart_surgery"].rate) == (2, 50.0)
    assert lines["scholarship"].rate is None and helped.target_total == 1204
    set_children_targets(
        session, campaign_id=payouts.id, typed={cat["heart_surgery"]: "", cat["gift_tet"]: "12"}
    )
    assert children_targets(session, payouts.id) == {cat["gift_tet"]: 12}
    from ledger.models import AuditEvent

    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "campaign.children_targets")
    ).all()
    assert len(events) == 2


@pytest.mark.parametrize("typed", ["0", "-3", "abc", "2,5", "99999999999", "²", "٣"])
def test_a_bad_target_is_refused_naming_the_category_and_nothing_changes(session, payouts, typed):
    cat = _categories(session)
    set_children_targets(session, campaign_id=payouts.id, typed={cat["gift_tet"]: "12"})
    with pytest.raises(InvalidChildrenTarget, match="Quà Tết"):
        set_children_targets(
            session,
            campaign_id=payouts.id,
            typed={cat["heart_surgery"]: "4", cat["gift_tet"]: typed},
        )
    assert children_targets(session, payouts.id) == {cat["gift_tet"]: 12}


def test_the_table_refuses_a_zero_or_a_second_target_for_a_category(session, payouts):
    cat = _categories(session)
    session.add(ChildrenTarget(campaign_id=payouts.id, category_id=cat["gift_tet"], children=0))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    for _ in range(2):
        session.add(ChildrenTarget(campaign_id=payouts.id, category_id=cat["gift_tet"], children=5))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_report_api_and_workbook_agree_with_the_payouts(
    session, payouts, client, make_user, login, tmp_path
):
    cat = _categories(session)
    set_children_targets(
        session, campaign_id=payouts.id, typed={cat["heart_surgery"]: "4", cat["gift_tet"]: "12"}
    )
    session.commit()
    expected = _recount(session, payouts, YEAR_END)
    # the year report, cut off on 31/10: B's scholarship of 15/11 is not in it
    period = session.exec(
        select(ReportPeriod).where(
            ReportPeriod.campaign_id == payouts.id, ReportPeriod.code == "year"
        )
    ).one()
    report = period_report(session, campaign_id=payouts.id, period_id=period.id)
    assert {line.code: line.count for line in report.children.lines} == _recount(
        session, payouts, period.cutoff
    )
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    api = client.get(f"/api/v1/campaigns/{payouts.id}/progress").json["children_helped"]
    assert {c["code"]: c["count"] for c in api["categories"]} == expected
    assert {c["code"]: c["target"] for c in api["categories"]} == {
        "heart_surgery": 4,
        "scholarship": None,
        "gift_tet": 12,
    }
    assert api["total"] == sum(expected.values()) and api["target_total"] == 16
    heart = next(c for c in api["categories"] if c["code"] == "heart_surgery")
    assert heart["rate_percent"] == 50.0 and DEMO_CHILD not in str(api)
    # the period report's page and its workbook show the same counts beside the money
    page = client.get(f"/campaigns/{payouts.id}/reports/{period.id}").text
    row = re.search(r'data-category="gift_tet">(.*?)</tr>', page, re.DOTALL).group(1)
    assert ">9" in row and ">12<" in row and "75" in row
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/campaigns/{payouts.id}/reports/{period.id}.xlsx").data)
    ).active
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    tet = next(r for r in cells if r[0] and "Quà Tết" in str(r[0]) and r[2] is not None)
    assert tet[2] == 9 and tet[4] == 12 and tet[1] == 6 * 500_000 + 3 * 500_000
    # the reconciliation workbook: per category, then every payout behind the count
    for unmasked in (False, True):
        path = tmp_path / f"book-{unmasked}.xlsx"
        made = reconciliation.export_workbook(
            session, campaign_id=payouts.id, as_of=YEAR_END, unmasked=unmasked, path=path
        )
        book = openpyxl.load_workbook(path)
        rows = [[c.value for c in r] for r in book["Trẻ em được hỗ trợ"].iter_rows()]
        names = {c.code: c.name_vi for c in session.exec(select(Category))}
        total = next(i for i, r in enumerate(rows) if r[0] == "Tổng cộng")
        summary = {r[0]: r[3] for r in rows[2:total]}
        assert summary == {names[c]: n for c, n in expected.items()}
        header = rows.index(next(r for r in rows if r[0] == "Khoản chi" and r[-1] == "Tính"))
        recounted: dict[str, int] = {}
        for r in rows[header + 1 :]:
            recounted[r[0]] = recounted.get(r[0], 0) + r[7]
        assert recounted == summary
        assert DEMO_CHILD not in str(rows) and "Trần Văn Bê" not in str(rows)
        check = next(c for c in made.checks if "Trẻ em được hỗ trợ" in c.name)
        assert check.ok and check.actual == sum(expected.values())
    # the campaign page, on the day of the year report's cut-off
    dashboard = client.get(f"/campaigns/{payouts.id}?as_of=31/10/2018").text
    heart_row = re.search(r'data-category="heart_surgery">(.*?)</tr>', dashboard, re.DOTALL).group(
        1
    )
    assert re.search(r'class="money count"[^>]*>2<', heart_row) and ">4<" in heart_row
    assert DEMO_CHILD not in dashboard


def test_the_payouts_behind_the_count_mark_a_repeat_child_zero(session, payouts):
    rows = children_payouts(session, campaign=payouts, as_of=YEAR_END)
    cat = _categories(session)
    heart = [r for r in rows if r.category_id == cat["heart_surgery"]]
    assert [r.counted for r in heart] == [1, 0, 1]  # A 02/06, A again 10/07 (0), B 20/07
    assert [r.day for r in heart] == [date(2018, 6, 2), date(2018, 7, 10), date(2018, 7, 20)]
    assert heart[0].child_id == heart[1].child_id


def test_the_owner_sets_targets_on_the_campaign_form(session, payouts, client, make_user, login):
    cat = _categories(session)
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    url = f"/campaigns/{payouts.id}/edit"
    page = client.get(url).text
    assert f'name="children-{cat["heart_surgery"]}"' in page
    assert f'name="children-{cat["mgmt_admin"]}"' not in page  # management costs help no child
    tokens = dict(re.findall(r'name="(csrf_token|idempotency_key)"[^>]*value="([^"]*)"', page))
    base = {
        **tokens,
        "unit_id": str(payouts.unit_id),
        "code": payouts.code,
        "name": payouts.name,
        "target": "200.000.000",
        "starts_on": "01/01/2018",
        "ends_on": "31/12/2018",
    }
    refused = client.post(
        url,
        data={
            **base,
            f"children-{cat['heart_surgery']}": "4",
            f"children-{cat['gift_tet']}": "mười",
        },
    )
    assert refused.status_code == 400
    assert "Quà Tết" in refused.text and 'value="mười"' in refused.text
    assert children_targets(session, payouts.id) == {}
    page = client.get(url).text
    tokens = dict(re.findall(r'name="(csrf_token|idempotency_key)"[^>]*value="([^"]*)"', page))
    saved = client.post(
        url,
        data={
            **base,
            **tokens,
            f"children-{cat['heart_surgery']}": "4",
            f"children-{cat['gift_tet']}": "12",
        },
    )
    assert saved.status_code == 302
    session.rollback()
    assert children_targets(session, payouts.id) == {cat["heart_surgery"]: 4, cat["gift_tet"]: 12}
    assert 'value="12"' in client.get(url).text


def test_a_commune_user_sees_its_own_children_only(session, payouts, client, make_user, login):
    cat = _categories(session)
    set_children_targets(session, campaign_id=payouts.id, typed={cat["heart_surgery"]: "4"})
    session.commit()
    make_user("thuquy.dt", "treasurer", "TT-DUNGTIEN")
    login("thuquy.dt")
    data = client.get(f"/api/v1/campaigns/{payouts.id}/progress").json["children_helped"]
    assert {c["code"]: (c["count"], c["target"]) for c in data["categories"]} == {
        "heart_surgery": (1, None),
        "scholarship": (1, None),
        "gift_tet": (6, None),
    }


def test_copying_last_years_campaign_keeps_its_targets(session, demo):
    from ledger.services.campaigns import copy_campaign

    cat = _categories(session)
    set_children_targets(session, campaign_id=demo.id, typed={cat["scholarship"]: "30"})
    following = copy_campaign(session, campaign_id=demo.id)
    assert children_targets(session, following.id) == {cat["scholarship"]: 30}
