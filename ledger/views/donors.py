"""The donor directory (Nhà hảo tâm): list, profile with giving history, edit, duplicates
and merge. An anonymous donor's name shows only to the staff of the unit that recorded it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import permission_required, scope_ids
from ..db import get_session
from ..errors import LedgerError, PossibleDuplicateDonor
from ..forms_donors import DonorFilterForm, DonorForm, DonorMergeForm, NewDonorForm
from ..i18n import error_message
from ..models import Donor, Unit
from ..services import donor_merge as merging
from ..services.donor_directory import donor_history, list_donors
from ..services.donors import anonymous_donor_ids, shown_payer
from ..services.units import subtree_scope
from ..text import parse_digits
from ..vocab import DonorKind
from .common import arg_int, get_in_scope, page_unit, read_filters, refused, run_once

bp = Blueprint("donors", __name__, url_prefix="/donors")


def donor_name(donor: Donor) -> str:
    """The donor's name as the signed-in user may read it."""
    return shown_payer(
        donor.name,
        anonymous=donor.anonymous,
        fund_id=donor.unit_id,
        viewer_unit_id=current_user.unit_id,
    )


def donor_known(donor: Donor) -> bool:
    """Whether the user may see who the donor is (name, contact): always, unless anonymous
    and recorded by another unit."""
    return not donor.anonymous or donor.unit_id == current_user.unit_id


@bp.context_processor
def _helpers() -> dict:
    return {"donor_name": donor_name, "donor_known": donor_known, "DonorKind": DonorKind}


@bp.route("/")
@login_required
def index():
    """Donors of the user's unit and the units under it (``?unit=`` narrows)."""
    session, unit = get_session(), page_unit()
    form = read_filters(DonorFilterForm())
    found = list_donors(
        session,
        unit_ids=subtree_scope(session, unit.id),
        kind=form.kind.data or "",
        text=form.q.data or "",
        sort=form.sort.data or "name",
        page=arg_int("page", 1) or 1,
        viewer_unit_id=current_user.unit_id,
    )
    return render_template(
        "donors/index.html", unit=unit, rows=found.rows, pager=found, form=form, args=request.args
    )


@bp.route("/duplicates")
@login_required
def duplicates():
    """ "Có thể trùng": donors in scope with the same name (accents ignored) or phone."""
    session, unit = get_session(), page_unit()
    groups = merging.duplicate_groups(
        session,
        unit_ids=subtree_scope(session, unit.id),
        viewer_unit_id=current_user.unit_id,
    )
    return render_template("donors/duplicates.html", unit=unit, groups=groups)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("write_receipts")
def new():
    """Record a donor; a likely duplicate is named and must be confirmed."""
    form = NewDonorForm()
    if form.validate_on_submit():
        try:
            url = run_once(form, lambda s: _add(s, form))
        except PossibleDuplicateDonor as error:
            form.confirm_duplicate.errors = [error_message(error)]
            form.fresh_key()
        except LedgerError as error:
            return refused(error, form, "donors/new.html")
        else:
            flash(_("Đã thêm nhà hảo tâm."), "info")
            return redirect(url)
    return render_template("donors/new.html", form=form)


def _input(form: DonorForm) -> merging.DonorInput:
    return merging.DonorInput(
        kind=form.kind.data,
        phone=form.phone.data or "",
        email=form.email.data or "",
        address=form.address.data or "",
        anonymous=bool(form.anonymous.data),
        public_consent=bool(form.public_consent.data),
        note=form.note.data or "",
    )


def _add(session, form: NewDonorForm) -> str:
    donor = merging.add_donor(
        session,
        unit_id=current_user.unit_id,
        unit_ids=scope_ids(),
        name=form.name.data or "",
        data=_input(form),
        allow_duplicate=bool(form.confirm_duplicate.data),
    )
    return url_for("donors.show", donor_id=donor.id)


def _donor(donor_id: int) -> Donor:
    return get_in_scope(Donor, donor_id)


@bp.route("/<int:donor_id>")
@login_required
def show(donor_id: int):
    """A donor's details, giving history (with merged duplicates) and gifts."""
    donor = _donor(donor_id)
    survivor = get_session().get(Donor, donor.merged_into_id) if donor.merged_into_id else None
    if survivor is not None and survivor.unit_id in scope_ids():
        return redirect(url_for("donors.show", donor_id=survivor.id))
    return _render_show(donor, DonorForm(obj=donor))


def _render_show(donor: Donor, form: DonorForm, status: int = 200):
    session = get_session()
    history = donor_history(
        session,
        donor,
        unit_ids=scope_ids(),
        holder_id=current_user.unit_id,
        page=arg_int("page", 1) or 1,
    )
    hidden = anonymous_donor_ids(session, {r.donor_id for r in history.receipts.rows})
    payers = {
        r.id: shown_payer(
            r.payer_name,
            anonymous=r.donor_id in hidden,
            fund_id=r.unit_id,
            viewer_unit_id=current_user.unit_id,
        )
        for r in history.receipts.rows
    }
    # a donor whose name the viewer may not read is matched with no one: the match would say it
    hidden_here = donor.id in anonymous_donor_ids(session, {donor.id})
    same = (
        []
        if hidden_here and donor.unit_id != current_user.unit_id
        else merging.matching_donors(
            session,
            unit_ids=scope_ids(),
            viewer_unit_id=current_user.unit_id,
            name=donor.name,
            phone=donor.phone,
            exclude=donor.id,
        )
    )
    page = render_template(
        "donors/show.html",
        donor=donor,
        unit=session.get(Unit, donor.unit_id),
        history=history,
        payers=payers,
        duplicates=same,
        form=form,
        merge_form=DonorMergeForm(),
        args=request.args,
    )
    return page, status


@bp.route("/<int:donor_id>/edit", methods=["POST"])
@permission_required("write_receipts")
def edit(donor_id: int):
    """Change a donor's kind, contact, address, anonymity or consent (audited)."""
    donor = _donor(donor_id)
    if not donor_known(donor):  # an anonymous donor's details are its own fund's to change
        abort(404)
    form = DonorForm()
    if not form.validate_on_submit():
        return _render_show(donor, form, 400)
    try:
        run_once(form, lambda s: _update(s, donor.id, form))
    except LedgerError as error:
        flash(error_message(error), "error")
        return _render_show(donor, form, error.status)
    flash(_("Đã lưu thông tin nhà hảo tâm."), "info")
    return redirect(url_for("donors.show", donor_id=donor.id))


def _update(session, donor_id: int, form: DonorForm) -> str:
    donor = session.get_one(Donor, donor_id)
    merging.update_donor(session, donor=donor, data=_input(form), user_id=current_user.id)
    return url_for("donors.show", donor_id=donor_id)


@bp.route("/<int:donor_id>/merge", methods=["POST"])
@permission_required("write_receipts")
def merge(donor_id: int):
    """Merge the chosen duplicate into this donor (the survivor); audited."""
    survivor = _donor(donor_id)
    form = DonorMergeForm()
    duplicate_id = parse_digits(form.duplicate_id.data or "")
    if not form.validate_on_submit() or duplicate_id is None:
        abort(400)
    try:
        run_once(
            form,
            lambda s: merging.merge_donors(
                s,
                survivor_id=survivor.id,
                duplicate_id=duplicate_id,
                unit_ids=scope_ids(),
                user_id=current_user.id,
            ),
            url=url_for("donors.show", donor_id=survivor.id),
        )
    except LedgerError as error:
        if error.status == 404:
            abort(404)
        flash(error_message(error), "error")
        return redirect(url_for("donors.show", donor_id=survivor.id))
    flash(_("Đã gộp nhà hảo tâm trùng."), "info")
    return redirect(url_for("donors.show", donor_id=survivor.id))
