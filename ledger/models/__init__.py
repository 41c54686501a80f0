"""All table models; importing this package registers them on ``SQLModel.metadata``."""

from .base import select_rows, table_of, utcnow
from .documents import (
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
from .jobs import Job
from .journal import (
    ROLLUP_GRAINS,
    Anchor,
    ChainHead,
    ChainVerified,
    Entry,
    Posting,
    Rollup,
    RollupSpend,
)
from .org import Account, Campaign, PeriodLock, Quota, ReportPeriod, Unit, UnitSuccession
from .people import ApiToken, AuditEvent, AuditHead, IdempotencyKey, Setting, User, VoucherRegime

__all__ = [
    "ROLLUP_GRAINS",
    "Account",
    "Anchor",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Beneficiary",
    "BeneficiaryGroup",
    "Campaign",
    "Category",
    "ChainHead",
    "ChainVerified",
    "CircumstanceGroup",
    "Disbursement",
    "Donor",
    "Entry",
    "IdempotencyKey",
    "Job",
    "PeriodLock",
    "Posting",
    "Quota",
    "Receipt",
    "ReportPeriod",
    "Rollup",
    "RollupSpend",
    "Setting",
    "Transfer",
    "Unit",
    "UnitSuccession",
    "User",
    "VoucherCounter",
    "VoucherRegime",
    "select_rows",
    "table_of",
    "utcnow",
]
