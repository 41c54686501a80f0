"""index audit events by the row they are about, so the check's "last event about each
transfer, child, period lock" reads those events alone instead of every event of a fund
(at 1,000,000 receipts: 2.3 s of every incremental check); and the few voided receipts and
payouts by their void entry, so a workbook finds them without reading every receipt; and the
drafts awaiting approval, which the menu of every reviewer's page counts

Revision ID: 0031
Revises: 0028
Create Date: 2026-12-06 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


VOIDED = sa.text("void_entry_id IS NOT NULL")


DRAFTS = sa.text("status = 'draft'")


def upgrade() -> None:
    op.create_index("ix_auditevent_object", "auditevent", ["object_type", "object_id", "id"])
    op.create_index(
        "ix_disbursement_drafts",
        "disbursement",
        ["unit_id"],
        sqlite_where=DRAFTS,
        postgresql_where=DRAFTS,
    )
    for table in ("receipt", "disbursement"):
        op.create_index(
            f"ix_{table}_void_entry",
            table,
            ["void_entry_id"],
            sqlite_where=VOIDED,
            postgresql_where=VOIDED,
        )


def downgrade() -> None:
    op.drop_index("ix_disbursement_drafts", table_name="disbursement")
    for table in ("receipt", "disbursement"):
        op.drop_index(f"ix_{table}_void_entry", table_name=table)
    op.drop_index("ix_auditevent_object", table_name="auditevent")
