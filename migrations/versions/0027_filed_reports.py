"""filed reports: a unit's period report as the document it sent to the level above, frozen
(.docx and .pdf bytes), one current filing per unit and period, returns kept as history

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "filedreport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("number_year", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("recipient", sa.String(length=300), nullable=False),
        sa.Column("difficulties", sa.Text(), nullable=False),
        sa.Column("proposals", sa.Text(), nullable=False),
        sa.Column("copies_to", sa.Text(), nullable=False),
        sa.Column("signer_title", sa.String(length=100), nullable=False),
        sa.Column("signer_name", sa.String(length=100), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("anchors", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("locked_through", sa.Date(), nullable=False),
        sa.Column("docx", sa.LargeBinary(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("docx_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("returned_by_id", sa.Integer(), nullable=True),
        sa.Column("returned_at", sa.DateTime(), nullable=True),
        sa.Column("return_comment", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('filed', 'returned')", name=op.f("ck_filedreport_status_allowed")
        ),
        sa.CheckConstraint("version > 0", name=op.f("ck_filedreport_version_positive")),
        sa.CheckConstraint(
            "status <> 'returned' OR (returned_at IS NOT NULL AND length(return_comment) > 0)",
            name=op.f("ck_filedreport_returned_with_comment"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_filedreport_unit_id_unit"),
        sa.ForeignKeyConstraint(
            ["period_id"], ["reportperiod.id"], name="fk_filedreport_period_id_reportperiod"
        ),
        sa.ForeignKeyConstraint(["to_unit_id"], ["unit.id"], name="fk_filedreport_to_unit_id_unit"),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["user.id"], name="fk_filedreport_filed_by_id_user"
        ),
        sa.ForeignKeyConstraint(
            ["returned_by_id"], ["user.id"], name="fk_filedreport_returned_by_id_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_filedreport"),
        sa.UniqueConstraint(
            "unit_id", "period_id", "version", name="uq_filedreport_unit_id_period_id_version"
        ),
        sa.UniqueConstraint(
            "unit_id", "number_year", "number", name="uq_filedreport_unit_id_number_year_number"
        ),
    )
    op.create_index("ix_filedreport_unit_id", "filedreport", ["unit_id"])
    op.create_index("ix_filedreport_period_id", "filedreport", ["period_id"])
    op.create_index("ix_filedreport_to_unit_id", "filedreport", ["to_unit_id"])
    current = sa.text("status = 'filed'")
    op.create_index(
        "uq_filedreport_current",
        "filedreport",
        ["unit_id", "period_id"],
        unique=True,
        sqlite_where=current,
        postgresql_where=current,
    )


def downgrade() -> None:
    op.drop_table("filedreport")
