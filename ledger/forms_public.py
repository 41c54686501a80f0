"""Forms of the public pages (no sign-in): a donor looks up their own gift."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from .fields import MoneyField


class GiftLookupForm(FlaskForm):
    """The voucher number or bank reference of a gift, and its amount: both must match."""

    reference = StringField(
        _l("Số phiếu thu hoặc mã giao dịch ngân hàng"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("VD: 17/2026, hoặc mã giao dịch trên tin nhắn, sao kê của ngân hàng."),
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    amount = MoneyField(_l("Số tiền đã ủng hộ"))
