"""receipts, disbursements and transfers carry ``search_text``: their searched fields folded
(no accents, no case) so every list finds "Nguyễn" from "nguyen" on SQLite and PostgreSQL alike

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ledger.text import fold

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the fields folded into each table's search_text (as ledger.models.search.SEARCHED, frozen
#: here so a later change of the model does not change what this migration wrote)
SEARCHED = {
    "receipt": ("payer_name", "reason", "in_kind_description", "reference"),
    "disbursement": ("payee_name", "reason"),
    "transfer": ("memo", "difference_reason"),
}
LENGTH = 1200
BATCH = 1000


def _backfill(table: str, fields: Sequence[str]) -> None:
    bind = op.get_bind()
    rows = sa.table(table, sa.column("id"), sa.column("search_text"), *map(sa.column, fields))
    last = 0
    while True:
        batch = bind.execute(
            sa.select(rows.c.id, *(rows.c[f] for f in fields))
            .where(rows.c.id > last)
            .order_by(rows.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        bind.execute(
            sa.update(rows).where(rows.c.id == sa.bindparam("row_id")),
            [
                {
                    "row_id": row[0],
                    "search_text": " ".join(p for p in (fold(v or "") for v in row[1:]) if p)[
                        :LENGTH
                    ],
                }
                for row in batch
            ],
        )
        last = batch[-1][0]


def upgrade() -> None:
    for table, fields in SEARCHED.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column(
                    "search_text", sa.String(length=LENGTH), nullable=False, server_default=""
                )
            )
        _backfill(table, fields)


def downgrade() -> None:
    for table in SEARCHED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("search_text")
