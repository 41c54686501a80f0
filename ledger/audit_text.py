"""An audit event in words, in the user's language: what was done, to which document (its name
and number, never an internal id), by whom, when (Vietnam's time), and each changed field as
"Trường: cũ → mới" with money and dates formatted. The screen and the .xlsx show these rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext, lazy_pgettext

from .dates import format_date, format_local_datetime
from .i18n import account_label, current_language, format_percent, money, vocab_label
from .models import AuditEvent
from .services.audit_view import Names, values_of
from .services.categories import category_name
from .services.donors import ANONYMOUS_NAME
from .vocab import ACCOUNT_LABELS, DisbursementStatus, Method, Role, UnitType


def _a(text: str):
    """A label of the audit log: its own English (an action is an event here, "Lập phiếu thu"
    is "Receipt recorded" where the button says "New receipt")."""
    return lazy_pgettext("audit", text)


#: each action a service records, as an auditor reads it (the filter's choices, in this order)
ACTIONS = {
    "receipt.create": _a("Lập phiếu thu"),
    "receipt.void": _a("Hủy phiếu thu"),
    "receipt.correct": _a("Điều chỉnh phiếu thu"),
    "disbursement.draft": _a("Lập đề nghị chi"),
    "disbursement.edit": _a("Sửa đề nghị chi"),
    "disbursement.approved": _a("Duyệt chi"),
    "disbursement.rejected": _a("Từ chối chi"),
    "disbursement.pay": _a("Chi tiền"),
    "disbursement.void": _a("Hủy phiếu chi"),
    "disbursement.withdraw": _a("Rút đề nghị chi"),
    "transfer.send": _a("Chuyển tiền"),
    "transfer.receive": _a("Nhận tiền chuyển đến"),
    "period.lock": _a("Khóa sổ"),
    "period.unlock": _a("Mở khóa sổ"),
    "period.set": _a("Đặt kỳ báo cáo"),
    "period.delete": _a("Xóa kỳ báo cáo"),
    "campaign.create": _a("Tạo đợt vận động"),
    "campaign.update": _a("Sửa đợt vận động"),
    "quota.set": _a("Giao chỉ tiêu"),
    "beneficiary.create": _a("Thêm hồ sơ trẻ em"),
    "beneficiary.unmask": _a("Xem tên đầy đủ của trẻ"),
    "workbook.unmasked": _a("Tải bảng đối chiếu có tên trẻ"),
    "unit.create": _a("Thêm đơn vị"),
    "unit.update": _a("Sửa đơn vị"),
    "unit.reorganise": _a("Sắp xếp lại đơn vị"),
    "user.create": _a("Tạo người dùng"),
    "user.update": _a("Sửa người dùng"),
    "user.move": _a("Chuyển người dùng sang đơn vị mới"),
    "user.locked_out": _a("Khóa đăng nhập do sai mật khẩu nhiều lần"),
    "user.mail_settings": _a("Đổi cài đặt e-mail"),
    "api_token.issue": _a("Cấp khóa truy cập API"),
    "api_token.revoke": _a("Thu hồi khóa truy cập API"),
    "api_token.revoke_all": _a("Thu hồi mọi khóa truy cập API"),
    "category.create": _a("Thêm khoản chi"),
    "settings.update": _a("Sửa thiết lập"),
    "voucher_regime.create": _a("Thêm mẫu chứng từ"),
    "seal.migrate": _a("Niêm phong dữ liệu cũ (nâng cấp)"),
    "bank_reconciliation.save": _a("Lưu bảng đối chiếu tiền gửi"),
    "bank_reconciliation.delete": _a("Hủy bảng đối chiếu tiền gửi"),
}

#: the fields events carry, as a form would label them
FIELDS = {
    "amount": _a("Số tiền"),
    "number": _a("Số phiếu"),
    "payer": _a("Người nộp"),
    "reason": _a("Lý do"),
    "status": _a("Trạng thái"),
    "comment": _a("Ý kiến"),
    "method": _a("Hình thức"),
    "date": _a("Ngày"),
    "on": _a("Ngày ghi"),
    "entry": _a("Bút toán"),
    "to": _a("Đơn vị nhận"),
    "sent": _a("Số tiền đã chuyển"),
    "locked_through": _a("Khóa sổ đến ngày"),
    "role": _a("Vai trò"),
    "unit_id": _a("Đơn vị"),
    "unit": _a("Đơn vị"),
    "active": _a("Đang hoạt động"),
    "can_unmask": _a("Được xem tên đầy đủ của trẻ"),
    "password_changed": _a("Đổi mật khẩu"),
    "username": _a("Tên đăng nhập"),
    "email": _a("Địa chỉ e-mail"),
    "language": _a("Ngôn ngữ"),
    "weekly_summary": _a("Nhận tóm tắt hằng tuần"),
    "user_id": _a("Người dùng"),
    "expires_at": _a("Hết hạn"),
    "count": _a("Số lượng"),
    "code": _a("Mã"),
    "name": _a("Tên"),
    "year": _a("Năm"),
    "target": _a("Chỉ tiêu"),
    "starts_on": _a("Từ ngày"),
    "ends_on": _a("Đến ngày"),
    "campaign": _a("Đợt vận động"),
    "cutoff": _a("Số liệu đến ngày"),
    "due": _a("Hạn nộp"),
    "unit_type": _a("Loại đơn vị"),
    "parent_id": _a("Đơn vị cấp trên"),
    "valid_from": _a("Hiệu lực từ"),
    "valid_to": _a("Hiệu lực đến"),
    "gso_code": _a("Mã hành chính"),
    "printed_name": _a("Tên in trong phụ lục"),
    "level": _a("Cấp"),
    "basis": _a("Căn cứ"),
    "balances": _a("Số dư chuyển đi"),
    "successors": _a("Đơn vị kế thừa (tỷ lệ)"),
    "receipt_form_code": _a("Mẫu phiếu thu"),
    "disbursement_form_code": _a("Mẫu phiếu chi"),
    "circular": _a("Thông tư"),
    "words_linh": _a("Cách đọc số (linh/lẻ)"),
    "words_even": _a("Thêm chữ “chẵn”"),
    "management_cap_percent": _a("Trần chi phí quản lý (%)"),
    "approval_same_level_max": _a("Cùng cấp được duyệt đến"),
    "transfer_difference_max": _a("Chênh lệch chuyển tiền tối đa"),
}
MONEY_KEYS = frozenset(
    {"amount", "sent", "target", "approval_same_level_max", "transfer_difference_max"}
)
VOCABULARY_OF = {
    "role": Role,
    "method": Method,
    "status": DisbursementStatus,
    "unit_type": UnitType,
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class EventRow:
    """One event as the auditor reads it, on screen and in the workbook."""

    at: str
    user: str
    unit: str
    action: str
    subject: str
    changes: tuple[str, ...]
    #: the page of the document, when it has one: ``(endpoint, arguments)`` for ``url_for``
    link: tuple[str, dict] | None = None


def action_label(action: str) -> str:
    """An action code in words (an unknown code is shown as it is)."""
    found = ACTIONS.get(action)
    return str(found) if found is not None else action


def describe(event: AuditEvent, names: Names) -> EventRow:
    """The event in the user's language."""
    return EventRow(
        at=format_local_datetime(event.at),
        user=user_name(names, event.user_id) if event.user_id else gettext("Hệ thống"),
        unit=unit_name(names, event.unit_id) if event.unit_id else "",
        action=action_label(event.action),
        subject=subject(event, names),
        changes=tuple(changes(event, names)),
        link=_link(event, names),
    )


#: the pages of documents an event may be about
PAGES = {
    "receipt": ("receipts.show", "receipt_id"),
    "disbursement": ("disbursements.show", "disbursement_id"),
    "beneficiary": ("beneficiaries.show", "beneficiary_id"),
}


def _link(event: AuditEvent, names: Names) -> tuple[str, dict] | None:
    page = PAGES.get(event.object_type)
    if page is None or names.of(event.object_type, event.object_id) is None:
        return None
    return page[0], {page[1]: event.object_id}


def user_name(names: Names, user_id: Any) -> str:
    user = names.users.get(user_id) if isinstance(user_id, int) else None
    if user is None:
        return gettext("Người dùng đã xóa")
    return f"{user.full_name} ({user.username})" if user.full_name else user.username


def unit_name(names: Names, unit_id: Any) -> str:
    unit = names.units.get(unit_id) if isinstance(unit_id, int) else None
    return unit.name if unit is not None else gettext("Đơn vị đã xóa")


def subject(event: AuditEvent, names: Names) -> str:
    """The document or record the event is about, by its name and number."""
    kind, found = event.object_type, names.of(event.object_type, event.object_id)
    if kind == "unit" or kind == "periodlock":
        text = unit_name(names, event.object_id)
        return gettext("Sổ của %(unit)s", unit=text) if kind == "periodlock" else text
    if kind == "user":
        return user_name(names, event.object_id)
    if kind == "setting":
        return gettext("Thiết lập chung")
    if found is None:
        return gettext("(đã xóa)") if kind else ""
    return _DOCUMENT.get(kind, lambda f, n: "")(found, names)


def _disbursement(found: dict, names: Names) -> str:
    if found["number"] is None:
        return gettext("Đề nghị chi cho %(payee)s (chưa có số)", payee=found["payee"])
    return gettext("Phiếu chi %(number)s/%(year)s", number=found["number"], year=found["year"])


_DOCUMENT = {
    "receipt": lambda f, n: gettext(
        "Phiếu thu %(number)s/%(year)s", number=f["number"], year=f["year"]
    ),
    "disbursement": _disbursement,
    "transfer": lambda f, n: gettext(
        "Chuyển tiền từ %(source)s đến %(target)s ngày %(day)s",
        source=unit_name(n, f["from"]),
        target=unit_name(n, f["to"]),
        day=format_date(f["on"]),
    ),
    "campaign": lambda f, n: f["name"] or f["code"],
    "quota": lambda f, n: gettext("Chỉ tiêu của %(unit)s", unit=unit_name(n, f["unit"])),
    "report_period": lambda f, n: gettext("Kỳ báo cáo “%(name)s”", name=f["name"]),
    "category": lambda f, n: category_name(f["category"], current_language()),
    "beneficiary": lambda f, n: gettext("Hồ sơ trẻ %(name)s", name=f["name"]),
    "api_token": lambda f, n: gettext("Khóa API của %(user)s", user=user_name(n, f["user"])),
    "voucher_regime": lambda f, n: gettext(
        "Mẫu chứng từ từ ngày %(day)s", day=format_date(f["valid_from"])
    ),
}


def changes(event: AuditEvent, names: Names) -> list[str]:
    """ "Trường: cũ → mới" per field the event changed, "Trường: giá trị" per field it set."""
    before, after = values_of(event.before), values_of(event.after)
    if not before and not after:  # written in bulk (a receipt): what the document says
        after = dict((names.of(event.object_type, event.object_id) or {}).get("content", {}))
    if names.private(event):
        before, after = _unnamed(event, before), _unnamed(event, after)
    lines = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = before.get(key), after.get(key)
        label = str(FIELDS.get(key, key)) if key else gettext("Ghi chú")
        if key in before and key in after:
            if old == new:
                continue
            lines.append(f"{label}: {show(key, old, names)} → {show(key, new, names)}")
        elif key in after:
            lines.append(f"{label}: {show(key, new, names)}")
        else:
            lines.append(f"{label}: {show(key, old, names)} → {gettext('(bỏ)')}")
    return lines


#: what may say who a child or an anonymous donor is: hidden on such a document's events
PERSONAL_KEYS = frozenset({"file_name", "payer", "phone", "email", "address", "note"})


def _unnamed(event: AuditEvent, values: dict[str, Any]) -> dict[str, Any]:
    """The values without what may name a child or an anonymous donor (an evidence file's name,
    a donor's name and contact details, why a file was removed); a file's type, size and sha256
    still identify it."""
    hidden = PERSONAL_KEYS | ({"reason"} if event.action.startswith("evidence.") else set())
    shown = {
        k: (gettext("(ẩn)") if k in hidden and v not in (None, "") else v)
        for k, v in values.items()
    }
    if "payer" in values:  # as every list above the fund calls the donor
        shown["payer"] = ANONYMOUS_NAME
    return shown


def show(key: str, value: Any, names: Names) -> str:
    """One stored value as the auditor reads it."""
    if value is None or value == "":
        return gettext("(trống)")
    if isinstance(value, bool):
        return gettext("Có") if value else gettext("Không")
    if key in ("unit_id", "parent_id", "to"):
        return unit_name(names, value)
    if key == "user_id":
        return user_name(names, value)
    if key == "unit" and isinstance(value, str):
        unit = names.units_by_code.get(value)
        return unit.name if unit is not None else value
    if key in MONEY_KEYS and _whole(value) is not None:
        return money(_whole(value))
    if key in VOCABULARY_OF:
        return _vocabulary(value, VOCABULARY_OF[key])
    if key == "reason" and value == "reorganisation":
        return gettext("Sắp xếp lại đơn vị")
    if key == "balances" and isinstance(value, dict):
        return "; ".join(
            f"{account_label(k) if k in ACCOUNT_LABELS else _vocabulary(k, Method)}: {show('amount', v, names)}"
            for k, v in value.items()
        )
    if key == "successors" and isinstance(value, dict):
        return "; ".join(f"{show('unit', k, names)} {_share(v)}" for k, v in value.items())
    if isinstance(value, dict):
        return "; ".join(f"{k}: {show(key, v, names)}" for k, v in value.items())
    return _dated(value)


def _share(basis_points: Any) -> str:
    """A successor's share stored in basis points (10000 = 100 %)."""
    if not isinstance(basis_points, int):
        return str(basis_points)
    return format_percent(basis_points / 100)


def _whole(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _vocabulary(value: Any, vocabulary) -> str:
    try:
        return vocab_label(value, vocabulary)
    except (KeyError, ValueError):
        return str(value)


def _dated(value: Any) -> str:
    """ISO dates and times as dd/mm/yyyy (a time in Vietnam's time); other text unchanged."""
    text = str(value)
    if _ISO_DATE.match(text):
        return format_date(date.fromisoformat(text))
    if _ISO_TIME.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        return format_local_datetime(moment.replace(tzinfo=None))
    return text


# part: cashcount — cash counts (kiểm kê quỹ) in the audit log
ACTIONS.update(
    {
        "cash_count.record": _a("Kiểm kê quỹ tiền mặt"),
        "cash_count.approve": _a("Duyệt chênh lệch kiểm kê quỹ"),
        "cash_count.reject": _a("Từ chối bảng kiểm kê quỹ"),
    }
)
FIELDS.update(
    {
        "count_date": _a("Ngày kiểm kê"),
        "counted": _a("Kiểm kê thực tế"),
        "book_balance": _a("Theo sổ quỹ"),
        "difference": _a("Chênh lệch"),
        "denominations": _a("Số lượng theo mệnh giá"),
        "entry_id": _a("Bút toán"),
    }
)
MONEY_KEYS = MONEY_KEYS | {"counted", "book_balance", "difference"}
_DOCUMENT["cash_count"] = lambda f, n: gettext(
    "Kiểm kê quỹ ngày %(day)s của %(unit)s",
    day=format_date(f["date"]),
    unit=unit_name(n, f["unit"]),
)


# part: norms — mobilisation norms (định mức vận động) in the audit log
ACTIONS.update(
    {
        "norms.set": _a("Đặt định mức vận động"),
        "norms.counts": _a("Cập nhật số người theo định mức"),
    }
)
ACTIONS.update(
    {
        "donor.update": _a("Sửa thông tin nhà hảo tâm"),
        "donor.merge": _a("Gộp nhà hảo tâm trùng"),
    }
)
FIELDS.update(
    {
        "kind": _a("Loại nhà hảo tâm"),
        "phone": _a("Điện thoại"),
        "email": _a("Thư điện tử"),
        "address": _a("Địa chỉ"),
        "anonymous": _a("Ẩn danh"),
        "public_consent": _a("Đồng ý công khai tên"),
        "note": _a("Ghi chú"),
        "survivor": _a("Gộp vào"),
    }
)
# part: batches — receipt batches (nhập theo lô) in the audit log
ACTIONS.update({"receipt_batch.create": _a("Nhập phiếu thu theo lô")})
# part: pledges — cam kết ủng hộ in the audit log
ACTIONS.update(
    {
        "pledge.create": _a("Ghi cam kết ủng hộ"),
        "pledge.settle": _a("Ghi nhận phiếu thu thực hiện cam kết"),
        "pledge.cancel": _a("Hủy cam kết ủng hộ"),
    }
)
# part: evidence — evidence files (chứng từ gốc) attached to documents, in the audit log
ACTIONS.update(
    {
        "evidence.attach": _a("Đính kèm chứng từ gốc"),
        "evidence.remove": _a("Gỡ tệp chứng từ gốc"),
    }
)
FIELDS.update(
    {
        "file_name": _a("Tên tệp"),
        "sha256": _a("Mã băm SHA-256"),
        "size": _a("Dung lượng (byte)"),
        "media_type": _a("Loại tệp"),
        "attachment": _a("Mã tệp đính kèm"),
    }
)
