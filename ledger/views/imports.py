"""Import receipts from .xlsx/.csv: upload → preview (every bad row listed) → commit all or none."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import permission_required, require_scope
from ..db import get_session
from ..errors import LedgerError
from ..forms import BaseForm, ImportForm
from ..i18n import error_message
from ..services.imports import commit_import, preview_import
from ..services.units import get_unit
from ..spreadsheets import read_table
from .common import arg_int, run_once

bp = Blueprint("imports", __name__, url_prefix="/imports")
_TOKEN = re.compile(r"^[0-9a-f]{64}\.(xlsx|csv)$")


def _fund():
    unit_id = arg_int("unit", current_user.unit_id)
    require_scope(unit_id)
    return get_unit(get_session(), unit_id)


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads" / str(current_user.id)
    path.mkdir(parents=True, exist_ok=True)
    return path


@bp.route("/receipts", methods=["GET", "POST"])
@permission_required("write_receipts")
def upload():
    """Upload a file and see what would be imported; nothing is stored yet."""
    fund, form = _fund(), ImportForm()
    if not form.validate_on_submit():
        return render_template("imports/upload.html", form=form, fund=fund)
    storage = form.file.data
    data = storage.read(8 * 1024 * 1024 + 1)
    ext = "csv" if (storage.filename or "").lower().endswith(".csv") else "xlsx"
    try:
        table = read_table(storage.filename or "", data)
        preview = preview_import(get_session(), unit_id=fund.id, table=table)
    except LedgerError as error:
        flash(error_message(error), "error")
        return render_template("imports/upload.html", form=form, fund=fund), 400
    token = f"{hashlib.sha256(data).hexdigest()}.{ext}"
    (_upload_dir() / token).write_bytes(data)
    return render_template("imports/preview.html", fund=fund, preview=preview, token=token,
                           filename=storage.filename, confirm=BaseForm())


@bp.route("/receipts/commit", methods=["POST"])
@permission_required("write_receipts")
def commit():
    """Record every row of the previewed file, or none if any row is bad."""
    fund, form = _fund(), BaseForm()
    token = request.form.get("token", "")
    if not form.validate_on_submit() or not _TOKEN.match(token):
        abort(400)
    path = _upload_dir() / token
    if not path.exists():
        flash(_("Tệp đã hết hạn; hãy tải lên lại."), "error")
        return redirect(url_for("imports.upload", unit=fund.id))
    table = read_table(token, path.read_bytes())
    added = {}

    def action(session):
        preview = preview_import(session, unit_id=fund.id, table=table)
        added["count"] = commit_import(session, unit_id=fund.id, preview=preview,
                                       user_id=current_user.id)
        added["skipped"] = preview.duplicates
        return url_for("receipts.index", unit=fund.id)

    url = run_once(form, action)
    path.unlink(missing_ok=True)
    if added:
        flash(_("Đã nhập %(count)s phiếu thu; bỏ qua %(skipped)s dòng đã nhập trước đó.",
                count=added["count"], skipped=added["skipped"]), "info")
    return redirect(url)
