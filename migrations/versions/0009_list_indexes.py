"""indexes the lists read in their own order: newest first at any scope, page after page

A nation's receipts, disbursements and transfers are listed newest first and paged by the key
of the last row shown (``services/paging.py``): each needs an index in that order, alone (a
scope as large as a nation) and after the unit (a commune or a district). Children's totals
are summed for one page of children (``disbursement.beneficiary_id``); a commune's audit log is
read by unit, newest first.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_receipt_date", "receipt", ["receipt_date", "id"]),
    ("ix_disbursement_date", "disbursement", ["disbursement_date", "id"]),
    ("ix_disbursement_unit_date", "disbursement", ["unit_id", "disbursement_date", "id"]),
    ("ix_disbursement_beneficiary", "disbursement", ["beneficiary_id"]),
    ("ix_transfer_sent_on", "transfer", ["sent_on", "id"]),
    ("ix_transfer_from", "transfer", ["from_unit_id", "sent_on", "id"]),
    ("ix_transfer_to", "transfer", ["to_unit_id", "sent_on", "id"]),
    ("ix_auditevent_unit_id", "auditevent", ["unit_id", "id"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
