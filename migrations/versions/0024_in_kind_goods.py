"""in-kind gifts carry quantity, unit of measure and unit value (value = quantity × unit value,
a CHECK); a disbursement may hand out goods received in kind (method in_kind) naming them

Quantities are stored exactly in thousandths of the unit (``quantity_milli``: 2,5 kg is 2500).

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-06 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECEIPT_GOODS = (
    "(quantity_milli IS NULL AND unit_value IS NULL AND goods_unit = '') OR "
    "(method = 'in_kind' AND quantity_milli > 0 AND unit_value > 0 AND goods_unit <> '' "
    "AND amount * 1000 = quantity_milli * unit_value)"
)
DISBURSEMENT_GOODS = (
    "(method <> 'in_kind' AND quantity_milli IS NULL AND unit_value IS NULL "
    "AND goods_name = '' AND goods_unit = '') OR "
    "(method = 'in_kind' AND quantity_milli > 0 AND unit_value > 0 AND goods_name <> '' "
    "AND amount * 1000 = quantity_milli * unit_value)"
)


def _goods_columns(batch) -> None:
    batch.add_column(
        sa.Column("goods_unit", sa.String(length=30), nullable=False, server_default="")
    )
    batch.add_column(sa.Column("quantity_milli", sa.BigInteger(), nullable=True))
    batch.add_column(sa.Column("unit_value", sa.BigInteger(), nullable=True))


def upgrade() -> None:
    with op.batch_alter_table("receipt") as batch:
        _goods_columns(batch)
        batch.create_check_constraint(op.f("ck_receipt_goods_value_exact"), RECEIPT_GOODS)
    with op.batch_alter_table("disbursement") as batch:
        batch.add_column(
            sa.Column("goods_name", sa.String(length=500), nullable=False, server_default="")
        )
        _goods_columns(batch)
        batch.drop_constraint(op.f("ck_disbursement_method_allowed"), type_="check")
        batch.create_check_constraint(
            op.f("ck_disbursement_method_allowed"), "method IN ('cash', 'bank', 'in_kind')"
        )
        batch.create_check_constraint(op.f("ck_disbursement_goods_value_exact"), DISBURSEMENT_GOODS)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM receipt WHERE quantity_milli IS NOT NULL)"
            " + (SELECT count(*) FROM disbursement WHERE method = 'in_kind')"
        )
    ).scalar():
        raise RuntimeError(
            "Có hiện vật ghi số lượng hoặc phiếu chi hiện vật: hạ cấp sẽ mất dữ liệu, không hạ cấp."
        )
    with op.batch_alter_table("disbursement") as batch:
        batch.drop_constraint(op.f("ck_disbursement_goods_value_exact"), type_="check")
        batch.drop_constraint(op.f("ck_disbursement_method_allowed"), type_="check")
        batch.create_check_constraint(
            op.f("ck_disbursement_method_allowed"), "method IN ('cash', 'bank')"
        )
        for column in ("unit_value", "quantity_milli", "goods_unit", "goods_name"):
            batch.drop_column(column)
    with op.batch_alter_table("receipt") as batch:
        batch.drop_constraint(op.f("ck_receipt_goods_value_exact"), type_="check")
        for column in ("unit_value", "quantity_milli", "goods_unit"):
            batch.drop_column(column)
