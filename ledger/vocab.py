"""The ledger's vocabularies: one StrEnum per closed set of words the database stores.

A member's value is the string stored in the row (the tables' CHECK constraints list exactly
these, in this order); its label is a Vietnamese msgid marked with ``_l`` and translated where it
is shown (``ledger.i18n.vocab_label``), so this module never imports Flask.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import _l


class DonorKind(StrEnum):
    """Who a donor is (loại nhà hảo tâm)."""

    INDIVIDUAL = "individual"
    HOUSEHOLD = "household"
    ORGANISATION = "organisation"
    ENTERPRISE = "enterprise"
    SCHOOL = "school"
    AGENCY = "agency"
    #: thôn, tổ dân phố: a village collection round given as one gift
    VILLAGE = "village"
    #: a donor abroad (cá nhân, tổ chức nước ngoài)
    FOREIGN = "foreign"


class Method(StrEnum):
    """How money came in or went out (hình thức); also names the fund's asset accounts."""

    CASH = "cash"
    BANK = "bank"
    IN_KIND = "in_kind"


#: the methods a disbursement or a transfer may use (money, not goods)
PAY_METHODS = (Method.CASH, Method.BANK)
#: the methods a disbursement may use: money, or goods received in kind handed out as they are
DISBURSE_METHODS = (Method.CASH, Method.BANK, Method.IN_KIND)


class Source(StrEnum):
    """Where a receipt's money came from (nguồn thu)."""

    DONATION = "donation"
    DESIGNATED = "designated"
    BUDGET = "budget"
    INTEREST = "interest"
    OTHER = "other"


class DisbursementStatus(StrEnum):
    """A disbursement's state: drafted → approved → paid, or rejected, withdrawn, voided."""

    DRAFT = "draft"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"
    VOIDED = "voided"
    WITHDRAWN = "withdrawn"


class TransferStatus(StrEnum):
    """A transfer's state: in transit until the receiving fund confirms it."""

    SENT = "sent"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class VoucherKind(StrEnum):
    """Which voucher series a number belongs to (phiếu thu or phiếu chi)."""

    RECEIPT = "receipt"
    DISBURSEMENT = "disbursement"


class Grain(StrEnum):
    """The span a rolled-up total covers (``models.Rollup``): a day, a month or a year."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class Sex(StrEnum):
    """A child's sex as recorded (giới tính)."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"


class Role(StrEnum):
    """What a user may do (vai trò); ``ledger.auth.PERMISSIONS`` lists each role's rights."""

    ADMIN = "admin"
    REVIEWER = "reviewer"
    TREASURER = "treasurer"
    AUDITOR = "auditor"


#: the roles as the user form offers them: the everyday ones first
ROLE_CHOICES = (Role.TREASURER, Role.REVIEWER, Role.AUDITOR, Role.ADMIN)


class UnitLevel(StrEnum):
    """A unit's tier in the tree, from the top down."""

    NATION = "nation"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class UnitType(StrEnum):
    """The administrative type (loại đơn vị) as law names it."""

    QUOC_GIA = "quoc_gia"
    TINH = "tinh"
    THANH_PHO = "thanh_pho"
    HUYEN = "huyen"
    QUAN = "quan"
    THI_XA = "thi_xa"
    THANH_PHO_THUOC_TINH = "thanh_pho_thuoc_tinh"
    XA = "xa"
    PHUONG = "phuong"
    THI_TRAN = "thi_tran"
    DAC_KHU = "dac_khu"


#: the tier each administrative type sits at
UNIT_TYPE_LEVELS = {
    UnitType.QUOC_GIA: UnitLevel.NATION,
    UnitType.TINH: UnitLevel.PROVINCE,
    UnitType.THANH_PHO: UnitLevel.PROVINCE,
    UnitType.HUYEN: UnitLevel.DISTRICT,
    UnitType.QUAN: UnitLevel.DISTRICT,
    UnitType.THI_XA: UnitLevel.DISTRICT,
    UnitType.THANH_PHO_THUOC_TINH: UnitLevel.DISTRICT,
    UnitType.XA: UnitLevel.COMMUNE,
    UnitType.PHUONG: UnitLevel.COMMUNE,
    UnitType.THI_TRAN: UnitLevel.COMMUNE,
    UnitType.DAC_KHU: UnitLevel.COMMUNE,
}


class AccountType(StrEnum):
    """An account's type: assets hold money (never below zero), the others count flows."""

    ASSET = "asset"
    INCOME = "income"
    EXPENSE = "expense"
    CLEARING = "clearing"


class EntryKind(StrEnum):
    """What posted a journal entry (no constraint: the hash chain seals it)."""

    RECEIPT = "receipt"
    RECEIPT_VOID = "receipt_void"
    RECEIPT_CORRECTION = "receipt_correction"
    DISBURSEMENT = "disbursement"
    DISBURSEMENT_VOID = "disbursement_void"
    TRANSFER_SENT = "transfer_sent"
    TRANSFER_RECEIVED = "transfer_received"
    TRANSFER_INTERNAL = "transfer_internal"
    TRANSFER_CLEARED = "transfer_cleared"
    REORG_OUT = "reorg_out"
    REORG_IN = "reorg_in"
    BANK_FEE = "bank_fee"
    CASH_COUNT = "cash_count"


class AnchorKind(StrEnum):
    """What a fund's chain heads were printed on."""

    LOCK = "lock"
    WORKBOOK = "workbook"
    REPORT = "report"
    MIGRATION = "migration"


class ChainKind(StrEnum):
    """What a check verifies incrementally, per fund: its two hash chains (journal entries,
    audit events, by seq) and its sealed receipts and disbursements (by id)."""

    JOURNAL = "journal"
    AUDIT = "audit"
    RECEIPT = "receipt"
    DISBURSEMENT = "disbursement"


class MatchKind(StrEnum):
    """How a statement line was matched to the books: a suggestion confirmed, or by hand."""

    SUGGESTED = "suggested"
    MANUAL = "manual"


class CashCountStatus(StrEnum):
    """A cash count's state: balanced (no difference), pending (a difference awaiting a
    reviewer), posted (the difference approved and posted), rejected (sent back)."""

    BALANCED = "balanced"
    PENDING = "pending"
    POSTED = "posted"
    REJECTED = "rejected"


class JobKind(StrEnum):
    """What a background job makes (công việc nền)."""

    WORKBOOK = "workbook"
    CHECK = "check"
    IMPORT = "import"


class JobStatus(StrEnum):
    """A background job's state: queued → running → done, failed or cancelled."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: the states of a job that holds its user's one place (queued or running)
JOB_ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class MailStatus(StrEnum):
    """An outbox message's state: queued → sending (claimed by one run) → sent, or failed
    once retries are spent (or the server refused it for good)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Language(StrEnum):
    """The language a user reads pages and e-mail in (Vietnamese first)."""

    VI = "vi"
    EN = "en"


class PayerKind(StrEnum):
    """Who a mobilisation norm (định mức vận động) asks to give: a plan sets an amount per head
    for each kind (one day's salary of officials, so much per pupil, per household)."""

    #: cán bộ, công chức, viên chức (one day's salary, entered as an amount per head)
    OFFICIAL = "official"
    #: người lao động in enterprises and other workplaces
    WORKER = "worker"
    #: học sinh
    PUPIL = "pupil"
    #: hộ gia đình (poor households are counted as exempt)
    HOUSEHOLD = "household"
    #: doanh nghiệp
    ENTERPRISE = "enterprise"


class FilingStatus(StrEnum):
    """A filed report's version: the current one (filed) or sent back by the level above
    (returned, kept as history)."""

    FILED = "filed"
    RETURNED = "returned"


#: each vocabulary's labels (msgids), for every member
LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    DonorKind: {
        DonorKind.INDIVIDUAL: _l("Cá nhân"),
        DonorKind.HOUSEHOLD: _l("Hộ gia đình"),
        DonorKind.ORGANISATION: _l("Tổ chức đoàn thể"),
        DonorKind.ENTERPRISE: _l("Doanh nghiệp"),
        DonorKind.SCHOOL: _l("Trường học"),
        DonorKind.AGENCY: _l("Cơ quan"),
        DonorKind.VILLAGE: _l("Thôn, tổ dân phố"),
        DonorKind.FOREIGN: _l("Nước ngoài"),
    },
    Method: {
        Method.CASH: _l("Tiền mặt"),
        Method.BANK: _l("Chuyển khoản"),
        Method.IN_KIND: _l("Hiện vật"),
    },
    Source: {
        Source.DONATION: _l("Ủng hộ"),
        Source.DESIGNATED: _l("Ủng hộ có địa chỉ"),
        Source.BUDGET: _l("Ngân sách cấp"),
        Source.INTEREST: _l("Lãi tiền gửi"),
        Source.OTHER: _l("Khác"),
    },
    DisbursementStatus: {
        DisbursementStatus.DRAFT: _l("Chờ duyệt"),
        DisbursementStatus.APPROVED: _l("Đã duyệt"),
        DisbursementStatus.REJECTED: _l("Từ chối"),
        DisbursementStatus.PAID: _l("Đã chi"),
        DisbursementStatus.VOIDED: _l("Đã hủy"),
        DisbursementStatus.WITHDRAWN: _l("Đã rút"),
    },
    TransferStatus: {
        TransferStatus.SENT: _l("Đang chuyển"),
        TransferStatus.RECEIVED: _l("Đã nhận"),
        TransferStatus.CANCELLED: _l("Đã hủy"),
    },
    Sex: {Sex.MALE: _l("Nam"), Sex.FEMALE: _l("Nữ"), Sex.OTHER: _l("Khác")},
    JobKind: {
        JobKind.WORKBOOK: _l("Bảng đối chiếu"),
        JobKind.CHECK: _l("Kiểm tra sổ sách"),
        JobKind.IMPORT: _l("Nhập phiếu thu"),
    },
    JobStatus: {
        JobStatus.QUEUED: _l("Chờ"),
        JobStatus.RUNNING: _l("Đang chạy"),
        JobStatus.DONE: _l("Xong"),
        JobStatus.FAILED: _l("Lỗi"),
        JobStatus.CANCELLED: _l("Đã hủy"),
    },
    Role: {
        Role.ADMIN: _l("Quản trị"),
        Role.REVIEWER: _l("Cán bộ duyệt"),
        Role.TREASURER: _l("Thủ quỹ"),
        Role.AUDITOR: _l("Kiểm toán"),
    },
    PayerKind: {
        PayerKind.OFFICIAL: _l("Cán bộ, công chức, viên chức"),
        PayerKind.WORKER: _l("Người lao động"),
        PayerKind.PUPIL: _l("Học sinh"),
        PayerKind.HOUSEHOLD: _l("Hộ gia đình"),
        PayerKind.ENTERPRISE: _l("Doanh nghiệp"),
    },
    UnitType: {
        UnitType.QUOC_GIA: _l("Quốc gia"),
        UnitType.TINH: _l("Tỉnh"),
        UnitType.THANH_PHO: _l("Thành phố"),
        UnitType.HUYEN: _l("Huyện"),
        UnitType.QUAN: _l("Quận"),
        UnitType.THI_XA: _l("Thị xã"),
        UnitType.THANH_PHO_THUOC_TINH: _l("Thành phố thuộc tỉnh"),
        UnitType.XA: _l("Xã"),
        UnitType.PHUONG: _l("Phường"),
        UnitType.THI_TRAN: _l("Thị trấn"),
        UnitType.DAC_KHU: _l("Đặc khu"),
    },
    MailStatus: {
        MailStatus.QUEUED: _l("Chờ gửi"),
        MailStatus.SENDING: _l("Đang gửi"),
        MailStatus.SENT: _l("Đã gửi"),
        MailStatus.FAILED: _l("Gửi không được"),
    },
    Language: {Language.VI: _l("Tiếng Việt"), Language.EN: _l("Tiếng Anh")},
    FilingStatus: {FilingStatus.FILED: _l("Đã nộp"), FilingStatus.RETURNED: _l("Bị trả lại")},
}

#: a fund's money accounts as a transfer names where money leaves or arrives
ACCOUNT_LABELS = {Method.BANK: _l("Ngân hàng"), Method.CASH: _l("Tiền mặt")}
#: the asset accounts as a sentence names them ("không đủ tiền mặt")
ASSET_PHRASES: dict[str, str] = {
    Method.CASH: _l("tiền mặt"),
    Method.BANK: _l("tiền gửi ngân hàng"),
    Method.IN_KIND: _l("hiện vật"),
}


def values(vocabulary: type[StrEnum]) -> tuple[str, ...]:
    """The stored strings of ``vocabulary``, in order (what its CHECK constraint allows)."""
    return tuple(member.value for member in vocabulary)


def label(value: str, vocabulary: type[StrEnum] | None = None) -> str:
    """The label (msgid) of a member, or of a stored ``value`` of ``vocabulary``."""
    member = vocabulary(value) if vocabulary is not None else value
    return LABELS[type(member)][member]  # type: ignore[index]
