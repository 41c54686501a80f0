#!/usr/bin/env python3
"""The two quick-start commands; needs only Python 3.11+ (standard library).

python3 dev.py serve   install, migrate, load the Thường Tín 2018 demo, serve on 127.0.0.1:5000
python3 dev.py serve --lan   the same, listening on every interface so a phone on the same
                       network can open it (prints the address to type); off by default
python3 dev.py test    install, then run the whole test suite, one worker per core (extra args go
                       to pytest; -n 0 runs it in one process)
python3 dev.py lint    install, then the style, import and type checks CI runs before the tests
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*args: str, **kwargs) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True, cwd=ROOT, **kwargs)


def install(extras: str = "") -> None:
    """Create .venv and install the project (skipped when pyproject.toml did not change)."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py is the one file run by any python3
        sys.exit("Python 3.11 or newer is needed.")
    if not (BIN / "python").exists():
        run(sys.executable, "-m", "venv", str(VENV))
    spec = f".[{extras}]" if extras else "."
    stamp = VENV / f".installed-{extras or 'app'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(str(BIN / "python"), "-m", "pip", "install", "-q", "--upgrade", "pip")
    run(str(BIN / "python"), "-m", "pip", "install", "-q", "-e", spec)
    stamp.write_text(digest)


def ensure_chromium() -> None:
    """Browser tests drive Debian's Chromium; install it when we may (root with apt-get)."""
    if shutil.which("chromium") or not shutil.which("apt-get") or os.geteuid() != 0:
        return
    run("apt-get", "update", "-qq")
    run(
        "apt-get",
        "install",
        "-y",
        "-qq",
        "chromium",
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def ensure_nginx() -> None:
    """The deployment test runs nginx in front of gunicorn; install it when we may."""
    if (
        shutil.which("nginx")
        or os.path.exists("/usr/sbin/nginx")
        or not shutil.which("apt-get")
        or os.geteuid() != 0
    ):
        return
    run("apt-get", "update", "-qq")
    run(
        "apt-get",
        "install",
        "-y",
        "-qq",
        "nginx",
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def lan_address() -> str:
    """This machine's address on the local network (the interface a route out would use; a
    UDP "connect" sends nothing), or 127.0.0.1 when there is no network."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, never contacted
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def bind_address(args: list[str]) -> tuple[str, str]:
    """Where ``serve`` listens and the address it prints: loopback unless ``--lan`` is given."""
    if "--lan" in args:
        return "0.0.0.0:5000", f"http://{lan_address()}:5000"
    return "127.0.0.1:5000", "http://127.0.0.1:5000"


def serve(args: list[str]) -> None:
    install()
    flask = [str(BIN / "flask"), "--app", "ledger"]
    run(*flask, "db", "upgrade")
    run(*flask, "seed", "--demo")
    bind, url = bind_address(args)
    print(f"\nServing on {url}  (Ctrl+C to stop)", flush=True)
    if bind.startswith("0.0.0.0"):
        print(
            "Listening on every interface: anyone on this network can open the sign-in page.\n"
            "The demo passwords are public; use --lan only on a network you trust.",
            flush=True,
        )
    print(flush=True)
    os.chdir(ROOT)
    os.execv(
        str(BIN / "gunicorn"),
        [
            str(BIN / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--bind",
            bind,
            "ledger.wsgi:app",
        ],
    )


def test(args: list[str]) -> None:
    install("test")
    ensure_chromium()
    ensure_nginx()
    os.chdir(ROOT)
    os.execv(str(BIN / "python"), [str(BIN / "python"), "-m", "pytest", *workers(args), *args])


def workers(args: list[str]) -> list[str]:
    """One pytest-xdist worker per core (at most 4) unless the caller chose: each worker has its
    own databases and browser, and the suite takes half the time on two cores."""
    chosen = ("-n", "--numprocesses", "no:xdist", "--pdb")
    if any(a.startswith(chosen) for a in args):
        return []
    return ["-n", str(max(1, min(4, os.cpu_count() or 1)))]


#: what the linters read (the migrations and the gunicorn settings are code too)
LINT_PATHS = ("ledger", "tests", "dev.py", "migrations", "gunicorn.conf.py")


def lint() -> None:
    """Run every check, then fail if any failed (so one run names all that is wrong)."""
    install("test")
    checks = [
        ("ruff check", [str(BIN / "ruff"), "check", *LINT_PATHS]),
        ("ruff format", [str(BIN / "ruff"), "format", "--check", *LINT_PATHS]),
        ("import contracts", [str(BIN / "lint-imports")]),
        ("types", [str(BIN / "mypy")]),  # what and how strictly: [tool.mypy] in pyproject.toml
    ]
    failed = []
    for name, args in checks:
        print("+", " ".join(args), flush=True)
        if subprocess.run(args, check=False, cwd=ROOT).returncode != 0:
            failed.append(name)
    if failed:
        sys.exit("Failed: " + ", ".join(failed))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "serve":
        serve(sys.argv[2:])
    elif command == "test":
        test(sys.argv[2:])
    elif command == "lint":
        lint()
    else:
        sys.exit(__doc__)
