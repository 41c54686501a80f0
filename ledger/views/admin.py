"""Admins manage the users of their scope, the categories and the settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import permission_required, require_scope, scope_ids, scope_members
from ..db import get_session
from ..errors import LedgerError
from ..forms import BaseForm, SettingsForm, UserForm
from ..i18n import error_message
from ..models import Unit, User
from ..money import amount_in_words
from ..services import second_factor
from ..services.mail_settings import set_mail_settings
from ..services.settings import EDITABLE, all_settings, update_settings, voucher_settings
from ..services.tokens import list_tokens, token_status
from ..services.units import units_among
from ..services.users import create_user, update_user, users_in
from .common import refused, run_once

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _unit_choices():
    return [(u.id, u.name) for u in units_among(get_session(), scope_ids(), order="official")]


@bp.route("/users")
@permission_required("manage_users")
def users():
    """The users whose unit is in the admin's scope."""
    return render_template("admin/users.html", rows=users_in(get_session(), scope_members()))


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required("manage_users")
def new_user():
    """Create a user for a unit in scope."""
    form = UserForm()
    form.unit_id.choices = _unit_choices()
    if form.validate_on_submit():
        require_scope(form.unit_id.data)
        if not form.password.data:
            form.password.errors.append(_("Mật khẩu phải có ít nhất 10 ký tự."))
        else:
            try:
                run_once(form, lambda s: _create(s, form))
            except LedgerError as error:
                return refused(error, form, "admin/user_form.html", user=None)
            flash(_("Đã tạo người dùng %(name)s.", name=form.username.data), "info")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


def _create(session, form) -> str:
    user = create_user(
        session,
        username=form.username.data,
        password=form.password.data,
        role=form.role.data,
        unit_id=form.unit_id.data,
        full_name=form.full_name.data,
        can_unmask=form.can_unmask.data,
        actor_id=current_user.id,
    )
    _mail(session, user.id, form)
    return url_for("admin.users")


def _mail(session, user_id: int, form) -> None:
    """The address and language the admin typed (the summary stays the user's own choice)."""
    set_mail_settings(
        session,
        user_id=user_id,
        actor_id=current_user.id,
        email=form.email.data,
        language=form.language.data,
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required("manage_users")
def edit_user(user_id: int):
    """Change role, unit, status, unmask permission or password (ends the user's sessions)."""
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    require_scope(user.unit_id)
    form = UserForm(obj=user)
    form.unit_id.choices = _unit_choices()
    form.username.data = user.username
    if form.validate_on_submit():
        require_scope(form.unit_id.data)
        try:
            run_once(form, lambda s: _update(s, user, form))
        except LedgerError as error:
            return refused(error, form, "admin/user_form.html", user=user)
        flash(_("Đã cập nhật người dùng %(name)s.", name=user.username), "info")
        return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        rows=list_tokens(get_session(), user_id=user.id),
        status=token_status,
        factor=second_factor.confirmed_factor(get_session(), user.id),
        reset_form=BaseForm(),
    )


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@permission_required("manage_users")
def reset_second_factor(user_id: int):
    """Remove a user's second factor (a lost phone): they enrol again; audited."""
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    require_scope(user.unit_id)
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        run_once(
            form,
            lambda s: second_factor.reset(s, user_id=user.id, actor_id=current_user.id),
            url=url_for("admin.edit_user", user_id=user.id),
        )
    except LedgerError as error:
        flash(error_message(error), "error")
    else:
        flash(_("Đã xóa xác thực hai lớp của %(name)s; người này cần bật lại.", name=user.username))
    return redirect(url_for("admin.edit_user", user_id=user.id))


def _update(session, user: User, form) -> str:
    update_user(
        session,
        user_id=user.id,
        actor_id=current_user.id,
        role=form.role.data,
        unit_id=form.unit_id.data,
        active=form.active.data,
        full_name=form.full_name.data,
        can_unmask=form.can_unmask.data,
        password=form.password.data or "",
    )
    _mail(session, user.id, form)
    return url_for("admin.users")


@bp.route("/categories", methods=["GET", "POST"])
@permission_required("categories")
def categories():
    """The disbursement categories; admins add more."""
    from ..forms import CategoryForm
    from ..services.categories import create_category, list_categories

    form = CategoryForm()
    rows = list_categories(get_session())
    if form.validate_on_submit():
        try:
            run_once(
                form,
                lambda s: create_category(
                    s,
                    code=form.code.data,
                    name_vi=form.name_vi.data,
                    name_en=form.name_en.data,
                    is_management=form.is_management.data,
                    actor_id=current_user.id,
                ),
                url=url_for("admin.categories"),
            )
        except LedgerError as error:
            return refused(error, form, "admin/categories.html", rows=rows)
        flash(_("Đã thêm khoản chi."), "info")
        return redirect(url_for("admin.categories"))
    return render_template("admin/categories.html", rows=rows, form=form)


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("settings")
def settings():
    """Amount-in-words style, cost cap, approval limit; the voucher regimes (form codes and
    circular by date).

    They apply to every fund, so only an admin of a top unit (no parent) may change them.
    """
    session = get_session()
    editable = session.get(Unit, current_user.unit_id).parent_id is None
    current = all_settings(session)
    form = SettingsForm(data={**current, "words_even": current["words_even"] == "1"})
    if form.validate_on_submit():
        if not editable:
            abort(403)
        values = {key: str(form[key].data) for key in EDITABLE}
        values["words_even"] = "1" if form.words_even.data else "0"
        try:
            run_once(
                form,
                lambda s: update_settings(s, values=values, actor_id=current_user.id),
                url=url_for("admin.settings"),
            )
        except LedgerError as error:
            return refused(
                error,
                form,
                "admin/settings.html",
                editable=editable,
                examples=_examples(session),
                **_regimes(session),
            )
        flash(_("Đã lưu cài đặt."), "info")
        return redirect(url_for("admin.settings"))
    return render_template(
        "admin/settings.html",
        form=form,
        editable=editable,
        examples=_examples(session),
        **_regimes(session),
    )


def _regimes(session) -> dict:
    """The dated table of form codes and circulars, and the form that adds a row."""
    from ..forms_units import RegimeForm
    from ..services.regimes import list_regimes

    return {"regimes": list_regimes(session), "regime_form": RegimeForm()}


def _examples(session) -> list[tuple[int, str]]:
    """How vouchers will write some amounts in words with the stored settings."""
    stored = voucher_settings(session)
    return [
        (amount, amount_in_words(amount, linh=stored["linh"], even=stored["even"]))
        for amount in (105, 1_050_000, 10_000_000, 1_000_000_005)
    ]
