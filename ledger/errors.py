"""One exception per business rule; the message is set here and shown at the edge.

Messages are Vietnamese msgids marked with ``_l`` for extraction; the edge translates them
(``ledger.i18n.error_message``), so this module and the services never import Flask.
"""
from __future__ import annotations


def _l(text: str) -> str:
    """Mark ``text`` for translation; it is translated where it is shown."""
    return text


class Phrase(str):
    """A message parameter that is itself a msgid (a field's label), translated with it."""


class LedgerError(Exception):
    """Base of every rule the ledger enforces; ``message`` is what the user reads."""

    status = 400

    def __init__(self, message=None, **params):
        self.params = params
        self.message = message if message is not None else self.default
        super().__init__(str(self))

    default = _l("Thao tác không hợp lệ.")

    def __str__(self) -> str:
        try:
            return str(self.message) % self.params if self.params else str(self.message)
        except (KeyError, TypeError, ValueError):
            return str(self.message)


class InvalidAmount(LedgerError):
    """An amount that is not a whole, positive number of đồng within the limit."""

    reasons = {
        "empty": _l("Chưa nhập số tiền."),
        "negative": _l("Số tiền không được âm."),
        "zero": _l("Số tiền phải lớn hơn 0."),
        "decimal": _l("Số tiền phải là số nguyên đồng (không có phần lẻ)."),
        "too_large": _l("Số tiền vượt quá 1.000.000.000.000 đ."),
        "not_a_number": _l("Số tiền chỉ gồm chữ số, ví dụ 10.000.000 hoặc 10.000.000 đ."),
    }

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(self.reasons[reason])


class InvalidDate(LedgerError):
    default = _l("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy.")


class UnitNotFound(LedgerError):
    status = 404
    default = _l("Không tìm thấy đơn vị “%(name)s”.")


class AmbiguousUnit(LedgerError):
    default = _l("Tên “%(name)s” khớp nhiều đơn vị; hãy dùng mã đơn vị.")


class UnitNotValid(LedgerError):
    default = _l("Đơn vị %(unit)s không còn hiệu lực vào ngày %(date)s.")


class CampaignNotFound(LedgerError):
    status = 404
    default = _l("Không tìm thấy đợt vận động.")


class DuplicateCampaign(LedgerError):
    default = _l("Đơn vị đã có đợt vận động mã “%(code)s”.")


class QuotaOutsideTree(LedgerError):
    default = _l("Đơn vị %(unit)s không trực thuộc đơn vị được giao chỉ tiêu.")


class NotFound(LedgerError):
    status = 404
    default = _l("Không tìm thấy bản ghi.")


class AlreadyVoided(LedgerError):
    default = _l("Chứng từ số %(number)s đã bị hủy trước đó.")


class ReasonRequired(LedgerError):
    default = _l("Phải ghi lý do.")


class PeriodLocked(LedgerError):
    default = _l("Sổ của %(unit)s đã khóa đến ngày %(date)s; không thể ghi hoặc hủy chứng từ trong kỳ đã khóa.")


class UnbalancedEntry(LedgerError):
    default = _l("Bút toán không cân: tổng các dòng phải bằng 0.")


class InsufficientFunds(LedgerError):
    default = _l("Quỹ không đủ số dư: còn %(balance)s, cần chi %(amount)s.")


class IdempotencyConflict(LedgerError):
    status = 409
    default = _l("Biểu mẫu này đã được gửi với nội dung khác; hãy mở lại biểu mẫu.")


class DuplicateUser(LedgerError):
    default = _l("Tên đăng nhập “%(username)s” đã tồn tại.")


class WeakPassword(LedgerError):
    default = _l("Mật khẩu phải có ít nhất 10 ký tự.")


class Forbidden(LedgerError):
    status = 403
    default = _l("Bạn không có quyền thực hiện thao tác này.")


class ImportRejected(LedgerError):
    default = _l("Tệp không được nhận: %(reason)s")


class DuplicateBeneficiary(LedgerError):
    default = _l("Trẻ này (cùng họ tên, ngày sinh, đơn vị) đã có trong danh sách.")


class InvalidTransition(LedgerError):
    default = _l("Không thể chuyển phiếu chi từ trạng thái “%(status)s” sang “%(target)s”.")


class NotAllowedToApprove(LedgerError):
    status = 403
    default = _l("Bạn không được duyệt phiếu chi này (người lập không tự duyệt; cần cán bộ duyệt cấp trên).")


class BeneficiaryOutsideFund(LedgerError):
    default = _l("Trẻ được hỗ trợ không thuộc đơn vị của quỹ chi.")


class TransferNotPending(LedgerError):
    default = _l("Khoản chuyển này đã được xác nhận hoặc đã hủy.")


class DifferenceNeedsReason(LedgerError):
    default = _l("Số tiền hoặc ngày nhận khác với khi chuyển: phải ghi lý do chênh lệch.")


class SameFundTransfer(LedgerError):
    default = _l("Chuyển trong cùng một quỹ chỉ dùng cho tiền mặt ↔ ngân hàng.")


# --- campaigns and report calendars (issue #12) ---

class CampaignDates(LedgerError):
    default = _l("Ngày kết thúc đợt vận động phải từ ngày bắt đầu trở đi.")


class CampaignCodeRequired(LedgerError):
    default = _l("Mã đợt vận động không được để trống (ví dụ 2026 hoặc 2026-THĐ).")


class AmbiguousCampaign(LedgerError):
    default = _l("Đơn vị có nhiều đợt vận động năm %(year)s: hãy ghi mã đợt (%(codes)s).")


class PeriodNotFound(LedgerError):
    status = 404
    default = _l("Không tìm thấy kỳ báo cáo “%(name)s”.")


class PeriodDates(LedgerError):
    default = _l("Hạn nộp báo cáo phải sau ngày chốt số liệu, và ngày chốt phải trong thời gian đợt vận động (%(start)s – %(end)s).")


class UnknownCalendarTemplate(LedgerError):
    default = _l("Không có mẫu lịch báo cáo “%(name)s”.")


class NothingToCopy(LedgerError):
    default = _l("Đơn vị chưa có đợt vận động năm %(year)s để sao chép.")
