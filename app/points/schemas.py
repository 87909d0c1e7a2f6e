"""A member's points for a year, ledger rows and history."""

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from app.schemas import ItemRef, OutputModel, Page, PersonRef


class DimensionPoints(OutputModel):
    dimension: str
    cap: Decimal | None
    raw: Decimal
    counted: Decimal
    remaining: Decimal | None
    over_cap: Decimal


class MonthPoints(OutputModel):
    period: str
    bonus: Decimal
    deduction: Decimal
    net: Decimal
    pending: Decimal


class ItemPoints(OutputModel):
    code: str
    dimension: str
    kind: str
    raw: Decimal
    counted: Decimal


class PointsSummary(OutputModel):
    member_id: int
    year: int
    standard_id: int | None
    membership_months: int
    base_score: Decimal
    dimensions: list[DimensionPoints]
    months: list[MonthPoints]
    items: list[ItemPoints]
    bonus_total: Decimal
    deduction_total: Decimal
    pending_total: Decimal
    score_before_evaluation: Decimal


class LedgerRow(OutputModel):
    id: int
    period: str
    occurred_on: date | None = Field(description="The day of the claim or branch entry")
    item: ItemRef
    points: Decimal = Field(description="As stored: deduction items carry positive points")
    signed_points: Decimal = Field(description="What the row adds (+) or takes away (−)")
    counted: Decimal = Field(
        description="What the row changed the score by, after the caps (0 once a cap is full)"
    )
    running_total: Decimal = Field(
        description="The score before evaluation (base + bonus − deductions) after this row, "
        "rows taken by month and day"
    )
    source: str = Field(description="claim | entry | adjustment, or a reversing row's source")
    claim_id: int | None
    entry_id: int | None
    reverses_id: int | None = Field(
        default=None, description="The ledger row this (negative) row reverses"
    )
    branch_id: int
    reason: str | None
    created_at: datetime


class LedgerMonth(OutputModel):
    period: str
    rows: int
    points: Decimal = Field(description="Sum of the month's signed points")
    counted: Decimal = Field(description="What the month's rows added to the score after caps")
    running_total: Decimal = Field(description="The score at the end of the month")


class LedgerPage(Page[LedgerRow]):
    """A page of the year's rows, with every month's subtotal and the year's totals."""

    year: int
    base_score: Decimal
    year_total: Decimal = Field(description="The score before evaluation, as on the summary")
    months: list[LedgerMonth]


class YearRankingRow(OutputModel):
    rank: int
    member: PersonRef
    bonus: Decimal
    deduction: Decimal
    net: Decimal


class YearRanking(OutputModel):
    branch_id: int
    year: int
    periods: list[str] = Field(description="The closed months summed, oldest first")
    rows: list[YearRankingRow]


class AttendanceRow(OutputModel):
    entry_id: int
    occurred_on: date
    period: str
    item: ItemRef
    points: Decimal = Field(description="Net ledger points of the entry (0 once voided)")
    voided: bool
    recorded_by: PersonRef | None
    recorded_at: datetime
