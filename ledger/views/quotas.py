"""Quota allocation: every child unit's quota on one screen, or from the annex table."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import permission_required
from ..campaign_forms import QuotaForm
from ..db import get_session
from ..errors import LedgerError
from ..forms import ImportForm
from ..i18n import error_message
from ..models import Campaign
from ..services.quotas import allocate_entries, allocation, import_quota_table
from ..text import unit_key
from .common import get_in_scope, refused, run_once

bp = Blueprint("quotas", __name__, url_prefix="/campaigns")


@bp.route("/<int:campaign_id>/quotas", methods=["GET", "POST"])
@permission_required("quotas")
def allocate(campaign_id: int):
    """Set every child unit's quota on one screen: typed, equal split or by weights."""
    campaign = get_in_scope(Campaign, campaign_id)
    screen = allocation(get_session(), campaign)
    form = QuotaForm.for_units([u.id for u in screen.units])
    if form.validate_on_submit():
        try:
            run_once(
                form,
                lambda s: allocate_entries(
                    s, campaign=campaign, entries=form.entries(), user_id=current_user.id
                ),
                url=url_for("campaigns.show", campaign_id=campaign.id),
            )
        except LedgerError as error:
            return refused(
                error,
                form,
                "quotas/allocate.html",
                campaign=campaign,
                units=screen.units,
                annex=annex_names(screen.units),
                current=form.typed(),
                upload=ImportForm(),
            )
        flash(_("Đã lưu chỉ tiêu phân bổ."), "info")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    shown = {f"quota-{u.id}": screen.current.get(u.id, 0) for u in screen.units}
    return render_template(
        "quotas/allocate.html",
        campaign=campaign,
        units=screen.units,
        annex=annex_names(screen.units),
        current=shown,
        form=form,
        upload=ImportForm(),
    )


@bp.route("/<int:campaign_id>/quotas/import", methods=["POST"])
@permission_required("quotas")
def import_table(campaign_id: int):
    """The annex table ``STT | TÊN ĐƠN VỊ | Số tiền (Đồng)`` from .xlsx or .csv."""
    campaign = get_in_scope(Campaign, campaign_id)
    form = ImportForm()
    if not form.validate_on_submit():
        abort(400)
    storage = form.file.data
    try:
        data = storage.read(8 * 1024 * 1024 + 1)
        run_once(
            form,
            lambda s: import_quota_table(
                s,
                campaign=campaign,
                filename=storage.filename or "",
                data=data,
                user_id=current_user.id,
            ),
            url=url_for("campaigns.show", campaign_id=campaign.id),
        )
    except (LedgerError, KeyError) as error:
        message = (
            error_message(error)
            if isinstance(error, LedgerError)
            else _("Thiếu cột: %(col)s", col=str(error))
        )
        flash(message, "error")
        return redirect(url_for("quotas.allocate", campaign_id=campaign.id))
    flash(_("Đã nhập bảng chỉ tiêu."), "info")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


def annex_names(units) -> dict[int, str]:
    """Unit id → the name the annex prints, where it says more than the unit's name (leaving
    case and the type word aside: "XÃ NHỊ KHÈ" for Xã Nhị Khê, "THỊ TRẤN" for Thị trấn
    Thường Tín), shown muted beside the unit's name, which is the one every screen shows."""
    return {
        u.id: u.printed_name
        for u in units
        if u.printed_name and unit_key(u.printed_name) != unit_key(u.name)
    }
