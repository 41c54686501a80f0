"""The Thường Tín 2018 seed: 29 communes as printed, quotas, target, headroom, idempotence."""

from datetime import date

import pytest
from sqlalchemy import func, select

from ledger.errors import AmbiguousUnit
from ledger.models import (
    Account,
    Category,
    CircumstanceGroup,
    Disbursement,
    Quota,
    Receipt,
    Unit,
    UnitSuccession,
    User,
)
from ledger.services.campaigns import find_campaign, quota_total, report_periods
from ledger.services.check_reorg import check_reorganisations
from ledger.services.journal import balance
from ledger.services.progress import campaign_progress
from ledger.services.units import find_unit


def _counts(session):
    session.rollback()  # a fresh snapshot: see what the CLI committed
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).scalar_one()
        for model in (Unit, Quota, Category, CircumstanceGroup, Receipt, User)
    }


def test_thuong_tin_2018_as_the_annex_prints_it(session):
    district = find_unit(session, "Thường Tín")
    communes = session.exec(select(Unit).where(Unit.parent_id == district.id)).scalars().all()
    assert len(communes) == 29
    assert {"XÃ CHƯƠNG DƯƠNG", "THỊ TRẤN", "XÃ VĂN PHÚ"} <= {c.printed_name for c in communes}
    campaign = find_campaign(session, unit_id=district.id, year=2018)
    assert campaign.target == 200_000_000
    assert quota_total(session, campaign.id) == 290_000_000
    progress = campaign_progress(session, campaign_id=campaign.id)
    assert progress.headroom == 90_000_000 and progress.allocation_rate == 145.0
    assert [(p.code, p.due.strftime("%d/%m")) for p in report_periods(session, campaign.id)] == [
        ("h1", "15/05"),
        ("m9", "15/08"),
        ("year", "10/11"),
    ]


def test_units_are_found_by_code_or_printed_name(session):
    assert find_unit(session, "XÃ DŨNG TIẾN").code == "TT-DUNGTIEN"
    assert find_unit(session, "xã dũng tiến").code == "TT-DUNGTIEN"
    assert find_unit(session, "Dũng Tiến").code == "TT-DUNGTIEN"
    # the old commune and the new xã (01/07/2025) share the name: only the code tells them apart
    for name in ("XÃ CHƯƠNG DƯƠNG", "Chương Dương"):
        with pytest.raises(AmbiguousUnit):
            find_unit(session, name)
    assert find_unit(session, "TT").name == "Huyện Thường Tín"
    assert find_unit(session, "THỊ TRẤN").name == "Thị trấn Thường Tín"


def test_reference_lists(session):
    codes = set(session.exec(select(CircumstanceGroup.code)).scalars().all())
    assert len(codes) == 18 and {"orphan_both_parents", "migrant_refugee", "other"} <= codes
    assert (
        session.exec(
            select(func.count())
            .select_from(CircumstanceGroup)
            .where(CircumstanceGroup.legal_ref != "")
        ).scalar_one()
        == 14
    )
    categories = set(session.exec(select(Category.code)).scalars().all())
    assert {"heart_surgery", "gift_mid_autumn", "mgmt_admin"} <= categories


def test_seed_twice_changes_nothing(runner, session):
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert "treasurer.chuongduong" in first.output and "thuongtin2018" in first.output
    before = _counts(session)
    assert before["Receipt"] > 300
    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0, second.output
    assert _counts(session) == before


def test_demo_year_reconciles(runner, session):
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    district = find_unit(session, "TT")
    progress = campaign_progress(
        session, campaign_id=find_campaign(session, unit_id=district.id, year=2018).id
    )
    receipts = session.exec(
        select(func.sum(Receipt.amount)).where(Receipt.receipt_date <= date(2018, 12, 31))
    ).scalar_one()
    assert progress.collected == receipts
    assert sum(r.collected for r in progress.rows) == receipts
    assert runner.invoke(args=["check"]).exit_code == 0


def test_demo_runs_to_the_two_tier_structure(runner, session):
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    assert "treasurer.xathuongtin" in result.output and "reviewer.hanoi" in result.output
    assert "Demo receipt batches +1" in result.output  # a thôn's envelopes, typed as a batch
    assert "Demo filed reports +1" in result.output  # Xã Thường Tín's 6-month 2026 report
    session.rollback()
    new = {
        code: find_unit(session, code)
        for code in ("HN-THUONGTIN", "HN-THUONGPHUC", "HN-CHUONGDUONG", "HN-HONGVAN")
    }
    city = find_unit(session, "HN")
    assert {
        (u.name, u.level, u.unit_type, u.parent_id, u.valid_from, u.valid_to) for u in new.values()
    } == {
        (n, "commune", "xa", city.id, date(2025, 7, 1), None)
        for n in ("Xã Thường Tín", "Xã Thượng Phúc", "Xã Chương Dương", "Xã Hồng Vân")
    }
    users = dict(session.exec(select(User.username, User.unit_id)).all())
    assert users["treasurer.xathuongtin"] == new["HN-THUONGTIN"].id
    assert users["reviewer.hanoi"] == city.id
    district = find_unit(session, "TT")
    communes = session.exec(select(Unit).where(Unit.parent_id == district.id)).scalars().all()
    first_half = session.exec(
        select(Receipt.unit_id, func.count())
        .where(Receipt.receipt_date.between(date(2025, 1, 1), date(2025, 6, 30)))
        .group_by(Receipt.unit_id)
    ).all()
    assert {u for u, n in first_half if n} == {c.id for c in communes}
    links = session.exec(select(UnitSuccession)).scalars().all()
    assert {ln.predecessor_id for ln in links} == {c.id for c in communes}
    assert all(ln.legal_basis == "Nghị quyết 1656/NQ-UBTVQH15 ngày 16/06/2025" for ln in links)
    assert all("GIẢ ĐỊNH" in ln.share_note for ln in links if ln.share_bp < 10000)
    moved = sum(
        balance(session, unit_id=u.id, kinds=("cash", "bank", "in_kind"))
        for u in [*new.values(), find_unit(session, "HN-NGOAI-TT")]
    )
    paid = session.exec(
        select(func.coalesce(func.sum(Disbursement.amount), 0)).where(Disbursement.status == "paid")
    ).scalar_one()
    # the demo's 2018 cash count found 50.000 đ short: it waits in "thiếu quỹ chờ xử lý" of the
    # commune that counted it (a clearing account, which the reorganisation does not carry)
    short = session.exec(
        select(func.coalesce(func.sum(Account.balance), 0)).where(Account.kind == "cash_shortage")
    ).scalar_one()
    assert short == 50_000
    # every đồng received since 2018 is in the 4 xã (or the placeholder), less what they paid
    # out and what the count found missing
    assert moved == session.exec(select(func.sum(Receipt.amount))).scalar_one() - paid - short
    assert check_reorganisations(session) == []


def test_create_user_command(runner, session):
    result = runner.invoke(
        args=["create-user", "thuquy.haho", "--role", "treasurer", "--unit", "XÃ HÀ HỒI"],
        input="mat-khau-dai-1\nmat-khau-dai-1\n",
    )
    assert result.exit_code == 0, result.output
    session.rollback()
    user = session.exec(select(User).where(User.username == "thuquy.haho")).scalars().one()
    assert user.password_hash.startswith("$argon2id$")
    assert user.unit_id == find_unit(session, "TT-HAHOI").id
    short = runner.invoke(
        args=["create-user", "x.y", "--role", "treasurer", "--unit", "TT"], input="short\nshort\n"
    )
    assert short.exit_code == 2 and "10" in short.output
