"""Background jobs (công việc nền): one row per job, which is also the queue the runner claims.

The row is what the user's progress bar reads (``done``/``total``, ``step``), what "at most one
per user" is enforced on (a partial unique index over the queued and running rows), and what a
runner claims (``claim``: a fresh token per attempt; a runner whose token was taken away, by a
cancel or by a restart after its heartbeat went stale, writes nothing more).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, text
from sqlmodel import Field, SQLModel, col

from ..vocab import JOB_ACTIVE, JobKind, JobStatus
from .base import one_of, timestamp


class Job(SQLModel, table=True):
    """A workbook, a full check…: started by a user, run by the runner, downloaded when done."""

    __table_args__ = (one_of("kind", JobKind), one_of("status", JobStatus))
    id: int = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    user_id: int = Field(foreign_key="user.id")
    #: the unit whose data it covers: who else may download the result is decided by it
    unit_id: int = Field(foreign_key="unit.id")
    #: what the job is run with (JSON: campaign, as-of date, unmasked…)
    params: str = Field(default="{}", sa_type=Text)
    #: what it is about, as the list shows it ("Hà Nội — 2026")
    title: str = Field(default="", max_length=300)
    status: str = Field(default=JobStatus.QUEUED, max_length=20)
    #: progress: ``done`` of ``total`` in the step named ``step`` (a msgid)
    step: str = Field(default="", max_length=200)
    done: int = 0
    total: int = 0
    #: how many times a runner has started it (a restart after a crash counts)
    attempts: int = 0
    #: the current attempt's token; a runner holding another writes nothing
    claim: str = Field(default="", max_length=32)
    #: host:pid of the runner of the current attempt
    worker: str = Field(default="", max_length=120)
    heartbeat_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp()
    started_at: datetime | None = timestamp(nullable=True)
    finished_at: datetime | None = timestamp(nullable=True)
    #: the result's file name inside the jobs folder ("" until done, or once purged)
    result_path: str = Field(default="", max_length=200)
    #: the name the download is given ("doi-chieu-2026-HN.xlsx")
    file_name: str = Field(default="", max_length=200)
    #: what the result counts, shown beside the status (a check: the problems found)
    found: int | None = None
    #: why it failed, as the user reads it (Vietnamese msgid with its values filled in)
    error: str = Field(default="", sa_type=Text)


_ACTIVE = "status IN (" + ", ".join(f"'{s}'" for s in JOB_ACTIVE) + ")"

#: at most one queued or running job per user, on both engines
Index(
    "uq_job_user_active",
    col(Job.user_id),
    unique=True,
    sqlite_where=text(_ACTIVE),
    postgresql_where=text(_ACTIVE),
)
#: what the runner claims next, what a user's list reads
Index("ix_job_status_id", col(Job.status), col(Job.id))
Index("ix_job_user_id", col(Job.user_id), col(Job.id))
