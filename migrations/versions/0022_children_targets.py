"""a campaign may set a target of children helped per disbursement category (so many heart
surgeries, scholarships, Tết gifts), beside its target in money

Revision ID: 0022
Revises: 0024
Create Date: 2026-12-06 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "childrentarget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.CheckConstraint("children > 0", name=op.f("ck_childrentarget_children_positive")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_childrentarget_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_childrentarget_category_id_category")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_childrentarget")),
        sa.UniqueConstraint(
            "campaign_id", "category_id", name=op.f("uq_childrentarget_campaign_id_category_id")
        ),
    )
    op.create_index(
        op.f("ix_childrentarget_campaign_id"), "childrentarget", ["campaign_id"], unique=False
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM childrentarget")).scalar():
        raise RuntimeError(
            "Có đợt vận động đã đặt chỉ tiêu số trẻ em được hỗ trợ: không hạ cấp được "
            "(xóa các chỉ tiêu này trước)."
        )
    op.drop_index(op.f("ix_childrentarget_campaign_id"), table_name="childrentarget")
    op.drop_table("childrentarget")
