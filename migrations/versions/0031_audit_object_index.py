"""index audit events by the row they are about, so the check's "last event about each
transfer, child, period lock" reads those events alone instead of every event of a fund
(at 1,000,000 receipts: 2.3 s of every incremental check)

Revision ID: 0031
Revises: 0028
Create Date: 2026-12-06 16:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_auditevent_object", "auditevent", ["object_type", "object_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_auditevent_object", table_name="auditevent")
