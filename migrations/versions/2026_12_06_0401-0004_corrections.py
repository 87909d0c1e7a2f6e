"""corrections: voided entries, reverted decisions as reversing ledger rows

Revision ID: 0004_corrections
Revises: 0003_token_version
Create Date: 2026-12-06 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0004_corrections"
down_revision: str | Sequence[str] | None = "0003_token_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_APPROVAL = "reverses_id IS NULL AND claim_id IS NOT NULL"
# SQLite rebuilds a table to alter it, and its triggers go with the old one: the ledger's
# append-only trigger (0002) is made again afterwards.
SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE ON ledger_entry "
    "BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END"
)


def _append_only_again() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_append_only")
        op.execute(SQLITE_APPEND_ONLY)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Added in place: rebuilding branch_entry would drop a table the ledger's rows refer to.
        op.execute("ALTER TABLE branch_entry ADD COLUMN voided_at DATETIME")
        op.execute(
            "ALTER TABLE branch_entry ADD COLUMN voided_by_user_id INTEGER CONSTRAINT "
            "fk_branch_entry_voided_by_user_id_user_account REFERENCES user_account (id)"
        )
        op.execute("ALTER TABLE branch_entry ADD COLUMN void_reason VARCHAR(500)")
    else:
        _branch_entry_columns()

    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("decision_round", sa.Integer(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        # The rows written so far are their claims' first decision round (0): filled by the
        # column's default, as the append-only ledger takes no UPDATE.
        batch_op.add_column(
            sa.Column("claim_round", sa.Integer(), nullable=True, server_default="0")
        )
        batch_op.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_ledger_entry_claim_id"), type_="unique")
        batch_op.create_index(batch_op.f("ix_ledger_entry_claim_id"), ["claim_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_ledger_entry_reverses_id"), ["reverses_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ledger_entry_reverses_id_ledger_entry"),
            "ledger_entry",
            ["reverses_id"],
            ["id"],
        )
    _append_only_again()
    op.create_index(
        "uq_ledger_entry_claim_round",
        "ledger_entry",
        ["claim_id", "claim_round"],
        unique=True,
        sqlite_where=sa.text(LIVE_APPROVAL),
        postgresql_where=sa.text(LIVE_APPROVAL),
    )


def _branch_entry_columns() -> None:
    with op.batch_alter_table("branch_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("voided_at", app.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("voided_by_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_branch_entry_voided_by_user_id_user_account"),
            "user_account",
            ["voided_by_user_id"],
            ["id"],
        )


def downgrade() -> None:
    # Two ledger rows of one claim (a reverted approval) cannot go back under the old
    # unique claim_id: the downgrade refuses then, as the constraint would.
    op.drop_index("uq_ledger_entry_claim_round", table_name="ledger_entry")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_ledger_entry_reverses_id_ledger_entry"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_ledger_entry_reverses_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_ledger_entry_claim_id"))
        batch_op.create_unique_constraint(batch_op.f("uq_ledger_entry_claim_id"), ["claim_id"])
        batch_op.drop_column("reverses_id")
        batch_op.drop_column("claim_round")
    _append_only_again()

    if op.get_bind().dialect.name == "sqlite":
        # In place: rebuilding claim would drop a table other rows refer to.
        op.execute("ALTER TABLE claim DROP COLUMN decision_round")
    else:
        with op.batch_alter_table("claim", schema=None) as batch_op:
            batch_op.drop_column("decision_round")

    # On SQLite this rebuilds branch_entry (a column with a foreign key cannot be dropped in
    # place), which needs a database whose ledger no longer refers to its entries.
    with op.batch_alter_table("branch_entry", schema=None) as batch_op:
        if op.get_bind().dialect.name != "sqlite":  # there it goes with its column
            batch_op.drop_constraint(
                batch_op.f("fk_branch_entry_voided_by_user_id_user_account"), type_="foreignkey"
            )
        batch_op.drop_column("void_reason")
        batch_op.drop_column("voided_by_user_id")
        batch_op.drop_column("voided_at")
