"""Children the fund helps: masked by default, in full for those who care for them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import permission_required, require_scope, scope_ids, scope_members
from ..db import get_session, get_write_session
from ..errors import DuplicateBeneficiary, LedgerError
from ..forms import BeneficiaryForm, UnmaskForm
from ..i18n import error_message
from ..models import Beneficiary, Unit
from ..security import log
from ..services import beneficiaries as service
from ..services.paging import parse_cursor
from ..services.units import communes_among
from .common import arg_int, full_view, get_in_scope, run_once

bp = Blueprint("beneficiaries", __name__, url_prefix="/beneficiaries")


@bp.route("/")
@login_required
def index():
    """Children in scope (names masked unless the user cares for them) and what they received."""
    found = service.list_beneficiaries(
        get_session(),
        unit_ids=scope_members(),
        page=arg_int("page", 1) or 1,
        cursor=parse_cursor(
            request.args.get("after", ""), request.args.get("before", ""), with_date=False
        ),
    )
    return render_template(
        "beneficiaries/index.html", rows=found.rows, pager=found, args=request.args
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("beneficiaries")
def new():
    """Record a child; warns when the same child seems to be there already."""
    session = get_session()
    form = BeneficiaryForm()
    form.unit_id.choices = [(u.id, u.name) for u in communes_among(session, scope_ids())] or [
        (current_user.unit_id, "")
    ]
    form.groups.choices = [(g.code, g.name_vi) for g in service.circumstance_groups(session)]
    if form.validate_on_submit():
        require_scope(form.unit_id.data)
        try:
            url = run_once(form, lambda s: _create(s, form))
        except DuplicateBeneficiary as error:
            form.confirm_duplicate.errors = [error_message(error)]
        else:
            flash(_("Đã ghi thông tin trẻ."), "info")
            return redirect(url)
    return render_template("beneficiaries/new.html", form=form)


def _create(session, form) -> str:
    child = service.create_beneficiary(
        session,
        unit_id=form.unit_id.data,
        user_id=current_user.id,
        allow_duplicate=form.confirm_duplicate.data,
        data=service.BeneficiaryInput(
            full_name=form.full_name.data,
            birth_date=form.birth_date.data,
            sex=form.sex.data,
            guardian_name=form.guardian_name.data,
            consent_by=form.consent_by.data,
            consent_on=form.consent_on.data,
            groups=tuple(form.groups.data or ()),
        ),
    )
    return url_for("beneficiaries.show", beneficiary_id=child.id)


def _child(beneficiary_id: int) -> Beneficiary:
    return get_in_scope(Beneficiary, beneficiary_id)


@bp.route("/<int:beneficiary_id>")
@login_required
def show(beneficiary_id: int):
    """The child's record and everything they received, masked unless permitted."""
    child = _child(beneficiary_id)
    return _render_show(child, unmasked=full_view(child))


def _render_show(child: Beneficiary, *, unmasked: bool):
    session = get_session()
    duplicates = service.possible_duplicates(session, child) if full_view(child) else []
    return render_template(
        "beneficiaries/show.html",
        child=child,
        unmasked=unmasked,
        masked_name=service.mask_name(child.full_name),
        unit=session.get(Unit, child.unit_id),
        groups=service.groups_of(session, child.id),
        duplicates=duplicates,
        history=service.history(session, child.id),
        unmask_form=UnmaskForm(),
    )


@bp.route("/<int:beneficiary_id>/unmask", methods=["POST"])
@login_required
def unmask(beneficiary_id: int):
    """Show the full record once to a user with the permission; writes an audit event."""
    child = _child(beneficiary_id)
    form = UnmaskForm()
    if not current_user.can_unmask:
        abort(403)
    if not form.validate_on_submit():
        flash(_("Phải ghi lý do cần xem đầy đủ."), "error")
        return redirect(url_for("beneficiaries.show", beneficiary_id=child.id))
    session = get_write_session()
    try:
        service.unmask(
            session, beneficiary_id=child.id, user_id=current_user.id, reason=form.reason.data
        )
    except LedgerError as error:
        session.rollback()
        flash(error_message(error), "error")
        return redirect(url_for("beneficiaries.show", beneficiary_id=child.id))
    session.commit()
    log.info("unmask user=%s unit=%s beneficiary=%s", current_user.id, child.unit_id, child.id)
    return _render_show(child, unmasked=True)
