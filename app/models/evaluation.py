"""The quarterly evaluation (群众评议): rounds, the masses' codes, who has voted, and ratings.

Anonymity is kept by the shape of the tables: a rating names the round and the member rated,
never the code or the member who gave it; its id is random; it carries no time. Who has voted
(a peer's receipt, a code's `spent` flag) lives in other tables with nothing to join on.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import ts_column, utcnow


class EvaluationRound(SQLModel, table=True):
    """One branch's evaluation of one quarter, taking ballots between two days (inclusive)."""

    __tablename__ = "evaluation_round"
    __table_args__ = (
        sa.UniqueConstraint("branch_id", "year", "quarter"),
        sa.CheckConstraint("quarter between 1 and 4", name="quarter"),
        sa.CheckConstraint("status in ('open','closed')", name="status"),
        sa.CheckConstraint("opens_on <= closes_on", name="window"),
    )

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="organisation.id", index=True)
    year: int
    quarter: int
    opens_on: date
    closes_on: date
    status: str = Field(default="open", max_length=10)
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    closed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    closed_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")


class EvaluationCode(SQLModel, table=True):
    """A single-use code for the masses, stored only as its keyed hash."""

    __tablename__ = "evaluation_code"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    batch: int
    # No time: when a code was spent would date the ballot it carried.
    spent: bool = Field(default=False)


class EvaluationReceipt(SQLModel, table=True):
    """That a member has cast their peer ballot in a round; nothing about what it said."""

    __tablename__ = "evaluation_receipt"

    round_id: int = Field(foreign_key="evaluation_round.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)


class EvaluationRating(SQLModel, table=True):
    """One rating of one member in a round, by someone nobody can tell.

    The id is random (secrets.token_hex), so neither it nor, on SQLite, the row's place (the
    table has no rowid) follows insertion. PostgreSQL keeps rows in the order written until
    the round closes, when the round's ratings are rewritten in random order with new ids."""

    __tablename__ = "evaluation_rating"
    __table_args__ = (
        sa.CheckConstraint("rating in ('good','fair','poor','skip')", name="rating"),
        sa.Index("ix_evaluation_rating_round_member", "round_id", "member_id"),
        # A member's ratings of a year, read from the index alone (the grading's counts).
        sa.Index(
            "ix_evaluation_rating_member_round",
            "member_id",
            "round_id",
            postgresql_include=["rating"],
        ),
        {"sqlite_with_rowid": False},
    )

    id: str = Field(primary_key=True, max_length=32)
    round_id: int = Field(foreign_key="evaluation_round.id")
    member_id: int = Field(foreign_key="member.id")
    rating: str = Field(max_length=4)
    comment: str | None = Field(default=None, max_length=200)
