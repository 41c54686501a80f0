"""index a fund's donors by folded name, in place of the index on the fund alone: the
same-name question every new payer's receipt asks read all of a fund's donors on SQLite
(0.7 ms at 3,500 donors, growing with the fund's directory)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 06:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_donor_unit_search", "donor", ["unit_id", "search_key"])
    op.drop_index("ix_donor_unit_id", table_name="donor")


def downgrade() -> None:
    op.create_index("ix_donor_unit_id", "donor", ["unit_id"])
    op.drop_index("ix_donor_unit_search", table_name="donor")
