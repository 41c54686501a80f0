"""no asset account below zero: a CHECK on account (refuses to upgrade a database that has one)

Revision ID: 0004a
Revises: 0003
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0004a"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONDITION = "type <> 'asset' OR balance >= 0"


def upgrade() -> None:
    negative = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT account.id, unit.code, account.kind, account.balance FROM account "
                "JOIN unit ON unit.id = account.unit_id "
                "WHERE account.type = 'asset' AND account.balance < 0 ORDER BY account.id"
            )
        )
        .all()
    )
    if negative:
        listed = "; ".join(
            f"account {i} ({code} {kind}) balance {balance}" for i, code, kind, balance in negative
        )
        raise RuntimeError(
            "Cannot add the rule 'no asset account below zero': these accounts are negative "
            f"now: {listed}. Correct them with entries (void the payouts that overdrew them) "
            "and upgrade again; nothing was changed."
        )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f("ck_account_asset_not_negative"), CONDITION)


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_account_asset_not_negative"), type_="check")
