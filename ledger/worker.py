"""The background job runner (``flask --app ledger jobs work``; gunicorn starts one beside its
workers, see ``gunicorn.conf.py``).

No queue server: the ``job`` table of the app's own database is the queue. A runner loops:
restart jobs whose runner went silent, delete results past their keeping time, claim queued
jobs (``services.jobs.claim_next``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's one
write lock otherwise) and run each in a forked child, beating each child's heartbeat every few
seconds while it runs. A child reports its progress into the row and writes its result to
``<folder>/<id>-<claim>.part``, renamed to ``<folder>/<id>.<ext>`` when done. Several runners
(several app servers on PostgreSQL) share the table safely; the folder must then be shared too.

What can go wrong, and what happens:
- the job raises a rule's error → failed, with its message; anything else → failed, "lỗi hệ
  thống", the traceback in the log;
- the child dies (killed, out of memory) → the runner sees it exit without an outcome: the job
  is queued again from the start (partial file removed), or failed after ``max_attempts``;
- the runner itself dies → the heartbeat goes stale; the next runner to look (this one
  restarted, or another server's) restarts the job the same way. A child that outlived its
  runner and still reports keeps its claim and may finish; once restarted, its claim is gone
  and its next report stops it;
- the user cancels → the row says so; the child stops at its next report, the runner kills it
  at its next beat;
- the runner is stopped (SIGTERM) → it stops its children and hands their jobs back, not
  counting the attempt.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from .engine import forget_engines_after_fork, get_engine, new_session
from .errors import ImportFileGone, JobCrashed, JobTookTooLong, LedgerError, _l
from .models import Job, utcnow
from .services import jobs
from .vocab import JobKind

log = logging.getLogger("ledger.jobs")

Report = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Settings:
    """How a runner runs (from the app's config: ``settings_from``)."""

    url: str
    folder: Path
    at_once: int = 2
    stale_seconds: float = 60
    beat_seconds: float = 5
    max_attempts: int = 3
    max_seconds: float = 3600
    keep_days: int = 7
    poll_seconds: float = 1
    #: at most one progress write per this many seconds (the first and the last always)
    report_every: float = 0.5


def settings_from(config: Mapping[str, Any], instance_path: str) -> Settings:
    """The runner's settings from the app's config (``LEDGER_JOBS_*``, README)."""
    folder = config.get("JOBS_FOLDER") or os.path.join(instance_path, "jobs")
    return Settings(
        url=config["DATABASE_URL"],
        folder=Path(folder),
        at_once=int(config.get("JOBS_AT_ONCE", 2)),
        stale_seconds=float(config.get("JOBS_STALE_SECONDS", 60)),
        beat_seconds=float(config.get("JOBS_BEAT_SECONDS", 5)),
        max_attempts=int(config.get("JOBS_MAX_ATTEMPTS", 3)),
        max_seconds=float(config.get("JOBS_MAX_MINUTES", 60)) * 60,
        keep_days=int(config.get("JOBS_KEEP_DAYS", 7)),
    )


class Cancelled(Exception):
    """The job was cancelled or taken away from this runner: stop quietly."""


@dataclass(frozen=True)
class Outcome:
    suffix: str
    found: int | None = None


# --- one job, in this process ---


def execute(settings: Settings, job_id: int, claim: str) -> None:
    """Run one claimed job to its end here: its result or its failure is recorded under its
    claim (nothing is recorded once the claim is no longer its own)."""
    engine = get_engine(settings.url)
    settings.folder.mkdir(parents=True, exist_ok=True)
    part = settings.folder / f"{job_id}-{claim}.part"
    try:
        with new_session(engine, write=False) as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            kind, params = job.kind, jobs.params_of(job)
        outcome = KINDS[kind](engine, params, part, Reporter(engine, job_id, claim, settings))
        name = f"{job_id}{outcome.suffix}" if outcome.suffix else ""
        if name:
            os.replace(part, settings.folder / name)
        recorded = _write(
            engine, lambda s: jobs.finish(s, job_id, claim, result_path=name, found=outcome.found)
        )
        if name and not recorded:
            (settings.folder / name).unlink(missing_ok=True)
    except Cancelled:
        part.unlink(missing_ok=True)
    except LedgerError as error:
        part.unlink(missing_ok=True)
        failed: LedgerError = error
        _write(engine, lambda s: jobs.fail(s, job_id, claim, failed))
    except Exception:
        log.exception("job %s failed", job_id)
        part.unlink(missing_ok=True)
        _write(engine, lambda s: jobs.fail(s, job_id, claim, JobCrashed()))


def _write(engine: Engine, change: Callable[[Any], bool]) -> bool:
    """One short write transaction (SQLite: the write lock for milliseconds)."""
    with new_session(engine, write=True) as session:
        done = change(session)
        session.commit()
    return done


class Reporter:
    """``report(step, done, total)`` for a job: written to its row at most every
    ``report_every`` seconds; raises ``Cancelled`` once the row is no longer this claim's."""

    def __init__(self, engine: Engine, job_id: int, claim: str, settings: Settings):
        self.engine, self.job_id, self.claim = engine, job_id, claim
        self.every, self.last, self.step = settings.report_every, 0.0, ""

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if step == self.step and done < total and now - self.last < self.every:
            return
        self.last, self.step = now, step
        if not _write(
            self.engine,
            lambda s: jobs.record_progress(
                s, self.job_id, self.claim, step=step, done=done, total=total
            ),
        ):
            raise Cancelled


def _workbook(engine: Engine, params: dict[str, Any], part: Path, report: Report) -> Outcome:
    from .engine import snapshot_session
    from .services.reconciliation import export_workbook

    # one snapshot: on PostgreSQL each statement of a READ COMMITTED session sees the latest
    # commits, so a receipt posted meanwhile could be in the sheet but not in the summary
    with snapshot_session(engine) as session:
        export_workbook(
            session,
            campaign_id=int(params["campaign_id"]),
            as_of=date.fromisoformat(params["as_of"]) if params.get("as_of") else None,
            unmasked=bool(params.get("unmasked")),
            viewer_unit_id=params.get("viewer_unit_id"),
            path=part,
            report=report,
            csv=bool(params.get("csv")),
            all_receipts=bool(params.get("all_receipts")),
        )
    return Outcome(".zip" if params.get("csv") else ".xlsx")


def _check(engine: Engine, params: dict[str, Any], part: Path, report: Report) -> Outcome:
    from .services.check import verify_and_record

    with new_session(engine, write=False) as session:
        funds = jobs.check_funds(session, params)
        problems = verify_and_record(
            session,
            funds,
            full=True,
            report=report,
            root=None if funds is None else int(params["unit_id"]),
        )
    part.write_text("".join(f"{p}\n" for p in problems), encoding="utf-8")
    return Outcome(".txt", found=len(problems))


def _import(engine: Engine, params: dict[str, Any], part: Path, report: Report) -> Outcome:
    """Record every row of a previewed receipts file, or none (as the import page's commit
    does, under the write lock); the file is removed once recorded or refused."""
    from .services.imports import commit_import, preview_import
    from .spreadsheets import iter_table

    path = Path(params["path"])
    if not path.is_file():
        raise ImportFileGone()
    data = path.read_bytes()
    report(_l("Ghi sổ"), 1, 2)  # the last moment a cancel stops it: no report under the lock
    try:
        with new_session(engine, write=True) as session:
            preview = preview_import(
                session, unit_id=int(params["unit_id"]), table=iter_table(params["name"], data)
            )
            added = commit_import(
                session,
                unit_id=int(params["unit_id"]),
                preview=preview,
                user_id=int(params["user_id"]),
            )
            session.commit()
    except Cancelled:
        raise
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    path.unlink(missing_ok=True)
    return Outcome("", found=added)


#: what each kind of job runs: (engine, parameters, partial file, report) → outcome
KINDS: dict[str, Callable[[Engine, dict[str, Any], Path, Report], Outcome]] = {
    JobKind.WORKBOOK: _workbook,
    JobKind.CHECK: _check,
    JobKind.IMPORT: _import,
}


# --- the runner ---


def run_next(settings: Settings) -> int | None:
    """Claim the oldest queued job and run it in this process (``jobs work --once``, tests);
    its id, or None when nothing was queued."""
    runner = Runner(settings)
    runner.housekeeping()
    claimed = runner.claim()
    if claimed is None:
        return None
    execute(settings, *claimed)
    return claimed[0]


@dataclass
class Child:
    job_id: int
    claim: str
    started: float


class Runner:
    """Claims jobs and runs each in a forked child, at most ``at_once`` at a time."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine = get_engine(settings.url)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.children: dict[int, Child] = {}
        self.stopping = False
        self.last_housekeeping = 0.0
        self.last_beat = 0.0

    def run(self) -> None:
        """Loop until SIGTERM or SIGINT; one failing round (database away) is logged and the
        next round tries again."""
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        log.info("job runner %s started (folder %s)", self.worker, self.settings.folder)
        while not self.stopping:
            try:
                self.tick()
            except Exception:
                log.exception("job runner round failed")
            time.sleep(self.settings.poll_seconds)
        self.shutdown()

    def _stop(self, _signum: int, _frame: object) -> None:
        self.stopping = True

    def tick(self) -> None:
        self.collect()
        now = time.monotonic()
        if now - self.last_beat >= self.settings.beat_seconds:
            self.beat()
            self.last_beat = now
        if now - self.last_housekeeping >= min(self.settings.stale_seconds / 2, 30):
            self.housekeeping()
            self.last_housekeeping = now
        while len(self.children) < self.settings.at_once and not self.stopping:
            claimed = self.claim()
            if claimed is None:
                break
            self.spawn(*claimed)

    def claim(self) -> tuple[int, str] | None:
        with new_session(self.engine, write=True) as session:
            job = jobs.claim_next(session, worker=self.worker)
            found = (job.id, job.claim) if job is not None else None
            session.commit()
        return found

    def spawn(self, job_id: int, claim: str) -> None:
        pid = os.fork()
        if pid:
            self.children[pid] = Child(job_id, claim, time.monotonic())
            return
        code = 1  # the child: its own connections, the job, then gone
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            forget_engines_after_fork()
            execute(self.settings, job_id, claim)
            code = 0
        finally:
            os._exit(code)

    def collect(self) -> None:
        """Children that ended: one that left its job running died mid-way."""
        for pid, child in list(self.children.items()):
            try:
                ended, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # reaped by someone else: gone all the same
                ended = pid
            if ended:
                del self.children[pid]
                self._release(child)

    def _release(self, child: Child) -> None:
        left = _write(
            self.engine,
            lambda s: bool(
                jobs.release(s, child.job_id, child.claim, max_attempts=self.settings.max_attempts)
            ),
        )
        if left:
            log.warning("job %s stopped mid-way; restarted or failed", child.job_id)
        self._remove_partials(child.job_id)

    def beat(self) -> None:
        """Tell the table each child is alive; stop one whose job was cancelled or ran too
        long."""
        for pid, child in list(self.children.items()):
            if time.monotonic() - child.started > self.settings.max_seconds:
                _kill(pid)
                minutes = str(int(self.settings.max_seconds // 60))
                too_long = JobTookTooLong(minutes=minutes)
                _write(
                    self.engine,
                    partial(jobs.fail, job_id=child.job_id, claim=child.claim, error=too_long),
                )
            elif not _write(
                self.engine, partial(jobs.beat, job_id=child.job_id, claim=child.claim)
            ):
                _kill(pid)

    def housekeeping(self) -> None:
        """Restart (or fail) jobs whose runner went silent; delete results kept long enough."""
        before = utcnow() - timedelta(seconds=self.settings.stale_seconds)
        with new_session(self.engine, write=True) as session:
            stale = [
                (job.id, job.claim)
                for job in jobs.stale_jobs(session, beat_before=before)
                if job.claim not in {c.claim for c in self.children.values()}
            ]
            for job_id, claim in stale:
                jobs.release(session, job_id, claim, max_attempts=self.settings.max_attempts)
            session.commit()
        for job_id, _claim in stale:
            log.warning("job %s: its runner went silent; restarted or failed", job_id)
            self._remove_partials(job_id)
        old = utcnow() - timedelta(days=self.settings.keep_days)
        with new_session(self.engine, write=True) as session:
            for job in jobs.expired_results(session, finished_before=old):
                (self.settings.folder / job.result_path).unlink(missing_ok=True)
                jobs.forget_result(session, job)
            session.commit()

    def _remove_partials(self, job_id: int) -> None:
        for part in self.settings.folder.glob(f"{job_id}-*.part"):
            part.unlink(missing_ok=True)

    def shutdown(self) -> None:
        """Stop the children and hand their jobs back to the queue (not counted as attempts)."""
        for pid in self.children:
            _kill(pid)
        for pid, child in self.children.items():
            os.waitpid(pid, 0)
            _write(self.engine, partial(jobs.requeue, job_id=child.job_id, claim=child.claim))
            self._remove_partials(child.job_id)
        self.children.clear()
        log.info("job runner %s stopped", self.worker)


def supervise(settings: Settings) -> None:
    """Keep one runner alive (``jobs work``): it runs in a child, restarted a second after it
    dies for any reason; SIGTERM or SIGINT stops it cleanly, then this."""
    state = {"stopping": False, "child": 0}

    def stop(_signum: int, _frame: object) -> None:
        state["stopping"] = True
        if state["child"]:
            _kill(state["child"])

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not state["stopping"]:
        pid = os.fork()
        if not pid:
            code = 1
            try:
                forget_engines_after_fork()
                Runner(settings).run()
                code = 0
            finally:
                os._exit(code)
        state["child"] = pid
        _pid, status = os.waitpid(pid, 0)
        state["child"] = 0
        if not state["stopping"]:
            log.warning("job runner %s ended (status %s); starting another", pid, status)
            time.sleep(1)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
