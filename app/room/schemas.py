"""The answer of /members/{id}/room."""

from datetime import datetime
from decimal import Decimal

from app.points.schemas import DimensionPoints
from app.schemas import OutputModel


class ItemRoom(OutputModel):
    """An item's caps for the member: points used (submitted or approved claims) and left.

    The *_left and left fields are None for a cap the item does not have; times_left is how
    many occurrences one more claim may ask for (None: no cap); full: not even one."""

    item_id: int
    code: str
    points: Decimal
    max_per_month: Decimal | None
    max_per_year: Decimal | None
    month_used: Decimal
    year_used: Decimal
    month_left: Decimal | None
    year_left: Decimal | None
    left: Decimal | None
    times_left: int | None
    full: bool


class MonthState(OutputModel):
    """Whether a month takes claims now: started, its window not ended, not closed."""

    period: str
    deadline: datetime | None
    started: bool
    window_closed: bool
    locked: bool
    has_standard: bool
    open: bool


class MemberRoom(OutputModel):
    member_id: int
    period: str
    standard_id: int
    month: MonthState
    # The months a claim may be for by the calendar (last month while its window lasts, and
    # this month), each with its state: the claim form offers those that are open.
    months: list[MonthState]
    items: list[ItemRoom]
    # The year's approved points against each dimension's annual cap (as /points gives them):
    # points past a dimension's cap are kept but no longer raise the score.
    dimensions: list[DimensionPoints]
