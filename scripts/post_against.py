#!/usr/bin/env python3
"""Posting through gunicorn, for one side of an A/B between two commits (see
``scripts/post_against.sh``): run with that commit's own Python, from its checkout.

    python post_against.py DATABASE_URL SECONDS RUNS [conf|sync]

Eight treasurers (the first eight communes) post receipts for SECONDS after a 3 s warm-up,
RUNS times; one line a run: receipts/s, p50, p95, errors. The load driver is this checkout's
``ledger/bench/load.py`` (standard library only), so both sides get the same requests;
``conf`` serves with the checkout's ``gunicorn.conf.py`` (as production does), ``sync`` with
gunicorn's defaults (``-w 2``), as the benchmark of 2026-12-05 did.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

DRIVER = Path(__file__).resolve().parents[1] / "ledger" / "bench" / "load.py"
PASSWORD = "ab-password-2018"


def _driver():
    spec = importlib.util.spec_from_file_location("post_against_load", DRIVER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _treasurers(url: str) -> list[tuple[str, str]]:
    """Eight treasurers, made with the checkout's own services (once per database)."""
    from sqlmodel import select

    from ledger.engine import make_engine, new_session
    from ledger.models import Unit, User
    from ledger.services.users import create_user

    session = new_session(make_engine(url), write=True)
    communes = session.exec(
        select(Unit.id).where(Unit.level == "commune").order_by(Unit.id).limit(8)
    ).all()
    users = []
    for index, commune in enumerate(communes):
        name = f"ab.web.{index}"
        if not session.exec(select(User).where(User.username == name)).first():
            create_user(
                session, username=name, password=PASSWORD, role="treasurer", unit_id=commune
            )
        users.append((name, PASSWORD))
    session.commit()
    session.close()
    return users


def main() -> None:
    url, seconds, runs = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    mode = sys.argv[4] if len(sys.argv) > 4 else "conf"
    sys.path.insert(0, os.getcwd())
    load = _driver()
    users = _treasurers(url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": url,
        "LEDGER_SECRET_KEY": "post-against",
        "LEDGER_JOBS_RUNNER": "0",
    }
    config = ["-c", "gunicorn.conf.py"] if mode == "conf" else []
    command = [sys.executable, "-m", "gunicorn", *config, "-w", "2", "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--access-logfile", "/dev/null", "ledger.wsgi:app"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        load.run_load(base, users, seconds=3)
        for _ in range(runs):
            r = load.run_load(base, users, seconds=seconds)
            print(
                f"{r.throughput:.1f} receipts/s, p50 {r.p50 * 1000:.0f} ms, "
                f"p95 {r.percentile(95) * 1000:.0f} ms, {len(r.errors)} errors",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
