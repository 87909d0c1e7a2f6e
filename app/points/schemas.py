"""A member's points for a year, ledger rows and history."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from app.schemas import ItemRef, OutputModel


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
    item: ItemRef
    points: Decimal
    source: Literal["claim", "entry", "adjustment"]
    claim_id: int | None
    entry_id: int | None
    branch_id: int
    reason: str | None
    created_at: datetime
