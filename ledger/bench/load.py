"""A bounded load run: simulated treasurers sign in and post receipts over HTTP to 127.0.0.1.

Used by ``bench run`` (throughput and latency through the web stack) and by
``scripts/load.py`` (50 treasurers for 2 minutes against gunicorn). Loopback only.
"""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field

_TOKEN = re.compile(r'name="(csrf_token)" type="hidden" value="([^"]+)"')


@dataclass
class LoadResult:
    """What a load run did: acknowledged receipts (by key), errors and latencies."""

    acknowledged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.acknowledged) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0


def run_load(
    base: str,
    users: list[tuple[str, str]],
    *,
    seconds: float,
    max_requests: int = 100_000,
    amount: str = "100.000",
) -> LoadResult:
    """Each (username, password) posts receipts in a loop until time or count runs out."""
    if not base.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError("load runs only against this machine")
    result, lock = LoadResult(), threading.Lock()
    # The clock starts once every treasurer has signed in: sign-in hashes a password (argon2),
    # which on a loaded machine could eat the whole window and report 0 receipts/s.
    deadline = [0.0]
    signed_in = threading.Barrier(
        len(users) + 1, action=lambda: deadline.__setitem__(0, time.monotonic() + seconds)
    )
    budget = [max_requests]
    threads = [
        threading.Thread(
            target=_treasurer,
            args=(base, u, p, (signed_in, deadline), budget, result, lock, amount),
        )
        for u, p in users
    ]
    for thread in threads:
        thread.start()
    signed_in.wait()  # its action sets the deadline before anyone is released
    started = deadline[0] - seconds
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


def _treasurer(base, username, password, start, budget, result, lock, amount) -> None:
    signed_in, deadline = start
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    try:
        token = _token(opener, base + "/auth/login")
        _post(
            opener,
            base + "/auth/login",
            {"username": username, "password": password, "csrf_token": token},
        )
        token, unit = _form(opener, base + "/receipts/new")
    except (OSError, urllib.error.URLError) as error:
        with lock:
            result.errors.append(f"{username}: sign-in failed: {error}")
        return
    finally:
        signed_in.wait()  # reached on every path, or the others would wait forever
    while time.monotonic() < deadline[0]:
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        key = uuid.uuid4().hex
        form = {
            "csrf_token": token,
            "idempotency_key": key,
            "receipt_date": "15/06/2018",
            "amount": amount,
            "method": "cash",
            "source": "donation",
            "payer_name": f"Tải thử {key[:16]}",  # unique: a name met twice in a fund asks
            "new_donor": "y",
            "donor_kind": "individual",
            "reason": "Ủng hộ",
            "attachments": "0",
            "credit_unit_id": unit,
        }
        started = time.monotonic()
        ok, detail = _submit(opener, base, form)
        elapsed = time.monotonic() - started
        with lock:
            result.latencies.append(elapsed)
            (result.acknowledged if ok else result.errors).append(key if ok else detail)


def _submit(opener, base, form) -> tuple[bool, str]:
    """Post one receipt; retry the same key once on a network error (idempotent)."""
    for attempt in range(2):
        try:
            response = _post(opener, base + "/receipts/new", form)
            return (
                "/receipts/" in response.geturl() and response.status == 200,
                f"HTTP {response.status} {response.geturl()}",
            )
        except urllib.error.HTTPError as error:
            return False, f"HTTP {error.code}"
        except (OSError, urllib.error.URLError) as error:
            if attempt:
                return False, str(error)
    return False, "unreachable"


def _token(opener, url) -> str:
    with opener.open(url, timeout=30) as response:
        return _TOKEN.search(response.read().decode()).group(2)


def _form(opener, url) -> tuple[str, str]:
    """The CSRF token and the pre-selected quota unit of the receipt form."""
    with opener.open(url, timeout=30) as response:
        html = response.read().decode()
    unit = re.search(r'name="credit_unit_id".*?<option selected value="(\d+)"', html, re.DOTALL)
    return _TOKEN.search(html).group(2), unit.group(1)


def _post(opener, url, form):
    data = urllib.parse.urlencode(form).encode()
    response = opener.open(urllib.request.Request(url, data=data), timeout=60)
    response.read()
    return response
