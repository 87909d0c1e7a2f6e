"""The running total of a member's year (积分明细): the score after each ledger row in turn.

Pure, like the rest of app.scoring. The total after a row is what year_points() gives for every
row up to it (caps applied exactly as on the year's summary, so the last total is its score);
it is kept up to date row by row instead of recomputing the year for every row, which would
take quadratic time on a member's few hundred rows (tests/points/test_running.py checks both
agree).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from app.scoring.caps import (
    BONUS,
    MONTHS,
    ItemRule,
    LedgerPoint,
    _decimal,
    _month_bonus,
    index_rules,
    scale_up,
)

_ZERO = Decimal(0)


def _capped(value: Decimal, cap: Decimal | None) -> Decimal:
    return value if cap is None else min(cap, value)


def running_totals(
    *,
    rules: Iterable[ItemRule],
    rows: Sequence[LedgerPoint],
    base_score: Decimal,
    dimension_caps: Mapping[str, Decimal | float | int],
    membership_months: int = 12,
) -> list[Decimal]:
    """The score before evaluation (base + capped bonus − deductions, unrounded) before any
    row and after each row: len(rows) + 1 values. A row's effect on the score is the difference
    of two neighbours; it is less than the row's points once a cap is reached, and more for a
    member here m < 12 months, whose dimension sums are scaled up by 12 / m and held to the cap
    (the base and deductions are not scaled)."""
    if not 1 <= membership_months <= 12:
        raise ValueError(f"membership_months must be 1..12, got {membership_months}")
    by_code = index_rules(rules)
    base = base_score
    caps = {d: _decimal(cap) for d, cap in dimension_caps.items()}

    net: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    item_counted: dict[str, Decimal] = defaultdict(Decimal)  # bonus items, after their caps
    dimension_raw: dict[str, Decimal] = defaultdict(Decimal)
    bonus_total = deduction_total = _ZERO
    totals = [base]
    for row in rows:
        rule = by_code.get(row.item_code)
        if rule is None:
            raise ValueError(f"ledger row for unknown item {row.item_code}")
        if row.month not in MONTHS:
            raise ValueError(f"ledger row for item {row.item_code}: month {row.month} not in 1..12")
        months = net[row.item_code]
        if rule.kind == BONUS:
            months[row.month] += row.points
            counted = sum((_month_bonus(rule, v) for v in months.values()), _ZERO)
            if rule.max_per_year is not None:
                counted = min(rule.max_per_year, counted)
            dimension_raw[rule.dimension] += counted - item_counted[row.item_code]
            item_counted[row.item_code] = counted
            bonus_total = sum(
                (
                    _capped(scale_up(raw, membership_months), caps.get(d))
                    for d, raw in dimension_raw.items()
                ),
                _ZERO,
            )
        else:
            # Clamped over the year, as in year_points(): a reversal may undo a deduction.
            before = max(_ZERO, sum(months.values(), _ZERO))
            months[row.month] += row.points
            deduction_total += max(_ZERO, sum(months.values(), _ZERO)) - before
        totals.append(base + bonus_total - deduction_total)
    return totals
