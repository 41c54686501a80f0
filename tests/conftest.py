"""Fixtures: ``app``, ``client``, ``runner``, ``session`` and factories, on SQLite or PostgreSQL.

``LEDGER_TEST_DATABASE_URL`` selects PostgreSQL (``.ci/run`` sets it for the second pass);
without it every test gets its own SQLite file copied from a migrated, seeded template.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from ledger import create_app
from ledger.engine import dispose_engines, get_engine, new_session
from ledger.migrate import upgrade
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from ledger.services.campaigns import find_campaign
from ledger.services.disbursements import DisbursementInput, draft_disbursement
from ledger.services.receipts import ReceiptInput, record_receipt
from ledger.services.seed import seed_reference
from ledger.services.units import find_unit
from ledger.services.users import create_user

PG_URL = os.environ.get("LEDGER_TEST_DATABASE_URL", "")
PASSWORD = "correct-horse-battery"


def pytest_report_header(config):
    return f"ledger database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (file per test)'}"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A migrated database holding the reference seed; SQLite: a file to copy per test."""
    if PG_URL:
        url = _create_postgres_database(PG_URL)
        upgrade(url)
        yield url
        dispose_engines()
        _drop_postgres_database(PG_URL, url)
        return
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    session = new_session(get_engine(url), write=True)
    seed_reference(session)
    session.commit()
    session.close()
    dispose_engines()
    yield str(path)


def _admin_engine(url: str):
    return create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )


def _create_postgres_database(url: str) -> str:
    """A database of this test run's own, so parallel runs on one server never collide."""
    name = f"ledger_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = _admin_engine(url)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def _drop_postgres_database(url: str, test_url: str) -> None:
    engine = _admin_engine(url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{test_url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    engine.dispose()


def _truncate_and_seed(url: str) -> None:
    engine = get_engine(url)
    with engine.begin() as conn:
        # A request the last test's live server was still serving, or a job it started, may
        # hold a table TRUNCATE needs and wait for one TRUNCATE already holds: a deadlock.
        # This worker's database is its own, so whatever else is connected is left over.
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        tables = (
            conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        conn.execute(
            text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        )
    session = new_session(engine, write=True)
    seed_reference(session)
    session.commit()
    session.close()


@pytest.fixture
def db_url(template_db, tmp_path):
    """A fresh database for this test holding the Thường Tín reference seed."""
    if PG_URL:
        _truncate_and_seed(template_db)
        yield template_db
    else:
        target = tmp_path / "ledger.db"
        shutil.copy(template_db, target)
        yield f"sqlite:///{target}"
    dispose_engines()


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "SECRET_KEY": "test-secret-key",
            "SERVER_NAME": "localhost",
            # admins' sign-in factor is tested in tests/test_second_factor.py; elsewhere an
            # admin signs in with the password alone, as every other role does
            "ADMIN_SECOND_FACTOR": False,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(db_url):
    """A session on the test database; commit what others must see, roll back to see theirs."""
    s = new_session(get_engine(db_url), write=False)
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def unit(session):
    """Find a seeded unit by code or printed name."""
    return lambda name: find_unit(session, name)


@pytest.fixture
def make_receipt(session):
    """Record a receipt through the service (not committed)."""

    def make(
        unit_code: str = "TT-CHUONGDUONG",
        amount: int = 1_000_000,
        on: date = date(2018, 3, 1),
        **fields,
    ):
        fund = find_unit(session, unit_code)
        data = ReceiptInput(
            receipt_date=on,
            amount=amount,
            payer_name=fields.pop("payer_name", "Nguyễn Văn An"),
            **fields,
        )
        return record_receipt(session, unit_id=fund.id, data=data)

    return make


@pytest.fixture
def make_user(session):
    """Create and commit a user scoped to a unit (by code); password ``PASSWORD``."""

    def make(username: str, role: str, unit_code: str, **fields):
        user = create_user(
            session,
            username=username,
            password=PASSWORD,
            role=role,
            unit_id=find_unit(session, unit_code).id,
            **fields,
        )
        session.commit()
        return user

    return make


def form_tokens(html: str) -> dict[str, str]:
    """The hidden csrf_token and idempotency_key of the first form in ``html``."""
    found = {}
    for name in ("csrf_token", "idempotency_key"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
            rf'value="([^"]*)"[^>]*name="{name}"', html
        )
        if match:
            found[name] = match.group(1)
    return found


@pytest.fixture
def login(client):
    """Sign ``client`` in as ``username``."""

    def do(username: str, password: str = PASSWORD):
        page = client.get("/auth/login")
        response = client.post(
            "/auth/login",
            data={"username": username, "password": password, **form_tokens(page.text)},
        )
        assert response.status_code == 302, response.text
        return response

    return do


@pytest.fixture
def submit(client):
    """GET a form page, then POST it with its tokens plus ``data``."""

    def do(page_url: str, data: dict, post_url: str | None = None, **kwargs):
        page = client.get(page_url)
        assert page.status_code == 200, page.text
        return client.post(post_url or page_url, data={**form_tokens(page.text), **data}, **kwargs)

    return do


@pytest.fixture
def two_districts(session):
    """A second district (Phú Xuyên) with one commune, beside Thường Tín."""
    from ledger.services.units import create_unit

    city = find_unit(session, "HN")
    district = create_unit(
        session,
        code="PX",
        name="Huyện Phú Xuyên",
        level="district",
        parent_id=city.id,
        valid_from=date(2008, 8, 1),
    )
    create_unit(
        session,
        code="PX-PHUCTIEN",
        name="Xã Phúc Tiến",
        level="commune",
        parent_id=district.id,
        valid_from=date(2008, 8, 1),
    )
    session.commit()
    return district


@pytest.fixture
def funded(session, make_receipt, make_user):
    """Chương Dương holds 10.000.000 đ cash; users: its treasurer, district and commune reviewers."""
    make_receipt(amount=10_000_000, on=date(2018, 1, 5))
    session.commit()
    return {
        "fund": find_unit(session, "TT-CHUONGDUONG"),
        "treasurer": make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG"),
        "reviewer": make_user("duyet.tt", "reviewer", "TT"),
        "local_reviewer": make_user("duyet.cd", "reviewer", "TT-CHUONGDUONG"),
        "other_reviewer": make_user("duyet.px", "reviewer", "TT-DUNGTIEN"),
    }


# the named child in the ``demo`` year; tests look for it in what must be masked
DEMO_CHILD = "Đặng Thị Canarychild"


@pytest.fixture
def demo(runner, session):
    """The seeded demo year plus one paid heart-surgery payout for a named child (the 2018 year
    alone: the demo's 2025 reorganisation moves these funds on and locks them)."""
    from ledger.services.demo import seed_demo_receipts, seed_demo_users

    seed_demo_users(session)
    seed_demo_receipts(session)
    commune = find_unit(session, "TT-CHUONGDUONG")
    child = create_beneficiary(
        session,
        unit_id=commune.id,
        data=BeneficiaryInput(full_name=DEMO_CHILD, birth_date=date(2013, 1, 2), sex="female"),
    )
    item = draft_disbursement(
        session,
        unit_id=commune.id,
        data=DisbursementInput(
            disbursement_date=date(2018, 6, 1),
            category_id=1,
            payee_name="Mẹ của trẻ",
            beneficiary_id=child.id,
            amount=3_000_000,
            reason="Phẫu thuật tim",
        ),
    )
    from ledger.services.disbursements import pay_disbursement

    item.status = "approved"
    pay_disbursement(session, disbursement_id=item.id, on=date(2018, 6, 2))
    session.commit()
    return find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, chromium_or_skip

    path = chromium_or_skip()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def live_server(app):
    """The test app on a real port (SERVER_NAME cleared so any host works)."""
    from tests.browser import LiveServer

    app.config["SERVER_NAME"] = None
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page (own cookies) on a phone-sized screen."""
    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="vi-VN")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
