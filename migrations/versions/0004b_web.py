"""a drafter may withdraw a disbursement: status 'withdrawn'

Revision ID: 0004b
Revises: 0003
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0004b"
down_revision: str | None = "0004a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "status IN ('draft', 'approved', 'rejected', 'paid', 'voided')"
NEW = "status IN ('draft', 'approved', 'rejected', 'paid', 'voided', 'withdrawn')"


def _replace(check: str) -> None:
    with op.batch_alter_table("disbursement", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_disbursement_status_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_disbursement_status_allowed"), check)


def upgrade() -> None:
    _replace(NEW)


def downgrade() -> None:
    op.execute("UPDATE disbursement SET status = 'rejected' WHERE status = 'withdrawn'")
    _replace(OLD)
