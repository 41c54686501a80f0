"""The demo's pledges: seeded with the 2026 year, one left unpaid past its due date, one paid in
part, one in full; never settled beyond the pledge; seeding again adds none."""

from datetime import date

from sqlalchemy import select

from ledger.models import Pledge
from ledger.services.demo_pledges import PLEDGES, seed_demo_pledges
from ledger.services.pledges import settled_amount, status_of


def test_demo_pledges(runner, session):
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    session.rollback()
    pledges = session.exec(select(Pledge).order_by(Pledge.id)).scalars().all()
    today = date.today()
    assert len(pledges) == sum(1 for row in PLEDGES if row[4] <= today)
    found = {status_of(p, settled_amount(session, p.id), today) for p in pledges}
    for p in pledges:
        assert 0 <= settled_amount(session, p.id) <= p.amount
    if today > date(2026, 6, 30):
        partly = [p for p in pledges if 0 < settled_amount(session, p.id) < p.amount]
        assert {"overdue", "settled"} <= found and len(partly) == 1
    assert seed_demo_pledges(session) == 0
