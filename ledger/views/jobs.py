"""Background jobs (Công việc nền): the user's jobs with their progress, the result's download,
cancelling, and starting the full check of the books."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import permission_required, scope_ids
from ..db import get_session, get_write_session
from ..errors import LedgerError
from ..forms import JobForm
from ..i18n import error_message, vocab_label
from ..models import Job, utcnow
from ..services import jobs
from ..services.verified import last_full_check
from ..vocab import JOB_ACTIVE, JobKind, JobStatus
from ..worker import settings_from
from .common import start_job

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
#: the problems a finished check lists on its page (the download holds them all)
SHOWN_PROBLEMS = 200
MIMETYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain; charset=utf-8",
    ".zip": "application/zip",
}


@bp.route("/")
@login_required
def index():
    """The signed-in user's jobs, newest first, each with its progress bar."""
    session = get_session()
    rows = jobs.user_jobs(session, current_user.id)
    last_full = (
        last_full_check(session, current_user.unit_id) if current_user.can("audit_log") else None
    )
    return render_template(
        "jobs/index.html", rows=rows, form=JobForm(), failure=failure, last_full=last_full
    )


@bp.route("/<int:job_id>")
@login_required
def show(job_id: int):
    """One job: its progress while it runs; when done, its download (and a check's problems)."""
    job = _visible(job_id)
    problems, more = _problems(job)
    return render_template(
        "jobs/show.html",
        job=job,
        form=JobForm(),
        problems=problems,
        more=more,
        failure=failure,
        downloadable=_result(job) is not None,
        waiting_long=_waiting_long(job),
    )


@bp.route("/<int:job_id>/progress.json")
@login_required
def progress(job_id: int):
    """What the progress bar polls."""
    job = _visible(job_id)
    return jsonify(
        status=job.status,
        status_label=vocab_label(job.status, JobStatus),
        step=_(job.step) if job.step else "",
        done=job.done,
        total=job.total,
        ended=job.status not in JOB_ACTIVE,
    )


@bp.route("/<int:job_id>/download")
@login_required
def download(job_id: int):
    """The result, under its own name, to the user who started the job or to someone whose
    scope covers its unit (never a workbook with children's names: only its starter)."""
    job = _visible(job_id)
    path = _result(job)
    if path is None:
        abort(404)
    return send_file(
        path,
        mimetype=MIMETYPES.get(path.suffix, "application/octet-stream"),
        as_attachment=True,
        download_name=job.file_name or path.name,
    )


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@login_required
def cancel(job_id: int):
    """Cancel one's own queued or running job."""
    job, form = _visible(job_id), JobForm()
    if job.user_id != current_user.id:
        abort(404)
    if form.validate_on_submit():
        writer = get_write_session()
        if jobs.cancel_job(writer, job):
            flash(_("Đã hủy công việc."), "success")
        writer.commit()
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/check", methods=["POST"])
@permission_required("audit_log")
def start_check():
    """Start the full check of the books of the user's unit and every unit under it."""
    form = JobForm()
    if not form.validate_on_submit():
        return redirect(url_for("jobs.index"))
    return start_job(
        form,
        lambda session: jobs.start_check_job(
            session, user_id=current_user.id, unit_id=current_user.unit_id
        ),
    )


def failure(job: Job) -> str:
    """Why the job failed, in the reader's language."""
    found = jobs.Failure.read(job.error)
    return error_message(LedgerError(found.message, **found.params)) if found else ""


def _visible(job_id: int) -> Job:
    """The job if the user may see it, else 404 (its existence is not revealed)."""
    job = get_session().get(Job, job_id)
    if job is None or not _may_see(job):
        abort(404)
    return job


def _may_see(job: Job) -> bool:
    if job.user_id == current_user.id:
        return True
    if jobs.params_of(job).get("unmasked") or job.unit_id not in scope_ids():
        return False
    return job.kind != JobKind.CHECK or current_user.can("audit_log")


def _waiting_long(job: Job) -> bool:
    """Queued for longer than a runner would leave it (two heartbeat periods of staleness)."""
    patience = timedelta(seconds=2 * float(current_app.config["JOBS_STALE_SECONDS"]))
    return job.status == JobStatus.QUEUED and utcnow() - job.created_at > patience


def _folder() -> Path:
    return settings_from(current_app.config, current_app.instance_path).folder


def _result(job: Job) -> Path | None:
    if job.status != JobStatus.DONE or not job.result_path:
        return None
    path = _folder() / Path(job.result_path).name
    return path if path.is_file() else None


def _problems(job: Job) -> tuple[list[str], int]:
    """A finished check's first problems and how many more the download holds."""
    path = _result(job) if job.kind == JobKind.CHECK else None
    if path is None:
        return [], 0
    shown: list[str] = []
    more = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if len(shown) < SHOWN_PROBLEMS:
                shown.append(line.rstrip("\n"))
            else:
                more += 1
    return shown, more
