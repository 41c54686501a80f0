"""The benchmark on a small dataset: it runs end to end over real HTTP, judges every bar, and
its floor asks exactly the question the progress API answers."""

import json
import math
import re

from sqlalchemy import func
from sqlmodel import col, select

from ledger.bench.floor import answer, build
from ledger.bench.prepare import SCOPES, prepare
from ledger.bench.run import PAGE_BAR_MS, SCREENS, Bar, child_map, meets, same_figures
from ledger.engine import dispose_engines, get_engine, make_engine, new_session
from ledger.models import Receipt, Unit


def _generate(runner, db_url, tmp_path, communes=30, receipts=2000):
    url = f"sqlite:///{tmp_path}/bench.db" if db_url.startswith("sqlite") else db_url
    journal = tmp_path / "bench.journal"
    made = runner.invoke(
        args=[
            "bench",
            "generate",
            "--communes",
            str(communes),
            "--receipts",
            str(receipts),
            "--seed",
            "3",
            "--db",
            url,
            "--journal",
            str(journal),
        ]
    )
    assert made.exit_code == 0, made.output
    assert f"{communes} communes, {receipts} receipts" in made.output
    dispose_engines()
    return url, journal


def test_bench_run_times_every_page_over_http_and_judges_every_bar(
    runner, db_url, tmp_path, monkeypatch
):
    # the province's and the nation's workbooks are made by background jobs, as at full size
    monkeypatch.setenv("LEDGER_WORKBOOK_DIRECT_RECEIPTS", "1500")
    url, journal = _generate(runner, db_url, tmp_path)
    out = tmp_path / "bench.json"
    ran = runner.invoke(
        args=[
            "bench",
            "run",
            "--db",
            url,
            "--journal",
            str(journal),
            "--requests",
            "3",
            "--budget",
            "60",
            "--peer-runs",
            "1",
            "--import-rows",
            "200",
            "--web-seconds",
            "2",
            "--json",
            str(out),
        ]
    )
    assert ran.exit_code == 0, ran.output
    assert "floor (1) answers the same figures as campaign_progress: True" in ran.output
    figures = json.loads(out.read_text())
    rows = {(r["what"], r["scope"]): r for r in figures["rows"]}
    for scope in SCOPES:  # every screen and API answer, at every scope, over HTTP
        for what in ("progress API (token)", *SCREENS):
            row = rows[(what, scope)]
            assert row["ok"] and row["n"] == 3 and row["median"] > 0, (what, scope, row)
            assert abs(row["p95"] - max(row["values"])) < 1e-4  # nearest rank of 3: the slowest
    assert rows[("chart progress, cold", "nation")]["ok"]
    assert rows[("workbook (HTTP)", "district")]["ok"]
    assert rows[("workbook (HTTP, background job)", "nation")]["ok"]
    assert rows[("workbook (service call)", "nation")]["peak_mb"] > 0
    # the first verification is timed apart; it found the generated books sound
    assert rows[("check, first verification", "nation")]["ok"]
    assert figures["facts"]["posting"]["errors"] == 0
    assert figures["facts"]["posting"]["receipts"] > 0
    assert figures["facts"]["floor_answers_as_campaign_progress"] is True
    # every bar is judged and printed as met or not met
    bars = figures["bars"]
    assert len(bars) == 4 * 9 + 1 + 4 + 2 + 1
    for bar in bars:
        verdict = "met" if bar["met"] else "NOT MET"
        line = re.compile(
            rf"^{re.escape(bar['what'])}\s+{bar['scope']}\s+.*\s{verdict}$", re.MULTILINE
        )
        assert line.search(ran.output), bar
        passed = (
            bar["measured"] >= bar["limit"] if bar["at_least"] else bar["measured"] < bar["limit"]
        )
        assert bar["met"] == passed
    assert f"of {len(bars)} bars met." in ran.output
    # the headline divides what the API serves over HTTP by the floor of the same question
    api, floor1 = (
        rows[("progress API (token)", "nation")],
        rows[("floor (1) progress question", "nation")],
    )
    assert figures["ratios"]["headline: progress API over HTTP / floor (1)"] == round(
        api["median"] / floor1["median"], 2
    )
    table = runner.invoke(args=["bench", "table", str(out)])
    assert table.exit_code == 0, table.output
    assert "| receipts | 2,000 |" in table.output
    assert "| progress API over HTTP (national) |" in table.output


def test_floor_asks_the_question_the_progress_api_answers(runner, app, db_url, tmp_path):
    url, _ = _generate(runner, db_url, tmp_path, communes=20, receipts=600)
    session = new_session(get_engine(url), write=True)
    scopes, _ = prepare(session)
    codes = dict(session.exec(select(Unit.id, Unit.code)).all())
    session.close()
    engine = make_engine(url)
    from ledger import create_app

    web = create_app({"DATABASE_URL": url, "SECRET_KEY": "t", "TESTING": True}).test_client()
    with engine.connect() as conn:
        build(conn, {s.root_id: child_map(url, s) for s in scopes.values()})
        for scope in scopes.values():
            assert same_figures(url, conn, scope), scope.name
            served = web.get(
                f"/api/v1/campaigns/{scope.campaign_id}/progress",
                headers={"Authorization": f"Bearer {scope.token}"},
            ).get_json()
            floor = {codes[u]: f for u, f in answer(conn, scope.question).items()}
            assert served["units"] or scope.name == "commune"  # a commune has no child units
            for unit in served["units"]:
                collected, last, same, spent, balance = floor.get(unit["code"], (0, None, 0, 0, 0))
                assert (collected, spent, balance) == (
                    unit["collected"],
                    unit["disbursed"],
                    unit["balance"],
                )
                assert (last.isoformat() if last else None) == unit["last_receipt"]
                assert same == unit["same_period_last_year"]["collected"]
            for index, field in ((0, "collected"), (3, "disbursed"), (4, "balance")):
                assert sum(f[index] for f in floor.values()) == served[field], field
    engine.dispose()
    dispose_engines()


def test_a_bar_is_met_only_strictly_under_its_line():
    assert meets(49.99, PAGE_BAR_MS) and not meets(50.0, PAGE_BAR_MS)
    assert not Bar("home", "nation", 50.0, 50.0, "ms").met
    assert not meets(math.nan, 50.0)  # nothing measured is never a pass
    assert meets(95.0, 95.0, at_least=True) and not meets(94.9, 95.0, at_least=True)


def _transactions(journal):
    return sorted(journal.read_text().strip().split("\n\n"))


def test_generating_in_two_processes_makes_the_same_dataset(runner, db_url, tmp_path):
    """PostgreSQL: two processes writing communes at once make the transactions one makes;
    SQLite (one writer) refuses, saying why."""
    args = ["bench", "generate", "--communes", "20", "--receipts", "400", "--db"]
    if db_url.startswith("sqlite"):
        refused = runner.invoke(args=[*args, f"sqlite:///{tmp_path}/b.db", "--jobs", "2"])
        assert refused.exit_code != 0 and "SQLite has one writer" in str(refused.exception)
        return
    made = []
    for jobs in (1, 2):
        journal = tmp_path / f"jobs{jobs}.journal"
        ran = runner.invoke(args=[*args, db_url, "--journal", str(journal), "--jobs", str(jobs)])
        assert ran.exit_code == 0, ran.output
        assert "20 communes, 400 receipts, 40 disbursements" in ran.output
        made.append(_transactions(journal))
        dispose_engines()
    assert made[0] == made[1]


def test_bench_post_times_posting_alone_and_every_receipt_it_counts_is_stored(
    runner, db_url, tmp_path
):
    url, _ = _generate(runner, db_url, tmp_path, communes=20, receipts=400)
    engine = make_engine(url)
    with new_session(engine, write=False) as session:
        before = session.exec(select(func.count()).select_from(Receipt)).one()
    ran = runner.invoke(
        args=["bench", "post", "--db", url, "--seconds", "2", "--runs", "2", "--workers", "1"]
    )
    assert ran.exit_code == 0, ran.output
    warm = re.search(r"^warm-up: (\d+) receipts, 0 errors$", ran.output, re.MULTILINE)
    runs = re.findall(
        r"^(\d+) receipts in [\d.]+ s: [\d.]+ receipts/s, p50 \d+ ms, p95 \d+ ms, (\d+) errors$",
        ran.output,
        re.MULTILINE,
    )
    assert warm and len(runs) == 2, ran.output
    assert all(int(count) > 0 and errors == "0" for count, errors in runs)
    with new_session(engine, write=False) as session:
        posted = session.exec(
            select(func.count())
            .select_from(Receipt)
            .where(col(Receipt.payer_name).like("Tải thử %"))
        ).one()
        after = session.exec(select(func.count()).select_from(Receipt)).one()
    engine.dispose()
    dispose_engines()
    # every receipt the runs counted was stored, once, and nothing else was
    assert after - before == posted == int(warm.group(1)) + sum(int(c) for c, _ in runs)


def test_bench_workbooks_times_each_workbook_as_a_user_gets_it(runner, db_url, tmp_path):
    url, _ = _generate(runner, db_url, tmp_path, communes=20, receipts=400)
    ran = runner.invoke(args=["bench", "workbooks", "--db", url, "--runs", "1", "--workers", "1"])
    dispose_engines()
    assert ran.exit_code == 0, ran.output
    rows = [line for line in ran.output.splitlines() if line.strip().startswith("workbook (")]
    assert len(rows) == 4 and not any("FAILED" in line for line in rows), ran.output
    assert "district" in rows[0] and "province" in rows[1] and "nation" in rows[2], rows
    assert "workbook (service call)" in rows[3] and "peak" in rows[3], rows
