"""e-mail: users get an address, a language and the weekly summary opt-in; the outbox holds
each message once (unique dedupe key) with its attachments and delivery state

Revision ID: 0029
Revises: 0027
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0029"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("email", _TEXT(length=254), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("language", _TEXT(length=2), nullable=False, server_default="vi")
        )
        batch.add_column(
            sa.Column("weekly_summary", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_check_constraint(op.f("ck_user_language_allowed"), "language IN ('vi', 'en')")
    _create_outbox()


def _create_outbox() -> None:
    op.create_table(
        "outboxmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", _TEXT(length=200), nullable=False),
        sa.Column("purpose", _TEXT(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("to_address", _TEXT(length=254), nullable=False),
        sa.Column("to_name", _TEXT(length=200), nullable=False),
        sa.Column("subject", _TEXT(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("language", _TEXT(length=2), nullable=False),
        sa.Column("status", _TEXT(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claim", _TEXT(length=32), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed')",
            name=op.f("ck_outboxmessage_status_allowed"),
        ),
        sa.CheckConstraint(
            "language IN ('vi', 'en')", name=op.f("ck_outboxmessage_language_allowed")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outboxmessage_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_outboxmessage_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outboxmessage")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outboxmessage_dedupe_key")),
    )
    op.create_index("ix_outboxmessage_user_id", "outboxmessage", ["user_id"])
    op.create_index("ix_outboxmessage_due", "outboxmessage", ["status", "next_attempt_at"])
    op.create_table(
        "outboxattachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("file_name", _TEXT(length=200), nullable=False),
        sa.Column("content_type", _TEXT(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outboxmessage.id"],
            name=op.f("fk_outboxattachment_message_id_outboxmessage"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outboxattachment")),
    )
    op.create_index("ix_outboxattachment_message_id", "outboxattachment", ["message_id"])


def downgrade() -> None:
    # queued and sent mail (and the users' addresses) are lost: nothing the books depend on
    op.drop_index("ix_outboxattachment_message_id", table_name="outboxattachment")
    op.drop_table("outboxattachment")
    op.drop_index("ix_outboxmessage_due", table_name="outboxmessage")
    op.drop_index("ix_outboxmessage_user_id", table_name="outboxmessage")
    op.drop_table("outboxmessage")
    with op.batch_alter_table("user") as batch:
        batch.drop_constraint(op.f("ck_user_language_allowed"), type_="check")
        for column in ("weekly_summary", "language", "email"):
            batch.drop_column(column)
