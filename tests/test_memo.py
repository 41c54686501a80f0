"""What a request reads once a transaction (``memo``: the tree's version, the
settings, the management categories) is read again as soon as it may have changed: after
the session writes, and in the next transaction, which sees what others committed."""

from datetime import date

from sqlalchemy import update
from sqlmodel import select

from ledger.engine import get_engine, new_session
from ledger.models import Category
from ledger.services.disbursements import (
    DisbursementInput,
    draft_disbursement,
    pay_disbursement,
)
from ledger.services.rollups import spent
from ledger.services.units import create_unit, find_unit, subtree_ids, tree_version


def _new_unit(session, code: str, name: str, parent_id: int):
    return create_unit(
        session,
        code=code,
        name=name,
        level="commune",
        valid_from=date(2018, 1, 1),
        parent_id=parent_id,
    )


def test_a_unit_added_in_the_same_transaction_is_in_the_subtree_at_once(session):
    province = find_unit(session, "Hà Nội")
    before, under = tree_version(session), subtree_ids(session, province.id)
    added = _new_unit(session, "MEMO1", "Xã Thử", province.id)
    assert tree_version(session) != before
    assert subtree_ids(session, province.id) == under | {added.id}


def test_a_unit_another_user_commits_is_seen_by_the_next_transaction(session, db_url):
    province = find_unit(session, "Hà Nội")
    first, under = tree_version(session), subtree_ids(session, province.id)
    other = new_session(get_engine(db_url), write=True)
    try:
        added = _new_unit(other, "MEMO2", "Xã Khác", province.id)
        other.commit()
        assert tree_version(session) == first  # the same transaction reads one version
        assert subtree_ids(session, province.id) == under
        session.rollback()  # the request ends; the next one starts a new transaction
        assert added.id in subtree_ids(session, province.id)
    finally:
        other.rollback()
        other.close()


def test_a_category_flagged_as_management_counts_in_the_same_transaction(session, make_receipt):
    """The management categories are remembered; an UPDATE sent through the session drops
    them, so the cap's figure cannot read the flags from before it."""
    fund = find_unit(session, "TT-CHUONGDUONG")
    make_receipt("TT-CHUONGDUONG", amount=5_000_000, on=date(2018, 1, 10))
    support = session.exec(select(Category.id).where(Category.code == "school_support")).one()
    item = draft_disbursement(
        session,
        unit_id=fund.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 2, 1),
            category_id=support,
            payee_name="Trường Tiểu học",
            amount=1_000_000,
            reason="Hỗ trợ",
        ),
    )
    item.status = "approved"
    pay_disbursement(session, disbursement_id=item.id, on=date(2018, 2, 1))
    window = (date(2018, 1, 1), date(2018, 12, 31))
    assert spent(session, [fund.id], *window, management=True) == {}
    session.exec(update(Category).values(is_management=True))
    assert spent(session, [fund.id], *window, management=True) == {fund.id: 1_000_000}


def test_a_commune_is_its_own_subtree_until_a_unit_is_put_under_it(session):
    """A unit with nothing under it (a commune) is found to be its own subtree by one probe,
    without the tree's version; the probe sees a unit added under it in the same transaction."""
    commune = find_unit(session, "TT-CHUONGDUONG")
    assert subtree_ids(session, commune.id) == {commune.id}
    hamlet = _new_unit(session, "MEMO3", "Điểm Thử", commune.id)
    assert subtree_ids(session, commune.id) == {commune.id, hamlet.id}
    assert subtree_ids(session, 10**9) == set()  # no such unit: nothing in scope


def test_a_unit_added_in_a_savepoint_rolled_back_leaves_the_subtree(session):
    province = find_unit(session, "Hà Nội")
    under = subtree_ids(session, province.id)
    savepoint = session.begin_nested()
    added = _new_unit(session, "MEMO4", "Xã Tạm", province.id)
    assert added.id in subtree_ids(session, province.id)
    savepoint.rollback()
    assert subtree_ids(session, province.id) == under
