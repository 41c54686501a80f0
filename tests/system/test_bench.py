"""A small-size run of the benchmark: it works end to end and its figures reconcile."""

import re
from datetime import date

from sqlalchemy import func, select

from ledger.engine import dispose_engines, get_engine, new_session
from ledger.models import Campaign, Receipt, Unit


def test_bench_generate_and_run_smoke(runner, app, db_url, tmp_path):
    url = f"sqlite:///{tmp_path}/bench.db" if db_url.startswith("sqlite") else db_url
    generated = runner.invoke(
        args=[
            "bench",
            "generate",
            "--communes",
            "40",
            "--receipts",
            "800",
            "--seed",
            "3",
            "--db",
            url,
        ]
    )
    assert generated.exit_code == 0, generated.output
    assert "40 communes, 800 receipts" in generated.output
    dispose_engines()
    session = new_session(get_engine(url), write=False)
    nation = session.exec(select(Unit).where(Unit.code == "BV")).scalars().one()
    from ledger.services.progress import campaign_progress, unit_totals

    totals = unit_totals(session, root_id=nation.id, start=date(2018, 1, 1), end=date(2018, 12, 31))
    stored = session.exec(
        select(func.sum(Receipt.amount))
        .join(Unit, Unit.id == Receipt.unit_id)
        .where(Unit.code.like("BV-%"))
    ).scalar_one()
    campaign = session.exec(select(Campaign).where(Campaign.unit_id == nation.id)).scalars().one()
    progress = campaign_progress(session, campaign_id=campaign.id)
    assert totals[nation.id][0] == stored == progress.collected
    assert sum(r.collected for r in progress.rows) == stored
    journal = (tmp_path / "bench.journal") if url.startswith("sqlite") else None
    session.close()
    dispose_engines()
    if journal is not None:
        text = journal.read_text()
        assert sum(int(a) for a in re.findall(r" (\d+) VND\n", text)) == stored
    ran = runner.invoke(
        args=[
            "bench",
            "run",
            "--db",
            url,
            "--repeat",
            "1",
            "--no-peers",
            "--web-seconds",
            "6",
            "--import-rows",
            "300",
            "--json",
            str(tmp_path / "bench.json"),
        ]
    )
    assert ran.exit_code == 0, ran.output
    assert "app progress national" in ran.output and ", 0 errors" in ran.output
    import json

    figures = json.loads((tmp_path / "bench.json").read_text())
    names = {f["name"] for f in figures["figures"]}
    assert {
        "app progress national",
        "floor: raw GROUP BY over a minimal table",
        "workbook province",
        "web receipt latency p95",
    } <= names
    assert figures["ratios"]["national progress / floor"] > 0
    by_name = {f["name"]: f["value"] for f in figures["figures"]}
    assert by_name["web receipts throughput (8 clients, gunicorn 2 workers)"] > 0
    assert by_name["web errors"] == 0
    page = by_name["app district dashboard page (HTTP, median of 20)"]
    assert 0 < page < 1  # one page's median, not the app's start-up
    assert figures["bars"] == [] and "not judged here" in ran.output  # 40 communes, not 10,600
    from ledger.bench.run import Figure, bars

    measured = [Figure(**f) for f in figures["figures"]]
    judged = {
        what: (value, met)
        for what, value, met in bars(measured, {"communes": 10_629, "receipts": 1_000_000})
    }
    assert judged["district dashboard page under 50 ms"] == (page, page < 0.05)
    workbook = by_name["workbook province"]
    assert judged["province workbook under 5 s"] == (workbook, workbook < 5)
    assert "national progress at least 20x faster than ledger-cli" not in judged  # no peers ran
