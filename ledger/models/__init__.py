"""All table models; importing this package registers them on ``SQLModel.metadata``."""

from .bank import (
    BankAccount,
    BankMatch,
    BankMatchEntry,
    BankMatchLine,
    BankMatchRejection,
    BankReconciliation,
    BankStatement,
    CashCount,
    StatementLine,
)
from .base import select_rows, table_of, utcnow
from .batches import ReceiptBatch, ReceiptBatchItem
from .documents import (
    CHILD_PAYOUTS,
    Beneficiary,
    BeneficiaryGroup,
    Category,
    CircumstanceGroup,
    Disbursement,
    Donor,
    Receipt,
    Transfer,
    VoucherCounter,
)
from .evidence import Attachment
from .filings import FILING_STATUSES, FiledReport
from .jobs import Job
from .journal import (
    ROLLUP_GRAINS,
    Anchor,
    ChainHead,
    ChainVerified,
    Entry,
    FullCheck,
    Posting,
    Rollup,
    RollupSpend,
)
from .lookups import GiftLookupAttempt
from .mail import OutboxAttachment, OutboxMessage
from .norms import MobilisationNorm, NormCount
from .org import Account, Campaign, PeriodLock, Quota, ReportPeriod, Unit, UnitSuccession
from .people import (
    ApiToken,
    AuditEvent,
    AuditHead,
    IdempotencyKey,
    RecoveryCode,
    SecondFactor,
    Setting,
    User,
    VoucherRegime,
)
from .pledges import Pledge, PledgeSettlement
from .search import SEARCHED, receipt_search_text
from .targets import ChildrenTarget

__all__ = [
    "CHILD_PAYOUTS",
    "FILING_STATUSES",
    "ROLLUP_GRAINS",
    "SEARCHED",
    "Account",
    "Anchor",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "AuditHead",
    "BankAccount",
    "BankMatch",
    "BankMatchEntry",
    "BankMatchLine",
    "BankMatchRejection",
    "BankReconciliation",
    "BankStatement",
    "Beneficiary",
    "BeneficiaryGroup",
    "Campaign",
    "CashCount",
    "Category",
    "ChainHead",
    "ChainVerified",
    "ChildrenTarget",
    "CircumstanceGroup",
    "Disbursement",
    "Donor",
    "Entry",
    "FiledReport",
    "FullCheck",
    "GiftLookupAttempt",
    "IdempotencyKey",
    "Job",
    "MobilisationNorm",
    "NormCount",
    "OutboxAttachment",
    "OutboxMessage",
    "PeriodLock",
    "Pledge",
    "PledgeSettlement",
    "Posting",
    "Quota",
    "Receipt",
    "ReceiptBatch",
    "ReceiptBatchItem",
    "RecoveryCode",
    "ReportPeriod",
    "Rollup",
    "RollupSpend",
    "SecondFactor",
    "Setting",
    "StatementLine",
    "Transfer",
    "Unit",
    "UnitSuccession",
    "User",
    "VoucherCounter",
    "VoucherRegime",
    "receipt_search_text",
    "select_rows",
    "table_of",
    "utcnow",
]
