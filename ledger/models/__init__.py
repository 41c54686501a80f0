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
from .journal import Anchor, ChainHead, CreditMonth, Entry, Posting
from .org import Account, Campaign, PeriodLock, Quota, ReportPeriod, Unit, UnitSuccession
from .people import ApiToken, AuditEvent, AuditHead, IdempotencyKey, Setting, User, VoucherRegime

__all__ = [
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
    "CircumstanceGroup",
    "CreditMonth",
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
