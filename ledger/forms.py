"""Forms: one base with CSRF and a one-time idempotency key; shape checks only."""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class BaseForm(FlaskForm):
    """CSRF-protected form; ``idempotency_key`` makes a resubmission return the first result."""

    idempotency_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.idempotency_key.data:
            self.idempotency_key.data = uuid.uuid4().hex


class LoginForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class UserForm(BaseForm):
    username = StringField(_l("Tên đăng nhập"), validators=[
        DataRequired(), Length(min=3, max=80),
        Regexp(r"^[a-zA-Z0-9._-]+$", message=_l("Chỉ dùng chữ không dấu, số, dấu chấm, gạch."))])
    full_name = StringField(_l("Họ và tên"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Vai trò"), choices=[
        ("treasurer", _l("Thủ quỹ")), ("reviewer", _l("Cán bộ duyệt")),
        ("auditor", _l("Kiểm toán")), ("admin", _l("Quản trị"))])
    unit_id = SelectField(_l("Đơn vị"), coerce=int)
    password = PasswordField(_l("Mật khẩu"), validators=[Optional(), Length(min=10, max=200)])
    active = BooleanField(_l("Đang hoạt động"), default=True)
    can_unmask = BooleanField(_l("Được xem thông tin trẻ em đầy đủ"))
