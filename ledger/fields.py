"""WTForms fields for the domain's types: money typed Vietnamese-style, dates as dd/mm/yyyy."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from .dates import parse_date
from .errors import InvalidAmount
from .i18n import digits, error_message
from .money import parse_amount


class MoneyField(StringField):
    """Integer đồng from ``10.000.000``, ``10.000.000 đ`` or ``10000000`` (a text input)."""

    def __init__(self, label=None, validators=None, *, required: bool = True, **kwargs):
        #: "VD: …" so the hint cannot be taken for a value already filled in
        render_kw = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "placeholder": _l("VD: 500.000"),
        }
        render_kw.update(kwargs.pop("render_kw", {}) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.required = required

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if not str(self.raw).strip():
            if self.required:
                raise ValueError(error_message(InvalidAmount("empty")))
            return
        try:
            self.data = parse_amount(self.raw)
        except InvalidAmount as error:
            raise ValueError(error_message(error)) from None

    def pre_validate(self, form):
        """A required amount left out of the request altogether is refused too."""
        if self.required and self.data is None and not self.process_errors:
            raise ValidationError(error_message(InvalidAmount("empty")))

    def _value(self):
        if self.data is not None:
            return digits(self.data)  # grouped as the page's language groups amounts
        return getattr(self, "raw", "") or ""


class DateField(StringField):
    """A date typed as dd/mm/yyyy (also accepts yyyy-mm-dd from a date picker)."""

    def __init__(self, label=None, validators=None, *, required: bool = True, **kwargs):
        render_kw = {"placeholder": "dd/mm/yyyy", "autocomplete": "off", "inputmode": "numeric"}
        render_kw.update(kwargs.pop("render_kw", {}) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.required = required

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            if self.required:
                raise ValueError(gettext("Chưa nhập ngày."))
            return
        self.data = parse_date(self.raw)
        if self.data is None:
            raise ValueError(gettext("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy."))

    def pre_validate(self, form):
        """A required date left out of the request altogether is refused too."""
        if self.required and self.data is None and not self.process_errors:
            raise ValidationError(gettext("Chưa nhập ngày."))

    def _value(self):
        if isinstance(self.data, date):
            return self.data.strftime("%d/%m/%Y")
        return getattr(self, "raw", "") or ""
