"""Settings kept as data: voucher form codes, the circular cited, words style, cost cap."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from ..models import Setting

DEFAULTS = {
    "receipt_form_code": "Mẫu số C40-BB",
    "disbursement_form_code": "Mẫu số C41-BB",
    "form_circular": "(Ban hành kèm theo Thông tư số 107/2017/TT-BTC ngày 10/10/2017 của Bộ Tài chính)",
    "words_linh": "linh",
    "words_even": "0",
    "management_cap_percent": "10",
    #: a reviewer of the fund's own unit may approve up to this amount (0: always the level above)
    "approval_same_level_max": "0",
}


def int_setting(session: Session, key: str) -> int:
    """A numeric setting (its default when stored text is not a number)."""
    value = all_settings(session)[key]
    return int(value) if value.isdigit() else int(DEFAULTS[key])


def all_settings(session: Session) -> dict[str, str]:
    """Every setting, defaults filled in."""
    stored = dict(session.exec(select(Setting.key, Setting.value)).all())
    return {**DEFAULTS, **stored}


def voucher_settings(session: Session) -> dict:
    """What a printed voucher needs: form codes, circular, how to say the amount in words."""
    values = all_settings(session)
    return {**values, "linh": values["words_linh"] or "linh",
            "even": values["words_even"] == "1"}
