"""Migrations: ``upgrade head`` on an empty database matches the models (no drift), and a downgrade
to 0001 and upgrade to head keep counts, sums and the hash chain."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select, text
from sqlmodel import SQLModel

import ledger.models  # noqa: F401  (registers every table)
from ledger.engine import new_session
from ledger.migrate import downgrade, upgrade
from ledger.models import Entry, Posting, Receipt
from ledger.services.check import check_books


def test_upgrade_head_matches_the_models(db_url):
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == []
    assert set(SQLModel.metadata.tables) <= tables


def test_money_columns_are_64_bit(db_url):
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        inspector = inspect(conn)
        money = {
            (t, c["name"]): str(c["type"])
            for t in (
                "receipt",
                "posting",
                "account",
                "campaign",
                "quota",
                "disbursement",
                "pledge",
                "pledgesettlement",
            )
            for c in inspector.get_columns(t)
            if c["name"] in ("amount", "balance", "target")
        }
    engine.dispose()
    assert money and all(kind.upper() == "BIGINT" for kind in money.values()), money


def _fingerprint(url):
    session = new_session(
        create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)), write=False
    )
    figures = (
        session.exec(select(func.count(Receipt.id), func.sum(Receipt.amount))).one(),
        session.exec(select(func.count(Posting.id), func.sum(Posting.amount))).one(),
        tuple(session.exec(select(Entry.hash).order_by(Entry.id)).scalars().all()),
        [str(p) for p in check_books(session)],
    )
    session.close()
    session.bind.dispose()
    return figures


def test_migrations_keep_counts_sums_and_the_hash_chain(db_url, runner):
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    from ledger.engine import dispose_engines

    dispose_engines()
    before = _fingerprint(db_url)
    # what the demo keeps of #17 has no place below the migration that added it: each is
    # refused in turn, newest first, and nothing is lost
    with pytest.raises(RuntimeError, match=r"cannot downgrade below 0019.*pledge"):
        downgrade(db_url, "0016")
    _drop_demo_pledges(db_url)
    with pytest.raises(RuntimeError, match=r"chỉ tiêu số trẻ em"):
        downgrade(db_url, "0016")
    assert _children_targets(db_url, delete=True) > 0
    with pytest.raises(RuntimeError, match=r"hiện vật"):
        downgrade(db_url, "0016")
    upgrade(db_url)
    assert _fingerprint(db_url) == before


def test_bank_accounts_and_cash_counts_have_no_place_below_0011(db_url):
    """The demo without what #17 added, with its bank accounts: refused below 0011."""
    _demo_without_bank(db_url)
    from ledger.engine import dispose_engines, get_engine
    from ledger.services.demo_bank import seed_demo_bank_accounts

    session = new_session(get_engine(db_url), write=True)
    assert seed_demo_bank_accounts(session) > 0
    session.commit()
    session.close()
    dispose_engines()
    before = _fingerprint(db_url)
    downgrade(db_url, "0011")
    with pytest.raises(RuntimeError, match=r"cannot downgrade below 0011.*bankaccount"):
        downgrade(db_url, "0010")
    upgrade(db_url)
    assert _fingerprint(db_url) == before


def _drop_demo_pledges(db_url) -> None:
    """Delete the demo's pledges (no journal entry refers to them; their receipts stay)."""
    from ledger.engine import dispose_engines, get_engine

    with get_engine(db_url).begin() as conn:
        conn.execute(text("DELETE FROM pledgesettlement"))
        conn.execute(text("DELETE FROM pledge"))
    dispose_engines()


def test_older_migrations_keep_counts_sums_and_the_hash_chain(db_url, app):
    """The demo without its bank accounts and cash counts goes down to 0004 and back."""
    _demo_without_bank(db_url)
    before = _fingerprint(db_url)
    # the demo runs a drive beside the yearly campaign (2026, 2026-THĐ): from 0004 on, where a
    # unit may run several campaigns a year, the round trip keeps everything ...
    downgrade(db_url, "0004")
    upgrade(db_url)
    after = _fingerprint(db_url)
    assert before == after and before[0][0] > 300 and after[3] == []
    # ... and going below it is refused, naming the unit and year, with nothing lost
    downgrade(db_url, "0004")
    with pytest.raises(RuntimeError, match=r"campaigns in 2026.*one campaign a year"):
        downgrade(db_url, "0003")
    upgrade(db_url)
    assert _fingerprint(db_url) == before


def _rollups(url):
    from ledger.models import Rollup, RollupSpend

    session = new_session(
        create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)), write=False
    )
    figures = (
        sorted(
            (
                r.unit_id,
                r.grain,
                str(r.period),
                r.credited,
                r.credit_lines,
                str(r.last_credit),
                r.donations,
                r.cash,
            )
            for r in session.exec(select(Rollup)).scalars()
        ),
        sorted(
            (r.unit_id, r.grain, str(r.period), r.kind, r.amount)
            for r in session.exec(select(RollupSpend)).scalars()
        ),
    )
    session.close()
    session.bind.dispose()
    return figures


def _demo_without_bank(db_url) -> None:
    """The demo's years (2018, the 2025 reorganisation, 2026) without what 0011 added (bank
    accounts, cash counts), so a downgrade below 0011 is possible."""
    from ledger.engine import dispose_engines, get_engine
    from ledger.services import demo
    from ledger.services.demo_2025 import seed_demo_2025
    from ledger.services.demo_2026 import seed_demo_2026

    session = new_session(get_engine(db_url), write=True)
    demo.seed_demo_users(session)
    demo.seed_demo_receipts(session)
    seed_demo_2025(session)
    seed_demo_2026(session)
    session.commit()
    session.close()
    dispose_engines()
    _children_targets(db_url, delete=True)


def _children_targets(db_url, *, delete: bool = False) -> int:
    """How many targets of children helped the database holds (0022), deleted when asked."""
    from sqlalchemy import text

    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        found = conn.execute(text("SELECT count(*) FROM childrentarget")).scalar_one()
        if delete:
            conn.execute(text("DELETE FROM childrentarget"))
    engine.dispose()
    return int(found)


def test_the_rollup_migration_backfills_the_totals_the_postings_keep(db_url, app):
    """Totals kept posting by posting (the demo seed) equal those 0006 rebuilds from the
    postings of a database upgraded from 0005."""
    _demo_without_bank(db_url)
    kept = _rollups(db_url)
    assert len(kept[0]) > 100 and kept[1]
    downgrade(db_url, "0005")
    upgrade(db_url)
    assert _rollups(db_url) == kept
    assert list(_fingerprint(db_url)[3]) == []
