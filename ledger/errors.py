"""One exception per business rule; the message is set here and shown at the edge.

Messages are Vietnamese msgids marked with ``_l`` for extraction; the edge translates them
(``ledger.i18n.error_message``), so this module and the services never import Flask.
"""

from __future__ import annotations

from typing import ClassVar


def _l(text: str) -> str:
    """Mark ``text`` for translation; it is translated where it is shown."""
    return text


class Phrase(str):
    """A message parameter that is itself a msgid (a field's label), translated with it."""


class LedgerError(Exception):
    """Base of every rule the ledger enforces; ``message`` is what the user reads."""

    status = 400

    def __init__(self, message: str | None = None, **params: object) -> None:
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

    reasons: ClassVar[dict[str, str]] = {
        "empty": _l("Chưa nhập số tiền."),
        "negative": _l("Số tiền không được âm."),
        "zero": _l("Số tiền phải lớn hơn 0."),
        "decimal": _l("Số tiền phải là số nguyên đồng (không có phần lẻ)."),
        "too_large": _l("Số tiền vượt quá 1.000.000.000.000 đ."),
        "not_a_number": _l("Số tiền chỉ gồm chữ số, ví dụ 10.000.000 hoặc 10.000.000 đ."),
    }

    def __init__(self, reason: str) -> None:
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
    default = _l(
        "Sổ của %(unit)s đã khóa đến ngày %(date)s; không thể ghi hoặc hủy chứng từ trong kỳ đã khóa."
    )


class UnbalancedEntry(LedgerError):
    default = _l("Bút toán không cân: tổng các dòng phải bằng 0.")


class InsufficientFunds(LedgerError):
    """The account a payment leaves is short; with ``account`` the message names it, the fund
    and what the other account still holds (the fund as a whole may not be short at all)."""

    default = _l("Quỹ không đủ số dư: còn %(balance)s, cần chi %(amount)s.")
    #: by the account that is short, and whether approved-but-unpaid payouts already hold part
    by_account: ClassVar[dict[tuple[str, bool], str]] = {
        ("cash", False): _l(
            "Tiền mặt của quỹ %(fund)s chỉ còn %(balance)s, cần chi %(amount)s; "
            "tiền gửi ngân hàng còn %(other)s có thể chi."
        ),
        ("bank", False): _l(
            "Tiền gửi ngân hàng của quỹ %(fund)s chỉ còn %(balance)s, cần chi %(amount)s; "
            "tiền mặt còn %(other)s có thể chi."
        ),
        ("cash", True): _l(
            "Tiền mặt của quỹ %(fund)s còn %(held)s nhưng %(committed)s đã duyệt chưa chi, nên "
            "chỉ còn %(balance)s có thể chi, cần chi %(amount)s; tiền gửi ngân hàng còn "
            "%(other)s có thể chi."
        ),
        ("bank", True): _l(
            "Tiền gửi ngân hàng của quỹ %(fund)s còn %(held)s nhưng %(committed)s đã duyệt chưa "
            "chi, nên chỉ còn %(balance)s có thể chi, cần chi %(amount)s; tiền mặt còn %(other)s "
            "có thể chi."
        ),
    }

    def __init__(
        self,
        *,
        balance: int,
        amount: int,
        account: str = "",
        fund: str = "",
        other: int = 0,
        committed: int = 0,
        held: int = 0,
    ) -> None:
        self.account, self.other = account, other
        message = self.by_account.get((account, committed > 0))
        if message is None:
            super().__init__(balance=balance, amount=amount)
            return
        super().__init__(
            message,
            fund=fund,
            balance=balance,
            amount=amount,
            other=other,
            held=held,
            committed=committed,
        )


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


class InvalidTokenLifetime(LedgerError):
    default = _l("Thời hạn của khóa API phải từ 1 đến %(days)s ngày.")


class ImportRejected(LedgerError):
    default = _l("Tệp không được nhận: %(reason)s")


class ImportBusy(LedgerError):
    status = 429
    default = _l("Máy chủ đang kiểm tra một tệp khác; hãy thử lại sau ít phút.")


class DuplicateBeneficiary(LedgerError):
    default = _l("Trẻ này (cùng họ tên, ngày sinh, đơn vị) đã có trong danh sách.")


class InvalidTransition(LedgerError):
    default = _l("Không thể chuyển phiếu chi từ trạng thái “%(status)s” sang “%(target)s”.")


class NotAllowedToApprove(LedgerError):
    status = 403
    default = _l(
        "Bạn không được duyệt phiếu chi này (người lập không tự duyệt; cần cán bộ duyệt cấp trên)."
    )


class BeneficiaryOutsideFund(LedgerError):
    default = _l("Trẻ được hỗ trợ không thuộc đơn vị của quỹ chi.")


class TransferNotPending(LedgerError):
    default = _l("Khoản chuyển này đã được xác nhận hoặc đã hủy.")


class DifferenceNeedsReason(LedgerError):
    default = _l("Số tiền hoặc ngày nhận khác với khi chuyển: phải ghi lý do chênh lệch.")


class SameFundTransfer(LedgerError):
    default = _l("Chuyển trong cùng một quỹ chỉ dùng cho tiền mặt ↔ ngân hàng.")


class BalanceWouldGoNegative(LedgerError):
    default = _l(
        "Không ghi được: số dư %(account)s của quỹ sẽ âm (%(balance)s) vào ngày %(date)s. "
        "Sổ quỹ không được có ngày nào tồn quỹ âm."
    )


class VoidWouldOverdraw(LedgerError):
    default = _l(
        "Không hủy được chứng từ số %(number)s: số tiền này đã được chi hoặc chuyển đi, "
        "hủy sẽ làm số dư %(account)s âm vào ngày %(date)s. Hãy hủy phiếu chi (hoặc "
        "khoản chuyển) đã dùng số tiền này trước, hoặc lập bút toán điều chỉnh."
    )


class VoidInLockedPeriod(PeriodLocked):
    default = _l(
        "Chứng từ số %(number)s ngày %(date)s thuộc kỳ đã khóa sổ (đến ngày %(locked)s) "
        "nên không hủy được. Hãy lập bút toán điều chỉnh ghi ngày trong kỳ đang mở, "
        "ghi rõ chứng từ gốc."
    )


class DateNotPlausible(LedgerError):
    default = _l("Ngày %(date)s không hợp lệ: ngày chứng từ phải từ %(earliest)s đến %(latest)s.")


class OutsideCampaign(LedgerError):
    default = _l("Ngày %(date)s nằm ngoài thời gian của %(campaign)s (%(start)s – %(end)s).")


class DateBeforeOriginal(LedgerError):
    default = _l("Ngày %(date)s trước ngày của chứng từ gốc (%(original)s).")


class ReceivedMoreThanSent(LedgerError):
    default = _l(
        "Số tiền nhận (%(received)s) lớn hơn số tiền đã chuyển (%(sent)s): "
        "bên nhận chỉ xác nhận tối đa số đã chuyển."
    )


class DifferenceNeedsReviewer(LedgerError):
    status = 403
    default = _l(
        "Số tiền nhận thiếu %(difference)s so với số đã chuyển, vượt mức %(limit)s: "
        "cần cán bộ duyệt (hoặc quản trị) cấp trên xác nhận khoản nhận này."
    )


class AlreadyCorrected(LedgerError):
    default = _l("Chứng từ số %(number)s đã được điều chỉnh hoặc hủy trước đó.")


class CorrectionNotNeeded(LedgerError):
    default = _l(
        "Chứng từ số %(number)s thuộc kỳ đang mở: hãy hủy chứng từ (việc hủy tính từ "
        "chính ngày của chứng từ); bút toán điều chỉnh chỉ dùng cho kỳ đã khóa sổ."
    )


class NotTheDrafter(LedgerError):
    status = 403
    default = _l("Chỉ người lập phiếu chi mới được sửa hoặc rút phiếu.")


# units, reorganisations and voucher regimes (issue 12)


class DuplicateUnit(LedgerError):
    default = _l("Đã có đơn vị mã “%(code)s”.")


class DuplicateOfficialCode(LedgerError):
    default = _l("Mã hành chính “%(code)s” đã dùng cho đơn vị khác.")


class InvalidUnitField(LedgerError):
    default = _l("“%(field)s”: %(rule)s")


class UnitCycle(LedgerError):
    default = _l("Không thể đặt “%(unit)s” trực thuộc chính nó hoặc một đơn vị dưới nó.")


class UnitHasOpenChildren(LedgerError):
    default = _l("Đơn vị “%(unit)s” còn đơn vị trực thuộc hoạt động sau ngày %(date)s.")


class UnitHasLaterEntries(LedgerError):
    default = _l("Quỹ “%(unit)s” có chứng từ sau ngày %(date)s; không thể kết thúc hiệu lực.")


class UnitImportRejected(LedgerError):
    default = _l("Tệp có %(count)s lỗi; không dòng nào được ghi.")


class MoneyInTransit(LedgerError):
    default = _l(
        "Quỹ “%(unit)s” còn khoản chuyển số %(transfer)s (%(amount)s) đang chuyển; "
        "hãy xác nhận nhận tiền hoặc hủy trước khi sắp xếp."
    )


class SuccessorNotValid(LedgerError):
    default = _l("Đơn vị mới “%(unit)s” chưa có hiệu lực vào ngày %(date)s.")


class AlreadyReorganised(LedgerError):
    default = _l("Đơn vị “%(unit)s” đã được sắp xếp khác từ ngày %(date)s.")


class DuplicateRegime(LedgerError):
    default = _l("Đã có chế độ chứng từ áp dụng từ ngày %(date)s.")


class InvalidRegime(LedgerError):
    default = _l("Mẫu số và văn bản ban hành phải có từ 1 đến %(limit)s ký tự.")


class UnitHoldsMoney(LedgerError):
    default = _l(
        "Quỹ “%(unit)s” còn %(amount)s; hãy sắp xếp đơn vị (số dư chuyển sang đơn vị "
        "mới) hoặc chuyển quỹ trước khi kết thúc hiệu lực."
    )


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
    default = _l(
        "Hạn nộp báo cáo phải sau ngày chốt số liệu, và ngày chốt phải trong thời gian đợt vận động (%(start)s – %(end)s)."
    )


class UnknownCalendarTemplate(LedgerError):
    default = _l("Không có mẫu lịch báo cáo “%(name)s”.")


class NothingToCopy(LedgerError):
    default = _l("Đơn vị chưa có đợt vận động năm %(year)s để sao chép.")


# --- the command line, imports and settings (issue #13: no bare LedgerError) ---


class UserNotFound(LedgerError):
    status = 404
    default = _l("Không có người dùng %(username)s.")


class NoAnchorsInFile(LedgerError):
    # the command line's own words (it prints them untranslated, as before)
    default = "No anchors (CODE E<seq>:<hash> A<seq>:<hash>) found in %(path)s."


class UnknownSetting(LedgerError):
    """A setting that is not one an admin may change (the form never sends one)."""

    default = _l("Thao tác không hợp lệ.")


class ImportHasErrors(LedgerError):
    default = _l("Tệp còn dòng lỗi; không dòng nào được ghi.")


# --- background jobs (issue #14) ---


class JobAlreadyRunning(LedgerError):
    """A user has at most one queued or running job at a time."""

    status = 409
    default = _l(
        "Bạn đang có một công việc nền chưa xong: %(kind)s “%(title)s” (%(status)s, bắt đầu "
        "%(created)s). Hãy chờ nó xong hoặc hủy nó rồi bắt đầu việc mới."
    )


class JobInterrupted(LedgerError):
    """The job's runner stopped mid-way (killed, server restarted) too many times."""

    default = _l(
        "Công việc bị gián đoạn %(attempts)s lần (máy chủ khởi động lại hoặc tiến trình bị "
        "dừng) nên đã dừng hẳn; hãy bắt đầu lại."
    )


class JobTookTooLong(LedgerError):
    default = _l(
        "Công việc chạy quá %(minutes)s phút nên đã bị dừng; hãy thử lại với phạm vi nhỏ hơn."
    )


class ImportFileGone(LedgerError):
    """The previewed file an import job was to record is no longer on the server."""

    default = _l("Tệp đã hết hạn; hãy tải lên lại.")


class JobCrashed(LedgerError):
    """An unexpected error inside a job: the details are in the server's log, not shown."""

    default = _l("Lỗi hệ thống khi chạy công việc; chi tiết đã được ghi vào nhật ký máy chủ.")


# part: cashcount — cash counts (kiểm kê quỹ tiền mặt)


class InvalidCashQuantity(LedgerError):
    """A denomination's row of a cash count whose quantity is not a whole number ≥ 0."""

    reasons: ClassVar[dict[str, str]] = {
        "not_a_number": _l("Dòng “%(row)s”: số lượng chỉ gồm chữ số, ví dụ 12."),
        "negative": _l("Dòng “%(row)s”: số lượng không được âm."),
        "decimal": _l("Dòng “%(row)s”: số lượng phải là số nguyên (tờ, xu)."),
        "too_large": _l("Dòng “%(row)s”: số lượng quá lớn (tối đa %(limit)s)."),
    }

    def __init__(self, reason: str, *, row: str, limit: str = "") -> None:
        self.reason = reason
        super().__init__(self.reasons[reason], row=row, limit=limit)


class UnknownDenomination(LedgerError):
    default = _l("Dòng “%(row)s”: không phải mệnh giá tiền Việt Nam đang lưu hành.")


class EmptyCashCount(LedgerError):
    default = _l("Chưa nhập số lượng tờ (xu) của mệnh giá nào; quỹ trống thì nhập 0.")


class CountNeedsReason(LedgerError):
    default = _l("Kiểm kê %(side)s %(amount)s so với sổ quỹ: phải ghi lý do thừa/thiếu quỹ.")


class CountInFuture(LedgerError):
    default = _l("Ngày kiểm kê %(date)s ở sau hôm nay; chỉ kiểm kê số tiền đang có.")


class CashCountedThrough(LedgerError):
    """A cash posting dated on or before the fund's latest settled count (it would break it)."""

    default = _l(
        "Quỹ tiền mặt đã kiểm kê ngày %(date)s; không ghi được nghiệp vụ tiền mặt trước hoặc "
        "trong ngày đó."
    )


class CountNotPending(LedgerError):
    default = _l("Bảng kiểm kê quỹ này không còn chờ duyệt (trạng thái: %(status)s).")


class NotAllowedToApproveCount(LedgerError):
    status = 403
    default = _l(
        "Bạn không được duyệt bảng kiểm kê quỹ này (người kiểm kê không tự duyệt; cần cán bộ "
        "duyệt cấp trên)."
    )


class CountOutdated(LedgerError):
    default = _l(
        "Sổ quỹ tiền mặt đến hết ngày %(date)s đã thay đổi từ khi kiểm kê (%(then)s → %(now)s); "
        "hãy từ chối bảng này và kiểm kê lại."
    )


class BankReconciledThrough(LedgerError):
    """A bank posting dated inside a period the fund's bank accounts have reconciled."""

    default = _l(
        "Tài khoản ngân hàng của quỹ đã lập bảng đối chiếu số dư đến hết ngày %(date)s; không ghi "
        "được nghiệp vụ tiền gửi trước hoặc trong ngày đó (ghi vào ngày sau, hoặc rút bảng đối "
        "chiếu mới nhất rồi lập lại)."
    )


class TooManyLookups(LedgerError):
    """Gift look-ups on a fund's public page are slowed down against enumeration."""

    status = 429
    default = _l("Bạn đã tra cứu quá nhiều lần. Thử lại sau %(minutes)s phút.")


class DonorMergeIntoSelf(LedgerError):
    default = _l("Không thể gộp nhà hảo tâm vào chính nó.")


class DonorMergeIntoDuplicate(LedgerError):
    default = _l("Không thể gộp nhà hảo tâm vào một bản trùng đã gộp vào chính nó.")


class DonorAlreadyMerged(LedgerError):
    default = _l("Nhà hảo tâm này đã được gộp vào người khác.")


class DonorOutOfScope(LedgerError):
    status = 404
    default = _l("Không tìm thấy nhà hảo tâm.")


class AnonymousAndPublic(LedgerError):
    default = _l("Nhà hảo tâm ẩn danh không thể đồng thời đồng ý công khai tên.")


class PossibleDuplicateDonor(LedgerError):
    default = _l("Đã có nhà hảo tâm trùng tên hoặc số điện thoại: %(names)s.")


# --- receipt batches (issue #17) ---


class BatchRefused(LedgerError):
    """A batch whose rows or control totals do not agree: nothing is stored; ``problems``
    holds every reason (each a rule below), shown together on the grid."""

    default = _l("Lô phiếu thu chưa được ghi; hãy sửa các điểm dưới đây.")

    def __init__(self, problems: list[LedgerError]) -> None:
        super().__init__()
        self.problems = problems


class BatchRowInvalid(LedgerError):
    """One row of a batch's grid cannot be a receipt (``problem`` is a Phrase)."""

    default = _l("Dòng %(row)s: %(problem)s")


class BatchCountMismatch(LedgerError):
    default = _l("Có %(count)s phiếu, dự kiến %(expected)s.")


class BatchTotalMismatch(LedgerError):
    default = _l(
        "Tổng các phiếu là %(total)s, chênh %(difference)s so với tổng dự kiến %(expected)s."
    )


class BatchEmpty(LedgerError):
    default = _l("Lô chưa có phiếu nào: nhập tên người nộp và số tiền ở các dòng.")


class BatchTooLarge(LedgerError):
    default = _l("Một lô có tối đa %(limit)s phiếu; hãy chia thành nhiều lô.")


class InvalidQuantity(LedgerError):
    """A quantity of goods that is not a positive number with at most three decimals."""

    default = _l(
        "Số lượng “%(value)s” không hợp lệ: nhập số dương, tối đa 3 chữ số thập phân sau dấu "
        "phẩy (ví dụ 10 hoặc 2,5)."
    )


class InKindDetailsMissing(LedgerError):
    """An in-kind document without its goods, unit of measure, quantity or unit value."""

    default = _l(
        "Hiện vật cần đủ tên hiện vật, đơn vị tính, số lượng và đơn giá ước tính (thiếu: "
        "%(field)s)."
    )


class InKindValueNotWhole(LedgerError):
    """Quantity × unit value that is not a whole number of đồng."""

    default = _l(
        "Số lượng %(quantity)s × đơn giá %(unit_value)s không ra số nguyên đồng; hãy sửa số "
        "lượng hoặc đơn giá."
    )


class InKindAmountMismatch(LedgerError):
    """An in-kind receipt whose amount is not its quantity × unit value."""

    default = _l(
        "Giá trị hiện vật phải bằng số lượng × đơn giá = %(value)s, không phải %(amount)s."
    )


class GoodsNotOnHand(LedgerError):
    """Handing out more of a goods item (or more value in kind) than the fund holds."""

    default = _l(
        "Quỹ %(fund)s chỉ còn %(on_hand)s %(unit)s “%(goods)s” (đã trừ phiếu chi đã duyệt chưa "
        "xuất), không xuất được %(quantity)s %(unit)s."
    )


class GoodsUnitValueOffBook(LedgerError):
    """Goods handed out at a unit value other than the goods book's (what is on hand ÷ how much
    is on hand), or the last of an item handed out for other than the value it has left."""

    default = _l(
        "Đơn giá xuất “%(goods)s” phải theo sổ hàng hiện vật: còn %(on_hand)s %(unit)s trị giá "
        "%(value)s, tức %(expected)s/%(unit)s; không xuất theo đơn giá %(unit_value)s được."
    )


class GoodsAlreadyHandedOut(LedgerError):
    """Voiding an in-kind gift whose goods were partly handed out."""

    default = _l(
        "Không hủy được phiếu thu số %(number)s: “%(goods)s” chỉ còn %(left)s %(unit)s chưa xuất "
        "(phần còn lại đã chi hoặc đã duyệt chi); hãy hủy phiếu chi hiện vật trước."
    )


class InKindValueShort(LedgerError):
    """Handing out goods worth more than the fund's in-kind account holds."""

    default = _l(
        "Hiện vật của quỹ %(fund)s chỉ còn giá trị %(balance)s, không xuất được %(amount)s."
    )


class LetterForAnonymousDonor(LedgerError):
    """A named letter for a donor who gave anonymously, asked outside the recording fund."""

    status = 403
    default = _l(
        "Nhà hảo tâm ẩn danh: chỉ cán bộ của quỹ đã nhận (%(fund)s) mới lập được thư cảm ơn hoặc "
        "giấy chứng nhận có ghi tên."
    )


class LetterForVoidedGift(LedgerError):
    """A thank-you letter or certificate for a voided receipt."""

    default = _l(
        "Phiếu thu số %(number)s đã hủy: không lập thư cảm ơn hoặc giấy chứng nhận cho khoản này."
    )


class NoGiftsInYear(LedgerError):
    """A donor's yearly thank-you letter for a year without a gift (in the viewer's scope)."""

    status = 404
    default = _l("Nhà hảo tâm %(donor)s không có khoản ủng hộ nào (chưa hủy) trong năm %(year)s.")


class InvalidChildrenTarget(LedgerError):
    """A target of children helped that is not a whole number above zero."""

    default = _l(
        "Chỉ tiêu số trẻ em của khoản “%(category)s” phải là số nguyên lớn hơn 0 "
        "(đã nhập “%(value)s”); để trống nếu không đặt chỉ tiêu."
    )


class PledgeDueBeforePledged(LedgerError):
    default = _l("Hạn thực hiện cam kết không được trước ngày cam kết.")


class PledgeCancelled(LedgerError):
    default = _l("Cam kết ủng hộ này đã hủy; không ghi nhận thực hiện được.")


class PledgeOverSettled(LedgerError):
    """A settlement that would take a pledge past its amount."""

    default = _l("Cam kết chỉ còn %(outstanding)s chưa thực hiện; không ghi nhận %(amount)s được.")


class ReceiptOverAllocated(LedgerError):
    """A receipt asked to settle more pledges than its amount covers."""

    default = _l(
        "Phiếu thu số %(number)s chỉ còn %(left)s chưa dùng để thực hiện cam kết; "
        "không ghi nhận %(amount)s được."
    )


class ReceiptOutsideCampaign(LedgerError):
    """A receipt dated outside the pledge's campaign offered to settle it (the workbook counts
    a campaign's settlements only from receipts dated in the campaign)."""

    default = _l(
        "Phiếu thu số %(number)s ngày %(date)s nằm ngoài đợt vận động “%(campaign)s” của cam kết "
        "(từ %(starts)s đến %(ends)s); không dùng để thực hiện cam kết này được."
    )


class ReceiptNotForPledge(LedgerError):
    """A receipt of another fund or donor, or a voided one, offered to settle a pledge."""

    default = _l(
        "Phiếu thu số %(number)s không dùng được cho cam kết này (phải là phiếu còn hiệu lực "
        "của cùng quỹ và cùng nhà hảo tâm)."
    )


class ReminderForAnonymousDonor(LedgerError):
    """A reminder letter naming a donor who pledged anonymously, asked outside the pledge's fund."""

    status = 403
    default = _l(
        "Nhà hảo tâm ẩn danh: chỉ cán bộ của quỹ đã nhận cam kết (%(fund)s) mới lập được thư "
        "nhắc có ghi tên."
    )


class PledgeDonorOutsideFund(LedgerError):
    """A pledge of a donor recorded by another fund than the pledge's (or a unit under it)."""

    default = _l(
        "Nhà hảo tâm này do quỹ khác ghi nhận: chỉ chọn nhà hảo tâm của %(fund)s hoặc của đơn vị "
        "trực thuộc."
    )


class AnonymousWithPickedDonor(LedgerError):
    """“Ẩn danh” ticked on a receipt whose donor was picked from the list: the picked donor's
    own setting decides, so the tick would be silently lost."""

    default = _l(
        "Đã chọn một nhà hảo tâm có sẵn: bỏ chọn “Ẩn danh”, hoặc bỏ nhà hảo tâm đã chọn để ghi "
        "khoản ẩn danh."
    )


class ReportAlreadyFiled(LedgerError):
    """A unit has one current filing per report period; it refiles only once returned."""

    status = 409
    default = _l("Báo cáo kỳ này đã nộp (số %(number)s); chỉ nộp lại khi cấp trên trả lại báo cáo.")


class ReportNumberTaken(LedgerError):
    default = _l("Số, ký hiệu %(number)s đã dùng cho một báo cáo khác của đơn vị năm %(year)s.")


class InvalidReportNumber(LedgerError):
    default = _l("Số, ký hiệu phải có dạng số/BC-tên viết tắt, ví dụ 15/BC-UBND.")


class NotAReportingUnit(LedgerError):
    """Only a unit holding a quota in the period's campaign reports for it."""

    status = 404
    default = _l("Đơn vị không có chỉ tiêu trong đợt vận động này nên không nộp báo cáo kỳ này.")


class NotYourUnitsReport(LedgerError):
    """A report is filed by the unit's own staff only."""

    status = 403
    default = _l("Chỉ cán bộ của chính đơn vị mới được nộp báo cáo của đơn vị.")


class NotTheLevelAbove(LedgerError):
    """A filed report is returned by the staff of the level that received it only."""

    status = 403
    default = _l("Chỉ cán bộ của cấp trên nhận báo cáo mới được trả lại báo cáo.")


class ReportAlreadyReturned(LedgerError):
    status = 409
    default = _l("Báo cáo này đã được trả lại; đơn vị cần nộp lại bản mới.")


class PeriodNotOver(LedgerError):
    default = _l("Kỳ báo cáo chưa kết thúc (số liệu đến hết ngày %(date)s); chưa nộp được.")


class FilingFieldMissing(LedgerError):
    default = _l("Chưa nhập “%(field)s”.")


class NothingToPrint(LedgerError):
    """A batch print (a day's vouchers, a range of numbers) that finds no voucher."""

    default = _l(
        "Không có phiếu nào để in: %(fund)s không có phiếu trong ngày hoặc dãy số đã chọn."
    )


class TooManyToPrint(LedgerError):
    """A batch print asking for more vouchers than one print job takes."""

    default = _l("Mỗi lần in tối đa %(limit)s phiếu; đã chọn %(count)s phiếu: chọn dãy số nhỏ hơn.")


class PrintRangeReversed(LedgerError):
    """A range of voucher numbers whose first number is above its last."""

    default = _l("“Từ số” phải nhỏ hơn hoặc bằng “Đến số”.")


class SecondFactorRequired(LedgerError):
    """A payout above the limit (or an admin's sign-in) submitted without a code."""

    default = _l(
        "Phiếu chi trên %(limit)s cần mã xác thực hai lớp: nhập mã 6 số trong ứng dụng xác thực "
        "(hoặc một mã khôi phục)."
    )


class SecondFactorNotEnrolled(LedgerError):
    """A payout above the limit by someone who has not switched on a second factor."""

    status = 403
    default = _l(
        "Phiếu chi trên %(limit)s cần xác thực hai lớp, nhưng tài khoản của bạn chưa bật. Hãy bật "
        "ở trang “Tài khoản” (tên của bạn, góc trên bên phải) rồi thử lại."
    )


class SecondFactorWrong(LedgerError):
    """A code that is not the authenticator's current one, was already used, or is not an
    unused recovery code (each wrong code counts toward the lock-out)."""

    default = _l("Mã xác thực không đúng hoặc đã được dùng. Hãy nhập mã mới trong ứng dụng.")


class SecondFactorLocked(LedgerError):
    """Too many wrong codes in the window: no code is checked until the lock-out ends."""

    status = 429
    default = _l(
        "Đã nhập sai mã xác thực quá nhiều lần; mã bị khóa tạm thời. Hãy thử lại sau %(minutes)s "
        "phút."
    )


class SecondFactorAlreadyOn(LedgerError):
    default = _l("Xác thực hai lớp đã được bật cho tài khoản này.")


class SecondFactorNotPending(LedgerError):
    default = _l("Chưa có mã bí mật đang chờ xác nhận; hãy bắt đầu bật xác thực hai lớp lại.")


class SecondFactorNotOn(LedgerError):
    default = _l("Tài khoản này chưa bật xác thực hai lớp.")


class InvalidEmail(LedgerError):
    """An e-mail address that is not one mailbox (``ten@ten-mien.vn``), or carries a line
    break or space that could smuggle another header or recipient."""

    default = _l(
        "Địa chỉ e-mail “%(address)s” không hợp lệ; nhập một địa chỉ dạng ten@ten-mien.vn."
    )


class SummaryNeedsEmail(LedgerError):
    """The weekly progress summary asked for without an address to send it to."""

    default = _l("Muốn nhận bản tóm tắt tiến độ hằng tuần, hãy nhập địa chỉ e-mail.")


class AttachmentsTooLarge(LedgerError):
    """A message whose attachments exceed what one e-mail may carry (most servers stop near
    20 MB once encoded)."""

    default = _l("Tệp đính kèm của thư vượt quá %(limit)s MB.")


class EvidenceEmpty(LedgerError):
    """An evidence upload with no file, or an empty one."""

    default = _l("Tệp chứng từ: chưa chọn tệp, hoặc tệp “%(name)s” rỗng (0 byte).")


class EvidenceTooLarge(LedgerError):
    """An evidence file above the configured size."""

    default = _l(
        "Tệp chứng từ “%(name)s” quá lớn: tối đa %(limit)s MB. Hãy chụp lại với độ phân giải "
        "thấp hơn hoặc quét thành PDF nhỏ hơn."
    )


class EvidenceTypeRefused(LedgerError):
    """An evidence file whose bytes are not PDF, JPEG, PNG, HEIC or .xlsx (the name and the
    browser's type are not believed)."""

    default = _l(
        "Tệp chứng từ “%(name)s” không được nhận: nội dung tệp không phải PDF, JPEG, PNG, HEIC "
        "hoặc Excel .xlsx (tên đuôi tệp không được tính)."
    )


class EvidenceRemovalReason(LedgerError):
    """Removing an evidence file without saying why."""

    default = _l("Phải ghi lý do gỡ tệp chứng từ.")


class EvidenceAlreadyRemoved(LedgerError):
    """Removing an evidence file twice."""

    default = _l("Tệp chứng từ “%(name)s” đã được gỡ trước đó.")
