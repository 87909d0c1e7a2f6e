"""In-app reminders (申报提醒) a branch's reviewer sends to members who have not declared."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import ts_column, utcnow


class Reminder(SQLModel, table=True):
    """One reminder to one member to declare a month's points; at most one a day per month."""

    __tablename__ = "reminder"
    __table_args__ = (
        # The once-a-day rule, held by the database so two taps at once send one reminder.
        sa.UniqueConstraint("member_id", "period", "sent_on"),
        sa.CheckConstraint(
            "sender_role in ('reviewer','secretary','org_admin','superadmin')", name="sender_role"
        ),
        sa.Index("ix_reminder_member_read", "member_id", "read_at"),
        sa.Index("ix_reminder_branch_period", "branch_id", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    branch_id: int = Field(foreign_key="organisation.id")
    period: str = Field(max_length=7)  # YYYY-MM, the month to declare
    # The day it was sent, in the standard's timezone: the unit of the once-a-day rule.
    sent_on: date
    sender_user_id: int = Field(foreign_key="user_account.id")
    sender_role: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    read_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
