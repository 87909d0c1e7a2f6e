"""Payloads of the undeclared list, reminders and the reviewer's to-do."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from app.schemas import Id, InputModel, OutputModel, PersonRef

SenderRole = Literal["reviewer", "secretary", "org_admin", "superadmin"]


class UndeclaredMember(OutputModel):
    member: PersonRef
    is_probationary: bool
    has_account: bool = Field(description="False: the member cannot sign in to see a reminder")
    reminders: int = Field(description="Reminders sent to the member for this month")
    last_reminded_at: datetime | None
    reminded_today: bool


class ReminderSend(InputModel):
    """Either some members (member_ids) or every member who has not declared (all: true)."""

    member_ids: Annotated[list[Id], Field(min_length=1, max_length=500)] | None = None
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> "ReminderSend":
        if (self.member_ids is None) == (not self.all):
            raise ValueError("give either member_ids or all: true")
        return self


class SkippedReminder(OutputModel):
    member_id: int
    reason: Literal["reminded_today", "declared"]


class ReminderSendResult(OutputModel):
    period: str
    sent: int
    skipped: int
    sent_member_ids: list[int]
    skipped_members: list[SkippedReminder]


class ReminderPublic(OutputModel):
    id: int
    period: str
    branch: PersonRef
    sender: PersonRef
    sender_role: SenderRole
    sent_at: datetime
    read_at: datetime | None


class TodoBranch(OutputModel):
    branch: PersonRef
    is_secretary: bool
    period: str = Field(description="The month being declared: last month until its deadline")
    pending: int = Field(description="Submitted claims of the branch awaiting a decision")
    undeclared: int = Field(description="Active members with no claim declared for period")
    members: int = Field(description="Active members of the branch")
    deadline: datetime | None
    deadline_day: date | None = Field(description="The deadline's day in the standard's timezone")
    days_left: int | None = Field(description="0 on the last day; null once the window closed")
    window_open: bool
    month_status: Literal["open", "locked"]


class Todo(OutputModel):
    branches: list[TodoBranch]
