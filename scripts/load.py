#!/usr/bin/env python3
"""Load run: N simulated treasurers post receipts to gunicorn on 127.0.0.1 for a bounded time.

    .venv/bin/python scripts/load.py --engine sqlite --users 50 --seconds 120
    .venv/bin/python scripts/load.py --engine postgresql --users 50 --seconds 120

Creates a fresh database (a temporary SQLite file, or a new PostgreSQL database on
127.0.0.1:5432 that is dropped afterwards), starts gunicorn, runs the load, stops it, then
checks: 0 errors, every acknowledged receipt stored exactly once, books reconcile.
Exits non-zero if any of that fails.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from ledger.bench.load import run_load  # noqa: E402
from ledger.engine import make_engine, new_session  # noqa: E402
from ledger.migrate import upgrade  # noqa: E402
from ledger.models import Account, IdempotencyKey, Receipt, Unit  # noqa: E402
from ledger.services.check import check_books  # noqa: E402
from ledger.services.seed import seed_reference  # noqa: E402
from ledger.services.users import create_user  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def database(engine: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='ledger-load-')}/load.db"
    name = f"ledger_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def prepare(url: str, users: int) -> list[tuple[str, str]]:
    upgrade(url)
    session = new_session(make_engine(url), write=True)
    seed_reference(session)
    communes = session.exec(select(Unit.id).where(Unit.level == "commune")).scalars().all()
    logins = []
    for index in range(users):
        name = f"load.{index}"
        create_user(
            session,
            username=name,
            password="load-password",
            role="treasurer",
            unit_id=communes[index % len(communes)],
        )
        logins.append((name, "load-password"))
    session.commit()
    session.close()
    return logins


def serve(url: str, workers: int):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LEDGER_DATABASE_URL": url, "LEDGER_SECRET_KEY": uuid.uuid4().hex}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "ledger.wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def verify(url: str, acknowledged: list[str]) -> list[str]:
    session = new_session(make_engine(url), write=False)
    problems = [str(p) for p in check_books(session)]
    keys = dict(session.exec(select(IdempotencyKey.key, IdempotencyKey.result)).all())
    lost = [k for k in acknowledged if not keys.get(k)]
    receipts = session.exec(select(func.count(Receipt.id), func.sum(Receipt.amount))).one()
    cash = session.exec(
        select(func.sum(Account.balance)).where(Account.kind == "cash")
    ).scalar_one()
    session.close()
    if lost:
        problems.append(f"{len(lost)} acknowledged receipts missing")
    completed = sum(1 for result in keys.values() if result)
    if receipts[0] != completed:
        problems.append(f"{receipts[0]} receipts for {completed} completed submissions")
    if int(receipts[1] or 0) != int(cash or 0):
        problems.append(f"Σ receipts {receipts[1]} ≠ Σ cash balances {cash}")
    print(
        f"stored: {receipts[0]} receipts, Σ {receipts[1]:,} đ = Σ cash {cash:,} đ; "
        f"{len(lost)} lost; check: {'OK' if not problems else problems[:3]}"
    )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    url = database(args.engine)
    logins = prepare(url, args.users)
    server, base = serve(url, args.workers)
    try:
        result = run_load(base, logins, seconds=args.seconds, max_requests=1_000_000)
    finally:
        server.terminate()
        server.wait(timeout=60)
    print(
        f"{args.engine}: {args.users} treasurers × {args.seconds:.0f} s on gunicorn "
        f"({args.workers} workers): {len(result.acknowledged)} receipts acknowledged "
        f"({result.throughput:.1f}/s), p50 {result.p50 * 1000:.0f} ms, "
        f"p95 {result.percentile(95) * 1000:.0f} ms, {len(result.errors)} errors"
    )
    for error in result.errors[:5]:
        print("  error:", error)
    problems = verify(url, result.acknowledged)
    if args.engine == "postgresql":
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()
    return 1 if result.errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
