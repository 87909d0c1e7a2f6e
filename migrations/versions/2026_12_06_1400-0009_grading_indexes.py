"""indexes the grading reads many members' years from: the ledger by member, year, item and
period, and the ratings by member (PostgreSQL keeps the summed columns in the index too)

Revision ID: 0009_grading_indexes
Revises: 0008_grading
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_grading_indexes"
down_revision: str | Sequence[str] | None = "0008_grading"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entry_member_year")
        batch_op.create_index(
            "ix_ledger_entry_member_year_item",
            ["member_id", "year", "item_id", "period"],
            unique=False,
            postgresql_include=["points", "source"],
        )
    with op.batch_alter_table("evaluation_rating", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evaluation_rating_member_round",
            ["member_id", "round_id"],
            unique=False,
            postgresql_include=["rating"],
        )


def downgrade() -> None:
    with op.batch_alter_table("evaluation_rating", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_rating_member_round")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entry_member_year_item")
        batch_op.create_index("ix_ledger_entry_member_year", ["member_id", "year"], unique=False)
