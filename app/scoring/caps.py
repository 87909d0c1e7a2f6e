"""The annual and monthly points rule (DESIGN.md §6) as pure functions of plain values.

Everything is computed with exact Decimals; values are rounded to one decimal place only when
they are put into the returned tallies, so rounding never accumulates across items or months.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

BONUS = "bonus"
DEDUCTION = "deduction"
KINDS = (BONUS, DEDUCTION)
DIMENSION_ORDER = ("political", "discipline", "morality", "contribution")
MONTHS = range(1, 13)

_ZERO = Decimal(0)
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class ItemRule:
    code: str
    dimension: str
    kind: str  # "bonus" | "deduction"
    max_per_month: Decimal | None = None
    max_per_year: Decimal | None = None


@dataclass(frozen=True)
class LedgerPoint:
    """One approved ledger row; adjustments may carry negative points."""

    item_code: str
    month: int
    points: Decimal


@dataclass(frozen=True)
class ItemTally:
    """raw: approved points with each month (bonus) or the year (deduction) clamped at 0;
    counted: what is left after the item's monthly and yearly caps (bonus only)."""

    code: str
    dimension: str
    kind: str
    raw: Decimal
    counted: Decimal


@dataclass(frozen=True)
class DimensionTally:
    """raw: the dimension's counted item points before the dimension cap; cap and remaining
    are None for an uncapped dimension."""

    dimension: str
    cap: Decimal | None
    raw: Decimal
    counted: Decimal
    remaining: Decimal | None
    over_cap: Decimal


@dataclass(frozen=True)
class MonthTally:
    """Bonus after the monthly item caps only, so months can be compared and ranked."""

    month: int
    bonus: Decimal
    deduction: Decimal
    net: Decimal


@dataclass(frozen=True)
class YearPoints:
    base_score: Decimal
    dimensions: list[DimensionTally]
    items: list[ItemTally]
    months: list[MonthTally]
    bonus_total: Decimal
    deduction_total: Decimal
    score_before_evaluation: Decimal
    # Kept unrounded so that adding evaluation points in score() rounds only once.
    score_before_evaluation_exact: Decimal


def quantize(value: Decimal) -> Decimal:
    """Round to the one decimal place points are stored and shown with."""
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def membership_months(joined_on: date, year: int) -> int:
    """Months of `year` the member belongs to, counting the joining month as a whole month."""
    if joined_on.year < year:
        return 12
    if joined_on.year > year:
        return 0
    return 12 - joined_on.month + 1


def _decimal(value: Decimal | float | int) -> Decimal:
    # str() first: caps are stored as JSON floats, and Decimal(0.1) is not 0.1.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _index_rules(rules: Iterable[ItemRule]) -> dict[str, ItemRule]:
    by_code: dict[str, ItemRule] = {}
    for rule in rules:
        if rule.kind not in KINDS:
            raise ValueError(f"item {rule.code}: unknown kind {rule.kind!r}")
        if rule.code in by_code:
            raise ValueError(f"item {rule.code} is given twice")
        by_code[rule.code] = rule
    return by_code


def _net_by_item_month(
    by_code: Mapping[str, ItemRule], rows: Iterable[LedgerPoint]
) -> dict[str, dict[int, Decimal]]:
    net: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        if row.item_code not in by_code:
            # A missing rule would silently drop points from the score.
            raise ValueError(f"ledger row for unknown item {row.item_code}")
        if row.month not in MONTHS:
            raise ValueError(f"ledger row for item {row.item_code}: month {row.month} not in 1..12")
        net[row.item_code][row.month] += row.points
    return net


def _month_bonus(rule: ItemRule, net: Decimal) -> Decimal:
    counted = max(_ZERO, net)
    if rule.max_per_month is not None:
        counted = min(rule.max_per_month, counted)
    return counted


def _month_tally(
    by_code: Mapping[str, ItemRule], net: Mapping[str, Mapping[int, Decimal]], month: int
) -> MonthTally:
    bonus = deduction = _ZERO
    for code, months in net.items():
        rule = by_code[code]
        value = months.get(month, _ZERO)
        if rule.kind == BONUS:
            bonus += _month_bonus(rule, value)
        else:
            deduction += max(_ZERO, value)
    return MonthTally(
        month=month,
        bonus=quantize(bonus),
        deduction=quantize(deduction),
        net=quantize(bonus - deduction),
    )


def _dimension_order(dimensions: Iterable[str]) -> list[str]:
    seen = list(dict.fromkeys(dimensions))
    known = [d for d in DIMENSION_ORDER if d in seen]
    return known + [d for d in seen if d not in DIMENSION_ORDER]


def year_points(
    *,
    rules: Iterable[ItemRule],
    rows: Iterable[LedgerPoint],
    base_score: Decimal,
    dimension_caps: Mapping[str, Decimal | float | int],
    membership_months: int = 12,
) -> YearPoints:
    """A member's points for one year; every rule appears in `items`, in the order given."""
    if not 1 <= membership_months <= 12:
        raise ValueError(f"membership_months must be 1..12, got {membership_months}")
    by_code = _index_rules(rules)
    net = _net_by_item_month(by_code, rows)
    share = Decimal(membership_months) / 12
    base = base_score * share
    caps = {d: _decimal(cap) * share for d, cap in dimension_caps.items()}

    items: list[ItemTally] = []
    dimension_raw: dict[str, Decimal] = defaultdict(Decimal)
    deduction_total = _ZERO
    for rule in by_code.values():
        months = net.get(rule.code, {})
        if rule.kind == BONUS:
            raw = sum((max(_ZERO, v) for v in months.values()), _ZERO)
            counted = sum((_month_bonus(rule, v) for v in months.values()), _ZERO)
            if rule.max_per_year is not None:
                counted = min(rule.max_per_year, counted)
            dimension_raw[rule.dimension] += counted
        else:
            # Clamped over the year: an adjustment may reverse a deduction of another month.
            raw = counted = max(_ZERO, sum(months.values(), _ZERO))
            deduction_total += counted
        items.append(
            ItemTally(rule.code, rule.dimension, rule.kind, quantize(raw), quantize(counted))
        )

    bonus_dimensions = [r.dimension for r in by_code.values() if r.kind == BONUS]
    dimensions: list[DimensionTally] = []
    bonus_total = _ZERO
    for dimension in _dimension_order([*bonus_dimensions, *caps]):
        raw = dimension_raw.get(dimension, _ZERO)
        cap = caps.get(dimension)
        counted = raw if cap is None else min(cap, raw)
        bonus_total += counted
        dimensions.append(
            DimensionTally(
                dimension=dimension,
                cap=None if cap is None else quantize(cap),
                raw=quantize(raw),
                counted=quantize(counted),
                remaining=None if cap is None else quantize(max(_ZERO, cap - counted)),
                over_cap=quantize(raw - counted),
            )
        )

    before_evaluation = base + bonus_total - deduction_total
    return YearPoints(
        base_score=quantize(base),
        dimensions=dimensions,
        items=items,
        months=[_month_tally(by_code, net, m) for m in MONTHS],
        bonus_total=quantize(bonus_total),
        deduction_total=quantize(deduction_total),
        score_before_evaluation=quantize(before_evaluation),
        score_before_evaluation_exact=before_evaluation,
    )


def month_points(
    *, rules: Iterable[ItemRule], rows: Iterable[LedgerPoint], month: int
) -> MonthTally:
    """One month's points for a branch's monthly ranking; rows of other months are ignored.

    Deductions are clamped at 0 per item and month here, since one month is all there is.
    """
    if month not in MONTHS:
        raise ValueError(f"month must be 1..12, got {month}")
    by_code = _index_rules(rules)
    return _month_tally(by_code, _net_by_item_month(by_code, rows), month)


def score(*, points: YearPoints, evaluation_points: Decimal) -> Decimal:
    """The annual score: base + capped bonus − deductions + evaluation points."""
    return quantize(points.score_before_evaluation_exact + evaluation_points)
