"""a cash count names the accountant who counted with the treasurer and the witness (the
Biên bản kiểm kê quỹ lists the three)

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-06 00:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cashcount", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "accountant_name",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("cashcount", schema=None) as batch_op:
        batch_op.drop_column("accountant_name")
