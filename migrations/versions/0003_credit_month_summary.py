"""monthly credit totals per unit, backfilled from the postings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "creditmonth",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_creditmonth_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", "month", name=op.f("pk_creditmonth")),
    )
    month = (
        "date(entry_date, 'start of month')"
        if op.get_bind().dialect.name == "sqlite"
        else "CAST(date_trunc('month', entry_date) AS date)"
    )
    op.execute(
        f"INSERT INTO creditmonth (unit_id, month, amount, last_date) "
        f"SELECT credit_unit_id, {month}, SUM(amount), MAX(entry_date) FROM posting "
        f"WHERE credit_unit_id IS NOT NULL GROUP BY credit_unit_id, {month}"
    )


def downgrade() -> None:
    op.drop_table("creditmonth")
