"""Rolled-up totals: kept with every posting, equal to the postings, checked, moved with a unit;
progress read from them equals a direct GROUP BY over the postings; the home page's table."""

from datetime import date

from sqlalchemy import func, select, update

from ledger.models import Account, Posting, Rollup, Unit
from ledger.services import rollups
from ledger.services.campaigns import create_campaign
from ledger.services.check import check_books, check_rollups
from ledger.services.costs import management_costs
from ledger.services.progress import campaign_progress
from ledger.services.receipts import ReceiptInput, record_receipts
from ledger.services.unit_setup import update_unit
from ledger.services.units import create_unit, find_unit, subtree_ids
from tests.world import build_world


def _collected(session, root_id, start, end):
    """Σ quota lines credited under ``root_id``, straight from the postings."""
    return -int(
        session.exec(
            select(func.coalesce(func.sum(Posting.amount), 0)).where(
                Posting.credit_unit_id.in_(subtree_ids(session, root_id)),
                Posting.entry_date.between(start, end),
            )
        ).scalar_one()
    )


def _last(session, root_id, start, end):
    return session.exec(
        select(func.max(Posting.entry_date)).where(
            Posting.credit_unit_id.in_(subtree_ids(session, root_id)),
            Posting.entry_date.between(start, end),
        )
    ).scalar_one()


def _by_fund(session, root_id, start, end, kinds=None, like=None):
    query = (
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(Account, Account.id == Posting.account_id)
        .where(
            Account.unit_id.in_(subtree_ids(session, root_id)),
            Posting.entry_date.between(start, end),
        )
    )
    query = query.where(Account.kind.in_(kinds)) if kinds else query
    query = query.where(Account.kind.like(like)) if like else query
    return int(session.exec(query).scalar_one())


def test_rollups_equal_the_postings_after_receipts_voids_payouts_and_transfers(session):
    build_world(session)
    assert check_rollups(session) == []
    assert check_books(session) == []
    nation = session.exec(select(Unit).where(Unit.parent_id.is_(None))).scalars().first()
    district = find_unit(session, "TT")
    for root in (nation.id, district.id, find_unit(session, "TT-CHUONGDUONG").id):
        for start, end in (
            (date(2018, 1, 1), date(2018, 12, 31)),
            (date(2018, 2, 15), date(2018, 7, 1)),
        ):
            found = rollups.totals(session, [root], start, end).get(root, rollups.Totals())
            assert found.collected == _collected(session, root, start, end)
            assert found.last_receipt == _last(session, root, start, end)
            assert found.donations == -_by_fund(session, root, start, end, kinds=["donations"])
            assert rollups.spent(session, [root], start, end).get(root, 0) == _by_fund(
                session, root, start, end, like="expense:%"
            )
            assert rollups.cash_as_of(session, [root], end).get(root, 0) == _by_fund(
                session, root, date(2000, 1, 1), end, kinds=["cash", "bank"]
            )


def test_check_names_a_tampered_total(session):
    build_world(session)
    district = find_unit(session, "TT")
    session.exec(
        update(Rollup)
        .where(Rollup.unit_id == district.id, Rollup.grain == "month")
        .where(Rollup.period == date(2018, 3, 1))
        .values(credited=Rollup.credited - 1)
    )
    problems = [str(p) for p in check_books(session)]
    assert problems == [
        f"rollup: unit {district.id} month 01/03/2018: credited "
        f"{_stored(session, district.id, 'month', date(2018, 3, 1))} but postings give "
        f"{_stored(session, district.id, 'month', date(2018, 3, 1)) + 1}"
    ]


def _stored(session, unit_id, grain, period):
    return session.exec(
        select(Rollup.credited).where(
            Rollup.unit_id == unit_id, Rollup.grain == grain, Rollup.period == period
        )
    ).scalar_one()


def test_progress_as_of_a_past_date_ignores_later_activity(session):
    build_world(session)
    district = find_unit(session, "TT")
    campaign = create_campaign(
        session, unit_id=district.id, year=2018, target=500_000_000, code="T"
    )
    as_of = date(2018, 3, 1)
    before = campaign_progress(session, campaign_id=campaign.id, as_of=as_of)
    record_receipts(
        session,
        unit_id=find_unit(session, "TT-CHUONGDUONG").id,
        items=[ReceiptInput(receipt_date=date(2018, 3, 2 + n), amount=7_000_000) for n in range(5)],
    )
    after = campaign_progress(session, campaign_id=campaign.id, as_of=as_of)
    assert before == after
    start = campaign.starts_on
    assert after.collected == _collected(session, district.id, start, as_of) > 0
    assert after.balance == _by_fund(
        session, district.id, date(2000, 1, 1), as_of, ["cash", "bank"]
    )
    for row in after.rows:
        assert row.collected == _collected(session, row.unit_id, start, as_of)
        assert row.last_receipt == _last(session, row.unit_id, start, as_of)
        assert row.disbursed == _by_fund(session, row.unit_id, start, as_of, like="expense:%")
        assert row.balance == _by_fund(
            session, row.unit_id, date(2000, 1, 1), as_of, ["cash", "bank"]
        )
    assert any(r.collected for r in after.rows)


def test_moving_a_unit_moves_its_totals_to_its_new_ancestors(session):
    build_world(session)
    commune = find_unit(session, "TT-CHUONGDUONG")
    old = session.get(Unit, commune.parent_id)
    new = create_unit(
        session,
        code="TT-MOI",
        name="Huyện Mới",
        level=old.level,
        parent_id=old.parent_id,
        valid_from=old.valid_from,
    )
    year = (date(2018, 1, 1), date(2018, 12, 31))
    moved = _collected(session, commune.id, *year)
    old_before = rollups.totals(session, [old.id], *year)[old.id]
    update_unit(session, unit_id=commune.id, parent_id=new.id)
    session.flush()
    assert check_rollups(session) == []
    assert (
        rollups.totals(session, [old.id], *year)[old.id].collected == old_before.collected - moved
    )
    assert rollups.totals(session, [new.id], *year)[new.id].collected == _collected(
        session, new.id, *year
    )
    assert moved > 0


def test_management_share_follows_the_category_flag_when_read(session):
    build_world(session)
    district = find_unit(session, "TT")
    costs = management_costs(session, unit_id=district.id, year=2018)
    assert costs.revenue == -_by_fund(
        session, district.id, date(2018, 1, 1), date(2018, 12, 31), kinds=["donations"]
    )
    assert costs.revenue > 0


def test_home_page_shows_the_units_below_in_pages_of_twenty(client, session, make_user, login):
    district = find_unit(session, "TT")
    communes = session.exec(select(Unit).where(Unit.parent_id == district.id)).scalars().all()
    for n, commune in enumerate(communes[:23]):
        create_campaign(session, unit_id=commune.id, year=2018, target=1_000_000 + n, code="X")
    session.commit()
    make_user("reviewer.home", "reviewer", "TT")
    login("reviewer.home")
    first = client.get("/").get_data(as_text=True)
    assert "Các đợt vận động của đơn vị trực thuộc" in first
    assert _table_rows(first) == 20
    assert "Trang 1/2" in first and 'href="/?page=2"' in first
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Trang 2/2" in second and 'href="/?page=1"' in second
    below = 23 + _campaigns_of_children_before(session, district.id)
    assert _table_rows(second) == below - 20 > 0
    assert "Chỉ tiêu được giao" in second and "/campaigns/" in _table(second)


def _table(page: str) -> str:
    return page.split('<table id="below"', 1)[1].split("</table>", 1)[0]


def _table_rows(page: str) -> int:
    return _table(page).count("<tr><td")


def _campaigns_of_children_before(session, district_id):
    """Campaigns the seed already gave the district's children."""
    from ledger.models import Campaign

    return session.exec(
        select(func.count(Campaign.id)).where(
            Campaign.unit_id.in_(subtree_ids(session, district_id)),
            Campaign.unit_id != district_id,
            Campaign.code != "X",
        )
    ).scalar_one()


def test_a_commune_holding_a_quota_sees_its_focused_figures_at_home(
    client, session, make_user, login
):
    build_world(session)
    make_user("reviewer.xa", "reviewer", "TT-CHUONGDUONG")
    login("reviewer.xa")
    page = client.get("/").get_data(as_text=True)
    assert "Chỉ tiêu của đơn vị" in page
