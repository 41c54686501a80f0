"""a second factor (issue #18): each user's TOTP secret, its last accepted time step and its
lock-out counters, and the one-time recovery codes (argon2 hashes)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "secondfactor",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failures_since", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "failures >= 0 AND last_step >= 0",
            name=op.f("ck_secondfactor_counters_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_secondfactor_user_id_user")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_secondfactor")),
    )
    op.create_table(
        "recoverycode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_recoverycode_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recoverycode")),
    )
    op.create_index(op.f("ix_recoverycode_user_id"), "recoverycode", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_recoverycode_user_id"), table_name="recoverycode")
    op.drop_table("recoverycode")
    op.drop_table("secondfactor")
