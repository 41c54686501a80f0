"""the bank and the cash box against the books (issue #16): a fund's bank accounts, imported
statements and their lines, matches of lines to journal entries (and rejected suggestions),
statement reconciliations, cash counts; receipts, disbursements and transfers name the bank
account they moved money on (None: the fund's primary account)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 00:33:08.841717
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bankaccount",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("bank_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("bank_bin", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("branch", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("account_number", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("holder_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("statement_layout", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("column_map", sa.Text(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "closed_on IS NULL OR closed_on >= opened_on", name=op.f("ck_bankaccount_open_span")
        ),
        sa.CheckConstraint("length(bank_bin) = 6", name=op.f("ck_bankaccount_bin_six_digits")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_bankaccount_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bankaccount")),
        sa.UniqueConstraint(
            "bank_bin", "account_number", name=op.f("uq_bankaccount_bank_bin_account_number")
        ),
    )
    with op.batch_alter_table("bankaccount", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bankaccount_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(
            "uq_bankaccount_primary",
            ["unit_id"],
            unique=True,
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )

    op.create_table(
        "bankmatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('suggested', 'manual')", name=op.f("ck_bankmatch_kind_allowed")
        ),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bankaccount.id"],
            name=op.f("fk_bankmatch_bank_account_id_bankaccount"),
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"], ["user.id"], name=op.f("fk_bankmatch_made_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bankmatch")),
    )
    with op.batch_alter_table("bankmatch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bankmatch_bank_account_id"), ["bank_account_id"], unique=False
        )

    op.create_table(
        "bankreconciliation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("bank_opening", sa.BigInteger(), nullable=False),
        sa.Column("bank_credits", sa.BigInteger(), nullable=False),
        sa.Column("bank_debits", sa.BigInteger(), nullable=False),
        sa.Column("bank_closing", sa.BigInteger(), nullable=False),
        sa.Column("books_closing", sa.BigInteger(), nullable=False),
        sa.Column("in_bank_only", sa.BigInteger(), nullable=False),
        sa.Column("in_books_only", sa.BigInteger(), nullable=False),
        sa.Column("difference", sa.BigInteger(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "period_to >= period_from", name=op.f("ck_bankreconciliation_period_span")
        ),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bankaccount.id"],
            name=op.f("fk_bankreconciliation_bank_account_id_bankaccount"),
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"], ["user.id"], name=op.f("fk_bankreconciliation_made_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bankreconciliation")),
        sa.UniqueConstraint(
            "bank_account_id",
            "period_to",
            name=op.f("uq_bankreconciliation_bank_account_id_period_to"),
        ),
    )
    with op.batch_alter_table("bankreconciliation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bankreconciliation_bank_account_id"), ["bank_account_id"], unique=False
        )

    op.create_table(
        "bankstatement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("file_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("opening_balance", sa.BigInteger(), nullable=True),
        sa.Column("closing_balance", sa.BigInteger(), nullable=True),
        sa.Column("lines_read", sa.Integer(), nullable=False),
        sa.Column("lines_new", sa.Integer(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bankaccount.id"],
            name=op.f("fk_bankstatement_bank_account_id_bankaccount"),
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["user.id"], name=op.f("fk_bankstatement_imported_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bankstatement")),
    )
    with op.batch_alter_table("bankstatement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bankstatement_bank_account_id"), ["bank_account_id"], unique=False
        )

    op.create_table(
        "bankmatchentry",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entry.id"], name=op.f("fk_bankmatchentry_entry_id_entry")
        ),
        sa.ForeignKeyConstraint(
            ["match_id"], ["bankmatch.id"], name=op.f("fk_bankmatchentry_match_id_bankmatch")
        ),
        sa.PrimaryKeyConstraint("match_id", "entry_id", name=op.f("pk_bankmatchentry")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_bankmatchentry_entry_id")),
    )
    op.create_table(
        "cashcount",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("count_date", sa.Date(), nullable=False),
        sa.Column("counted_at", sa.DateTime(), nullable=False),
        sa.Column("denominations", sa.Text(), nullable=False),
        sa.Column("counted", sa.BigInteger(), nullable=False),
        sa.Column("book_balance", sa.BigInteger(), nullable=False),
        sa.Column("difference", sa.BigInteger(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("treasurer_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("witness_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("counted_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_comment", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "difference = 0 OR reason <> ''", name=op.f("ck_cashcount_difference_has_reason")
        ),
        sa.CheckConstraint(
            "status <> 'posted' OR entry_id IS NOT NULL", name=op.f("ck_cashcount_posted_has_entry")
        ),
        sa.CheckConstraint(
            "status IN ('balanced', 'pending', 'posted', 'rejected')",
            name=op.f("ck_cashcount_status_allowed"),
        ),
        sa.CheckConstraint("counted >= 0", name=op.f("ck_cashcount_counted_not_negative")),
        sa.CheckConstraint(
            "difference = counted - book_balance",
            name=op.f("ck_cashcount_difference_is_counted_minus_book"),
        ),
        sa.ForeignKeyConstraint(
            ["counted_by_id"], ["user.id"], name=op.f("fk_cashcount_counted_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user.id"], name=op.f("fk_cashcount_decided_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entry.id"], name=op.f("fk_cashcount_entry_id_entry")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_cashcount_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cashcount")),
    )
    with op.batch_alter_table("cashcount", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cashcount_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "statementline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("line_date", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=True),
        sa.Column("bank_ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("counterparty", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_statementline_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bankaccount.id"],
            name=op.f("fk_statementline_bank_account_id_bankaccount"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["bankstatement.id"],
            name=op.f("fk_statementline_statement_id_bankstatement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statementline")),
        sa.UniqueConstraint(
            "bank_account_id",
            "fingerprint",
            name=op.f("uq_statementline_bank_account_id_fingerprint"),
        ),
    )
    with op.batch_alter_table("statementline", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statementline_account_date", ["bank_account_id", "line_date", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_statementline_statement_id"), ["statement_id"], unique=False
        )

    op.create_table(
        "bankmatchline",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("statement_line_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"], ["bankmatch.id"], name=op.f("fk_bankmatchline_match_id_bankmatch")
        ),
        sa.ForeignKeyConstraint(
            ["statement_line_id"],
            ["statementline.id"],
            name=op.f("fk_bankmatchline_statement_line_id_statementline"),
        ),
        sa.PrimaryKeyConstraint("match_id", "statement_line_id", name=op.f("pk_bankmatchline")),
        sa.UniqueConstraint("statement_line_id", name=op.f("uq_bankmatchline_statement_line_id")),
    )
    op.create_table(
        "bankmatchrejection",
        sa.Column("statement_line_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("rejected_by_id", sa.Integer(), nullable=True),
        sa.Column("rejected_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entry.id"], name=op.f("fk_bankmatchrejection_entry_id_entry")
        ),
        sa.ForeignKeyConstraint(
            ["rejected_by_id"], ["user.id"], name=op.f("fk_bankmatchrejection_rejected_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["statement_line_id"],
            ["statementline.id"],
            name=op.f("fk_bankmatchrejection_statement_line_id_statementline"),
        ),
        sa.PrimaryKeyConstraint(
            "statement_line_id", "entry_id", name=op.f("pk_bankmatchrejection")
        ),
    )
    with op.batch_alter_table("disbursement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bank_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_disbursement_bank_account_id_bankaccount"),
            "bankaccount",
            ["bank_account_id"],
            ["id"],
        )

    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bank_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_receipt_bank_account_id_bankaccount"),
            "bankaccount",
            ["bank_account_id"],
            ["id"],
        )

    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_bank_account_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("to_bank_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_transfer_to_bank_account_id_bankaccount"),
            "bankaccount",
            ["to_bank_account_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_transfer_from_bank_account_id_bankaccount"),
            "bankaccount",
            ["from_bank_account_id"],
            ["id"],
        )


def downgrade() -> None:
    # Bank accounts, statements, matches and cash counts hold what no older revision can: a
    # cash count's or a bank fee's journal entry would be left with no document (check names
    # them unclaimed). Going below 0011 with any of it recorded is refused, nothing lost.
    held = {
        table: op.get_bind().execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()
        for table in ("bankaccount", "cashcount")
    }
    if any(held.values()):
        raise RuntimeError(
            "cannot downgrade below 0011: the books hold "
            + ", ".join(f"{n} {table} rows" for table, n in held.items() if n)
            + " (bank accounts and cash counts have no place in earlier revisions)"
        )
    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_transfer_from_bank_account_id_bankaccount"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_transfer_to_bank_account_id_bankaccount"), type_="foreignkey"
        )
        batch_op.drop_column("to_bank_account_id")
        batch_op.drop_column("from_bank_account_id")

    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_receipt_bank_account_id_bankaccount"), type_="foreignkey"
        )
        batch_op.drop_column("bank_account_id")

    with op.batch_alter_table("disbursement", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_disbursement_bank_account_id_bankaccount"), type_="foreignkey"
        )
        batch_op.drop_column("bank_account_id")

    op.drop_table("bankmatchrejection")
    op.drop_table("bankmatchline")
    with op.batch_alter_table("statementline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statementline_statement_id"))
        batch_op.drop_index("ix_statementline_account_date")

    op.drop_table("statementline")
    with op.batch_alter_table("cashcount", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cashcount_unit_id"))

    op.drop_table("cashcount")
    op.drop_table("bankmatchentry")
    with op.batch_alter_table("bankstatement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bankstatement_bank_account_id"))

    op.drop_table("bankstatement")
    with op.batch_alter_table("bankreconciliation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bankreconciliation_bank_account_id"))

    op.drop_table("bankreconciliation")
    with op.batch_alter_table("bankmatch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bankmatch_bank_account_id"))

    op.drop_table("bankmatch")
    with op.batch_alter_table("bankaccount", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bankaccount_primary",
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )
        batch_op.drop_index(batch_op.f("ix_bankaccount_unit_id"))

    op.drop_table("bankaccount")
