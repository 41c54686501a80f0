"""Admins set up the units of their scope: list, create, change (rename, move, close, type,
official code), import a unit list, apply a reorganisation; and add a voucher regime."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import permission_required, require_scope, scope_ids
from ..db import get_session
from ..errors import LedgerError
from ..filter_forms import UnitFilterForm
from ..forms import BaseForm, ConfirmUploadForm, ImportForm
from ..forms_units import RegimeForm, UnitForm
from ..i18n import _show, error_message
from ..models import Unit
from ..services import reorganisation, unit_setup
from ..services.regimes import add_regime
from ..services.units import units_among
from ..spreadsheets import read_table
from .common import arg_int, read_filters, run_once

bp = Blueprint("units", __name__, url_prefix="/admin")
PER_PAGE = 50
_TOKEN = re.compile(r"^[0-9a-f]{64}\.(xlsx|csv)$")


def _unit(unit_id: int) -> Unit:
    """The unit with this id, or 404."""
    unit = get_session().get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


def _top_admin() -> bool:
    """Whether the signed-in admin's unit has no parent (may create top units)."""
    return _unit(current_user.unit_id).parent_id is None


def _parent_choices(exclude: int | None = None):
    units = units_among(get_session(), scope_ids(), order="official")
    choices = [(0, "—")] if _top_admin() else []
    return choices + [(u.id, f"{u.code} · {u.name}") for u in units if u.id != exclude]


@bp.route("/units")
@permission_required("units")
def index():
    """The units in scope, filtered and paged."""
    page = max(arg_int("page", 1), 1)
    form = read_filters(UnitFilterForm())
    rows, total = unit_setup.list_units(
        get_session(),
        scope_ids=scope_ids(),
        query=form.q.data or "",
        unit_type=form.type.data or "",
        parent_id=form.parent.data,
        status=form.status.data or "",
        on=date.today(),
        page=page,
        per_page=PER_PAGE,
    )
    parents = {
        u.id: u for u in units_among(get_session(), {r.parent_id for r in rows if r.parent_id})
    }
    return render_template(
        "units/index.html",
        rows=rows,
        total=total,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        parents=parents,
        today=date.today(),
    )


@bp.route("/units/new", methods=["GET", "POST"])
@permission_required("units")
def new():
    """Create a unit under one of the scope."""
    form = UnitForm()
    form.parent_id.choices = _parent_choices()
    if form.validate_on_submit():
        parent_id = form.parent_id.data or None
        if parent_id is None and not _top_admin():
            abort(403)
        if parent_id is not None:
            require_scope(parent_id)
        try:
            url = run_once(form, lambda s: _create(s, form, parent_id))
        except LedgerError as error:
            flash(error_message(error), "error")
            return render_template("units/form.html", form=form, unit=None), 400
        flash(_("Đã tạo đơn vị %(name)s.", name=form.name.data), "info")
        return redirect(url)
    return render_template("units/form.html", form=form, unit=None)


def _create(session, form, parent_id) -> str:
    unit = unit_setup.add_unit(
        session,
        code=form.code.data,
        name=form.name.data,
        unit_type=form.unit_type.data,
        valid_from=form.valid_from.data,
        parent_id=parent_id,
        gso_code=form.gso_code.data,
        printed_name=form.printed_name.data,
        actor_id=current_user.id,
    )
    if form.valid_to.data:
        unit_setup.update_unit(
            session, unit_id=unit.id, valid_to=form.valid_to.data, actor_id=current_user.id
        )
    return url_for("units.index", q=unit.code)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@permission_required("units")
def edit(unit_id: int):
    """Rename, move, close, retype or recode a unit (one audit event with before/after)."""
    require_scope(unit_id)
    unit = _unit(unit_id)
    form = UnitForm(obj=unit)
    form.parent_id.choices = _parent_choices(exclude=unit.id)
    if unit.parent_id is not None and unit.parent_id not in scope_ids():
        # the admin's own unit: its parent is shown but cannot be changed from here
        parent = _unit(unit.parent_id)
        form.parent_id.choices = [(parent.id, f"{parent.code} · {parent.name}")]
    if request.method == "GET":
        form.parent_id.data = unit.parent_id or 0
    if form.validate_on_submit():
        parent_id = form.parent_id.data or None
        if parent_id != unit.parent_id:
            if parent_id is None and not _top_admin():
                abort(403)
            if parent_id is not None:
                require_scope(parent_id)
        try:
            url = run_once(form, lambda s: _update(s, unit.id, form, parent_id))
        except LedgerError as error:
            flash(error_message(error), "error")
            return render_template("units/form.html", form=form, unit=unit), 400
        flash(_("Đã lưu đơn vị %(name)s.", name=form.name.data), "info")
        return redirect(url)
    return render_template("units/form.html", form=form, unit=unit)


def _update(session, unit_id: int, form, parent_id) -> str:
    unit_setup.update_unit(
        session,
        unit_id=unit_id,
        actor_id=current_user.id,
        code=form.code.data,
        name=form.name.data,
        unit_type=form.unit_type.data,
        parent_id=parent_id,
        valid_from=form.valid_from.data,
        valid_to=form.valid_to.data,
        gso_code=form.gso_code.data,
        printed_name=form.printed_name.data,
    )
    return url_for("units.edit", unit_id=unit_id)


# --- files: a unit list, a reorganisation ------------------------------------------------


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads" / str(current_user.id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store_upload(form) -> tuple[str, list[list[object]], str]:
    """Read the uploaded file safely; keep it under a content token for the confirm step."""
    storage = form.file.data
    data = storage.read(8 * 1024 * 1024 + 1)
    table = read_table(storage.filename or "", data)
    ext = "csv" if (storage.filename or "").lower().endswith(".csv") else "xlsx"
    token = f"{hashlib.sha256(data).hexdigest()}.{ext}"
    (_upload_dir() / token).write_bytes(data)
    return token, table, storage.filename or ""


def _stored_table(form: ConfirmUploadForm, endpoint: str):
    """The previewed file named by the confirm form's token (or a redirect to upload again)."""
    token = form.token.data or ""
    if not _TOKEN.match(token):
        abort(400)
    path = _upload_dir() / token
    if not path.exists():
        flash(_("Tệp đã hết hạn; hãy tải lên lại."), "error")
        return None, redirect(url_for(endpoint))
    return (path, read_table(token, path.read_bytes())), None


def row_errors(errors) -> list[tuple[int, str, str]]:
    """(row, column, reason in the user's language) for the preview table."""
    return [
        (
            e.row,
            e.column,
            _(str(e.reason), **{k: _show(v) for k, v in e.params.items()})
            if e.params
            else _(str(e.reason)),
        )
        for e in errors
    ]


@bp.route("/units/import", methods=["GET", "POST"])
@permission_required("units")
def import_units():
    """Upload a unit list (Mã, Tên, Loại, Trực thuộc, Hiệu lực từ) and preview it."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("units/import.html", form=form, preview=None)
    try:
        token, table, filename = _store_upload(form)
    except LedgerError as error:
        flash(error_message(error), "error")
        return render_template("units/import.html", form=form, preview=None), 400
    preview = unit_setup.preview_units(
        get_session(), table=table, scope_ids=scope_ids(), allow_top=_top_admin()
    )
    return render_template(
        "units/import.html",
        form=form,
        preview=preview,
        token=token,
        filename=filename,
        errors=row_errors(preview.errors),
        confirm=BaseForm(),
    )


@bp.route("/units/import/commit", methods=["POST"])
@permission_required("units")
def import_commit():
    """Create every new unit of the previewed list, or none."""
    form = ConfirmUploadForm()
    if not form.validate_on_submit():
        abort(400)
    stored, answer = _stored_table(form, "units.import_units")
    if answer:
        return answer
    path, table = stored
    added = {}

    def action(session):
        result = unit_setup.import_units(
            session,
            table=table,
            actor_id=current_user.id,
            scope_ids=scope_ids(),
            allow_top=_top_admin(),
        )
        added["count"] = len(result.new_rows)
        return url_for("units.index")

    try:
        url = run_once(form, action)
    except LedgerError as error:
        flash(error_message(error), "error")
        return redirect(url_for("units.import_units"))
    path.unlink(missing_ok=True)
    if added:
        flash(_("Đã thêm %(count)s đơn vị.", count=str(added["count"])), "info")
    return redirect(url)


@bp.route("/units/reorganise", methods=["GET", "POST"])
@permission_required("units")
def reorganise():
    """Upload a reorganisation table and preview what each old fund hands to whom."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("units/reorganise.html", form=form, preview=None)
    try:
        token, table, filename = _store_upload(form)
    except LedgerError as error:
        flash(error_message(error), "error")
        return render_template("units/reorganise.html", form=form, preview=None), 400
    preview = reorganisation.preview_reorganisation(
        get_session(), table=table, scope_ids=scope_ids()
    )
    return render_template(
        "units/reorganise.html",
        form=form,
        preview=preview,
        token=token,
        filename=filename,
        errors=row_errors(preview.errors),
        confirm=BaseForm(),
        share=reorganisation.format_share,
    )


@bp.route("/units/reorganise/commit", methods=["POST"])
@permission_required("units")
def reorganise_commit():
    """Apply the previewed reorganisation, all or nothing."""
    form = ConfirmUploadForm()
    if not form.validate_on_submit():
        abort(400)
    stored, answer = _stored_table(form, "units.reorganise")
    if answer:
        return answer
    path, table = stored
    done = {}

    def action(session):
        result = reorganisation.reorganise(
            session, table=table, actor_id=current_user.id, scope_ids=scope_ids()
        )
        done["count"] = len(result.moves)
        return url_for("units.index")

    try:
        url = run_once(form, action)
    except LedgerError as error:
        flash(error_message(error), "error")
        return redirect(url_for("units.reorganise"))
    path.unlink(missing_ok=True)
    if done:
        flash(
            _(
                "Đã sắp xếp %(count)s đơn vị cũ; số dư đã chuyển sang đơn vị mới.",
                count=str(done["count"]),
            ),
            "info",
        )
    return redirect(url)


@bp.route("/settings/regimes", methods=["POST"])
@permission_required("settings")
def add_voucher_regime():
    """Add the form codes and circular in force from a date (top admins only)."""
    if not _top_admin():
        abort(403)
    form = RegimeForm()
    if not form.validate_on_submit():
        for name, messages in form.errors.items():
            for message in messages:
                flash(f"{form[name].label.text}: {message}", "error")
        return redirect(url_for("admin.settings"))
    valid_from = form.valid_from.data
    assert valid_from is not None  # a required DateField, validated above
    try:
        run_once(
            form,
            lambda s: add_regime(
                s,
                valid_from=valid_from,
                receipt_form_code=form.receipt_form_code.data,
                disbursement_form_code=form.disbursement_form_code.data,
                circular=form.circular.data,
                actor_id=current_user.id,
            ),
            url=url_for("admin.settings"),
        )
    except LedgerError as error:
        flash(error_message(error), "error")
        return redirect(url_for("admin.settings"))
    flash(
        _(
            "Đã thêm chế độ chứng từ áp dụng từ ngày %(date)s.",
            date=valid_from.strftime("%d/%m/%Y"),
        ),
        "info",
    )
    return redirect(url_for("admin.settings"))
