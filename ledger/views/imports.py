"""Import receipts from .xlsx/.csv: upload → preview (bad rows listed) → commit all or none.

One request may not cost the server much: the preview streams the rows, lists the first
IMPORT_PREVIEW_ROWS bad (and good) rows and counts the rest, stops after IMPORT_SECONDS, and
only IMPORTS_AT_ONCE files are checked at once per process. A previewed file is kept only
until it is imported or cancelled, and never longer than UPLOAD_MAX_AGE_MINUTES.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import permission_required
from ..db import get_session
from ..errors import ImportBusy, LedgerError
from ..exports.import_template import import_template, import_template_csv
from ..forms import BaseForm, ConfirmUploadForm, ImportForm
from ..i18n import error_message
from ..services.imports import commit_import, preview_import, template_parts
from ..services.jobs import active_job, start_import_job
from ..spreadsheets import iter_table
from ..worker import settings_from
from .common import page_unit, run_once, send_csv

bp = Blueprint("imports", __name__, url_prefix="/imports")
_TOKEN = re.compile(r"^[0-9a-f]{64}\.(xlsx|xls|csv)$")
_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()
#: previewed files one user may keep waiting at once (older ones are removed)
KEPT_PER_USER = 3


def _uploads() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _upload_dir() -> Path:
    path = _uploads() / str(current_user.id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep() -> None:
    """Remove every user's previewed files older than UPLOAD_MAX_AGE_MINUTES."""
    oldest = time.time() - current_app.config["UPLOAD_MAX_AGE_MINUTES"] * 60
    for path in _uploads().glob("*/*"):
        try:
            if path.stat().st_mtime < oldest:
                path.unlink()
        except OSError:
            pass


def _keep_newest(folder: Path) -> None:
    files = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in files[KEPT_PER_USER:]:
        path.unlink(missing_ok=True)


@contextmanager
def _slot():
    """One of IMPORTS_AT_ONCE places to check a file in this process, or ``Busy``."""
    size = current_app.config["IMPORTS_AT_ONCE"]
    with _SLOTS_LOCK:
        slots = _SLOTS.setdefault(size, threading.BoundedSemaphore(size))
    if not slots.acquire(blocking=False):
        raise ImportBusy()
    try:
        yield
    finally:
        slots.release()


def _preview(session, fund, filename: str, data: bytes, *, limit: int | None):
    with _slot():
        return preview_import(
            session,
            unit_id=fund.id,
            table=iter_table(filename, data),
            limit=limit,
            seconds=current_app.config["IMPORT_SECONDS"],
        )


@bp.route("/receipts", methods=["GET", "POST"])
@permission_required("write_receipts")
def upload():
    """Upload a file and see what would be imported; nothing is stored yet."""
    fund, form = page_unit(), ImportForm()
    if not form.validate_on_submit():
        return render_template("imports/upload.html", form=form, fund=fund)
    _sweep()
    storage = form.file.data
    data = storage.read(8 * 1024 * 1024 + 1)
    ext = _extension(storage.filename or "")
    try:
        preview = _preview(
            get_session(),
            fund,
            storage.filename or "",
            data,
            limit=current_app.config["IMPORT_PREVIEW_ROWS"],
        )
    except LedgerError as error:
        flash(error_message(error), "error")
        return render_template("imports/upload.html", form=form, fund=fund), error.status
    token = ""
    if not preview.error_count and preview.row_count:
        token = f"{hashlib.sha256(data).hexdigest()}.{ext}"
        folder = _upload_dir()
        (folder / token).write_bytes(data)
        _keep_newest(folder)
    return render_template(
        "imports/preview.html",
        fund=fund,
        preview=preview,
        token=token,
        filename=storage.filename,
        confirm=BaseForm(),
    )


def _extension(filename: str) -> str:
    """The kept file's extension: the reader is chosen by it."""
    name = filename.lower()
    return next((ext for ext in ("csv", "xls") if name.endswith("." + ext)), "xlsx")


@bp.route("/receipts/template.xlsx")
@permission_required("write_receipts")
def template():
    """A workbook with the headers the importer reads, one example row and notes."""
    fund = page_unit()
    return send_file(
        io.BytesIO(import_template(**template_parts(fund.name))),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name="mau-nhap-phieu-thu.xlsx",
    )


@bp.route("/receipts/template.csv")
@permission_required("write_receipts")
def template_csv():
    """The template's "Phiếu thu" sheet as CSV: the headers and the example row."""
    return send_csv(
        import_template_csv(**template_parts(page_unit().name)), "mau-nhap-phieu-thu.csv"
    )


def _token_path(form: ConfirmUploadForm) -> Path:
    token = form.token.data or ""
    if not _TOKEN.match(token):
        abort(400)
    return _upload_dir() / token


@bp.route("/receipts/commit", methods=["POST"])
@permission_required("write_receipts")
def commit():
    """Record every row of the previewed file, or none if any row is bad; the file is removed."""
    fund, form = page_unit(), ConfirmUploadForm()
    if not form.validate_on_submit():
        abort(400)
    path = _token_path(form)
    if not path.exists():
        flash(_("Tệp đã hết hạn; hãy tải lên lại."), "error")
        return redirect(url_for("imports.upload", unit=fund.id))
    if path.stat().st_size > current_app.config["IMPORT_DIRECT_BYTES"]:
        return _commit_in_background(form, fund, path)
    data, added = path.read_bytes(), {}

    def action(session):
        preview = _preview(session, fund, path.name, data, limit=None)
        added["count"] = commit_import(
            session, unit_id=fund.id, preview=preview, user_id=current_user.id
        )
        added["skipped"] = preview.duplicates
        return url_for("receipts.index", unit=fund.id)

    try:
        url = run_once(form, action)
    except ImportBusy:
        raise  # the file stays: the same form can be sent again in a moment
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    path.unlink(missing_ok=True)
    if added:
        flash(
            _(
                "Đã nhập %(count)s phiếu thu; bỏ qua %(skipped)s dòng đã nhập trước đó.",
                count=added["count"],
                skipped=added["skipped"],
            ),
            "info",
        )
    return redirect(url)


def _commit_in_background(form: ConfirmUploadForm, fund, path: Path):
    """A large file is recorded by a background job: the file moves to the jobs folder (so
    newer uploads never push it out) and the job's page shows its progress."""
    target = settings_from(current_app.config, current_app.instance_path).folder / "imports"
    target.mkdir(parents=True, exist_ok=True)
    kept = target / path.name
    os.replace(path, kept)

    def queue(session):
        job = start_import_job(
            session,
            user_id=current_user.id,
            unit_id=fund.id,
            path=str(kept),
            filename=kept.name,
            label=fund.name,
        )
        return url_for("jobs.show", job_id=job.id)

    try:
        return redirect(run_once(form, queue))
    except LedgerError as error:  # one job at a time: the file stays, previewed
        os.replace(kept, path)
        flash(error_message(error), "error")
        running = active_job(get_session(), current_user.id)
        if running is None:
            return redirect(url_for("imports.upload", unit=fund.id))
        return redirect(url_for("jobs.show", job_id=running.id))


@bp.route("/receipts/cancel", methods=["POST"])
@permission_required("write_receipts")
def cancel():
    """Drop a previewed file without importing it."""
    fund, form = page_unit(), ConfirmUploadForm()
    if not form.validate_on_submit():
        abort(400)
    _token_path(form).unlink(missing_ok=True)
    flash(_("Đã hủy; tệp đã được xóa khỏi máy chủ."), "info")
    return redirect(url_for("imports.upload", unit=fund.id))
