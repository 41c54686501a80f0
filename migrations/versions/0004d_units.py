"""voucher regimes: the form codes and circular in force from a date (TT 107/2017, TT 24/2024)

Revision ID: 0004d
Revises: 0004
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004d"
down_revision: str | None = "0004c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the two regimes every database starts with (seed/voucher_regimes.csv cites them)
REGIMES = [
    {
        "valid_from": date(2018, 1, 1),
        "receipt_form_code": "Mẫu số C40-BB",
        "disbursement_form_code": "Mẫu số C41-BB",
        "circular": "(Ban hành kèm theo Thông tư số 107/2017/TT-BTC ngày 10/10/2017 của Bộ Tài chính)",
    },
    {
        "valid_from": date(2025, 1, 1),
        "receipt_form_code": "Mẫu số C40-BB",
        "disbursement_form_code": "Mẫu số C41-BB",
        "circular": "(Ban hành kèm theo Thông tư số 24/2024/TT-BTC ngày 17/04/2024 của Bộ Tài chính)",
    },
]


def upgrade() -> None:
    table = op.create_table(
        "voucherregime",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("receipt_form_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column(
            "disbursement_form_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False
        ),
        sa.Column("circular", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucherregime")),
        sa.UniqueConstraint("valid_from", name=op.f("uq_voucherregime_valid_from")),
    )
    op.bulk_insert(table, REGIMES)


def downgrade() -> None:
    op.drop_table("voucherregime")
