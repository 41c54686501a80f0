"""The production setup of README "Production": gunicorn with the repository's gunicorn.conf.py
behind nginx with the shipped deploy/nginx.conf. Eight clients that send their headers a byte
per second must not stall anyone else. Everything runs on 127.0.0.1, in temporary folders,
for a bounded time."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SLOW_CLIENTS = 8


def nginx_or_fail() -> str:
    """nginx's path; CI (CI=true or LEDGER_REQUIRE_BROWSER=1) fails instead of skipping."""
    path = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.path.exists(p)), None
    )
    if path:
        return path
    if os.environ.get("CI") == "true" or os.environ.get("LEDGER_REQUIRE_BROWSER") == "1":
        pytest.fail(
            "nginx is required in CI (apt-get install nginx; dev.py test installs it "
            "as root) but it is missing"
        )
    pytest.skip("Debian's nginx is not installed (apt-get install nginx)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process exited with {process.returncode}")
        try:
            _get(port, "/auth/login", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered on 127.0.0.1:{port} within {seconds} s")


def _get(port: int, path: str, timeout: float = 5) -> tuple[int, float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        conn.close()


def _site_config(gunicorn_port: int, nginx_port: int) -> str:
    """The shipped site file, pointed at this test's ports."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    assert text.count("listen 80;") == 1 and text.count("server 127.0.0.1:8000;") == 1
    return text.replace("listen 80;", f"listen 127.0.0.1:{nginx_port};").replace(
        "server 127.0.0.1:8000;", f"server 127.0.0.1:{gunicorn_port};"
    )


def _main_config(folder: Path) -> str:
    """A main nginx.conf of the test's own: temporary paths, foreground, no root needed."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log off;\n{temp}\n    include {folder / 'site.conf'};\n}}\n"
    )


@pytest.fixture
def behind_nginx(db_url, tmp_path):
    """gunicorn (the repository's config) and nginx (the shipped config); yields nginx's port."""
    nginx = nginx_or_fail()
    gunicorn_port, nginx_port = _free_port(), _free_port()
    env = {**os.environ, "LEDGER_DATABASE_URL": db_url, "LEDGER_SECRET_KEY": "deploy-test-key"}
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed when the server stops
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{gunicorn_port}",
            "ledger.wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    proxy = None
    try:
        _wait_for(gunicorn_port, app)
        (tmp_path / "site.conf").write_text(_site_config(gunicorn_port, nginx_port))
        (tmp_path / "nginx.conf").write_text(_main_config(tmp_path))
        check = subprocess.run(
            [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
            capture_output=True,
            check=False,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        proxy = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(nginx_port, proxy)
        yield nginx_port
    finally:
        for process in (proxy, app):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        log.close()


def _slow_client(port: int, stop: threading.Event, opened: list) -> None:
    """Send a request's headers one byte per second until told to stop (never finishing)."""
    request = b"GET /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n" * 10
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        opened.append(sock)
        for byte in request:
            if stop.wait(1.0):
                return
            try:
                sock.send(bytes([byte]))
            except OSError:
                return


def test_slow_clients_do_not_stall_the_server_behind_nginx(behind_nginx):
    port, stop, opened = behind_nginx, threading.Event(), []
    threads = [
        threading.Thread(target=_slow_client, args=(port, stop, opened), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2.5)  # every slow client is connected and has sent a few bytes
        assert len(opened) == SLOW_CLIENTS
        timings = []
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and len(timings) < 12:
            status, seconds = _get(port, "/auth/login", timeout=5)
            assert status == 200
            timings.append(seconds)
            time.sleep(0.25)
        assert all(alive.is_alive() for alive in threads), "the slow clients still hang"
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    print(
        f"behind nginx with {SLOW_CLIENTS} slow clients: {len(timings)} requests, "
        f"slowest {max(timings) * 1000:.0f} ms"
    )
    assert len(timings) >= 8 and max(timings) < 1.0, timings
