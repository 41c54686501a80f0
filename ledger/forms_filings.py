"""Forms of filing a period's report and of returning it (shape checks only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .forms import BaseForm


class FilingForm(BaseForm):
    """What the unit types on its report: number, recipient, its own texts, the signer."""

    number = StringField(
        _l("Số, ký hiệu"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("Ví dụ 15/BC-UBND; mỗi số chỉ dùng một lần trong năm."),
        render_kw={"autocapitalize": "characters"},
    )
    recipient = StringField(_l("Kính gửi"), validators=[DataRequired(), Length(max=300)])
    place = StringField(_l("Địa danh"), validators=[Length(max=100)])
    difficulties = TextAreaField(_l("Khó khăn, vướng mắc"), validators=[Length(max=4000)])
    proposals = TextAreaField(_l("Đề xuất, kiến nghị"), validators=[Length(max=4000)])
    copies_to = TextAreaField(
        _l("Nơi nhận khác"),
        validators=[Length(max=2000)],
        description=_l("Mỗi dòng một nơi; “Như trên” và “Lưu: VT” đã có sẵn."),
    )
    signer_title = StringField(_l("Chức vụ người ký"), validators=[DataRequired(), Length(max=100)])
    signer_name = StringField(
        _l("Họ và tên người ký"), validators=[DataRequired(), Length(max=100)]
    )


class ReturnForm(BaseForm):
    """The level above sends a filed report back; the comment is required."""

    comment = TextAreaField(_l("Lý do trả lại"), validators=[DataRequired(), Length(max=1000)])
