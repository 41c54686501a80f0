"""index the paid payouts that help a child (named, or a group gift) with the figures the
children-helped count reads, so a national dashboard counts them from this index alone
instead of reading every payout (10 ms of each national dashboard and period report)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


CHILD_PAYOUTS = sa.text(
    "status = 'paid' AND (beneficiary_id IS NOT NULL OR children_count IS NOT NULL)"
)


def upgrade() -> None:
    op.create_index(
        "ix_disbursement_children",
        "disbursement",
        ["disbursement_date", "category_id", "unit_id", "beneficiary_id", "children_count"],
        sqlite_where=CHILD_PAYOUTS,
        postgresql_where=CHILD_PAYOUTS,
    )


def downgrade() -> None:
    op.drop_index("ix_disbursement_children", table_name="disbursement")
