"""pledges (cam kết ủng hộ) and the receipts that settle them

Revision ID: 0019
Revises: 0022
Create Date: 2026-12-06 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pledge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("donor_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("pledged_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("cancel_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_pledge_amount_positive")),
        sa.CheckConstraint("due_on >= pledged_on", name=op.f("ck_pledge_due_after_pledged")),
        sa.CheckConstraint(
            "(cancelled_at IS NULL AND cancel_reason = '') OR "
            "(cancelled_at IS NOT NULL AND cancel_reason <> '')",
            name=op.f("ck_pledge_cancel_complete"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_pledge_unit_id_unit")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_pledge_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["donor_id"], ["donor.id"], name=op.f("fk_pledge_donor_id_donor")),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["user.id"], name=op.f("fk_pledge_cancelled_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_pledge_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge")),
    )
    with op.batch_alter_table("pledge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pledge_donor_id"), ["donor_id"], unique=False)
        batch_op.create_index("ix_pledge_unit_date", ["unit_id", "pledged_on", "id"], unique=False)
    op.create_table(
        "pledgesettlement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_pledgesettlement_amount_positive")),
        sa.ForeignKeyConstraint(
            ["pledge_id"], ["pledge.id"], name=op.f("fk_pledgesettlement_pledge_id_pledge")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipt.id"], name=op.f("fk_pledgesettlement_receipt_id_receipt")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_pledgesettlement_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledgesettlement")),
        sa.UniqueConstraint(
            "pledge_id", "receipt_id", name=op.f("uq_pledgesettlement_pledge_id_receipt_id")
        ),
    )
    with op.batch_alter_table("pledgesettlement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledgesettlement_pledge_id"), ["pledge_id"])
        batch_op.create_index(batch_op.f("ix_pledgesettlement_receipt_id"), ["receipt_id"])


def downgrade() -> None:
    # Pledges hold what no older revision can; going below 0019 with any recorded is refused,
    # nothing lost.
    held = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM pledge")).scalar()
    if held:
        raise RuntimeError(
            f"cannot downgrade below 0019: the books hold {held} pledge rows "
            "(pledges, cam kết ủng hộ, have no place in earlier revisions)"
        )
    op.drop_table("pledgesettlement")
    op.drop_table("pledge")
