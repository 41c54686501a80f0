"""Language (Vietnamese first, English second) and the display filters for money and dates."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from flask import g, request, session
from flask_babel import Babel, get_locale, get_translations, gettext
from flask_login import current_user

from .dates import format_date, format_datetime, format_local_datetime, long_date
from .errors import LedgerError, Phrase
from .money import amount_in_words, format_vnd, group_digits
from .services.categories import category_name
from .vocab import (
    ACCOUNT_LABELS,
    DisbursementStatus,
    JobKind,
    JobStatus,
    MailStatus,
    Method,
    Role,
    Sex,
    Source,
    TransferStatus,
    UnitType,
    label,
)

babel = Babel()
#: the vocabularies templates compare against and label (``d.status == DisbursementStatus.PAID``)
VOCABULARIES = {
    v.__name__: v
    for v in (
        DisbursementStatus,
        JobKind,
        JobStatus,
        MailStatus,
        Method,
        Role,
        Sex,
        Source,
        TransferStatus,
        UnitType,
    )
}


def select_locale() -> str:
    """The language chosen with the switch, else the signed-in user's own (account page),
    else Vietnamese."""
    chosen = session.get("lang") or getattr(current_user, "language", None)
    return chosen if chosen in ("vi", "en") else "vi"


def translations():
    """The request's catalogue, looked up once a request: Flask-Babel finds it again for each
    string (its locale's name rebuilt each time), 600 times on a national dashboard, about
    a fifth of drawing the page. Kept where Flask-Babel itself keeps it
    (``babel_translations``), which ``force_locale`` and ``refresh`` reset."""
    ctx = g.get("_flask_babel") if g else None
    if ctx is None:
        return get_translations()
    found = getattr(ctx, "babel_translations", None)
    if found is None:
        found = ctx.babel_translations = get_translations()
    return found


def error_message(error: LedgerError) -> str:
    """The rule's message in the user's language, with its values filled in."""
    return gettext(error.message, **{k: _show(v) for k, v in error.params.items()})


def _show(value):
    if isinstance(value, Phrase):
        return gettext(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return money(value)
    return value


def current_language() -> str:
    """The language pages are drawn in now (``force_locale`` wins over the user's choice)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "vi"


def money(value) -> str:
    """An amount in đồng as the user's language groups digits: ``10.000.000 đ`` /
    ``10,000,000 đ``."""
    return format_vnd(value, lang=current_language())


def digits(value) -> str:
    """A count or amount without the unit, grouped as the user's language does."""
    return group_digits(value, lang=current_language())


def vocab_label(value, vocabulary=None) -> str:
    """A vocabulary word's label in the user's language: ``d.status|label(DisbursementStatus)``."""
    if value is None or value == "":
        return ""
    return gettext(label(value, vocabulary))


def account_label(value) -> str:
    """The fund account a transfer leaves or reaches ("Ngân hàng", "Tiền mặt")."""
    return gettext(ACCOUNT_LABELS[Method(value)]) if value in ACCOUNT_LABELS else value or ""


def format_percent(value) -> str:
    """145.0 → "145,0%" in Vietnamese, "145.0%" in English."""
    if value is None or value == "":
        return ""
    exact = Decimal(str(value))
    if not exact.is_finite():  # never a rate (each is guarded by its quota), but never a 500
        from babel.numbers import format_decimal

        return format_decimal(value, format="#,##0.0", locale=current_language()) + "%"
    tenths = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    text = f"{tenths:,.1f}"  # Babel's "#,##0.0" without its parser: 60 of them on a dashboard
    return (text.translate(_VI_NUMBER) if current_language() == "vi" else text) + "%"


#: Vietnamese writes 1.234,5 where English writes 1,234.5
_VI_NUMBER = str.maketrans(",.", ".,")


def category_label(category) -> str:
    """A disbursement category's name in the user's language: ``c|category``."""
    return category_name(category, current_language()) if category is not None else ""


def init_app(app) -> None:
    """Wire Flask-Babel and the Jinja filters."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters.update(
        vnd=money,
        vnd_vi=format_vnd,  # a printed voucher is a Vietnamese form whatever the screen's language
        digits=digits,
        words=amount_in_words,
        ddmmyyyy=format_date,
        datetime=format_datetime,
        localtime=format_local_datetime,
        longdate=long_date,
        pct=format_percent,
        label=vocab_label,
        account_label=account_label,
        category=category_label,
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(current_lang=select_locale, **VOCABULARIES)
    app.before_request(_remember_language)


def _remember_language() -> None:
    lang = request.args.get("lang")
    if lang in ("vi", "en"):
        session["lang"] = lang
