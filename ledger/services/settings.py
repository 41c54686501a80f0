"""Settings kept as data: words style, cost cap, approval limit (the form codes and circular a
voucher cites are dated rows of their own: ``services/regimes.py``)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from ..errors import InvalidAmount, LedgerError, Phrase, UnknownSetting, _l
from ..memo import read_once
from ..models import Setting
from ..money import parse_amount
from ..text import clean
from .audit import record_event
from .regimes import regime_on

DEFAULTS = {
    "words_linh": "linh",
    "words_even": "0",
    "management_cap_percent": "10",
    #: a reviewer of the fund's own unit may approve up to this amount (0: always the level above)
    "approval_same_level_max": "0",
    #: a receiver may confirm up to this much less than was sent; more needs a reviewer above
    "transfer_difference_max": "50000",
    #: approving or paying a payout above this many đồng needs a second-factor code
    "second_factor_above": "5000000",
}


def int_setting(session: Session, key: str) -> int:
    """A numeric setting (its default when stored text is not a number)."""
    value = all_settings(session)[key]
    return int(value) if value.isdigit() else int(DEFAULTS[key])


def all_settings(session: Session) -> dict[str, str]:
    """Every setting, defaults filled in."""
    stored = read_once(
        session, "settings", lambda: dict(session.exec(select(Setting.key, Setting.value)).all())
    )
    return {**DEFAULTS, **stored}


def voucher_settings(session: Session, on: date | None = None) -> dict:
    """What a printed voucher dated ``on`` needs: the form codes and circular in force that
    day (today when not given), how to say the amount in words."""
    values = all_settings(session)
    return {
        **values,
        **regime_on(session, on or date.today()),
        "linh": values["words_linh"] or "linh",
        "even": values["words_even"] == "1",
    }


class InvalidSetting(LedgerError):
    """A setting value outside what that setting allows."""

    default = _l("“%(name)s”: %(rule)s")


#: what an admin may change, the label the page shows, and the rule a value must follow
EDITABLE = {
    "words_linh": (_l("Đọc số 0 ở hàng chục"), _l("chọn “linh” hoặc “lẻ”.")),
    "words_even": (_l("Thêm “chẵn” sau số tiền bằng chữ"), _l("có hoặc không.")),
    "management_cap_percent": (_l("Mức trần chi phí quản lý (%)"), _l("số nguyên từ 0 đến 100.")),
    "approval_same_level_max": (
        _l("Cán bộ duyệt cùng cấp được duyệt đến (đồng)"),
        _l("số đồng nguyên, 0 nghĩa là luôn do cấp trên duyệt."),
    ),
    "transfer_difference_max": (
        _l("Nhận chuyển quỹ thiếu tối đa (đồng), quá mức cần cấp trên xác nhận"),
        _l("số đồng nguyên, 0 nghĩa là mọi khoản thiếu đều do cấp trên xác nhận."),
    ),
    "second_factor_above": (
        _l("Phiếu chi trên mức này cần mã xác thực hai lớp khi duyệt và khi chi (đồng)"),
        _l("số đồng nguyên, 0 nghĩa là mọi phiếu chi đều cần mã."),
    ),
}


def update_settings(
    session: Session, *, values: dict[str, str], actor_id: int | None = None
) -> list[str]:
    """Store the settings that changed (one audit event, before and after); returns their keys."""
    current = all_settings(session)
    changed = {}
    for key, typed in values.items():
        value = _checked(key, typed)
        if value != current[key]:
            changed[key] = value
    for key, value in changed.items():
        session.merge(Setting(key=key, value=value))
    if changed:
        session.flush()
        record_event(
            session,
            action="settings.update",
            user_id=actor_id,
            object_type="setting",
            before={k: current[k] for k in changed},
            after=changed,
        )
    return sorted(changed)


def _checked(key: str, value: str) -> str:
    """The value as stored, or ``InvalidSetting`` naming the setting and its rule."""
    if key not in EDITABLE:
        raise UnknownSetting(name=key)
    label, rule = EDITABLE[key]
    value = clean(value, max_length=1000)
    if key == "words_linh":
        ok = value in ("linh", "lẻ")
    elif key == "words_even":
        ok = value in ("0", "1")
    elif key == "management_cap_percent":
        ok = value.isdigit() and len(value) <= 3 and int(value) <= 100
        value = str(int(value)) if ok else value
    else:  # approval_same_level_max, transfer_difference_max, second_factor_above
        amount = _amount_or_zero(value)
        ok, value = amount is not None, amount or value
    if not ok:
        raise InvalidSetting(name=Phrase(label), rule=Phrase(rule))
    return value


def _amount_or_zero(value: str) -> str | None:
    """``0`` or an amount typed Vietnamese-style (``5.000.000 đ``), as plain digits."""
    if value.strip(" .,đ") in ("0", ""):
        return "0" if value.strip() else None
    try:
        return str(parse_amount(value))
    except InvalidAmount:
        return None
