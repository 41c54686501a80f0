"""The goods fields of in-kind documents: unit of measure, quantity and value of one unit.

A mixin, so the receipt and disbursement forms each gain the three fields in one line; shown
(by ``static/in_kind.js``) and required only when the method is in kind. The quantity is typed
the Vietnamese way (``2,5``) and kept exactly in thousandths.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, ValidationError

from .errors import InvalidQuantity
from .fields import MoneyField
from .i18n import error_message
from .money import parse_quantity
from .vocab import Method


class GoodsFields:
    """Đơn vị tính, số lượng, đơn giá (in kind only); ``quantity_milli`` is the parsed quantity."""

    goods_unit = StringField(
        _l("Đơn vị tính (thùng, suất, chiếc, kg…)"), validators=[Length(max=30)]
    )
    quantity = StringField(
        _l("Số lượng"),
        validators=[Length(max=20)],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "placeholder": _l("VD: 2,5")},
    )
    unit_value = MoneyField(_l("Đơn giá ước tính (đồng)"), required=False)

    def _in_kind(self) -> bool:
        return getattr(self, "method").data == Method.IN_KIND  # noqa: B009 (the host's field)

    def validate_goods_unit(self, field):
        if self._in_kind() and not (field.data or "").strip():
            raise ValidationError(_l("Hiện vật cần đơn vị tính."))

    def validate_quantity(self, field):
        if not self._in_kind():
            return
        if not (field.data or "").strip():
            raise ValidationError(_l("Hiện vật cần số lượng."))
        try:
            parse_quantity(field.data)
        except InvalidQuantity as error:
            raise ValidationError(error_message(error)) from None

    def validate_unit_value(self, field):
        if self._in_kind() and not field.data:
            raise ValidationError(_l("Hiện vật cần đơn giá ước tính."))

    @property
    def quantity_milli(self) -> int | None:
        """The quantity in thousandths when in kind and well formed, else None."""
        if not self._in_kind() or not (self.quantity.data or "").strip():
            return None
        try:
            return parse_quantity(self.quantity.data)
        except InvalidQuantity:
            return None


#: how a goods item is named in a select's value: name and unit of measure
ITEM_SEPARATOR = " | "


def goods_item_field() -> SelectField:
    """The goods item a disbursement hands out, one of the fund's on hand (set by the view)."""
    return SelectField(_l("Hiện vật xuất"), choices=[], validate_choice=False)


def goods_item(value: str | None) -> tuple[str, str]:
    """A goods item select's value as (name, unit of measure)."""
    name, _sep, unit = (value or "").rpartition(ITEM_SEPARATOR)
    return name, unit
