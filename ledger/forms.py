"""Forms: one base with CSRF and a one-time idempotency key; shape checks only."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .errors import InvalidEmail
from .fields import DateField, MoneyField
from .forms_goods import GoodsFields, goods_item, goods_item_field
from .i18n import error_message
from .services.mail_settings import checked_email
from .text import parse_digits
from .vocab import (
    ACCOUNT_LABELS,
    DISBURSE_METHODS,
    ROLE_CHOICES,
    DonorKind,
    Language,
    Method,
    Sex,
    Source,
    label,
)

#: the members of one vocabulary
_Word = TypeVar("_Word", bound=StrEnum)


def vocab_choices(members: Iterable[_Word], labels: Mapping[_Word, str] | None = None):
    """A select's choices from vocabulary members: stored value, translated label."""
    return [(m.value, _l(labels[m] if labels else label(m))) for m in members]


def _account_id(value: object) -> int | None:
    """A bank account select's value: an id, or None when none is chosen."""
    return parse_digits(value) if value not in (None, "", "None") else None


def bank_account_field(label=None) -> SelectField:
    """The fund's bank account a document moved money on; shown only when the fund has two or
    more (choices set by the view; the service refuses another fund's account)."""
    return SelectField(
        label or _l("Tài khoản ngân hàng"),
        coerce=_account_id,
        choices=[],
        validate_choice=False,
        description=_l("Chỉ dùng khi tiền đi qua ngân hàng."),
    )


class BaseForm(FlaskForm):
    """CSRF-protected form; ``idempotency_key`` makes a resubmission return the first result."""

    idempotency_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.idempotency_key.data:
            self.idempotency_key.data = uuid.uuid4().hex
        for field in self:  # a text field left out of the request is empty, not None
            if type(field) in (StringField, HiddenField, PasswordField) and field.data is None:
                field.data = ""

    def fresh_key(self) -> None:
        """A new idempotency key, so the corrected resubmission of a refused form is accepted."""
        self.idempotency_key.data = uuid.uuid4().hex


class LoginForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Mật khẩu"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


def _email_address(form, field) -> None:
    """The address as it will be stored, or the rule's message on the field."""
    try:
        field.data = checked_email(field.data)
    except InvalidEmail as error:
        raise ValidationError(error_message(error)) from None


def email_field() -> StringField:
    return StringField(
        _l("Địa chỉ e-mail"),
        validators=[Length(max=254), _email_address],
        description=_l("Nhắc hạn nộp báo cáo và bản tóm tắt được gửi tới địa chỉ này."),
        render_kw={"autocomplete": "email", "inputmode": "email", "autocapitalize": "none"},
    )


def language_field() -> SelectField:
    return SelectField(_l("Ngôn ngữ"), choices=vocab_choices(Language), default=Language.VI)


class MailSettingsForm(BaseForm):
    """The signed-in user's own e-mail settings (account page)."""

    email = email_field()
    language = language_field()
    weekly_summary = BooleanField(_l("Nhận bản tóm tắt tiến độ vận động hằng tuần qua e-mail"))


class UserForm(BaseForm):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[
            DataRequired(),
            Length(min=3, max=80),
            Regexp(r"^[a-zA-Z0-9._-]+$", message=_l("Chỉ dùng chữ không dấu, số, dấu chấm, gạch.")),
        ],
    )
    full_name = StringField(_l("Họ và tên"), validators=[Optional(), Length(max=200)])
    role = SelectField(
        _l("Vai trò"),
        choices=vocab_choices(ROLE_CHOICES),
    )
    unit_id = SelectField(_l("Đơn vị"), coerce=int)
    password = PasswordField(_l("Mật khẩu"), validators=[Optional(), Length(min=10, max=200)])
    active = BooleanField(_l("Đang hoạt động"), default=True)
    can_unmask = BooleanField(_l("Được xem thông tin trẻ em đầy đủ"))
    email = email_field()
    language = language_field()


class ReceiptForm(GoodsFields, BaseForm):
    """Phiếu thu: what a treasurer types for one receipt."""

    receipt_date = DateField(_l("Ngày thu"))
    donor_id = HiddenField()
    payer_name = StringField(
        _l("Người nộp / nhà hảo tâm"),
        validators=[Length(max=200)],
        render_kw={"autocomplete": "off", "data-donor-search": "1"},
    )
    donor_kind = SelectField(
        _l("Loại nhà hảo tâm"),
        choices=vocab_choices(DonorKind),
    )
    payer_address = StringField(_l("Địa chỉ"), validators=[Optional(), Length(max=300)])
    anonymous = BooleanField(_l("Ẩn danh"))
    #: the typed name is a new donor (else a donor must be picked from the suggestions)
    new_donor = BooleanField(_l("Người nộp mới (tạo nhà hảo tâm mới từ tên đã nhập)"))
    amount = MoneyField(_l("Số tiền (đồng)"))
    method = SelectField(
        _l("Hình thức"),
        choices=vocab_choices(Method),
    )
    bank_account_id = bank_account_field()
    source = SelectField(
        _l("Nguồn thu"),
        choices=vocab_choices(Source),
    )
    in_kind_description = StringField(
        _l("Mô tả hiện vật (nếu ủng hộ hiện vật)"), validators=[Optional(), Length(max=500)]
    )
    credit_unit_id = SelectField(_l("Tính vào chỉ tiêu của đơn vị"), coerce=int)
    reason = StringField(
        _l("Lý do nộp"),
        validators=[Optional(), Length(max=500)],
        default="Ủng hộ Quỹ Bảo trợ trẻ em",
    )
    attachments = IntegerField(
        _l("Kèm theo (số chứng từ gốc)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=999)],
    )
    book_no = StringField(_l("Quyển số"), validators=[Optional(), Length(max=20)])
    note = StringField(_l("Ghi chú"), validators=[Optional(), Length(max=500)])

    def validate_payer_name(self, field):
        if not (field.data or "").strip() and not self.anonymous.data and not self.donor_id.data:
            raise ValidationError(
                _l("Nhập tên người nộp, chọn nhà hảo tâm, hoặc đánh dấu ẩn danh.")
            )

    def validate(self, extra_validators=None):
        """Field checks, then: an in-kind gift needs its description."""
        valid = super().validate(extra_validators)
        if self.method.data == Method.IN_KIND and not (self.in_kind_description.data or "").strip():
            self.in_kind_description.errors = [
                *self.in_kind_description.errors,
                _l("Ủng hộ hiện vật cần mô tả hiện vật và giá trị ước tính."),
            ]
            return False
        return valid

    def validate_donor_id(self, field):
        if field.data and parse_digits(field.data) is None:
            raise ValidationError(_l("Nhà hảo tâm không hợp lệ."))


class ReceiptCorrectionForm(ReceiptForm):
    """ "Sửa" a receipt: the old one's values to change, and why (the old one is voided)."""

    correction_reason = StringField(_l("Lý do sửa"), validators=[DataRequired(), Length(max=480)])


class VoidForm(BaseForm):
    reason = StringField(_l("Lý do hủy"), validators=[DataRequired(), Length(max=500)])


class CorrectForm(BaseForm):
    """A correction of a voucher whose period is locked: a reversing entry in the open period."""

    reason = StringField(_l("Lý do điều chỉnh"), validators=[DataRequired(), Length(max=500)])
    corrected_on = DateField(_l("Ngày ghi điều chỉnh (trong kỳ đang mở)"))


class ImportForm(BaseForm):
    file = FileField(_l("Tệp .xlsx, .xls hoặc .csv"), validators=[FileRequired()])


class ConfirmUploadForm(BaseForm):
    """Confirm (or cancel) a previewed upload, named by its content token."""

    token = HiddenField()


class BeneficiaryForm(BaseForm):
    """A child's record: the minimum the fund needs."""

    full_name = StringField(_l("Họ và tên trẻ"), validators=[DataRequired(), Length(max=200)])
    birth_date = DateField(_l("Ngày sinh"))
    sex = SelectField(_l("Giới tính"), choices=vocab_choices(Sex))
    unit_id = SelectField(_l("Đơn vị (xã/thị trấn)"), coerce=int)
    guardian_name = StringField(_l("Người giám hộ"), validators=[Optional(), Length(max=200)])
    #: checkboxes, not a Ctrl+click list
    groups = SelectMultipleField(
        _l("Hoàn cảnh đặc biệt (chọn một hoặc nhiều)"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    consent_by = StringField(
        _l("Người đồng ý cung cấp thông tin"), validators=[DataRequired(), Length(max=200)]
    )
    consent_on = DateField(_l("Ngày đồng ý"))
    confirm_duplicate = BooleanField(_l("Tôi đã kiểm tra: đây là một trẻ khác"))


class DisbursementForm(GoodsFields, BaseForm):
    """Phiếu chi as drafted: for one child, or a group gift (count × amount each)."""

    disbursement_date = DateField(_l("Ngày chi dự kiến"))
    category_id = SelectField(_l("Khoản chi"), coerce=int)
    beneficiary_id = SelectField(_l("Trẻ được hỗ trợ"), coerce=int)
    children_count = IntegerField(
        _l("Số trẻ (quà tặng theo nhóm)"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    amount_each = MoneyField(_l("Mức mỗi trẻ (đồng)"), required=False)
    amount = MoneyField(_l("Số tiền (đồng)"), required=False)
    payee_name = StringField(_l("Người nhận tiền"), validators=[DataRequired(), Length(max=200)])
    payee_address = StringField(_l("Địa chỉ"), validators=[Optional(), Length(max=300)])
    reason = StringField(_l("Lý do chi"), validators=[DataRequired(), Length(max=500)])
    method = SelectField(_l("Hình thức"), choices=vocab_choices(DISBURSE_METHODS))
    bank_account_id = bank_account_field()
    #: in kind: the goods item handed out, one of those on hand (choices set by the view)
    goods_item = goods_item_field()
    attachments = IntegerField(
        _l("Kèm theo (số chứng từ gốc)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=999)],
    )

    def validate(self, extra_validators=None):
        """Field checks, then: either an amount, or a count and an amount each."""
        valid = super().validate(extra_validators)
        group = self.children_count.data or self.amount_each.data
        if group and not (self.children_count.data and self.amount_each.data):
            self.amount_each.errors = [
                *self.amount_each.errors,
                _l("Quà theo nhóm cần cả số trẻ và mức mỗi trẻ."),
            ]
            return False
        if not group and not self.amount.data and self.method.data != Method.IN_KIND:
            self.amount.errors = [*self.amount.errors, _l("Chưa nhập số tiền.")]
            return False
        return valid

    def validate_goods_unit(self, field):
        """A payout of goods takes its unit of measure from the goods item picked."""

    def validate_goods_item(self, field):
        if self.method.data == Method.IN_KIND and not goods_item(field.data)[0]:
            raise ValidationError(_l("Chọn hiện vật xuất (trong số hiện vật quỹ đang giữ)."))


class DisbursementCorrectionForm(DisbursementForm):
    """ "Sửa" a paid disbursement: the old one's values to change, and why."""

    correction_reason = StringField(_l("Lý do sửa"), validators=[DataRequired(), Length(max=480)])


def _factor_code_field():
    return StringField(
        _l("Mã xác thực"),
        validators=[Optional(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8},
    )


class DecisionForm(BaseForm):
    comment = StringField(_l("Ý kiến"), validators=[Optional(), Length(max=500)])
    #: the second factor, asked when the payout is above the limit
    factor_code = _factor_code_field()


class PayForm(BaseForm):
    paid_on = DateField(_l("Ngày chi"))
    factor_code = _factor_code_field()


class FactorCodeForm(BaseForm):
    """A second-factor code alone: confirming enrolment, switching off, signing in."""

    code = StringField(
        _l("Mã xác thực"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none"},
    )


class TransferForm(BaseForm):
    to_unit_id = SelectField(_l("Chuyển đến quỹ"), coerce=int)
    amount = MoneyField(_l("Số tiền (đồng)"))
    sent_on = DateField(_l("Ngày chuyển"))
    from_method = SelectField(
        _l("Từ"), choices=vocab_choices((Method.BANK, Method.CASH), labels=ACCOUNT_LABELS)
    )
    to_method = SelectField(
        _l("Vào"), choices=vocab_choices((Method.BANK, Method.CASH), labels=ACCOUNT_LABELS)
    )
    from_bank_account_id = bank_account_field(_l("Từ tài khoản ngân hàng"))
    to_bank_account_id = bank_account_field(_l("Vào tài khoản ngân hàng (trong quỹ)"))
    memo = StringField(_l("Nội dung"), validators=[Optional(), Length(max=300)])


class ReceiveForm(BaseForm):
    amount = MoneyField(_l("Số tiền thực nhận (đồng)"))
    received_on = DateField(_l("Ngày nhận"))
    reason = StringField(_l("Lý do chênh lệch (nếu có)"), validators=[Optional(), Length(max=500)])
    to_bank_account_id = bank_account_field(_l("Vào tài khoản ngân hàng"))


class JobForm(BaseForm):
    """Start or cancel a background job (nothing to fill in)."""


class WorkbookJobForm(JobForm):
    """Start a large reconciliation workbook; past one sheet of receipts it gives each fund's
    totals unless every receipt is asked for."""

    all_receipts = BooleanField(_l("Ghi từng phiếu thu (nhiều trang tính, lâu hơn nhiều)"))


class UnmaskForm(BaseForm):
    reason = StringField(_l("Lý do cần xem đầy đủ"), validators=[DataRequired(), Length(max=300)])


class CategoryForm(BaseForm):
    code = StringField(
        _l("Mã"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[a-z0-9_]+$", message=_l("Chỉ chữ thường không dấu, số và _.")),
        ],
    )
    name_vi = StringField(_l("Tên tiếng Việt"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[DataRequired(), Length(max=200)])
    is_management = BooleanField(_l("Là chi phí quản lý (tính vào mức trần)"))


class LockForm(BaseForm):
    through = DateField(_l("Khóa sổ đến hết ngày"))
    #: "1" once the reviewer has seen what the lock means and confirmed it (no JavaScript needed)
    confirmed = HiddenField()


class UnlockForm(BaseForm):
    through = DateField(_l("Khóa đến ngày mới (để trống để mở hẳn)"), required=False)
    reason = StringField(_l("Lý do mở khóa"), validators=[DataRequired(), Length(max=300)])


class SettingsForm(BaseForm):
    """The settings an admin of the top unit may change (the service checks each value)."""

    words_linh = SelectField(
        _l("Đọc số 0 ở hàng chục"),
        choices=[("linh", _l("linh (một trăm linh năm)")), ("lẻ", _l("lẻ (một trăm lẻ năm)"))],
    )
    words_even = BooleanField(_l("Thêm “chẵn” sau số tiền bằng chữ"))
    management_cap_percent = StringField(
        _l("Mức trần chi phí quản lý (%)"),
        validators=[
            DataRequired(),
            Regexp(r"^\s*\d{1,3}\s*$", message=_l("Nhập số nguyên từ 0 đến 100.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    approval_same_level_max = StringField(
        _l("Cán bộ duyệt cùng cấp được duyệt đến (đồng; 0: luôn do cấp trên duyệt)"),
        validators=[DataRequired()],
        render_kw={"inputmode": "numeric", "placeholder": "0"},
    )
    transfer_difference_max = StringField(
        _l("Nhận chuyển quỹ thiếu tối đa (đồng), quá mức cần cấp trên xác nhận"),
        validators=[DataRequired()],
        render_kw={"inputmode": "numeric", "placeholder": "50.000"},
    )
    second_factor_above = StringField(
        _l("Phiếu chi trên mức này cần mã xác thực hai lớp khi duyệt và khi chi (đồng)"),
        validators=[DataRequired()],
        render_kw={"inputmode": "numeric", "placeholder": "5.000.000"},
    )


# part: reconcile
class BankReconciliationForm(BaseForm):
    """Save a bank account's reconciliation for a period (bảng đối chiếu số dư tiền gửi)."""

    period_from = DateField(_l("Từ ngày"))
    period_to = DateField(_l("Đến ngày"))
    note = TextAreaField(
        _l("Ghi chú (bắt buộc khi còn chênh lệch chưa giải trình)"),
        validators=[Length(max=1000)],
    )


class WithdrawReconciliationForm(BaseForm):
    """Withdraw the latest saved reconciliation while its period is open, with a reason."""

    reason = StringField(_l("Lý do hủy"), validators=[DataRequired(), Length(max=300)])


class EvidenceForm(BaseForm):
    """An evidence file for a document (what it is is read from its bytes by the service)."""

    file = FileField(_l("Tệp chứng từ gốc (ảnh chụp, bản quét PDF, Excel .xlsx)"))


class EvidenceRemoveForm(BaseForm):
    reason = StringField(_l("Lý do gỡ tệp"), validators=[DataRequired(), Length(max=500)])
