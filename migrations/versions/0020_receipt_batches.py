"""receipt batches (nhập theo lô): a round of envelopes typed as one against the count and total
typed first, and the link from each of its receipts to it

Revision ID: 0020
Revises: 0021
Create Date: 2026-12-06 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

METHODS = ("cash", "bank")
SOURCES = ("donation", "designated", "budget", "interest", "other")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "receiptbatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("receipt_date", sa.Date(), nullable=False),
        sa.Column("book_no", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("credit_unit_id", sa.Integer(), nullable=False),
        sa.Column("expected_count", sa.Integer(), nullable=False),
        sa.Column("expected_total", sa.BigInteger(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(_in("method", METHODS), name=op.f("ck_receiptbatch_method_allowed")),
        sa.CheckConstraint(_in("source", SOURCES), name=op.f("ck_receiptbatch_source_allowed")),
        sa.CheckConstraint(
            "expected_count > 0", name=op.f("ck_receiptbatch_expected_count_positive")
        ),
        sa.CheckConstraint(
            "expected_total > 0", name=op.f("ck_receiptbatch_expected_total_positive")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_receiptbatch_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["credit_unit_id"], ["unit.id"], name=op.f("fk_receiptbatch_credit_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_receiptbatch_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receiptbatch")),
    )
    op.create_index(op.f("ix_receiptbatch_unit_id"), "receiptbatch", ["unit_id"])
    op.create_table(
        "receiptbatchitem",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.CheckConstraint("line_no > 0", name=op.f("ck_receiptbatchitem_line_no_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["receiptbatch.id"],
            name=op.f("fk_receiptbatchitem_batch_id_receiptbatch"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipt.id"], name=op.f("fk_receiptbatchitem_receipt_id_receipt")
        ),
        sa.PrimaryKeyConstraint("batch_id", "receipt_id", name=op.f("pk_receiptbatchitem")),
        sa.UniqueConstraint("receipt_id", name=op.f("uq_receiptbatchitem_receipt_id")),
        sa.UniqueConstraint(
            "batch_id", "line_no", name=op.f("uq_receiptbatchitem_batch_id_line_no")
        ),
    )


def downgrade() -> None:
    # the receipts stay (they are sealed documents); only their grouping into batches goes
    op.drop_table("receiptbatchitem")
    op.drop_index(op.f("ix_receiptbatch_unit_id"), table_name="receiptbatch")
    op.drop_table("receiptbatch")
