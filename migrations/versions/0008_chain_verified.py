"""how far each hash chain was last verified, so a check re-hashes only what is new

Empty at first: the first check after this migration verifies every chain in full and records
where each one ends; later checks resume there (``flask check --full`` still re-hashes all).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chainverified",
        sa.Column("chain", sa.String(length=20), nullable=False),
        sa.Column("chain_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chain", "chain_key", name=op.f("pk_chainverified")),
    )


def downgrade() -> None:
    op.drop_table("chainverified")
