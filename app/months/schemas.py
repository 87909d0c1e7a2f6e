"""Branch month, entry, adjustment and ranking payloads."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from app.schemas import Amount, Day, Id, InputModel, ItemRef, OutputModel, PersonRef, Reason

SignedPoints = Annotated[Amount, Field(ge=-1000, le=1000, max_digits=5, decimal_places=1)]


class Blocker(OutputModel):
    code: str
    detail: str
    count: int | None = None


class MonthPublic(OutputModel):
    branch_id: int
    period: str
    status: Literal["open", "locked"]
    deadline: datetime | None = Field(description="Last instant members may submit claims")
    window_open: bool
    counts: dict[str, int]
    entries: int = Field(description="Branch entries of the month, voided ones left out")
    approved_points: Decimal
    can_close: bool
    can_close_early: bool = Field(
        description="The caller (an org admin) may close the month before its deadline, "
        "giving a reason"
    )
    blockers: list[Blocker]
    warnings: list[Blocker]
    closed_at: datetime | None
    closed_by: PersonRef | None
    reopened_at: datetime | None
    reopen_reason: str | None


class CloseResult(MonthPublic):
    expired: int


class CloseBody(InputModel):
    reason: Reason | None = Field(
        default=None, description="Required when an org admin closes before the deadline"
    )


class ReopenBody(InputModel):
    reason: Reason


class EntryCreate(InputModel):
    item_id: Id
    occurred_on: Day
    member_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]
    quantity: Annotated[int, Field(ge=1, le=100)] = 1
    reason: Reason | None = None
    points: SignedPoints | None = Field(
        default=None,
        description="Adjustments only (locked month, org admin): points per member, "
        "negative to take points away. Defaults to the item's points × quantity.",
    )
    confirm_duplicate: bool = Field(
        default=False,
        description="Record it although some members already have an entry of the same "
        "item on the same day (answered 409 likely_duplicate otherwise).",
    )


class EntryVoid(InputModel):
    reason: Reason


class EntryPublic(OutputModel):
    id: int
    kind: Literal["entry", "adjustment"]
    branch_id: int
    period: str
    item: ItemRef
    occurred_on: date
    quantity: int
    points_each: Decimal
    reason: str | None
    member_count: int
    created_by: PersonRef | None
    created_at: datetime
    voided_at: datetime | None = None
    voided_by: PersonRef | None = None
    void_reason: str | None = None


class EntryDetail(EntryPublic):
    members: list[PersonRef]


class RankingRow(OutputModel):
    rank: int
    member: PersonRef
    bonus: Decimal
    deduction: Decimal
    net: Decimal


class Ranking(OutputModel):
    branch_id: int
    period: str
    locked: bool
    rows: list[RankingRow]


# -- the months of a subtree (/organisations/{org_id}/months) ---------------------------------


class OverviewMonth(OutputModel):
    """One branch's month: not started (nothing recorded yet), open, or locked (closed)."""

    period: str
    state: Literal["not_started", "open", "locked"]
    closed_at: datetime | None = None
    closed_by: PersonRef | None = None
    reopened_at: datetime | None = None
    reopen_reason: str | None = None
    pending: int = Field(default=0, description="Submitted claims awaiting a decision")


class OverviewBranch(OutputModel):
    id: int
    name: str
    path: str
    parent_name: str | None
    since: str = Field(description="The month the branch was set up here (YYYY-MM)")
    closed: int = Field(description="Months of the year the branch has closed")
    months: list[OverviewMonth] = Field(description="January to December")


class OverviewPeriod(OutputModel):
    """A month over the whole subtree (filters left aside)."""

    period: str
    begun: bool = Field(description="The month has begun in the standard's timezone")
    deadline_passed: bool = Field(description="Its submission window has ended")
    branches: int
    locked: int
    open: int
    not_started: int
    pending: int = Field(description="Submitted claims of the month awaiting a decision")


class MonthsOverview(OutputModel):
    """The subtree's branches (a page, in tree order) by month of the year, and each month's
    totals over every branch of the subtree."""

    organisation_id: int
    year: int
    periods: list[OverviewPeriod]
    items: list[OverviewBranch]
    total: int
    page: int
    page_size: int
