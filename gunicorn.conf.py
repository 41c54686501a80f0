"""gunicorn settings for `python3 dev.py serve` and for production behind nginx
(`deploy/nginx.conf`; README "Production"): `gunicorn -c gunicorn.conf.py ledger.wsgi:app`;
options given on the command line (`-b 127.0.0.1:8000`, `--workers 4`) win over these.

Threaded workers (gthread): a request that waits on the database or on a spreadsheet holds
one thread, not a whole worker; the worker's main loop keeps its heartbeat, so `timeout` only
restarts a worker that is truly stuck. gunicorn alone still gives a thread to a client that
sends its request slowly: in production nginx reads each request whole before passing it on.
"""

import os

#: 127.0.0.1 only: nginx (or `dev.py serve`) is the one that faces the network
bind = "127.0.0.1:5000"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 8
#: a worker silent this long is restarted (an import preview stops itself after 30 s)
timeout = 120
graceful_timeout = 30
#: idle keep-alive connections (nginx's upstream pool) are closed after this many seconds
keepalive = 5
#: a new worker after this many requests (bounds any slow growth of memory)
max_requests = 5000
max_requests_jitter = 500
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
#: the heartbeat file in memory, so a slow disk cannot make a healthy worker look stuck
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"

#: the background job runner (`flask --app ledger jobs work`) started beside the web server, so
#: the quick start needs no other process; LEDGER_JOBS_RUNNER=0 when it runs as its own service
_runner = {}


def when_ready(server):
    """Start the job runner once the master is ready (workbooks, the full check: README)."""
    if os.environ.get("LEDGER_JOBS_RUNNER", "1") == "0":
        return
    import subprocess
    import sys

    _runner["process"] = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "ledger", "jobs", "work"]
    )
    server.log.info("Job runner started (pid %s)", _runner["process"].pid)


def on_exit(server):
    """Stop the job runner: it hands its running jobs back to the queue."""
    import subprocess

    process = _runner.get("process")
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=graceful_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
