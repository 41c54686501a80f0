"""evidence files (chứng từ gốc): a row per file attached to a receipt, payout, transfer or
cash count, the bytes kept by their sha256 in the blob store

Revision ID: 0028
Revises: 0030
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0028"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_kind", _text(20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("sha256", _text(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", _text(100), nullable=False),
        sa.Column("file_name", _text(200), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_reason", _text(500), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_attachment_size_positive")),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_attachment_sha256_length")),
        sa.CheckConstraint("owner_kind <> ''", name=op.f("ck_attachment_owner_kind_named")),
        sa.CheckConstraint(
            "(removed_at IS NULL) = (removed_by_id IS NULL)",
            name=op.f("ck_attachment_removed_by_someone"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_attachment_unit_id_unit")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["user.id"], name=op.f("fk_attachment_uploaded_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"], ["user.id"], name=op.f("fk_attachment_removed_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    op.create_index("ix_attachment_owner", "attachment", ["owner_kind", "owner_id"])
    op.create_index(op.f("ix_attachment_unit_id"), "attachment", ["unit_id"])


def downgrade() -> None:
    # the rows go; the blobs stay in the store (the application never deletes one)
    op.drop_index(op.f("ix_attachment_unit_id"), table_name="attachment")
    op.drop_index("ix_attachment_owner", table_name="attachment")
    op.drop_table("attachment")
