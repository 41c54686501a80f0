"""Donation QR codes (VietQR): the public page of a fund, the printable A4 poster of an account
and its PNG.

The public (no sign-in) sees a fund's primary account only, with its code; staff see the
posters of every account of the funds in their scope (outside it: 404). A bad amount in the
query is named in a message and the code is shown without it; never a 500."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import login_required
from markupsafe import Markup

from ..auth import require_scope
from ..db import get_session
from ..errors import LedgerError
from ..exports.qr import qr_png, qr_svg
from ..filter_forms import DonationQRForm
from ..i18n import error_message
from ..models import BankAccount, Unit
from ..services.donation_codes import (
    DonationCode,
    campaign_of,
    donation_code,
    fund_place,
    open_accounts_of,
    public_account,
)
from ..services.honour_roll import honour_roll
from ..services.reorganisation import successor_units
from .common import get_in_scope

bp = Blueprint("vietqr", __name__)


@bp.route("/public/units/<int:unit_id>")
def public_fund(unit_id: int):
    """A fund's page for donors: its account and code, or how to give in cash."""
    unit, account = _public(unit_id)
    campaign_id = _campaign_arg(unit.id)
    form = DonationQRForm()
    code, problem = _code(account, form, campaign_id=campaign_id) if account else (None, None)
    return render_template(
        "vietqr/public.html",
        unit=unit,
        place=fund_place(unit),
        code=code,
        form=form,
        problem=problem,
        campaign=_campaign(unit.id, campaign_id),
        svg=_svg(code),
        png=_png_url(code, "vietqr.public_png", unit_id=unit.id, campaign=campaign_id),
        today=date.today(),
        successors=successor_units(get_session(), unit.id) if unit.valid_to else [],
        roll=_roll(unit.id),
    )


#: donors the fund's page names (the whole honour roll is a page of its own)
ROLL_SHOWN = 10


def _roll(unit_id: int) -> dict:
    """This year's honour roll, its first names (only donors who agreed to be named)."""
    year = date.today().year
    rows = honour_roll(get_session(), unit_id=unit_id, year=year, limit=ROLL_SHOWN)
    return {"year": year, "rows": rows}


@bp.route("/public/units/<int:unit_id>/poster")
def public_poster(unit_id: int):
    """The A4 poster of the fund's public account (404 when it has none)."""
    unit, account = _public(unit_id)
    if account is None:
        abort(404)
    campaign_id = _campaign_arg(unit.id)
    png = ("vietqr.public_png", {"unit_id": unit.id, "campaign": campaign_id})
    return _poster(unit, account, campaign_id=campaign_id, png=png)


@bp.route("/public/units/<int:unit_id>/qr.png")
def public_png(unit_id: int):
    """The public account's code as a PNG (404 when it has none)."""
    unit, account = _public(unit_id)
    if account is None:
        abort(404)
    return _png(account, campaign_id=_campaign_arg(unit.id))


@bp.route("/bank/accounts/<int:account_id>/qr")
@login_required
def poster(account_id: int):
    """The A4 poster of an account in scope, for the fund or (``?campaign=``) a campaign."""
    account = _staff_account(account_id)
    unit = get_session().get(Unit, account.unit_id)
    if unit is None:  # pragma: no cover - the account's fund is a foreign key
        abort(404)
    campaign_id = _campaign_arg(account.unit_id)
    png = ("vietqr.png", {"account_id": account.id, "campaign": campaign_id})
    return _poster(unit, account, campaign_id=campaign_id, png=png)


@bp.route("/bank/accounts/<int:account_id>/qr.png")
@login_required
def png(account_id: int):
    """An account's code as a PNG to download (``?amount=&campaign=``)."""
    account = _staff_account(account_id)
    return _png(account, campaign_id=_campaign_arg(account.unit_id))


@bp.route("/bank/funds/<int:unit_id>/qr")
@login_required
def fund_poster(unit_id: int):
    """The poster of a fund's account; a fund without one is told to declare it first."""
    require_scope(unit_id)
    session = get_session()
    unit = session.get(Unit, unit_id)
    if unit is None:  # pragma: no cover - a unit in scope exists
        abort(404)
    account = open_accounts_of(session, [unit_id], today=date.today()).get(unit_id)
    if account is None:
        return render_template("vietqr/no_account.html", place=fund_place(unit))
    return redirect(url_for("vietqr.poster", account_id=account.id))


def _public(unit_id: int) -> tuple[Unit, BankAccount | None]:
    session = get_session()
    unit = session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit, public_account(session, unit, today=date.today())


def _staff_account(account_id: int) -> BankAccount:
    return get_in_scope(BankAccount, account_id)


def _campaign_arg(unit_id: int) -> int | None:
    """The ``?campaign=`` a code names: one the fund takes part in (its own, or one of a unit
    above it), else 404."""
    form = DonationQRForm()
    form.validate()
    if form.campaign.errors:
        abort(404)
    if form.campaign.data is None:
        return None
    campaign = campaign_of(get_session(), unit_id, form.campaign.data)
    if campaign is None:
        abort(404)
    return campaign.id


def _campaign(unit_id: int, campaign_id: int | None):
    return campaign_of(get_session(), unit_id, campaign_id) if campaign_id else None


def _code(
    account: BankAccount, form: DonationQRForm, *, campaign_id: int | None
) -> tuple[DonationCode | None, str | None]:
    """The code with the form's amount; a bad amount is named and the code made without it."""
    form.validate()
    amount = None if form.amount.errors else form.amount.data
    try:
        return donation_code(account, campaign_id=campaign_id, amount=amount), None
    except LedgerError as error:
        if amount is None:
            return None, error_message(error)
        form.amount.errors = [error_message(error)]
        return _code_without_amount(account, campaign_id)


def _code_without_amount(
    account: BankAccount, campaign_id: int | None
) -> tuple[DonationCode | None, str | None]:
    try:
        return donation_code(account, campaign_id=campaign_id), None
    except LedgerError as error:
        return None, error_message(error)


def _poster(unit: Unit, account: BankAccount, *, campaign_id: int | None, png: tuple):
    """The A4 poster; ``png`` is the endpoint and values of its PNG download."""
    form = DonationQRForm()
    code, problem = _code(account, form, campaign_id=campaign_id)
    campaign = _campaign(unit.id, campaign_id)
    return render_template(
        "vietqr/poster.html",
        unit=unit,
        place=fund_place(unit),
        account=account,
        code=code,
        problem=problem,
        form=form,
        campaign=campaign,
        svg=_svg(code),
        png=_png_url(code, png[0], **png[1]),
    )


def _png(account: BankAccount, *, campaign_id: int | None):
    form = DonationQRForm()
    code, problem = _code(account, form, campaign_id=campaign_id)
    if code is None or form.amount.errors:
        message = problem or form.amount.errors[0]
        return Response(str(message), status=400, mimetype="text/plain")
    return Response(
        qr_png(code.payload),
        mimetype="image/png",
        headers={"Content-Disposition": f'attachment; filename="vietqr-{code.reference}.png"'},
    )


def _svg(code: DonationCode | None) -> Markup | None:
    if code is None:
        return None
    return Markup(qr_svg(code.payload, title="VietQR"))


def _png_url(code: DonationCode | None, endpoint: str, **values) -> str | None:
    if code is None:
        return None
    if code.amount is not None:
        values["amount"] = code.amount
    return url_for(endpoint, **{k: v for k, v in values.items() if v is not None})
