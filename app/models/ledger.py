"""A branch's month (open or locked), branch entries and adjustments, and the points ledger."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import ts_column, utcnow
from app.models.standard import POINTS


class BranchMonth(SQLModel, table=True):
    """One row per branch and month once anything happens in it; locked by the monthly close."""

    __tablename__ = "branch_month"
    __table_args__ = (
        sa.UniqueConstraint("branch_id", "period"),
        sa.CheckConstraint("status in ('open','locked')", name="status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="organisation.id")
    period: str = Field(max_length=7)
    status: str = Field(default="open", max_length=10)
    closed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    closed_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    reopened_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    reopened_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    reopen_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class BranchEntry(SQLModel, table=True):
    """Points a reviewer records for one or many members at once, or an org admin's adjustment."""

    __tablename__ = "branch_entry"
    __table_args__ = (
        sa.CheckConstraint("kind in ('entry','adjustment')", name="kind"),
        sa.Index("ix_branch_entry_branch_period", "branch_id", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=12)
    branch_id: int = Field(foreign_key="organisation.id")
    period: str = Field(max_length=7)
    standard_id: int = Field(foreign_key="standard_version.id")
    item_id: int = Field(foreign_key="standard_item.id")
    occurred_on: date
    quantity: int = Field(default=1)
    points_each: Decimal = Field(sa_column=sa.Column(POINTS, nullable=False))
    reason: str | None = Field(default=None, max_length=500)
    member_count: int
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    # Voided while its month was open: its ledger rows are reversed, the entry stays.
    voided_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    voided_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    void_reason: str | None = Field(default=None, max_length=500)


# A claim's approval rows not reversed: one per decision round (a revert starts a new round).
LIVE_APPROVAL = "reverses_id IS NULL AND claim_id IS NOT NULL"


class LedgerEntry(SQLModel, table=True):
    """Append-only: approved claims, entries and adjustments; rows are never updated.

    A correction (a voided entry, a reverted approval) is a reversing row: the negative
    points of the row it names in reverses_id, each row reversed at most once. A claim's
    approval rows carry the claim's decision round: two approvals of one round cannot both
    be written, and a new round begins only with a revert."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.CheckConstraint("source in ('claim','entry','adjustment')", name="source"),
        # The year of many members at once, read from the index alone (app/grading/repository).
        sa.Index(
            "ix_ledger_entry_member_year_item",
            "member_id",
            "year",
            "item_id",
            "period",
            postgresql_include=["points", "source"],
        ),
        sa.Index("ix_ledger_entry_branch_period", "branch_id", "period"),
        sa.Index(
            "uq_ledger_entry_claim_round",
            "claim_id",
            "claim_round",
            unique=True,
            sqlite_where=sa.text(LIVE_APPROVAL),
            postgresql_where=sa.text(LIVE_APPROVAL),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    branch_id: int = Field(foreign_key="organisation.id")
    year: int
    period: str = Field(max_length=7)
    standard_id: int = Field(foreign_key="standard_version.id")
    item_id: int = Field(foreign_key="standard_item.id")
    points: Decimal = Field(sa_column=sa.Column(POINTS, nullable=False))
    source: str = Field(max_length=12)
    claim_id: int | None = Field(default=None, foreign_key="claim.id", index=True)
    claim_round: int | None = Field(default=None, sa_column_kwargs={"server_default": "0"})
    reverses_id: int | None = Field(default=None, foreign_key="ledger_entry.id", unique=True)
    entry_id: int | None = Field(default=None, foreign_key="branch_entry.id", index=True)
    reason: str | None = Field(default=None, max_length=500)
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
