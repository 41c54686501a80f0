"""each full check of the books (every chain from its first link, every row compared): over
everything or one unit's subtree, when, and how many problems it found; a workbook, whose own
check reads only what is new, states from these when its scope was last checked in full

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
        "fullcheck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.CheckConstraint("problems >= 0", name=op.f("ck_fullcheck_problems_not_negative")),
        sa.CheckConstraint(
            "finished_at >= started_at", name=op.f("ck_fullcheck_finishes_after_start")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_fullcheck_unit_id_unit"),
        sa.PrimaryKeyConstraint("id", name="pk_fullcheck"),
    )
    op.create_index("ix_fullcheck_finished", "fullcheck", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_fullcheck_finished", table_name="fullcheck")
    op.drop_table("fullcheck")
