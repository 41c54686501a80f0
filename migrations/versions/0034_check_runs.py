"""each run of the books' check: over everything or one unit's subtree, in full or
incrementally, when, and how many problems it found; a workbook states from these when its
scope was last checked in full (an incremental check reads only what is new since)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.CheckConstraint("problems >= 0", name=op.f("ck_checkrun_problems_not_negative")),
        sa.CheckConstraint(
            "finished_at >= started_at", name=op.f("ck_checkrun_finishes_after_start")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_checkrun_unit_id_unit"),
        sa.PrimaryKeyConstraint("id", name="pk_checkrun"),
    )
    op.create_index("ix_checkrun_full_finished", "checkrun", ["full", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_checkrun_full_finished", table_name="checkrun")
    op.drop_table("checkrun")
