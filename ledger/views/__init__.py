"""Blueprints, one per feature; views are thin: form → one service call → commit → redirect."""

from __future__ import annotations

from werkzeug.routing import BaseConverter, ValidationError

from ..text import MAX_ID, parse_digits
from .common import shown_name


class IdConverter(BaseConverter):
    """``<int:…>`` in every route: a row id, 1 … 2^31−1 in ASCII digits; anything else (``²``,
    ``٣``, 2^31, 2^63, 10^30) is no route, so a 404 instead of an overflow in the database."""

    regex = r"[0-9]{1,19}"
    weight = 50

    def to_python(self, value: str) -> int:
        number = parse_digits(value, maximum=MAX_ID)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def init_app(app) -> None:
    """Register the id converter, then every blueprint."""
    from .. import api
    from . import (
        account,
        admin,
        audit,
        auth,
        bank,
        bank_match,
        bank_reconcile,
        batches,
        beneficiaries,
        books,
        campaigns,
        cash_counts,
        charts,
        disbursements,
        donors,
        evidence,
        factor,
        factor_signin,
        filings,
        gifts,
        goods,
        imports,
        jobs,
        main,
        norms,
        outbox,
        pledges,
        printing,
        public,
        quotas,
        receipts,
        recognition,
        reports,
        setup,
        transfers,
        units,
        vietqr,
    )

    app.url_map.converters["int"] = IdConverter
    for module in (
        auth,
        main,
        receipts,
        books,
        imports,
        admin,
        beneficiaries,
        disbursements,
        transfers,
        campaigns,
        quotas,
        norms,
        reports,
        charts,
        public,
        audit,
        account,
        factor,
        factor_signin,
        units,
        setup,
        jobs,
        bank,
        cash_counts,
        vietqr,
        bank_reconcile,
        bank_match,
        gifts,
        donors,
        batches,
        goods,
        recognition,
        pledges,
        filings,
        printing,
        outbox,
        evidence,
    ):
        app.register_blueprint(module.bp)
    api.init_app(app)
    app.context_processor(_helpers)


def _helpers() -> dict:
    """What every template may call: a child's name as the signed-in user may see it."""
    return {"child_name": shown_name}
