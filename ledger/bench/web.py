"""Real HTTP for the bench: gunicorn started as in production, and a keep-alive client.

The client holds one connection (so its requests reach one warmed worker), keeps the session
cookie, and times each request from sending it to the last byte of the answer. Loopback only.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
#: the repository's production settings (gthread workers, 8 threads each)
GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@dataclass
class Timing:
    """Repeated requests of one page: every duration in seconds, and the statuses seen."""

    seconds: list[float] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)
    size: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.seconds, 95)

    @property
    def ok(self) -> bool:
        return self.statuses == {200}


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


class Client:
    """One keep-alive connection to 127.0.0.1:port with a cookie jar of its own."""

    def __init__(self, port: int, *, bearer: str | None = None) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.headers = {"Accept-Language": "vi"}
        if bearer:
            self.headers["Authorization"] = f"Bearer {bearer}"
        self._conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, *, form: dict | None = None, timeout: float = 300
    ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body); one retry on a connection the server closed while idle."""
        headers = dict(self.headers)
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                self._conn.request(method, path, body=body, headers=headers)
                response = self._conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, ConnectionError, OSError):
                self.close()
                if attempt:
                    raise
                continue
            answer = {k.lower(): v for k, v in response.getheaders()}
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            if answer.get("connection", "").lower() == "close":
                self.close()
            return response.status, answer, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def sign_in(self, username: str, password: str) -> None:
        status, _, page = self.request("GET", "/auth/login")
        found = _TOKEN.search(page.decode())
        if status != 200 or found is None:
            raise RuntimeError(f"no sign-in form (HTTP {status})")
        status, headers, _ = self.request(
            "POST",
            "/auth/login",
            form={"username": username, "password": password, "csrf_token": found.group(1)},
        )
        if status != 302 or headers.get("location", "").endswith("/auth/login"):
            raise RuntimeError(f"sign-in refused for {username} (HTTP {status})")

    def time(self, path: str, *, count: int, budget: float, warm: int = 1) -> Timing:
        """``warm`` untimed requests, then ``count`` timed ones, or fewer once ``budget``
        seconds are spent (at least 3, or 1 if that one alone took longer than ``budget``):
        a page taking seconds is plainly over its bar."""
        timing = Timing()
        for _ in range(warm):
            timing.statuses.add(self.request("GET", path)[0])
        spent = 0.0
        for index in range(count):
            started = time.perf_counter()
            status, _, body = self.request("GET", path)
            elapsed = time.perf_counter() - started
            timing.seconds.append(elapsed)
            timing.statuses.add(status)
            timing.size = len(body)
            spent += elapsed
            if spent > budget and (index >= 2 or elapsed > budget):
                break
        return timing


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(url: str, *, workers: int = 2, port: int | None = None) -> Iterator[Server]:
    """gunicorn on ``url`` with the repository's settings (``gunicorn.conf.py``: gthread, 8
    threads a worker) and ``workers`` workers, on a loopback port; stopped on exit."""
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn"]
    if GUNICORN_CONF.exists():
        command += ["-c", str(GUNICORN_CONF)]
    command += ["-w", str(workers), "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": url,
        "LEDGER_SECRET_KEY": "bench-secret",
        "WEB_CONCURRENCY": str(workers),
    }
    process = subprocess.Popen(
        [*command, "ledger.wsgi:app"],
        env=env,
        cwd=GUNICORN_CONF.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process)
        yield Server(port, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Server:
    port: int
    pid: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_peak_mb(self) -> float:
        """The largest peak resident memory (VmHWM) among the workers, in MB."""
        peaks = []
        for child in _children(self.pid):
            try:
                status = Path(f"/proc/{child}/status").read_text()
            except OSError:
                continue
            found = re.search(r"VmHWM:\s+(\d+) kB", status)
            if found:
                peaks.append(int(found.group(1)) / 1024)
        return max(peaks, default=float("nan"))


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text().split()]
    except OSError:
        return []


def _wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")
