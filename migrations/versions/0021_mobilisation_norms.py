"""mobilisation norms (định mức vận động): an amount per head for each kind of payer of a
campaign, and each child unit's heads and exempt heads, so the quota is checked bottom-up

Revision ID: 0021
Revises: 0023
Create Date: 2026-12-06 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("official", "worker", "pupil", "household", "enterprise")
ALLOWED = "payer_kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")"


def upgrade() -> None:
    op.create_table(
        "mobilisationnorm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("payer_kind", sa.String(length=20), nullable=False),
        sa.Column("amount_per_head", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.CheckConstraint(ALLOWED, name=op.f("ck_mobilisationnorm_payer_kind_allowed")),
        sa.CheckConstraint("amount_per_head > 0", name=op.f("ck_mobilisationnorm_amount_positive")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_mobilisationnorm_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobilisationnorm")),
        sa.UniqueConstraint(
            "campaign_id", "payer_kind", name=op.f("uq_mobilisationnorm_campaign_id_payer_kind")
        ),
    )
    op.create_index(op.f("ix_mobilisationnorm_campaign_id"), "mobilisationnorm", ["campaign_id"])
    op.create_table(
        "normcount",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("payer_kind", sa.String(length=20), nullable=False),
        sa.Column("heads", sa.Integer(), nullable=False),
        sa.Column("exempt", sa.Integer(), nullable=False),
        sa.CheckConstraint(ALLOWED, name=op.f("ck_normcount_payer_kind_allowed")),
        sa.CheckConstraint("heads >= 0", name=op.f("ck_normcount_heads_not_negative")),
        sa.CheckConstraint(
            "exempt >= 0 AND exempt <= heads", name=op.f("ck_normcount_exempt_within_heads")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_normcount_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_normcount_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_normcount")),
        sa.UniqueConstraint(
            "campaign_id",
            "unit_id",
            "payer_kind",
            name=op.f("uq_normcount_campaign_id_unit_id_payer_kind"),
        ),
    )
    op.create_index(op.f("ix_normcount_campaign_id"), "normcount", ["campaign_id"])
    op.create_index(op.f("ix_normcount_unit_id"), "normcount", ["unit_id"])


def downgrade() -> None:
    """Norms and counts are planning figures typed by the campaign's owner: refuse to drop
    them while any is kept (delete them first)."""
    bind = op.get_bind()
    kept = bind.execute(
        sa.text("SELECT (SELECT count(*) FROM mobilisationnorm) + (SELECT count(*) FROM normcount)")
    ).scalar_one()
    if kept:
        raise RuntimeError(
            f"Cannot downgrade below 0021: {kept} mobilisation norms and counts would be lost; "
            "delete them first."
        )
    op.drop_index(op.f("ix_normcount_unit_id"), table_name="normcount")
    op.drop_index(op.f("ix_normcount_campaign_id"), table_name="normcount")
    op.drop_table("normcount")
    op.drop_index(op.f("ix_mobilisationnorm_campaign_id"), table_name="mobilisationnorm")
    op.drop_table("mobilisationnorm")
