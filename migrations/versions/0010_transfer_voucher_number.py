"""a cash ↔ bank move inside one fund carries the number of its cash voucher (phiếu chi for a
deposit, phiếu thu for a withdrawal), taken from the fund's series of that year

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-05 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Moves recorded before this revision keep no number: giving them one now would take it
    # from the end of a series whose vouchers were printed long ago.
    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.drop_column("number")
