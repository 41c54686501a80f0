"""The batch entry form's header (nhập theo lô): typed first, the count and total above all;
the grid's rows are read by the view as lists (shape checks only; the service decides)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .fields import DateField, MoneyField
from .forms import BaseForm, vocab_choices
from .services.batches import MAX_ROWS
from .vocab import PAY_METHODS, Source


class BatchForm(BaseForm):
    """A round of envelopes: its name, the values every receipt shares and the control totals."""

    expected_count = IntegerField(
        _l("Số phiếu dự kiến"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_ROWS)],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "data-batch-count": "1"},
    )
    expected_total = MoneyField(_l("Tổng tiền dự kiến (đồng)"), render_kw={"data-batch-total": "1"})
    name = StringField(
        _l("Tên lô"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"placeholder": _l("VD: Thôn 3 — đợt 1")},
    )
    receipt_date = DateField(_l("Ngày thu"))
    method = SelectField(_l("Hình thức"), choices=vocab_choices(PAY_METHODS))
    source = SelectField(_l("Nguồn thu"), choices=vocab_choices(Source))
    credit_unit_id = SelectField(_l("Tính vào chỉ tiêu của đơn vị"), coerce=int)
    book_no = StringField(_l("Quyển số"), validators=[Optional(), Length(max=20)])
    #: a digest of the grid's rows, set by the view: a resubmission is the same only with them
    rows_digest = HiddenField()
