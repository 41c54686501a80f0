"""index the few entries that reverse another (corrections), so "does this receipt still
stand?" (pledges, the honour roll, gift look-ups, donor totals) is one index probe per receipt

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    where = sa.text("reverses_id IS NOT NULL")
    op.create_index(
        "ix_entry_reverses_id",
        "entry",
        ["reverses_id"],
        sqlite_where=where,
        postgresql_where=where,
    )


def downgrade() -> None:
    op.drop_index("ix_entry_reverses_id", table_name="entry")
