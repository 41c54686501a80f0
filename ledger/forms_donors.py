"""Forms of the donor directory: a donor's details, a merge and the list's filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from .filter_forms import ChoiceField, FilterForm, _text
from .forms import BaseForm, vocab_choices
from .services.donor_directory import SORTS
from .vocab import DonorKind, values


class DonorFilterForm(FilterForm):
    """The directory's filters: kind, a name or phone fragment, the order."""

    kind = ChoiceField(_l("Loại"), values=values(DonorKind))
    q = StringField(_l("Tên hoặc số điện thoại"), filters=[_text], default="")
    sort = ChoiceField(_l("Sắp xếp"), values=SORTS)


class DonorForm(BaseForm):
    """A donor's details (the name stays as recorded on the vouchers)."""

    kind = SelectField(_l("Loại nhà hảo tâm"), choices=vocab_choices(DonorKind))
    phone = StringField(
        _l("Điện thoại"), validators=[Optional(), Length(max=30)], render_kw={"inputmode": "tel"}
    )
    email = StringField(
        _l("Thư điện tử"),
        validators=[
            Optional(),
            Length(max=200),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Thư điện tử không hợp lệ.")),
        ],
    )
    address = StringField(_l("Địa chỉ"), validators=[Optional(), Length(max=300)])
    anonymous = BooleanField(_l("Ẩn danh"))
    public_consent = BooleanField(_l("Đồng ý công khai tên (bảng vàng, công khai hằng năm)"))
    note = StringField(_l("Ghi chú"), validators=[Optional(), Length(max=500)])

    def validate_phone(self, field):
        digits = "".join(c for c in field.data or "" if c in "0123456789")
        if field.data and not 8 <= len(digits) <= 15:
            raise ValidationError(_l("Số điện thoại phải có từ 8 đến 15 chữ số."))

    def validate_public_consent(self, field):
        if field.data and self.anonymous.data:
            raise ValidationError(
                _l("Nhà hảo tâm ẩn danh không thể đồng thời đồng ý công khai tên.")
            )


class DonorMergeForm(BaseForm):
    """Merge a duplicate into the donor whose page this is."""

    duplicate_id = HiddenField()


class NewDonorForm(DonorForm):
    """A donor recorded ahead of any gift; a likely duplicate is named and must be confirmed."""

    name = StringField(_l("Tên nhà hảo tâm"), validators=[Length(max=200)])
    confirm_duplicate = BooleanField(_l("Vẫn thêm (không phải người đã có)"))

    def validate_name(self, field):
        if not (field.data or "").strip() and not self.anonymous.data:
            raise ValidationError(_l("Nhập tên nhà hảo tâm, hoặc đánh dấu ẩn danh."))
