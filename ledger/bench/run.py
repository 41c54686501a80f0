"""Time what the app serves at national scale against ledger-cli, hledger and the SQLite floor.

Each heavy measure runs in a forked child so its peak memory (ru_maxrss from wait4) is its own.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from ..engine import make_engine, new_session
from ..models import Campaign, Unit


@dataclass
class Figure:
    """One measured figure."""

    name: str
    value: float
    unit: str
    peak_mb: float | None = None


def measure(fn, *, repeat: int = 3) -> tuple[float, float]:
    """Run ``fn`` ``repeat`` times in a forked child: (median seconds, child's peak RSS MB).

    A ``fn`` that times its own inner step (a page, not the app's start-up) returns the
    seconds to record; otherwise the whole call is timed."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        try:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                inner = fn()
                times.append(inner if isinstance(inner, float) else time.perf_counter() - started)
            os.write(write, str(statistics.median(times)).encode())
        except BaseException as error:  # noqa: BLE001 - report, never fall back into the parent's code
            os.write(write, f"error:{error!r}".encode())
        finally:
            os._exit(0)
    os.close(write)
    _, _status, usage = os.wait4(pid, 0)
    text = os.read(read, 10_000).decode()
    os.close(read)
    if text.startswith("error:") or not text:
        raise RuntimeError(f"benchmark step failed: {text}")
    return float(text), usage.ru_maxrss / 1024


def peer(command: list[str]) -> tuple[float, float]:
    """Run a peer once: (seconds, peak RSS MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"{command[0]} failed: {process.stderr.read().decode()[:300]}")
    return elapsed, usage.ru_maxrss / 1024


def run(
    url: str,
    journal: Path,
    *,
    repeat: int = 3,
    peers: bool = True,
    web_seconds: float = 15,
    import_rows: int = 100_000,
) -> list[Figure]:
    """Every figure of the benchmark, in one run on one dataset."""
    figures: list[Figure] = []
    scopes = _scopes(url)

    def add(name, fn, unit="s", rep=repeat):
        seconds, peak = measure(fn, repeat=rep)
        figures.append(Figure(name, round(seconds, 4), unit, round(peak, 1)))
        print(f"  {name:<44} {seconds:>9.3f} {unit}  peak {peak:7.1f} MB", flush=True)

    print("Progress per commune with roll-ups:")
    for scope in ("national", "province", "district"):
        add(f"app progress {scope}", lambda s=scope: _progress(url, scopes[s]))
    add(
        "app campaign dashboard figures national",
        lambda: _campaign(url, scopes["national_campaign"]),
    )
    add(
        "app district dashboard page (HTTP, median of 20)",
        lambda: _dashboard_page(url, scopes["district_campaign"]),
        rep=1,
    )
    add("floor: raw GROUP BY over a minimal table", lambda: _floor(url), rep=repeat)
    if peers:
        for name, command in (
            ("ledger", ["ledger", "-f", str(journal), "bal", "^Income:Donations"]),
            ("hledger", ["hledger", "-f", str(journal), "bal", "Income:Donations"]),
        ):
            if shutil.which(name):
                seconds, peak = peer(command)
                figures.append(Figure(f"peer {name} bal", round(seconds, 3), "s", round(peak, 1)))
                print(
                    f"  {'peer ' + name + ' bal':<44} {seconds:>9.3f} s  peak {peak:7.1f} MB",
                    flush=True,
                )
    print("Workbooks and charts:")
    add("workbook district", lambda: _workbook(url, scopes["district_campaign"]))
    add("workbook province", lambda: _workbook(url, scopes["province_campaign"]))
    for chart in ("progress", "cumulative", "categories", "yoy"):
        add(
            f"chart {chart} national",
            lambda c=chart: _chart(url, scopes["national_campaign"], c),
            rep=1,
        )
    _drop_floor(url)
    print("Writes:")
    add(
        f"import {import_rows} rows from .xlsx",
        lambda: _import(url, scopes["commune"], import_rows),
        rep=1,
    )
    figures.extend(_web(url, web_seconds))
    return figures


def _drop_floor(url: str) -> None:
    """Remove the floor's scratch table: the benchmark leaves the schema as it found it."""
    from sqlalchemy import text

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_floor"))
    engine.dispose()


def _session(url):
    return new_session(make_engine(url), write=False)


def _scopes(url: str) -> dict[int]:
    session = _session(url)
    nation = session.exec(select(Unit.id).where(Unit.code == "BV")).scalar_one()
    province = (
        session.exec(select(Unit.id).where(Unit.parent_id == nation).order_by(Unit.id))
        .scalars()
        .first()
    )
    district = (
        session.exec(select(Unit.id).where(Unit.parent_id == province).order_by(Unit.id))
        .scalars()
        .first()
    )
    commune = (
        session.exec(select(Unit.id).where(Unit.parent_id == district).order_by(Unit.id))
        .scalars()
        .first()
    )
    campaigns = dict(
        session.exec(
            select(Campaign.unit_id, Campaign.id).where(
                Campaign.unit_id.in_((nation, province, district))
            )
        ).all()
    )
    session.close()
    return {
        "national": nation,
        "province": province,
        "district": district,
        "commune": commune,
        "national_campaign": campaigns[nation],
        "province_campaign": campaigns[province],
        "district_campaign": campaigns[district],
    }


def _progress(url, root):
    from ..services.progress import unit_totals

    session = _session(url)
    totals = unit_totals(session, root_id=root, start=date(2018, 1, 1), end=date(2018, 12, 31))
    session.close()
    assert totals


def _campaign(url, campaign_id):
    from ..services.progress import campaign_progress

    session = _session(url)
    campaign_progress(session, campaign_id=campaign_id)
    session.close()


def _dashboard_page(url, campaign_id):
    from .. import create_app
    from ..services.users import create_user

    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True, "WTF_CSRF_ENABLED": False}
    )
    session = new_session(make_engine(url), write=True)
    district = session.get(Campaign, campaign_id).unit_id
    name = f"bench.{os.getpid()}"
    create_user(
        session, username=name, password="bench-password", role="reviewer", unit_id=district
    )
    session.commit()
    client = app.test_client()
    client.post("/auth/login", data={"username": name, "password": "bench-password"})
    times = []
    for _ in range(21):
        started = time.perf_counter()
        assert client.get(f"/campaigns/{campaign_id}?as_of=31/12/2018").status_code == 200
        times.append(time.perf_counter() - started)
    session.rollback()
    median = statistics.median(times[1:])
    print(f"    (district page median {median * 1000:.1f} ms over 20, after one warm-up)")
    return median


def _floor(url):
    """The same per-commune sum from a minimal table with a covering index."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        conn = sqlite3.connect(path)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor AS SELECT credit_unit_id AS commune_id, "
            "amount FROM posting WHERE credit_unit_id IS NOT NULL"
        )
        conn.execute("CREATE INDEX IF NOT EXISTS ix_bench_floor ON bench_floor(commune_id, amount)")
        conn.commit()
        rows = conn.execute(
            "SELECT commune_id, SUM(amount) FROM bench_floor GROUP BY commune_id"
        ).fetchall()
        conn.close()
        assert rows
        return
    from sqlalchemy import text

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS bench_floor AS SELECT credit_unit_id AS "
                "commune_id, amount FROM posting WHERE credit_unit_id IS NOT NULL"
            )
        )
        conn.execute(
            text("CREATE INDEX IF NOT EXISTS ix_bench_floor ON bench_floor(commune_id, amount)")
        )
        conn.execute(text("ANALYZE bench_floor"))
        rows = conn.execute(
            text("SELECT commune_id, SUM(amount) FROM bench_floor GROUP BY commune_id")
        ).all()
    engine.dispose()
    assert rows


_SAID: set[str] = set()


def _workbook(url, campaign_id):
    import tempfile
    from pathlib import Path

    from ..services.reconciliation import export_workbook

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "workbook.xlsx"
        made = export_workbook(_session(url), campaign_id=campaign_id, path=path)
        assert path.stat().st_size
    line = (
        f"    ({len(made.data.progress.rows)} units, {len(made.data.receipts)} receipts, checks "
        f"{'OK' if all(c.ok for c in made.checks) else 'LỆCH'})"
    )
    if line not in _SAID:  # once per measured step, not once per repeat
        _SAID.add(line)
        print(line)


def _chart(url, campaign_id, name):
    from ..exports.charts import draw
    from ..services.charts import chart_data

    session = _session(url)
    campaign = session.get(Campaign, campaign_id)
    data = chart_data(session, name, campaign=campaign, as_of=campaign.ends_on)
    assert draw(data)[:4] == b"\x89PNG"


def _import(url, commune_id, rows):
    """Write an .xlsx of ``rows`` receipts as Excel would (XlsxWriter, with the sheet's
    dimension), then gate, preview and commit it (rolled back); returns the seconds from
    the upload's bytes to the flushed rows, not the making of the test file."""
    import io

    import xlsxwriter

    from ..services.imports import commit_import, preview_import
    from ..spreadsheets import read_table

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet, day = book.add_worksheet(), book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(
        0, 0, ["Ngày", "Số biên lai", "Đơn vị", "Người ủng hộ", "Số tiền", "Hình thức", "Ghi chú"]
    )
    for index in range(rows):
        sheet.write_datetime(index + 1, 0, date(2018, 1 + index % 12, 1 + index % 28), day)
        sheet.write_row(
            index + 1,
            1,
            [
                f"BL{index}",
                "",
                f"Nhà hảo tâm {index % 500}",
                100_000 + index % 7 * 50_000,
                "tiền mặt",
            ],
        )
    book.close()
    session = new_session(make_engine(url), write=True)
    started = time.perf_counter()
    preview = preview_import(
        session, unit_id=commune_id, table=read_table("bench.xlsx", buffer.getvalue())
    )
    added = commit_import(session, unit_id=commune_id, preview=preview)
    session.flush()
    elapsed = time.perf_counter() - started
    print(f"    ({added} receipts imported in {elapsed:.1f} s incl. parsing; rolled back)")
    session.rollback()
    return elapsed


def _web(url: str, seconds: float) -> list[Figure]:
    """Receipts posted through gunicorn (2 workers) by 8 treasurers for ``seconds``."""
    from ..services.users import create_user
    from .load import run_load

    session = new_session(make_engine(url), write=True)
    communes = (
        session.exec(select(Unit.id).where(Unit.level == "commune").order_by(Unit.id).limit(8))
        .scalars()
        .all()
    )
    users = []
    for index, commune in enumerate(communes):
        name = f"bench.web.{os.getpid()}.{index}"
        create_user(
            session, username=name, password="bench-password", role="treasurer", unit_id=commune
        )
        users.append((name, "bench-password"))
    session.commit()
    session.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LEDGER_DATABASE_URL": url, "LEDGER_SECRET_KEY": "bench-secret"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "ledger.wsgi:app"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        result = run_load(f"http://127.0.0.1:{port}", users, seconds=seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"  web: {len(result.acknowledged)} receipts in {result.seconds:.1f} s "
        f"({result.throughput:.0f}/s), p50 {result.p50 * 1000:.0f} ms, "
        f"p95 {result.percentile(95) * 1000:.0f} ms, {len(result.errors)} errors"
    )
    return [
        Figure(
            "web receipts throughput (8 clients, gunicorn 2 workers)",
            round(result.throughput, 1),
            "receipts/s",
        ),
        Figure("web receipt latency p50", round(result.p50 * 1000, 1), "ms"),
        Figure("web receipt latency p95", round(result.percentile(95) * 1000, 1), "ms"),
        Figure("web errors", len(result.errors), "count"),
    ]


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def ratios(figures: list[Figure]) -> dict[str, float]:
    """The ratios the issue sets its bar on."""
    by = {f.name: f.value for f in figures}
    out = {}
    national, floor = (
        by.get("app progress national"),
        by.get("floor: raw GROUP BY over a minimal table"),
    )
    if national and floor:
        out["national progress / floor"] = round(national / floor, 2)
    for peer_name in ("ledger", "hledger"):
        if national and by.get(f"peer {peer_name} bal"):
            out[f"{peer_name} / national progress (speed-up)"] = round(
                by[f"peer {peer_name} bal"] / national, 1
            )
    return out


#: the size the bars are set for (issue #6: 10,600 communes, 1,000,000 receipts)
BAR_SIZE = {"communes": 10_600, "receipts": 1_000_000}
#: the bars at that size: (what, figure, field, limit, kind)
BARS = (
    ("national progress within 3x of the floor", "national progress / floor", "ratio", 3, "max"),
    (
        "national progress at least 20x faster than ledger-cli",
        "ledger / national progress (speed-up)",
        "ratio",
        20,
        "min",
    ),
    (
        "district dashboard page under 50 ms",
        "app district dashboard page (HTTP, median of 20)",
        "value",
        0.05,
        "max",
    ),
    ("province workbook under 5 s", "workbook province", "value", 5, "max"),
    ("province workbook under 500 MB", "workbook province", "peak_mb", 500, "max"),
    ("district workbook under 0.5 s", "workbook district", "value", 0.5, "max"),
    ("import of 100,000 rows under 60 s", "import 100000 rows from .xlsx", "value", 60, "max"),
)


def bars(figures: list[Figure], meta: dict) -> list[tuple[str, float, bool]]:
    """Each bar the run could judge: (what, measured, met); none below the bars' size."""
    if any(meta.get(key, 0) < size for key, size in BAR_SIZE.items()):
        return []
    by = {f.name: f for f in figures}
    found = ratios(figures)
    out = []
    for what, name, field, limit, kind in BARS:
        measured = (
            found.get(name)
            if field == "ratio"
            else (getattr(by[name], field) if name in by else None)
        )
        if measured is not None:
            out.append((what, measured, measured < limit if kind == "max" else measured >= limit))
    return out


def write_json(path: Path, figures: list[Figure], meta: dict) -> None:
    """Every figure with its name and unit, plus the ratios, the bars and what was measured on."""
    path.write_text(
        json.dumps(
            {
                "meta": meta,
                "figures": [asdict(f) for f in figures],
                "ratios": ratios(figures),
                "bars": [
                    {"bar": what, "measured": value, "met": met}
                    for what, value, met in bars(figures, meta)
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
    )
