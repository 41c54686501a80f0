"""donors carry contact details, consent to be named publicly, the two new kinds (thôn/tổ dân
phố, nước ngoài) and the survivor they were merged into (their receipts never change)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("individual", "household", "organisation", "enterprise", "school", "agency")
NEW_KINDS = (*OLD_KINDS, "village", "foreign")


def _kinds(kinds: Sequence[str]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    with op.batch_alter_table("donor") as batch:
        batch.drop_constraint(op.f("ck_donor_kind_allowed"), type_="check")
        batch.create_check_constraint(op.f("ck_donor_kind_allowed"), _kinds(NEW_KINDS))
        batch.add_column(
            sa.Column("phone", sa.String(length=30), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("email", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("public_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("note", sa.String(length=500), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_donor_merged_into_id_donor"), "donor", ["merged_into_id"], ["id"]
        )
        batch.create_index(op.f("ix_donor_merged_into_id"), ["merged_into_id"])
        batch.create_check_constraint(
            op.f("ck_donor_not_merged_into_self"), "merged_into_id IS NULL OR merged_into_id <> id"
        )
        batch.create_check_constraint(
            op.f("ck_donor_anonymous_not_public"), "NOT (anonymous AND public_consent)"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(
        sa.text(
            "SELECT count(*) FROM donor WHERE merged_into_id IS NOT NULL OR kind IN ('village', 'foreign')"
        )
    ).scalar():
        raise RuntimeError(
            "Có nhà hảo tâm đã gộp hoặc thuộc loại mới (thôn, nước ngoài): không hạ cấp được."
        )
    with op.batch_alter_table("donor") as batch:
        batch.drop_constraint(op.f("ck_donor_anonymous_not_public"), type_="check")
        batch.drop_constraint(op.f("ck_donor_not_merged_into_self"), type_="check")
        batch.drop_index(op.f("ix_donor_merged_into_id"))
        batch.drop_constraint(op.f("fk_donor_merged_into_id_donor"), type_="foreignkey")
        for column in ("merged_into_id", "note", "public_consent", "email", "phone"):
            batch.drop_column(column)
        batch.drop_constraint(op.f("ck_donor_kind_allowed"), type_="check")
        batch.create_check_constraint(op.f("ck_donor_kind_allowed"), _kinds(OLD_KINDS))
