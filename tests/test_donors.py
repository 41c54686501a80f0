"""The donor directory's services: listing, history, duplicates, merge and anonymity."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import select

from ledger.errors import (
    AnonymousAndPublic,
    DonorAlreadyMerged,
    DonorMergeIntoDuplicate,
    DonorMergeIntoSelf,
    DonorOutOfScope,
    PossibleDuplicateDonor,
)
from ledger.models import AuditEvent, Donor, Receipt
from ledger.services.check import check_books
from ledger.services.donor_directory import donor_history, list_donors
from ledger.services.donor_merge import (
    DonorInput,
    add_donor,
    duplicate_groups,
    matching_donors,
    merge_donors,
    update_donor,
)
from ledger.services.donors import (
    ANONYMOUS_NAME,
    anonymous_donor_ids,
    create_donor,
    phone_key,
    search_donors,
    shown_payer,
)
from ledger.services.locks import lock_period
from ledger.services.receipt_entry import _same_name, same_name_donors
from ledger.services.receipts import correct_receipt, void_receipt
from ledger.services.units import find_unit, subtree_ids


@pytest.fixture
def scope(session):
    return subtree_ids(session, find_unit(session, "TT").id)


def _donor(session, name, unit_code="TT-CHUONGDUONG", **fields):
    return create_donor(session, unit_id=find_unit(session, unit_code).id, name=name, **fields)


def _gift(make_receipt, donor, amount, on, unit_code="TT-CHUONGDUONG"):
    return make_receipt(
        unit_code=unit_code, amount=amount, on=on, donor_id=donor.id, payer_name=donor.name
    )


def test_phone_key_treats_84_and_0_alike():
    assert phone_key("+84 912 345 678") == phone_key("0912.345.678") == "0912345678"
    assert phone_key("84912345678") == "0912345678"
    assert phone_key("") == ""


def test_folded_names_and_phones_are_duplicates(session, scope):
    a = _donor(session, "Trường THCS Chương Dương")
    b = _donor(session, "truong  thcs chuong duong", unit_code="TT-DUNGTIEN")
    c = _donor(session, "Nguyễn Văn Bình", phone="0912 345 678")
    d = _donor(session, "Anh Bình", phone="+84912345678", unit_code="TT-DUNGTIEN")
    _donor(session, "Người khác hẳn")
    groups = [
        {x.id for x in g} for g in duplicate_groups(session, unit_ids=scope, viewer_unit_id=None)
    ]
    assert {a.id, b.id} in groups and {c.id, d.id} in groups and len(groups) == 2
    assert [
        x.id
        for x in matching_donors(
            session, unit_ids=scope, viewer_unit_id=None, name=a.name, exclude=a.id
        )
    ] == [b.id]
    # a commune's user does not see the other commune's duplicate
    own = subtree_ids(session, a.unit_id)
    assert duplicate_groups(session, unit_ids=own, viewer_unit_id=None) == []


def test_a_new_payer_is_looked_up_by_name_in_its_own_fund_through_the_index(session):
    """The receipt form asks whether a new payer is a donor the fund already has: the fund's
    donors of that name (accents and case aside), not anonymous, oldest first, up to the
    limit; read through the (fund, name) index, not the fund's whole directory."""
    first = _donor(session, "Trường THCS Chương Dương")
    second = _donor(session, "TRƯỜNG  thcs chương dương")
    _donor(session, "Trường THCS Chương Dương", unit_code="TT-DUNGTIEN")  # another fund's
    _donor(session, "Trường THCS Chương Dương", anonymous=True)
    _donor(session, "Trường THCS Chương Dương B")
    fund, name = first.unit_id, "truong thcs chuong duong"
    assert [d.id for d in same_name_donors(session, unit_id=fund, name=name)] == [
        first.id,
        second.id,
    ]
    assert [d.id for d in same_name_donors(session, unit_id=fund, name=name, limit=1)] == [first.id]
    assert same_name_donors(session, unit_id=fund, name="  ") == []
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":  # no planner statistics: the index must fit the question
        compiled = _same_name().compile(dialect=dialect)
        values = compiled.construct_params({"unit": fund, "key": name, "limit": 5})
        plan = session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + compiled.string,
            tuple(values[key] for key in compiled.positiontup or ()),
        )
        assert "ix_donor_unit_search (unit_id=? AND search_key=?)" in str(plan.all())


def test_creating_a_likely_duplicate_is_refused_until_confirmed(session, scope):
    _donor(session, "Trường THCS Chương Dương")
    unit_id = find_unit(session, "TT-DUNGTIEN").id
    data = DonorInput(kind="school")
    with pytest.raises(PossibleDuplicateDonor) as refused:
        add_donor(
            session, unit_id=unit_id, unit_ids=scope, name="truong thcs chuong duong", data=data
        )
    assert "Trường THCS Chương Dương" in str(refused.value)
    made = add_donor(
        session,
        unit_id=unit_id,
        unit_ids=scope,
        name="truong thcs chuong duong",
        data=data,
        allow_duplicate=True,
    )
    assert made.id and made.kind == "school"


def test_directory_totals_skip_voided_and_merged(session, make_receipt, scope):
    first = _donor(session, "Công ty An Phát", kind="enterprise")
    second = _donor(session, "CONG TY AN PHAT", unit_code="TT-DUNGTIEN")
    _gift(make_receipt, first, 2_000_000, date(2018, 3, 1))
    voided = _gift(make_receipt, first, 9_000_000, date(2018, 3, 2))
    void_receipt(session, receipt_id=voided.id, reason="Ghi nhầm")
    _gift(make_receipt, second, 500_000, date(2018, 4, 5), unit_code="TT-DUNGTIEN")
    merge_donors(
        session, survivor_id=first.id, duplicate_id=second.id, unit_ids=scope, user_id=None
    )
    page = list_donors(session, unit_ids=scope, text="an phat")
    assert [(r.donor.id, r.gifts, r.total, r.last_gift) for r in page.rows] == [
        (first.id, 2, 2_500_000, date(2018, 4, 5))
    ]
    assert list_donors(session, unit_ids=scope, kind="school", text="an phat").rows == []


def test_directory_totals_skip_a_gift_reversed_by_a_correction(session, make_receipt, scope):
    """A receipt in a locked period is corrected (reversed in the open period, ``voided_at``
    left empty): the money left the journal, so the donor's totals no longer count it."""
    donor = _donor(session, "Hội Cựu chiến binh xã")
    kept = _gift(make_receipt, donor, 1_000_000, date(2018, 3, 1))
    wrong = _gift(make_receipt, donor, 4_000_000, date(2018, 3, 2))
    lock_period(session, unit_id=kept.unit_id, through=date(2018, 3, 31), user_id=None)
    correct_receipt(session, receipt_id=wrong.id, reason="Ghi nhầm", on=date(2018, 4, 2))
    assert wrong.voided_at is None
    [row] = list_donors(session, unit_ids=scope, text="cuu chien binh").rows
    assert (row.gifts, row.total, row.last_gift) == (1, 1_000_000, date(2018, 3, 1))


def test_directory_pages_and_searches_by_phone(session, scope):
    for n in range(7):
        _donor(session, f"Nhà hảo tâm số {n}")
    _donor(session, "Bà Lê Thị Hoa", phone="0987 654 321")
    page1 = list_donors(session, unit_ids=scope, text="nha hao tam so", per_page=5)
    page2 = list_donors(session, unit_ids=scope, text="nha hao tam so", per_page=5, page=2)
    assert page1.count == 7 and page1.pages == 2
    assert len(page1.rows) == 5 and len(page2.rows) == 2
    assert not {r.donor.id for r in page1.rows} & {r.donor.id for r in page2.rows}
    assert [r.donor.name for r in list_donors(session, unit_ids=scope, text="654 321").rows] == [
        "Bà Lê Thị Hoa"
    ]


def test_history_by_year_and_campaign_with_a_voided_and_a_merged_gift(session, make_receipt, scope):
    donor = _donor(session, "Ông Trần Văn Tâm")
    twin = _donor(session, "Ong Tran Van Tam")
    _gift(make_receipt, donor, 1_000_000, date(2018, 3, 1))
    _gift(make_receipt, twin, 3_000_000, date(2018, 5, 1))
    bad = _gift(make_receipt, donor, 7_000_000, date(2018, 5, 2))
    void_receipt(session, receipt_id=bad.id, reason="Sai số tiền")
    merge_donors(session, survivor_id=donor.id, duplicate_id=twin.id, unit_ids=scope, user_id=None)
    history = donor_history(session, donor, unit_ids=scope)
    assert (history.gifts, history.total, history.last_gift) == (2, 4_000_000, date(2018, 5, 1))
    assert history.by_year == [(2018, 2, 4_000_000)]
    assert history.receipts.count == 3  # the voided one listed, not counted
    assert {r.id for r in history.receipts.rows if r.voided_at} == {bad.id}
    campaigns = {c.code: (n, t) for c, _u, n, t in history.by_campaign}
    assert campaigns and all(v == (2, 4_000_000) for v in campaigns.values())
    assert [d.id for d in history.merged] == [twin.id]


def test_merge_keeps_receipts_byte_identical_and_books_sound(session, make_receipt, scope):
    survivor = _donor(session, "Trường THCS Chương Dương", kind="school")
    duplicate = _donor(session, "truong thcs chuong duong")
    _gift(make_receipt, survivor, 1_000_000, date(2018, 3, 1))
    _gift(make_receipt, duplicate, 2_000_000, date(2018, 3, 2))
    session.flush()
    table = Receipt.__table__
    before = session.execute(sa_select(table).order_by(table.c.id)).all()
    merge_donors(
        session, survivor_id=survivor.id, duplicate_id=duplicate.id, unit_ids=scope, user_id=None
    )
    assert session.execute(sa_select(table).order_by(table.c.id)).all() == before
    assert check_books(session) == []
    assert session.get(Donor, duplicate.id).merged_into_id == survivor.id
    assert donor_history(session, survivor, unit_ids=scope).total == 3_000_000
    found = search_donors(session, unit_ids=scope, text="chuong duong")
    assert [d.id for d in found] == [survivor.id]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "donor.merge")).one()
    assert event.object_id == duplicate.id


def test_merge_resolves_chains_to_the_root(session, scope):
    a, b, c = (_donor(session, f"Hộ ông Phạm {n}") for n in "ABC")
    merge_donors(session, survivor_id=b.id, duplicate_id=c.id, unit_ids=scope, user_id=None)
    merge_donors(session, survivor_id=a.id, duplicate_id=b.id, unit_ids=scope, user_id=None)
    assert session.get(Donor, c.id).merged_into_id == a.id  # followed its survivor
    d = _donor(session, "Hộ ông Phạm D")
    merged = merge_donors(
        session, survivor_id=c.id, duplicate_id=d.id, unit_ids=scope, user_id=None
    )
    assert merged.id == a.id and session.get(Donor, d.id).merged_into_id == a.id


def test_merge_refusals(session, scope):
    a, b = _donor(session, "Bà Hoa"), _donor(session, "Ba Hoa")
    with pytest.raises(DonorMergeIntoSelf):
        merge_donors(session, survivor_id=a.id, duplicate_id=a.id, unit_ids=scope, user_id=None)
    merge_donors(session, survivor_id=a.id, duplicate_id=b.id, unit_ids=scope, user_id=None)
    with pytest.raises(DonorMergeIntoDuplicate):
        merge_donors(session, survivor_id=b.id, duplicate_id=a.id, unit_ids=scope, user_id=None)
    with pytest.raises(DonorAlreadyMerged):
        merge_donors(session, survivor_id=a.id, duplicate_id=b.id, unit_ids=scope, user_id=None)
    commune = subtree_ids(session, find_unit(session, "TT-DUNGTIEN").id)
    c = _donor(session, "Ông Hùng", unit_code="TT-DUNGTIEN")
    with pytest.raises(DonorOutOfScope):
        merge_donors(session, survivor_id=c.id, duplicate_id=a.id, unit_ids=commune, user_id=None)


def test_edit_is_audited_and_refuses_anonymous_with_consent(session):
    donor = _donor(session, "Chị Mai")
    data = DonorInput(kind="household", phone="+84 912 000 111", public_consent=True)
    update_donor(session, donor=donor, data=data, user_id=None)
    assert (donor.kind, donor.phone, donor.public_consent) == ("household", "0912000111", True)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "donor.update")).one()
    assert '"phone": "0912000111"' in event.after
    with pytest.raises(AnonymousAndPublic):
        update_donor(
            session,
            donor=donor,
            data=DonorInput(kind="household", anonymous=True, public_consent=True),
            user_id=None,
        )


def test_shown_payer_hides_anonymous_outside_the_fund(session):
    assert shown_payer("Ông A", anonymous=True, fund_id=5, viewer_unit_id=5) == "Ông A"
    assert shown_payer("Ông A", anonymous=True, fund_id=5, viewer_unit_id=1) == ANONYMOUS_NAME
    assert shown_payer("Ông A", anonymous=True, fund_id=5, viewer_unit_id=None) == ANONYMOUS_NAME
    assert shown_payer("Ông A", anonymous=False, fund_id=5, viewer_unit_id=1) == "Ông A"
    root = _donor(session, "Ông Kín", anonymous=True)
    twin = _donor(session, "Ong Kin")
    plain = _donor(session, "Ông Rõ")
    twin.merged_into_id = root.id
    session.flush()
    assert anonymous_donor_ids(session, {root.id, twin.id, plain.id}) == {root.id, twin.id}


def test_the_demo_leaves_one_duplicate_pair_to_merge(session):
    from ledger.services.demo_donors import seed_demo_donors

    for name in ("Ông Nguyễn Văn Hải", "Bà Trần Thị Lan", "Trường THCS Chương Dương"):
        _donor(session, name)
    assert seed_demo_donors(session) == 5
    assert seed_demo_donors(session) == 0  # idempotent
    commune = subtree_ids(session, find_unit(session, "TT-CHUONGDUONG").id)
    groups = [
        sorted(d.name for d in g)
        for g in duplicate_groups(session, unit_ids=commune, viewer_unit_id=None)
    ]
    assert groups == [["Trường THCS Chương Dương", "truong thcs chuong duong"]]
    named = list_donors(session, unit_ids=commune, text="")
    assert sum(1 for r in named.rows if r.donor.phone and r.donor.public_consent) >= 2
