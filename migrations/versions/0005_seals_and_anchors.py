"""audit events chained per fund and sealing documents, child records and locks; anchors

Re-chains the audit events that exist, seals every document, child record and period lock as
it stands (one "seal.migrate" event each), and records each fund's heads as its first anchor.
A migration that changes the sealed fields (``ledger.services.seals.SEALED``) must re-seal.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auditevent") as batch:
        batch.add_column(sa.Column("chain_key", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
        for name in ("digest", "prev_hash", "hash"):
            batch.add_column(
                sa.Column(name, sa.String(length=64), nullable=False, server_default="")
            )
    op.create_table(
        "audithead",
        sa.Column("chain_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain_key", name=op.f("pk_audithead")),
    )
    op.create_table(
        "anchor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.Column("entry_seq", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["made_by_id"], ["user.id"], name=op.f("fk_anchor_made_by_id_user")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_anchor_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anchor")),
    )
    op.create_index(op.f("ix_anchor_unit_id"), "anchor", ["unit_id"], unique=False)
    _rechain()
    with op.batch_alter_table("auditevent") as batch:
        batch.create_unique_constraint(op.f("uq_auditevent_chain_key_seq"), ["chain_key", "seq"])


def _rechain() -> None:
    """Chain the existing events, seal what exists, anchor every fund (the app's own code)."""
    from sqlmodel import Session

    from ledger.services.reseal import rechain_and_seal

    with Session(bind=op.get_bind()) as session:
        rechain_and_seal(session)
        session.flush()


def downgrade() -> None:
    with op.batch_alter_table("auditevent") as batch:
        batch.drop_constraint(op.f("uq_auditevent_chain_key_seq"), type_="unique")
        for name in ("hash", "prev_hash", "digest", "seq", "chain_key"):
            batch.drop_column(name)
    op.drop_index(op.f("ix_anchor_unit_id"), table_name="anchor")
    op.drop_table("anchor")
    op.drop_table("audithead")
