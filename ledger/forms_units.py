"""Forms of the units pages and the voucher regime table (shape checks only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from .fields import DateField
from .forms import BaseForm
from .services.unit_setup import UNIT_TYPE_INFO


class UnitForm(BaseForm):
    """Create or change a unit: code, name, type, parent, validity, official code."""

    code = StringField(_l("Mã"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Tên"), validators=[DataRequired(), Length(max=200)])
    unit_type = SelectField(
        _l("Loại"), choices=[(k, _l(label)) for k, (label, _lv) in UNIT_TYPE_INFO.items()]
    )
    parent_id = SelectField(_l("Trực thuộc"), coerce=int)
    valid_from = DateField(_l("Hiệu lực từ"))
    valid_to = DateField(
        _l("Hiệu lực đến"), required=False, description=_l("Để trống khi đơn vị còn hoạt động.")
    )
    gso_code = StringField(
        _l("Mã hành chính"),
        validators=[Optional(), Length(max=10)],
        render_kw={"inputmode": "numeric"},
    )
    printed_name = StringField(_l("Tên in trên chứng từ"), validators=[Optional(), Length(max=200)])


class RegimeForm(BaseForm):
    """A new accounting regime: from which date vouchers print which form codes."""

    valid_from = DateField(_l("Áp dụng từ ngày"))
    receipt_form_code = StringField(
        _l("Mẫu số phiếu thu"), validators=[DataRequired(), Length(max=60)]
    )
    disbursement_form_code = StringField(
        _l("Mẫu số phiếu chi"), validators=[DataRequired(), Length(max=60)]
    )
    circular = StringField(
        _l("Văn bản ban hành mẫu (in dưới mẫu số)"), validators=[DataRequired(), Length(max=300)]
    )
