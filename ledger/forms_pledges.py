"""Forms of the pledges pages: the list's filters, a new pledge, settling with a receipt already
recorded, cancelling."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .fields import DateField, MoneyField
from .filter_forms import ChoiceField, FilterForm, IdField
from .forms import BaseForm
from .text import MAX_ID, parse_digits

STATUSES = ("open", "overdue", "settled", "cancelled")


def _optional_id(value: object) -> int | None:
    return parse_digits(value, maximum=MAX_ID) if value not in (None, "", "None") else None


class PledgeFilterForm(FilterForm):
    campaign = IdField(_l("Đợt vận động"))
    status = ChoiceField(_l("Trạng thái"), values=STATUSES)
    donor = StringField(_l("Nhà hảo tâm"), filters=[lambda v: (v or "")[:100].strip()], default="")


class PledgeForm(BaseForm):
    """Cam kết ủng hộ: who promises how much, when, by when."""

    donor_id = HiddenField()
    donor_name = StringField(
        _l("Nhà hảo tâm"),
        validators=[Length(max=200)],
        render_kw={"autocomplete": "off", "data-donor-search": "1"},
        description=_l("Gõ vài chữ của tên rồi chọn trong danh sách gợi ý."),
    )
    campaign_id = SelectField(
        _l("Đợt vận động"), coerce=_optional_id, choices=[], validate_choice=False
    )
    amount = MoneyField(_l("Số tiền cam kết (đồng)"))
    pledged_on = DateField(_l("Ngày cam kết"))
    due_on = DateField(_l("Hạn thực hiện"))
    note = StringField(_l("Ghi chú"), validators=[Optional(), Length(max=500)])

    def validate_donor_name(self, field):
        if parse_digits(self.donor_id.data or "", maximum=MAX_ID) is None:
            raise ValidationError(_l("Chọn nhà hảo tâm trong danh sách gợi ý."))

    def validate_due_on(self, field):
        if field.data and self.pledged_on.data and field.data < self.pledged_on.data:
            raise ValidationError(_l("Hạn thực hiện cam kết không được trước ngày cam kết."))


class SettleForm(BaseForm):
    """Gắn phiếu thu đã có: a receipt of the donor and how much of it settles the pledge."""

    receipt_id = SelectField(
        _l("Phiếu thu"), coerce=_optional_id, choices=[], validate_choice=False
    )
    amount = MoneyField(
        _l("Số tiền ghi nhận (đồng)"),
        required=False,
        description=_l("Để trống: phần còn lại của cam kết, trong phạm vi số tiền của phiếu."),
    )

    def validate_receipt_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Chọn phiếu thu."))


class CancelPledgeForm(BaseForm):
    reason = StringField(_l("Lý do hủy"), validators=[DataRequired(), Length(max=500)])
