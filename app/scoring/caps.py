"""The annual and monthly points rule (DESIGN.md §6) as pure functions of plain values.

A member whose record here began during the year is measured on the m months they were here:
each dimension's capped sum is scaled up by 12 / m and then held to the dimension's full cap;
the base score and deductions are not scaled (nor are evaluation points, added in score()).

Everything is computed with exact Decimals; values are rounded to one decimal place only when
they are put into the returned tallies, so rounding never accumulates across items or months.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

BONUS = "bonus"
DEDUCTION = "deduction"
KINDS = (BONUS, DEDUCTION)
DIMENSION_ORDER = ("political", "discipline", "morality", "contribution")
DIMENSION_ZH = {
    "political": "讲政治有信念",
    "discipline": "讲规矩有纪律",
    "morality": "讲道德有品行",
    "contribution": "讲奉献有作为",
}
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
    counted: what is left after the item's monthly and yearly caps (bonus only);
    over_month_cap, over_year_cap: what each of those caps took away (raw = counted + both)."""

    code: str
    dimension: str
    kind: str
    raw: Decimal
    counted: Decimal
    over_month_cap: Decimal = _ZERO
    over_year_cap: Decimal = _ZERO


@dataclass(frozen=True)
class DimensionTally:
    """raw: the dimension's counted item points (after the items' monthly and yearly caps)
    before the dimension cap; scaled: raw × 12 / m for a member here m < 12 months of the year,
    None for a whole year; counted: min(cap, scaled or raw); over_cap: what the dimension cap
    took away from (scaled or raw). cap and remaining are None for an uncapped dimension."""

    dimension: str
    cap: Decimal | None
    raw: Decimal
    counted: Decimal
    remaining: Decimal | None
    over_cap: Decimal
    scaled: Decimal | None = None


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
    # The m months of the year the member was here; below 12 the dimension sums are scaled up.
    membership_months: int = 12


def quantize(value: Decimal) -> Decimal:
    """Round to the one decimal place points are stored and shown with."""
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def membership_months(joined_on: date, year: int) -> int:
    """Months of `year` the member belongs to, counting the joining month as a whole month
    (0 for a record that begins after the year)."""
    if joined_on.year < year:
        return 12
    if joined_on.year > year:
        return 0
    return 12 - joined_on.month + 1


def months_here(joined_on: date, arrived_on: date | None, year: int) -> int:
    """m of DESIGN.md §6: the months of `year` since the member's record here began, which is
    when they arrived from outside the system, else when they joined (probationary months
    count)."""
    start = joined_on if arrived_on is None else max(joined_on, arrived_on)
    return membership_months(start, year)


def _decimal(value: Decimal | float | int) -> Decimal:
    # str() first: caps are stored as JSON floats, and Decimal(0.1) is not 0.1.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def index_rules(rules: Iterable[ItemRule]) -> dict[str, ItemRule]:
    """Rules by code, each checked (a known kind, no code twice)."""
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


@lru_cache(maxsize=4096)
def _nothing(rule: ItemRule) -> ItemTally:
    """The tally of an item without ledger rows (shared: most items of a year have none)."""
    zero = quantize(_ZERO)
    return ItemTally(rule.code, rule.dimension, rule.kind, zero, zero, zero, zero)


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


def scale_up(raw: Decimal, membership_months: int) -> Decimal:
    """A dimension's capped sum measured on m months, scaled to the year: raw × 12 / m (exact
    for a whole year; the division comes last so that 12 / 7 is not rounded first)."""
    if membership_months == 12:
        return raw
    return raw * 12 / membership_months


def _dimension_order(dimensions: Iterable[str]) -> list[str]:
    seen = list(dict.fromkeys(dimensions))
    known = [d for d in DIMENSION_ORDER if d in seen]
    return known + [d for d in seen if d not in DIMENSION_ORDER]


@dataclass(frozen=True)
class ItemSums:
    """An item's year after its monthly cap, before its yearly cap. Bonus: raw is the sum of
    its months clamped at 0, after_month the sum of min(max_per_month, month). Deduction: both
    are the year's net (an adjustment may reverse a deduction of another month)."""

    raw: Decimal
    after_month: Decimal


def item_sums(rule: ItemRule, months: Mapping[int, Decimal]) -> ItemSums:
    """The monthly cap of one item over its months' net points (see ItemSums)."""
    if rule.kind != BONUS:
        net = sum(months.values(), _ZERO)
        return ItemSums(net, net)
    raw = after_month = _ZERO
    for value in months.values():
        if value > 0:
            raw += value
            after_month += _month_bonus(rule, value)
    return ItemSums(raw, after_month)


def year_points(
    *,
    rules: Iterable[ItemRule],
    rows: Iterable[LedgerPoint],
    base_score: Decimal,
    dimension_caps: Mapping[str, Decimal | float | int],
    membership_months: int = 12,
) -> YearPoints:
    """A member's points for one year; every rule appears in `items`, in the order given.

    membership_months (m, 1..12): the months of the year the member was here; below 12 each
    dimension's sum is scaled up by 12 / m and held to the dimension's full cap, while the base
    score, the item caps and the deductions stay as they are (DESIGN.md §6)."""
    by_code = index_rules(rules)
    net = _net_by_item_month(by_code, rows)
    return year_points_of_items(
        rules=by_code.values(),
        sums={code: item_sums(by_code[code], months) for code, months in net.items() if months},
        base_score=base_score,
        dimension_caps=dimension_caps,
        membership_months=membership_months,
        months=[_month_tally(by_code, net, m) for m in MONTHS],
    )


def year_points_of_items(
    *,
    rules: Iterable[ItemRule] | Mapping[str, ItemRule],
    sums: Mapping[str, ItemSums],
    base_score: Decimal,
    dimension_caps: Mapping[str, Decimal | float | int],
    membership_months: int = 12,
    months: list[MonthTally] | None = None,
) -> YearPoints:
    """year_points() from each item's sums after its monthly cap (item_sums, or the same sums
    computed by the database): the yearly caps, the joiners' scaling and the dimension caps.
    `months` is left empty when the months were not looked at."""
    if not 1 <= membership_months <= 12:
        raise ValueError(f"membership_months must be 1..12, got {membership_months}")
    by_code = rules if isinstance(rules, Mapping) else index_rules(rules)
    for code in sums:
        if code not in by_code:
            # A missing rule would silently drop points from the score.
            raise ValueError(f"ledger row for unknown item {code}")
    items: list[ItemTally] = []
    earned: dict[str, Decimal] = defaultdict(Decimal)
    deduction_total = _ZERO
    for rule in by_code.values():
        found = sums.get(rule.code)
        if found is None:
            items.append(_nothing(rule))
            continue
        raw, after_month = found.raw, found.after_month
        if rule.kind == BONUS:
            counted = after_month
            if rule.max_per_year is not None:
                counted = min(rule.max_per_year, counted)
            earned[rule.dimension] += counted
        else:
            raw = after_month = counted = max(_ZERO, raw)
            deduction_total += counted
        items.append(
            ItemTally(
                rule.code,
                rule.dimension,
                rule.kind,
                quantize(raw),
                quantize(counted),
                over_month_cap=quantize(raw - after_month),
                over_year_cap=quantize(after_month - counted),
            )
        )
    return _year(
        bonus_dimensions=_bonus_dimensions(by_code.values()),
        earned=earned,
        items=items,
        deduction_total=deduction_total,
        base_score=base_score,
        dimension_caps=dimension_caps,
        membership_months=membership_months,
        months=months or [],
    )


def year_points_of_dimensions(
    *,
    rules: Iterable[ItemRule] | Mapping[str, ItemRule],
    earned: Mapping[str, Decimal],
    deductions: Mapping[str, Decimal],
    base_score: Decimal,
    dimension_caps: Mapping[str, Decimal | float | int],
    membership_months: int = 12,
) -> YearPoints:
    """year_points() from what the items' caps left of each dimension's bonus (`earned`, the
    sum over its items of min(max_per_year, Σ months min(max_per_month, month))) and each
    deduction item's net points of the year: the joiners' scaling, the dimension caps and the
    deductions. A branch's grading sums both in the database for all its members at once
    (app/grading/repository.py); `items` then lists the deductions only."""
    if not 1 <= membership_months <= 12:
        raise ValueError(f"membership_months must be 1..12, got {membership_months}")
    by_code = rules if isinstance(rules, Mapping) else index_rules(rules)
    items: list[ItemTally] = []
    deduction_total = _ZERO
    for code, net in deductions.items():
        rule = by_code.get(code)
        if rule is None or rule.kind != DEDUCTION:
            raise ValueError(f"{code} is not a deduction item of these rules")
        counted = max(_ZERO, net)
        deduction_total += counted
        items.append(
            ItemTally(code, rule.dimension, DEDUCTION, quantize(counted), quantize(counted))
        )
    return _year(
        bonus_dimensions=[*_bonus_dimensions(by_code.values()), *earned],
        earned=earned,
        items=items,
        deduction_total=deduction_total,
        base_score=base_score,
        dimension_caps=dimension_caps,
        membership_months=membership_months,
        months=[],
    )


def _bonus_dimensions(rules: Iterable[ItemRule]) -> list[str]:
    return [r.dimension for r in rules if r.kind == BONUS]


def _year(
    *,
    bonus_dimensions: Iterable[str],
    earned: Mapping[str, Decimal],
    items: list[ItemTally],
    deduction_total: Decimal,
    base_score: Decimal,
    dimension_caps: Mapping[str, Decimal | float | int],
    membership_months: int,
    months: list[MonthTally],
) -> YearPoints:
    """The dimensions (scaled for a joiner, then capped) and the year's totals."""
    caps = {d: _decimal(cap) for d, cap in dimension_caps.items()}
    whole_year = membership_months == 12
    dimensions: list[DimensionTally] = []
    bonus_total = _ZERO
    for dimension in _dimension_order([*bonus_dimensions, *caps]):
        raw = earned.get(dimension, _ZERO)
        scaled = scale_up(raw, membership_months)
        cap = caps.get(dimension)
        counted = scaled if cap is None else min(cap, scaled)
        bonus_total += counted
        dimensions.append(
            DimensionTally(
                dimension=dimension,
                cap=None if cap is None else quantize(cap),
                raw=quantize(raw),
                counted=quantize(counted),
                remaining=None if cap is None else quantize(max(_ZERO, cap - counted)),
                over_cap=quantize(scaled - counted),
                scaled=None if whole_year else quantize(scaled),
            )
        )

    before_evaluation = base_score + bonus_total - deduction_total
    return YearPoints(
        base_score=quantize(base_score),
        dimensions=dimensions,
        items=items,
        months=months,
        bonus_total=quantize(bonus_total),
        deduction_total=quantize(deduction_total),
        score_before_evaluation=quantize(before_evaluation),
        score_before_evaluation_exact=before_evaluation,
        membership_months=membership_months,
    )


def month_points(
    *, rules: Iterable[ItemRule], rows: Iterable[LedgerPoint], month: int
) -> MonthTally:
    """One month's points for a branch's monthly ranking; rows of other months are ignored.

    Deductions are clamped at 0 per item and month here, since one month is all there is.
    """
    if month not in MONTHS:
        raise ValueError(f"month must be 1..12, got {month}")
    by_code = index_rules(rules)
    return _month_tally(by_code, _net_by_item_month(by_code, rows), month)


def score(*, points: YearPoints, evaluation_points: Decimal) -> Decimal:
    """The annual score: base + capped (and, for a joiner, scaled) bonus − deductions +
    evaluation points; evaluation points are never scaled."""
    return quantize(points.score_before_evaluation_exact + evaluation_points)
