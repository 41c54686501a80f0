"""Background jobs: start one (at most one queued or running per user), follow it, and the
runner's side of the row: claim, heartbeat, progress, finish, fail, restart when stale.

Every function flushes and never commits; the views commit what a user starts or cancels, the
runner (``ledger.worker``) commits each of its steps at once so the progress bar sees them.
A runner's writes are conditional on its ``claim`` token: once a job is cancelled or restarted
under another claim, the old runner's progress, result and failure are refused (rowcount 0).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..dates import format_date, format_local_datetime
from ..errors import JobAlreadyRunning, JobInterrupted, LedgerError, Phrase
from ..models import Job, Unit, User, utcnow
from ..vocab import JOB_ACTIVE, JobKind, JobStatus, label
from .campaigns import get_campaign


def active_job(session: Session, user_id: int) -> Job | None:
    """The user's queued or running job, if any."""
    return session.exec(
        select(Job).where(Job.user_id == user_id, col(Job.status).in_(JOB_ACTIVE))
    ).first()


def start_job(
    session: Session,
    *,
    kind: str,
    user_id: int,
    unit_id: int,
    params: dict[str, Any],
    title: str,
    file_name: str,
) -> Job:
    """Queue a job for the runner; refused (naming the one that runs) while the user has one
    queued or running. Two racing starts meet the partial unique index: the loser is refused
    the same way."""
    running = active_job(session, user_id)
    if running is not None:
        raise _already(running)
    job = Job(
        kind=kind,
        user_id=user_id,
        unit_id=unit_id,
        params=json.dumps(params, ensure_ascii=False, sort_keys=True),
        title=title[:300],
        file_name=file_name[:200],
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:
        running = active_job(session, user_id)
        if running is None:
            raise
        raise _already(running) from None
    return job


def _already(job: Job) -> JobAlreadyRunning:
    return JobAlreadyRunning(
        kind=Phrase(label(job.kind, JobKind)),
        title=job.title,
        status=Phrase(label(job.status, JobStatus)),
        created=format_local_datetime(job.created_at),
    )


def params_of(job: Job) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(job.params or "{}")
    return loaded


def user_jobs(session: Session, user_id: int, *, limit: int = 50) -> list[Job]:
    """The user's latest jobs, newest first."""
    return list(
        session.exec(
            select(Job).where(Job.user_id == user_id).order_by(col(Job.id).desc()).limit(limit)
        )
    )


def cancel_job(session: Session, job: Job) -> bool:
    """Cancel a queued or running job (its runner stops at its next report); False when it
    had already ended."""
    return _set(session, job.id, None, status=JobStatus.CANCELLED, finished_at=utcnow())


@dataclass(frozen=True)
class Failure:
    """Why a job failed, kept as its msgid and values so each reader sees it in their language."""

    message: str
    params: dict[str, str]

    @classmethod
    def of(cls, error: LedgerError) -> Failure:
        return cls(str(error.message), {k: str(v) for k, v in error.params.items()})

    @classmethod
    def read(cls, stored: str) -> Failure | None:
        if not stored:
            return None
        try:
            found = json.loads(stored)
            return cls(str(found["message"]), dict(found.get("params", {})))
        except (ValueError, KeyError, TypeError):
            return cls(stored, {})

    def dump(self) -> str:
        return json.dumps({"message": self.message, "params": self.params}, ensure_ascii=False)


def workbook_receipts(session: Session, campaign_id: int, as_of: date | None) -> int:
    """How many receipts the campaign's reconciliation workbook covers (its size), counted as
    the workbook counts them (its funds as a subquery, not a nation's 10,600 bound ids)."""
    from .reconciliation import receipt_count
    from .units import subtree_scope

    campaign = get_campaign(session, campaign_id)
    scope = subtree_scope(session, campaign.unit_id)
    return receipt_count(session, scope, campaign.starts_on, as_of or campaign.ends_on)


def start_workbook_job(
    session: Session,
    *,
    user_id: int,
    campaign_id: int,
    as_of: date,
    unmasked: bool,
    csv: bool = False,
    all_receipts: bool = False,
) -> Job:
    """Queue the campaign's reconciliation workbook (as of ``as_of``), or with ``csv`` its
    rows as a .zip of one CSV per sheet; ``all_receipts`` lists every receipt even past one
    sheet's rows (``reconciliation.DETAIL_ROWS``)."""
    campaign = get_campaign(session, campaign_id)
    unit = session.get(Unit, campaign.unit_id)
    code = unit.code if unit is not None else str(campaign.unit_id)
    viewer = session.get(User, user_id)
    return start_job(
        session,
        kind=JobKind.WORKBOOK,
        user_id=user_id,
        unit_id=campaign.unit_id,
        params={
            "campaign_id": campaign_id,
            "as_of": as_of.isoformat(),
            "unmasked": unmasked,
            # anonymous donors are named only to their own fund's staff (``shown_payer``)
            "viewer_unit_id": viewer.unit_id if viewer is not None else None,
            "csv": csv,
            "all_receipts": all_receipts,
        },
        title=f"{campaign.name} — {format_date(as_of)}",
        file_name=(
            f"doi-chieu-{campaign.year}-{code}{'-day-du' if unmasked else ''}"
            + (".zip" if csv else ".xlsx")
        ),
    )


def start_check_job(session: Session, *, user_id: int, unit_id: int) -> Job:
    """Queue the full check of the books of ``unit_id`` and every unit under it (of every unit
    and the events of none when ``unit_id`` is a top unit)."""
    unit = session.get(Unit, unit_id)
    name = unit.name if unit is not None else str(unit_id)
    today = utcnow()
    return start_job(
        session,
        kind=JobKind.CHECK,
        user_id=user_id,
        unit_id=unit_id,
        params={"unit_id": unit_id, "all": unit is not None and unit.parent_id is None},
        title=name,
        file_name=f"kiem-tra-so-sach-{today:%Y%m%d-%H%M}.txt",
    )


def start_import_job(
    session: Session, *, user_id: int, unit_id: int, path: str, filename: str, label: str
) -> Job:
    """Queue the recording of a previewed import file (kept at ``path`` on the server)."""
    return start_job(
        session,
        kind=JobKind.IMPORT,
        user_id=user_id,
        unit_id=unit_id,
        params={"unit_id": unit_id, "user_id": user_id, "path": path, "name": filename},
        title=label,
        file_name="",
    )


def check_funds(session: Session, params: dict[str, Any]) -> set[int] | None:
    """The funds a check job covers (None: everything)."""
    from .units import subtree_ids

    return None if params.get("all") else subtree_ids(session, int(params["unit_id"]))


# --- the runner's side ---


def claim_next(session: Session, *, worker: str) -> Job | None:
    """Take the oldest queued job for this runner: a fresh claim token, one more attempt.
    PostgreSQL skips rows another runner is claiming (``FOR UPDATE SKIP LOCKED``); SQLite's
    write session already holds the database's one write lock (``BEGIN IMMEDIATE``)."""
    query = select(Job).where(Job.status == JobStatus.QUEUED).order_by(col(Job.id)).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = session.exec(query).first()
    if job is None:
        return None
    now = utcnow()
    job.status, job.claim, job.worker = JobStatus.RUNNING, uuid.uuid4().hex, worker[:120]
    job.attempts += 1
    job.started_at = job.heartbeat_at = now
    job.step, job.done, job.total = "", 0, 0
    session.add(job)
    session.flush()
    return job


def beat(session: Session, job_id: int, claim: str) -> bool:
    """The runner is alive and still holds the job (False: cancelled or taken away)."""
    return _set(session, job_id, claim, heartbeat_at=utcnow())


def record_progress(
    session: Session, job_id: int, claim: str, *, step: str, done: int, total: int
) -> bool:
    return _set(
        session, job_id, claim, step=step[:200], done=done, total=total, heartbeat_at=utcnow()
    )


def finish(
    session: Session, job_id: int, claim: str, *, result_path: str, found: int | None = None
) -> bool:
    """Done: the result file (a name inside the jobs folder) is ready to download."""
    return _set(
        session,
        job_id,
        claim,
        status=JobStatus.DONE,
        result_path=result_path,
        found=found,
        finished_at=utcnow(),
        done=_total(session, job_id),
    )


def _total(session: Session, job_id: int) -> int:
    job = session.get(Job, job_id)
    return job.total if job is not None else 0


def fail(session: Session, job_id: int, claim: str | None, error: LedgerError) -> bool:
    """Failed with the rule's message (``claim`` None: whoever holds it)."""
    return _set(
        session,
        job_id,
        claim,
        status=JobStatus.FAILED,
        error=Failure.of(error).dump(),
        finished_at=utcnow(),
    )


def release(session: Session, job_id: int, claim: str | None, *, max_attempts: int) -> str:
    """The job's runner stopped mid-way: queue it again for a clean restart, or fail it once
    it has been started ``max_attempts`` times. Returns the status it was left in ("" when it
    was no longer running under ``claim``)."""
    job = session.get(Job, job_id)
    if job is None or job.status != JobStatus.RUNNING or (claim and job.claim != claim):
        return ""
    if job.attempts >= max_attempts:
        fail(session, job_id, job.claim, JobInterrupted(attempts=str(job.attempts)))
        return JobStatus.FAILED
    _set(
        session,
        job_id,
        job.claim,
        status=JobStatus.QUEUED,
        claim="",
        worker="",
        step="",
        done=0,
        total=0,
    )
    return JobStatus.QUEUED


def requeue(session: Session, job_id: int, claim: str) -> bool:
    """A runner shutting down cleanly hands its job back (the attempt is not counted)."""
    job = session.get(Job, job_id)
    if job is None or job.claim != claim or job.status != JobStatus.RUNNING:
        return False
    return _set(
        session,
        job_id,
        claim,
        status=JobStatus.QUEUED,
        claim="",
        worker="",
        step="",
        done=0,
        total=0,
        attempts=max(job.attempts - 1, 0),
    )


def stale_jobs(session: Session, *, beat_before: datetime) -> list[Job]:
    """Running jobs whose runner has not been heard of since ``beat_before`` (killed)."""
    return list(
        session.exec(
            select(Job).where(Job.status == JobStatus.RUNNING, col(Job.heartbeat_at) < beat_before)
        )
    )


def expired_results(session: Session, *, finished_before: datetime) -> list[Job]:
    """Ended jobs whose result file is older than the keeping time."""
    return list(
        session.exec(
            select(Job).where(col(Job.finished_at) < finished_before, Job.result_path != "")
        )
    )


def forget_result(session: Session, job: Job) -> None:
    """The result file was deleted: the job stays listed, without a download."""
    _set(session, job.id, None, ended_too=True, result_path="")


def _set(
    session: Session,
    job_id: int,
    holder: str | None,
    /,
    *,
    ended_too: bool = False,
    **values: Any,
) -> bool:
    """Update a job that is still queued or running (under the claim ``holder`` when given; any
    job with ``ended_too``); True if it was."""
    query = update(Job).where(col(Job.id) == job_id)
    if not ended_too:
        query = query.where(col(Job.status).in_(JOB_ACTIVE))
    if holder is not None:
        query = query.where(col(Job.claim) == holder)
    result = session.connection().execute(query.values(**values))
    session.expire_all()
    return bool(result.rowcount)
