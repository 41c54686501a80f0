"""unit types, succession shares and legal basis, campaign codes (several campaigns a year)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

from ledger.models.org import UNIT_TYPES

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    types = ", ".join(f"'{t}'" for t in UNIT_TYPES)
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("unit_type", sa.String(length=30), nullable=True))
        batch.create_check_constraint(
            op.f("ck_unit_unit_type_allowed"), f"unit_type IS NULL OR unit_type IN ({types})"
        )
    with op.batch_alter_table("unitsuccession") as batch:
        batch.add_column(
            sa.Column("share_bp", sa.Integer(), nullable=False, server_default="10000")
        )
        batch.add_column(
            sa.Column("legal_basis", sa.String(length=300), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("share_note", sa.String(length=300), nullable=False, server_default="")
        )
        batch.create_check_constraint(
            op.f("ck_unitsuccession_share_range"), "share_bp > 0 AND share_bp <= 10000"
        )
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("code", sa.String(length=30), nullable=True))
    op.execute("UPDATE campaign SET code = CAST(year AS VARCHAR(30))")
    op.execute(
        "UPDATE unit SET unit_type = CASE level WHEN 'nation' THEN 'quoc_gia' "
        "WHEN 'province' THEN 'tinh' WHEN 'district' THEN 'huyen' ELSE 'xa' END"
    )
    with op.batch_alter_table("campaign") as batch:
        batch.alter_column("code", existing_type=sa.String(length=30), nullable=False)
        batch.drop_constraint(op.f("uq_campaign_unit_id_year"), type_="unique")
        batch.create_unique_constraint(op.f("uq_campaign_unit_id_code"), ["unit_id", "code"])


def downgrade() -> None:
    # before 0004 a unit ran one campaign a year: refuse, naming it, rather than fail on the
    # restored constraint (or drop a drive and its quotas without a word)
    several = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT unit_id, year, COUNT(*) FROM campaign GROUP BY unit_id, year "
                "HAVING COUNT(*) > 1 ORDER BY unit_id, year"
            )
        )
        .first()
    )
    if several is not None:
        raise RuntimeError(
            f"Cannot downgrade below 0004: unit {several[0]} has {several[2]} campaigns in "
            f"{several[1]}, and before 0004 a unit had one campaign a year. Keep one per unit "
            f"and year first."
        )
    with op.batch_alter_table("campaign") as batch:
        batch.drop_constraint(op.f("uq_campaign_unit_id_code"), type_="unique")
        batch.create_unique_constraint(op.f("uq_campaign_unit_id_year"), ["unit_id", "year"])
        batch.drop_column("code")
    with op.batch_alter_table("unitsuccession") as batch:
        batch.drop_constraint(op.f("ck_unitsuccession_share_range"), type_="check")
        batch.drop_column("share_note")
        batch.drop_column("legal_basis")
        batch.drop_column("share_bp")
    with op.batch_alter_table("unit") as batch:
        batch.drop_constraint(op.f("ck_unit_unit_type_allowed"), type_="check")
        batch.drop_column("unit_type")
