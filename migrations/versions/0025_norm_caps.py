"""mobilisation norms are capped so Σ amount per head × heads cannot overflow a bigint: at
most 100.000.000 đ per head and 1.000.000 heads per unit and kind (one row at most 10^14 đ;
the whole country's ~53,000 rows stay below 9.2 × 10^18)

Revision ID: 0025
Revises: 0019
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mobilisationnorm", schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f("ck_mobilisationnorm_amount_within_cap"), "amount_per_head <= 100000000"
        )
    with op.batch_alter_table("normcount", schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f("ck_normcount_heads_within_cap"), "heads <= 1000000"
        )


def downgrade() -> None:
    with op.batch_alter_table("normcount", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_normcount_heads_within_cap"), type_="check")
    with op.batch_alter_table("mobilisationnorm", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_mobilisationnorm_amount_within_cap"), type_="check")
