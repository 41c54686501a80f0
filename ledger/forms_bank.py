"""Forms of the bank pages: a fund's account, its primary and closing, a statement upload and
the column mapping picked once (shape checks only; the services decide)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from .banks import BANKS
from .fields import DateField
from .forms import BaseForm
from .statements_read import FIELD_NAMES


class BankAccountForm(BaseForm):
    """A fund's account at a bank; the bank and the number are set once (lines hang on them)."""

    bank_bin = SelectField(
        _l("Ngân hàng"), choices=[(b.bin, f"{b.short_name} — {b.name}") for b in BANKS]
    )
    account_number = StringField(
        _l("Số tài khoản"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    branch = StringField(_l("Chi nhánh / phòng giao dịch"), validators=[Length(max=200)])
    holder_name = StringField(
        _l("Chủ tài khoản"),
        validators=[Length(max=200)],
        description=_l("Như ngân hàng in (người chuyển khoản thấy tên này)."),
    )
    opened_on = DateField(_l("Ngày mở"))


class PrimaryForm(BaseForm):
    """Make this account the fund's primary."""


class CloseAccountForm(BaseForm):
    """Close the account on a date."""

    closed_on = DateField(_l("Ngày đóng"))


class StatementUploadForm(BaseForm):
    file = FileField(_l("Sao kê (.xlsx, .xls hoặc .csv)"), validators=[FileRequired()])


class StatementConfirmForm(BaseForm):
    """Confirm (or cancel) a previewed statement, named by its content token."""

    token = HiddenField()


#: the columns the mapping form offers, in order
MAP_FIELDS = ("date", "description", "ref", "credit", "debit", "amount", "kind", "balance")


class ColumnMapForm(BaseForm):
    """For each field, the header of the column that holds it ("" = none); choices are the
    header cells of the file, set by the view. A name not in the file is harmless: the
    mapping then finds no header row and the columns are asked for again."""

    token = HiddenField()
    date = SelectField(_l(FIELD_NAMES["date"]), validate_choice=False)
    description = SelectField(_l(FIELD_NAMES["description"]), validate_choice=False)
    ref = SelectField(_l(FIELD_NAMES["ref"]), validate_choice=False)
    credit = SelectField(_l(FIELD_NAMES["credit"]), validate_choice=False)
    debit = SelectField(_l(FIELD_NAMES["debit"]), validate_choice=False)
    amount = SelectField(_l(FIELD_NAMES["amount"]), validate_choice=False)
    kind = SelectField(_l(FIELD_NAMES["kind"]), validate_choice=False)
    balance = SelectField(_l(FIELD_NAMES["balance"]), validate_choice=False)

    def offer(self, headers: list[str], none_label: str) -> None:
        choices = [("", none_label)] + [(h, h) for h in dict.fromkeys(h for h in headers if h)]
        for name in MAP_FIELDS:
            self[name].choices = choices

    def mapping(self) -> dict[str, str]:
        return {name: self[name].data for name in MAP_FIELDS if self[name].data}
