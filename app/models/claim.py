"""Monthly claims (积分申报), their evidence files, and idempotency records for retried posts."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import ts_column, utcnow
from app.models.standard import POINTS


class ClaimStatus(StrEnum):
    """The states of a claim; the transitions between them are in app/claims/rules.py."""

    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"
    returned = "returned"
    expired = "expired"


CLAIM_STATES = tuple(state.value for state in ClaimStatus)


class Claim(SQLModel, table=True):
    __tablename__ = "claim"
    __table_args__ = (
        sa.CheckConstraint(f"status in {CLAIM_STATES!r}", name="status"),
        sa.CheckConstraint("quantity >= 1", name="quantity"),
        sa.Index("ix_claim_branch_period_status", "branch_id", "period", "status"),
        sa.Index("ix_claim_member_period", "member_id", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    # The member's branch when the claim was made: history stays with it after a transfer.
    branch_id: int = Field(foreign_key="organisation.id")
    standard_id: int = Field(foreign_key="standard_version.id")
    item_id: int = Field(foreign_key="standard_item.id", index=True)
    period: str = Field(max_length=7)  # YYYY-MM, the month of occurred_on
    occurred_on: date
    quantity: int = Field(default=1)
    description: str = Field(max_length=500)
    claimed_points: Decimal = Field(sa_column=sa.Column(POINTS, nullable=False))
    granted_points: Decimal | None = Field(default=None, sa_column=sa.Column(POINTS, nullable=True))
    status: str = Field(default=ClaimStatus.draft.value, max_length=10)
    decision_comment: str | None = Field(default=None, max_length=500)
    reviewed_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    submitted_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    decided_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    # When the member last saw the decision; the phone shows decisions not yet seen.
    decision_seen_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    version: int = Field(default=1)
    # How many times a decision on it was reverted; its approval's ledger row carries it.
    decision_round: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ClaimEvidence(SQLModel, table=True):
    __tablename__ = "claim_evidence"
    __table_args__ = (sa.UniqueConstraint("claim_id", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("claim.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    storage_key: str = Field(max_length=200, unique=True)
    original_name: str = Field(max_length=100)
    content_type: str = Field(max_length=50)
    size: int
    sha256: str = Field(max_length=64)
    width: int | None = None
    height: int | None = None
    uploaded_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class IdempotencyRecord(SQLModel, table=True):
    """A caller's Idempotency-Key: the request it was first used for and the response given."""

    __tablename__ = "idempotency_record"
    __table_args__ = (
        sa.UniqueConstraint("caller", "key"),
        sa.CheckConstraint("state in ('running','done')", name="state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    caller: str = Field(max_length=40)  # "user:12" or "sa:3"
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    state: str = Field(default="running", max_length=10)
    response_status: int | None = None
    response_body: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    # A request that died mid-way leaves "running"; after this moment a retry may take over.
    lease_until: datetime = Field(sa_column=ts_column())
    expires_at: datetime = Field(sa_column=ts_column(index=True))
