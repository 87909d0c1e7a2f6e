"""The room a member has left under an item's monthly and yearly caps (DESIGN.md §3–4).

The same arithmetic as the refusal at submit (app.claims.rules.check_caps): a claim of
`claimed` points is accepted while used + claimed stays within every cap, so the room is the
cap minus what is used, and the occurrences left are the whole multiples of the item's points
that fit in it. Pure: the caller reads the used points (app.claims.repository.used_points).
"""

from dataclasses import dataclass
from decimal import Decimal

_ZERO = Decimal(0)


@dataclass(frozen=True)
class ItemRoom:
    """month_left / year_left: points left under each cap (None: no such cap);
    left: the smaller of the two; times_left: occurrences one more claim may ask for
    (None: no cap); full: not even one occurrence fits."""

    month_left: Decimal | None
    year_left: Decimal | None
    left: Decimal | None
    times_left: int | None
    full: bool


def _left(limit: Decimal | None, used: Decimal) -> Decimal | None:
    return None if limit is None else max(_ZERO, limit - used)


def item_room(
    *,
    points: Decimal,
    max_per_month: Decimal | None,
    max_per_year: Decimal | None,
    month_used: Decimal,
    year_used: Decimal,
) -> ItemRoom:
    """What is left of an item's caps once month_used and year_used points are counted."""
    month_left = _left(max_per_month, month_used)
    year_left = _left(max_per_year, year_used)
    bounds = [v for v in (month_left, year_left) if v is not None]
    left = min(bounds) if bounds else None
    if left is None:
        return ItemRoom(month_left, year_left, None, None, full=False)
    times = int(left // points) if points > 0 else 0
    return ItemRoom(month_left, year_left, left, times, full=times < 1)
