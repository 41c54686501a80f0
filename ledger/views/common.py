"""Helpers every blueprint's views share: run a submission once, read list filters."""

from __future__ import annotations

import io
import uuid
from datetime import date
from typing import overload

from flask import Response, abort, flash, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..auth import require_scope, scope_ids
from ..db import get_session, get_write_session
from ..errors import LedgerError
from ..exports.csv_files import CSV_TYPE
from ..filter_forms import CampaignPageForm
from ..i18n import error_message
from ..models import Beneficiary, Unit
from ..services import beneficiaries
from ..services.campaigns import visible_focus
from ..services.idempotency import claim_key, complete_key
from ..services.units import get_unit
from ..text import parse_digits


def form_payload(form) -> dict:
    """The submitted values that identify a submission (no tokens)."""
    return {
        name: field.data
        for name, field in form._fields.items()
        if name not in ("csrf_token", "idempotency_key", "file")
    }


def run_once(form, action, *, url: str | None = None) -> str:
    """Run ``action(session)`` once per idempotency key and commit; a repeat gets the same url.

    The answer is ``url`` when given (the action's return value is then ignored), otherwise
    the url the action returns.

    Two racing first submissions collide on the key's primary key: the loser rolls back and
    returns the winner's result.
    """
    session = get_write_session()
    key = (form.idempotency_key.data or uuid.uuid4().hex)[:64]
    payload = form_payload(form)
    try:
        done = claim_key(session, key=key, user_id=current_user.id, payload=payload)
        if done is not None:
            session.rollback()
            return done
        result = action(session)
        target = url if url is not None else result
        complete_key(session, key=key, result=target)
        session.commit()
        return target
    except IntegrityError:
        session.rollback()
        done = claim_key(session, key=key, user_id=current_user.id, payload=payload)
        session.rollback()
        if done is None:
            raise
        return done
    except BaseException:
        session.rollback()  # release the write lock before the error page is rendered
        raise


#: the form field a refusal is about, by rule; the first the form has gets the message
_DATES = ("receipt_date", "disbursement_date", "paid_on", "sent_on", "received_on", "through")
FIELD_OF_ERROR = {
    "PeriodLocked": _DATES,
    "UnitNotValid": _DATES,
    "InvalidDate": _DATES,
    "InvalidAmount": ("amount", "amount_each", "total"),
    "InsufficientFunds": ("amount", "amount_each"),
    "DifferenceNeedsReason": ("reason",),
    "ReasonRequired": ("reason", "comment"),
    "BeneficiaryOutsideFund": ("beneficiary_id",),
    "QuotaOutsideTree": ("credit_unit_id",),
    "DuplicateUser": ("username",),
    "WeakPassword": ("password",),
    "DuplicateCategory": ("code",),
    "AccountOfAnotherFund": ("bank_account_id", "from_bank_account_id", "to_bank_account_id"),
    "InvalidQuantity": ("quantity",),
    "InKindDetailsMissing": ("quantity", "goods_item"),
    "InKindValueNotWhole": ("quantity",),
    "InKindAmountMismatch": ("amount",),
    "GoodsNotOnHand": ("quantity",),
    "ReceiptOutsideCampaign": ("receipt_date", "receipt_id"),
    "InKindValueShort": ("unit_value",),
    "GoodsUnitValueOffBook": ("unit_value",),
    "PledgeDonorOutsideFund": ("donor_name",),
    "AnonymousWithPickedDonor": ("anonymous",),
    "InvalidReportNumber": ("number",),
    "ReportNumberTaken": ("number",),
    "InvalidEmail": ("email",),
    "SummaryNeedsEmail": ("weekly_summary",),
}


def start_job(form, queue):
    """Queue a background job once per submission (``queue(session)`` returns the job) and
    show its page; a refusal (one job at a time) is shown on the page of the job that runs."""
    from flask import redirect, url_for

    from ..services.jobs import active_job

    try:
        target = run_once(form, lambda session: url_for("jobs.show", job_id=queue(session).id))
    except LedgerError as error:
        flash(error_message(error), "error")
        running = active_job(get_session(), current_user.id)
        return redirect(
            url_for("jobs.show", job_id=running.id) if running else url_for("jobs.index")
        )
    return redirect(target)


def refused(error: LedgerError, form, template: str, **context):
    """A rule refused the submission: the same form again with what the user typed and the
    message, at the field it is about (else above the form); a fresh idempotency key so the
    corrected form is accepted. The status is the rule's (400 unless it says otherwise)."""
    message = error_message(error)
    names = FIELD_OF_ERROR.get(type(error).__name__, ())
    field = next((form[name] for name in names if name in form), None)
    if field is not None and template_shows_field_errors(template):
        field.errors = [*field.errors, message]
    else:
        flash(message, "error")
    if hasattr(form, "fresh_key"):
        form.fresh_key()
    return render_template(template, form=form, **context), error.status


def template_shows_field_errors(template: str) -> bool:
    """Pages built with the ``field`` macro show a field's errors; action forms on a document's
    page (void, approve, pay) show the message above instead."""
    return template.endswith(
        (
            "new.html",
            "receive.html",
            "user_form.html",
            "edit.html",
            "correct.html",
            "categories.html",
            "settings.html",
        )
    )


@overload
def arg_int(name: str, default: int) -> int: ...
@overload
def arg_int(name: str, default: None = None) -> int | None: ...
def arg_int(name: str, default: int | None = None) -> int | None:
    """A positive integer query argument (ASCII digits, at most ``MAX_ID``), or ``default``
    when absent or malformed."""
    value = parse_digits(request.args.get(name, ""))
    return default if value is None else value


def get_in_scope(model, object_id: int, *, unit_attr: str = "unit_id"):
    """The row with this id if its unit is in the user's scope, else 404 (never 403: the
    object's existence is not revealed)."""
    from flask import abort

    from ..auth import require_scope

    found = get_session().get(model, object_id)
    if found is None:
        abort(404)
    require_scope(getattr(found, unit_attr))
    return found


def read_filters(form, *, tell: bool = True):
    """Validate a list's filter form: a value that does not parse is left out (the list is
    shown without it) and, with ``tell``, named in a message with the value typed."""
    form.validate()
    for field in form:
        if field.errors:
            if tell:
                flash(
                    _(
                        "“%(field)s”: %(rule)s (“%(value)s” — danh sách không lọc theo ô này)",
                        field=field.label.text,
                        rule=field.errors[0],
                        value=str(getattr(field, "raw", None) or field.data or "")[:40],
                    ),
                    "error",
                )
            field.data = field.default
    return form


def visible_campaign(campaign_id: int):
    """The campaign and the unit whose figures the user sees: the whole campaign when its unit
    is in scope (focus None), the user's own unit when it holds a quota in a higher level's
    campaign; otherwise 404."""
    found = visible_focus(
        get_session(), campaign_id, scope=scope_ids(), unit_id=current_user.unit_id
    )
    if found is None:
        abort(404)
    return found


def as_of(campaign, form: CampaignPageForm | None = None) -> date:
    """The day a campaign's figures run to: ``?as_of=`` (left out when it does not parse),
    else today, at most the campaign's end."""
    if form is None:
        form = read_filters(CampaignPageForm(), tell=False)
    return form.as_of.data or min(date.today(), campaign.ends_on)


def full_view(child: Beneficiary) -> bool:
    """Whether the signed-in user sees this child's record unmasked by default."""
    return beneficiaries.sees_in_full(
        get_session(),
        role=current_user.role,
        user_unit_id=current_user.unit_id,
        child_unit_id=child.unit_id,
    )


def shown_name(child: Beneficiary) -> str:
    """The child's name as this user may see it (templates: ``child_name(child)``)."""
    return child.full_name if full_view(child) else beneficiaries.mask_name(child.full_name)


def page_unit() -> Unit:
    """The unit (fund) a page is about: ``?unit=`` in the user's scope (else 404), or the
    user's own unit."""
    unit_id = arg_int("unit", current_user.unit_id)
    require_scope(unit_id)
    return get_unit(get_session(), unit_id)


def send_csv(body: bytes, name: str) -> Response:
    """A CSV download (the twin of an .xlsx one) under ``name``: Flask encodes the name
    (a code with "Đ" or a quote in it) as the .xlsx downloads do."""
    return send_file(io.BytesIO(body), mimetype=CSV_TYPE, as_attachment=True, download_name=name)
