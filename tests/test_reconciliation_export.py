"""The reconciliation export: one function gathers, checks and writes; the builder is pure."""

import io
from datetime import date

import openpyxl
import pytest
from sqlmodel import Session

from ledger.exports.reconciliation import start_workbook
from ledger.services import reconciliation
from ledger.services.campaigns import find_campaign
from ledger.services.units import find_unit


@pytest.fixture
def campaign(session, make_receipt):
    for day in (2, 3, 4):
        make_receipt(amount=100_000 * day, on=date(2018, 4, day))
    session.commit()
    return find_campaign(session, unit_id=find_unit(session, "TT").id, year=2018)


def test_the_export_holds_the_figures_and_checks_it_returns(session, campaign):
    made = reconciliation.export_workbook(session, campaign_id=campaign.id)
    book = openpyxl.load_workbook(io.BytesIO(made.content))
    assert book.sheetnames.index("Kiểm tra") == 5, "written last, the checks sheet keeps its place"
    rows = list(book["Kiểm tra"].iter_rows(min_row=2, values_only=True))
    assert [row[:3] for row in rows] == [(c.name, c.expected, c.actual) for c in made.checks]
    assert made.checks == made.data.checks and all(check.ok for check in made.checks)
    receipts = list(book["Phiếu thu"].iter_rows(min_row=2, values_only=True))
    assert [row[7] for row in receipts] == [r.amount for r in made.data.receipts]
    assert sorted(r.amount for r in made.data.receipts) == [200_000, 300_000, 400_000]


def test_the_builder_and_the_checks_read_no_database(session, campaign, monkeypatch):
    data = reconciliation.build_reconciliation(session, campaign_id=campaign.id)

    def no_sql(*args, **kwargs):
        raise AssertionError("the builder ran SQL")

    monkeypatch.setattr(Session, "execute", no_sql)
    content = start_workbook(data).finish(data.checks)
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames[0] == "Đối chiếu chỉ tiêu"


def test_no_checks_before_the_books_are_verified(session, campaign):
    funds = reconciliation.campaign_funds(session, campaign.id)
    data = reconciliation.gather(session, funds, campaign_id=campaign.id)
    with pytest.raises(RuntimeError):
        data.checks  # noqa: B018 - reading it is the test
