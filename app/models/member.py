"""Party members and their branch transfers."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import ts_column, utcnow


class Member(SQLModel, table=True):
    __tablename__ = "member"
    __table_args__ = (
        sa.CheckConstraint(
            "category in ('rural_community','institution','new_org','mobile')", name="category"
        ),
        sa.CheckConstraint("status in ('active','inactive')", name="status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", unique=True)
    name: str = Field(max_length=50, index=True)
    gender: str | None = Field(default=None, max_length=10)
    phone: str = Field(max_length=20, unique=True)
    category: str = Field(max_length=20)
    branch_id: int = Field(foreign_key="organisation.id", index=True)
    status: str = Field(default="active", max_length=10)
    joined_on: date
    # When the member's record here began, for one who came from outside the system during a
    # year (DESIGN.md §6: measured on the months here); None: here since joining the party.
    arrived_on: date | None = None
    is_probationary: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class MemberTransfer(SQLModel, table=True):
    """A move from one branch to another; history stays with the old branch."""

    __tablename__ = "member_transfer"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    from_branch_id: int = Field(foreign_key="organisation.id")
    to_branch_id: int = Field(foreign_key="organisation.id")
    transferred_on: date
    reason: str = Field(max_length=500)
    actor_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
