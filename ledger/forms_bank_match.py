"""Forms of the matching page (issue #16): the list's filters, a suggestion confirmed or
turned down, a match made by hand, and the documents made from a line."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from .fields import DateField, MoneyField
from .filter_forms import ChoiceField, FilterForm
from .forms import BaseForm
from .text import MAX_ID, parse_digits

#: at most this many lines or entries in one match
MAX_PARTS = 50


def parse_ids(text: str) -> list[int] | None:
    """ "3,5,8" → [3, 5, 8]; None when any part is not an id or there are too many."""
    parts = [p for p in (text or "").split(",") if p.strip()]
    ids = [parse_digits(p.strip(), maximum=MAX_ID) for p in parts]
    if not ids or len(ids) > MAX_PARTS or any(i is None for i in ids):
        return None
    return [i for i in ids if i is not None]


class MatchFilterForm(FilterForm):
    """The lines shown: a date range, credits or debits, matched or not."""

    date_from = DateField(_l("Từ ngày"), required=False)
    date_to = DateField(_l("Đến ngày"), required=False)
    direction = ChoiceField(_l("Chiều"), values=("credit", "debit"))
    state = ChoiceField(_l("Trạng thái"), values=("unmatched", "matched"))


class PairForm(BaseForm):
    """A suggestion's lines and entries, confirmed or turned down."""

    line_ids = HiddenField(validators=[DataRequired()])
    entry_ids = HiddenField(validators=[DataRequired()])
    reason = HiddenField(validators=[Length(max=500)])


class ActionForm(BaseForm):
    """A button that only needs its tokens (auto-match, undo a match, record a fee)."""


class ManualForm(BaseForm):
    """A match by hand: the lines and entries ticked (checkbox names ``line``/``entry``)."""


class LinePayoutForm(BaseForm):
    """A draft payout from a debit line: what the form of a phiếu chi asks, by bank."""

    disbursement_date = DateField(_l("Ngày chi dự kiến"))
    category_id = SelectField(_l("Khoản chi"), coerce=int)
    amount = MoneyField(_l("Số tiền (đồng)"))
    payee_name = StringField(_l("Người nhận tiền"), validators=[DataRequired(), Length(max=200)])
    reason = StringField(_l("Lý do chi"), validators=[DataRequired(), Length(max=500)])
