"""donors verify their own gift on a fund's public page: each look-up is kept for the rate
limit (per fund and client address digest), shared by every worker

Revision ID: 0023
Revises: 0017
Create Date: 2026-12-06 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0023"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "giftlookupattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("client_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_giftlookupattempt_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_giftlookupattempt")),
    )
    op.create_index(
        "ix_giftlookupattempt_client",
        "giftlookupattempt",
        ["unit_id", "client_key", "attempted_at"],
    )
    op.create_index("ix_giftlookupattempt_attempted_at", "giftlookupattempt", ["attempted_at"])


def downgrade() -> None:
    # only throttling state (at most one window old) is lost
    op.drop_index("ix_giftlookupattempt_attempted_at", table_name="giftlookupattempt")
    op.drop_index("ix_giftlookupattempt_client", table_name="giftlookupattempt")
    op.drop_table("giftlookupattempt")
