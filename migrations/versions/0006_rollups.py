"""rolled-up totals per unit (with its subtree) and day, month and year, backfilled from the
postings; they replace the monthly credit totals

Revision ID: 0006
Revises: 0009 (0007 jobs, 0008 chain positions and 0009 list indexes landed first; chaining after them keeps one head)
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0006"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (unit, ancestor) for every unit and each of its ancestors, itself included
CLOSURE = (
    "WITH RECURSIVE closure(unit, anc) AS ("
    "SELECT id, id FROM unit UNION ALL "
    "SELECT c.unit, u.parent_id FROM closure c JOIN unit u ON u.id = c.anc "
    "WHERE u.parent_id IS NOT NULL) "
)


def _keys() -> list:
    return [
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=5), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "rollup",
        *_keys(),
        sa.Column("credited", sa.BigInteger(), nullable=False),
        sa.Column("credit_lines", sa.Integer(), nullable=False),
        sa.Column("last_credit", sa.Date(), nullable=True),
        sa.Column("donations", sa.BigInteger(), nullable=False),
        sa.Column("cash", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "grain IN ('day', 'month', 'year')", name=op.f("ck_rollup_grain_allowed")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_rollup_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", "grain", "period", name=op.f("pk_rollup")),
    )
    op.create_table(
        "rollupspend",
        *_keys(),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "grain IN ('day', 'month', 'year')", name=op.f("ck_rollupspend_grain_allowed")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_rollupspend_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", "grain", "period", "kind", name=op.f("pk_rollupspend")),
    )
    _backfill()
    op.drop_table("creditmonth")


def _trunc(grain: str, column: str) -> str:
    if op.get_bind().dialect.name == "sqlite":
        return f"date({column}, 'start of {grain}')"
    return f"CAST(date_trunc('{grain}', {column}) AS date)"


def _backfill() -> None:
    """Day rows from the postings (each line counted for its unit and every ancestor), then
    months from days and years from months."""
    op.execute(
        CLOSURE + ", lines(unit_id, day, credited, credit_lines, last_credit, donations, cash) AS ("
        "SELECT c.anc, p.entry_date, p.amount, 1, p.entry_date, 0, 0 "
        "FROM posting p JOIN closure c ON c.unit = p.credit_unit_id "
        "UNION ALL "
        "SELECT c.anc, p.entry_date, 0, 0, NULL, "
        "CASE WHEN a.kind = 'donations' THEN p.amount ELSE 0 END, "
        "CASE WHEN a.kind IN ('cash', 'bank') THEN p.amount ELSE 0 END "
        "FROM posting p JOIN account a ON a.id = p.account_id JOIN closure c ON c.unit = a.unit_id "
        "WHERE a.kind IN ('donations', 'cash', 'bank')) "
        "INSERT INTO rollup (unit_id, grain, period, credited, credit_lines, last_credit, "
        "donations, cash) "
        "SELECT unit_id, 'day', day, SUM(credited), SUM(credit_lines), MAX(last_credit), "
        "SUM(donations), SUM(cash) FROM lines GROUP BY unit_id, day"
    )
    op.execute(
        CLOSURE + "INSERT INTO rollupspend (unit_id, grain, period, kind, amount) "
        "SELECT c.anc, 'day', p.entry_date, a.kind, SUM(p.amount) "
        "FROM posting p JOIN account a ON a.id = p.account_id JOIN closure c ON c.unit = a.unit_id "
        "WHERE a.kind LIKE 'expense:%' GROUP BY c.anc, p.entry_date, a.kind"
    )
    for grain, finer in (("month", "day"), ("year", "month")):
        period = _trunc(grain, "period")
        op.execute(
            "INSERT INTO rollup (unit_id, grain, period, credited, credit_lines, last_credit, "
            f"donations, cash) SELECT unit_id, '{grain}', {period}, SUM(credited), "
            "SUM(credit_lines), MAX(last_credit), SUM(donations), SUM(cash) FROM rollup "
            f"WHERE grain = '{finer}' GROUP BY unit_id, {period}"
        )
        op.execute(
            "INSERT INTO rollupspend (unit_id, grain, period, kind, amount) "
            f"SELECT unit_id, '{grain}', {period}, kind, SUM(amount) FROM rollupspend "
            f"WHERE grain = '{finer}' GROUP BY unit_id, {period}, kind"
        )


def downgrade() -> None:
    op.create_table(
        "creditmonth",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_creditmonth_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", "month", name=op.f("pk_creditmonth")),
    )
    month = _trunc("month", "entry_date")
    op.execute(
        f"INSERT INTO creditmonth (unit_id, month, amount, last_date) "
        f"SELECT credit_unit_id, {month}, SUM(amount), MAX(entry_date) FROM posting "
        f"WHERE credit_unit_id IS NOT NULL GROUP BY credit_unit_id, {month}"
    )
    op.drop_table("rollupspend")
    op.drop_table("rollup")
