"""background jobs: one row per job (kind, user, unit, parameters, status, progress, heartbeat,
result file, error, times), which is also the queue the runner claims; at most one queued or
running job per user (a partial unique index, SQLite and PostgreSQL)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = "status IN ('queued', 'running')"


def _text(length: int) -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _text(20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("title", _text(300), nullable=False),
        sa.Column("status", _text(20), nullable=False),
        sa.Column("step", _text(200), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim", _text(32), nullable=False),
        sa.Column("worker", _text(120), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("result_path", _text(200), nullable=False),
        sa.Column("file_name", _text(200), nullable=False),
        sa.Column("found", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('workbook', 'check', 'import')", name=op.f("ck_job_kind_allowed")
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled')",
            name=op.f("ck_job_status_allowed"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_job_unit_id_unit")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_job_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index("ix_job_status_id", "job", ["status", "id"])
    op.create_index("ix_job_user_id", "job", ["user_id", "id"])
    op.create_index(
        "uq_job_user_active",
        "job",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text(_ACTIVE),
        postgresql_where=sa.text(_ACTIVE),
    )


def downgrade() -> None:
    op.drop_index("uq_job_user_active", table_name="job")
    op.drop_index("ix_job_user_id", table_name="job")
    op.drop_index("ix_job_status_id", table_name="job")
    op.drop_table("job")
