"""Forms of the lists' filters, read from the query string (no CSRF: a GET changes nothing).

A value that does not parse is no filter: ``views.common.read_filters`` names its field in a
message and the list is shown without it."""

from __future__ import annotations

from flask import request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from .audit_text import ACTIONS
from .fields import DateField, MoneyField
from .text import MAX_ID, parse_digits
from .vocab import DisbursementStatus, Method, Source, TransferStatus, UnitType, values


class FilterForm(FlaskForm):
    """A form over ``request.args``; every field optional."""

    class Meta:
        csrf = False

    def __init__(self, **kwargs):
        super().__init__(formdata=request.args, **kwargs)


class ChoiceField(StringField):
    """One of ``values``, or empty (all); anything else is refused."""

    def __init__(self, label=None, *, values, **kwargs):
        super().__init__(label, default="", **kwargs)
        self.values = tuple(values)

    def pre_validate(self, form):
        if self.data and self.data not in self.values:
            raise ValidationError(gettext("Giá trị không hợp lệ."))


class IdField(StringField):
    """A row id in ASCII digits (at most ``MAX_ID``), or None when left empty."""

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if self.raw:
            self.data = parse_digits(self.raw, maximum=MAX_ID)
            if self.data is None:
                raise ValueError(gettext("Giá trị không hợp lệ."))

    def _value(self):
        """Shown back as typed (a refused value too), so the user can correct it."""
        return str(self.data) if self.data is not None else getattr(self, "raw", "")


def _text(value):
    return (value or "")[:100].strip()


class SearchForm(FilterForm):
    q = StringField(_l("Tìm"), filters=[_text], default="")


class ReceiptFilterForm(FilterForm):
    date_from = DateField(_l("Từ ngày"), name="from", required=False)
    date_to = DateField(_l("Đến ngày"), name="to", required=False)
    #: payer, donor, reason or voucher number ("17", "17/2026"), accents optional
    donor = StringField(_l("Tìm"), filters=[_text], default="")
    method = ChoiceField(_l("Hình thức"), values=values(Method))
    source = ChoiceField(_l("Nguồn thu"), values=values(Source))
    amount_min = MoneyField(_l("Số tiền từ"), name="min", required=False)
    amount_max = MoneyField(_l("Số tiền đến"), name="max", required=False)
    voided = ChoiceField(_l("Trạng thái"), values=("yes", "no"))


class WordsForm(FilterForm):
    """The receipt form's preview of the amount in words: the amount and the voucher's date."""

    amount = MoneyField(_l("Số tiền"), required=False)
    on = DateField(_l("Ngày"), name="date", required=False)


class DisbursementFilterForm(FilterForm):
    """The disbursements list and the approval queue ("Chờ duyệt", which ignores the status)."""

    unit = IdField(_l("Đơn vị"))
    status = ChoiceField(_l("Trạng thái"), values=values(DisbursementStatus))
    category = IdField(_l("Khoản chi"))
    date_from = DateField(_l("Từ ngày"), name="from", required=False)
    date_to = DateField(_l("Đến ngày"), name="to", required=False)
    amount_min = MoneyField(_l("Số tiền từ"), name="min", required=False)
    amount_max = MoneyField(_l("Số tiền đến"), name="max", required=False)
    #: payee, reason or voucher number, accents optional
    q = StringField(_l("Tìm"), filters=[_text], default="")


class TransferFilterForm(FilterForm):
    status = ChoiceField(_l("Trạng thái"), values=(TransferStatus.SENT, TransferStatus.RECEIVED))
    #: memo, difference reason or cash voucher number, accents optional
    q = StringField(_l("Tìm"), filters=[_text], default="")


class DateRangeForm(FilterForm):
    date_from = DateField(_l("Từ ngày"), name="from", required=False)
    date_to = DateField(_l("Đến ngày"), name="to", required=False)


class UnitFilterForm(FilterForm):
    q = StringField(_l("Mã hoặc tên"), filters=[_text], default="")
    type = ChoiceField(_l("Loại"), values=values(UnitType))
    parent = IdField(_l("Đơn vị cấp trên"))
    status = ChoiceField(_l("Trạng thái"), values=("open", "closed"))


class AuditFilterForm(FilterForm):
    """The audit log's filters: who, which unit, which kind of action, which days."""

    user = IdField(_l("Người thực hiện"))
    unit = IdField(_l("Đơn vị"))
    action = ChoiceField(_l("Loại thao tác"), values=ACTIONS)
    date_from = DateField(_l("Từ ngày"), name="from", required=False)
    date_to = DateField(_l("Đến ngày"), name="to", required=False)


class CampaignPageForm(FilterForm):
    """The campaign page: the day its figures run to, and the table's sort."""

    as_of = DateField(_l("Tính đến ngày"), required=False)
    sort = StringField(default="official")
    dir = StringField(default="asc")


class DonationQRForm(FilterForm):
    """The amount a donation QR code carries (none: the donor types it) and, on a poster, the
    campaign its reference names."""

    amount = MoneyField(_l("Số tiền (không bắt buộc)"), required=False)
    campaign = IdField(_l("Đợt vận động"))


class PrintVouchersForm(FilterForm):
    """Which vouchers to print at once: those of one day, or a range of numbers in a year."""

    day = DateField(_l("Ngày"), required=False)
    year = IdField(_l("Năm"))
    first = IdField(_l("Từ số"), name="from_no")
    last = IdField(_l("Đến số"), name="to_no")

    def asked(self) -> bool:
        """Whether the user asked for vouchers (else the page shows the empty form)."""
        return any(request.args.get(name, "").strip() for name in ("day", "from_no", "to_no"))

    def validate_year(self, field):
        if field.data is not None and not 2000 <= field.data <= 2100:
            raise ValidationError(gettext("Năm phải từ 2000 đến 2100."))

    def validate_day(self, field):
        numbers = (self.first, self.last)
        if field.process_errors:  # a malformed date is named once, as such
            return
        if field.data is None and not any(f.data or f.process_errors for f in numbers):
            raise ValidationError(gettext("Chọn ngày, hoặc nhập dãy số phiếu (Từ số, Đến số)."))
