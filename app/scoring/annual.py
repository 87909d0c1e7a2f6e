"""The annual score (DESIGN.md §6) and its breakdown, as pure functions of plain values.

    score = base score + Σ_d bonus_d + evaluation points − approved deduction points
    bonus_d = min(cap d, Σ items of d: min(max_per_year, Σ months: min(max_per_month, approved)))
              × 12 / m for a member here m < 12 months of the year, held to cap d again

The breakdown says what each cap took away and which cap took it; app/scoring/grade.py grades it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from app.scoring.caps import (
    BONUS,
    ItemRule,
    ItemSums,
    LedgerPoint,
    YearPoints,
    quantize,
    score,
    year_points,
    year_points_of_dimensions,
    year_points_of_items,
)

CapKind = Literal["per_month", "per_year", "dimension"]


class ScoreRules(Protocol):
    """What the score needs of a standard (grade.GradeRules has it)."""

    @property
    def base_score(self) -> Decimal: ...
    @property
    def dimension_caps(self) -> Mapping[str, Decimal | float | int]: ...
    @property
    def items(self) -> tuple[ItemRule, ...]: ...
    @property
    def items_by_code(self) -> Mapping[str, ItemRule]: ...


@dataclass(frozen=True)
class CappedAway:
    """Points a cap took away: an item's monthly or yearly cap (item_code set), or a
    dimension's annual cap (item_code None; in score points, after a joiner's scaling)."""

    cap: CapKind
    dimension: str
    item_code: str | None
    points: Decimal


@dataclass(frozen=True)
class ItemScore:
    code: str
    dimension: str
    kind: str
    approved: Decimal
    counted: Decimal
    over_month_cap: Decimal
    over_year_cap: Decimal


@dataclass(frozen=True)
class DimensionScore:
    """earned: the items' counted points; scaled: earned × 12 / m (None for a whole year);
    counted: what goes into the score, after the dimension cap."""

    dimension: str
    cap: Decimal | None
    earned: Decimal
    scaled: Decimal | None
    counted: Decimal
    over_cap: Decimal
    remaining: Decimal | None
    items: tuple[ItemScore, ...]


@dataclass(frozen=True)
class AnnualScore:
    base_score: Decimal
    dimensions: tuple[DimensionScore, ...]
    bonus_total: Decimal
    evaluation_points: Decimal
    deductions: tuple[ItemScore, ...]
    deduction_total: Decimal
    total: Decimal
    membership_months: int
    capped_away: tuple[CappedAway, ...]


def annual_score(points: YearPoints, *, evaluation_points: Decimal) -> AnnualScore:
    """The breakdown of a year computed by caps.year_points, with the evaluation points added
    (rounded once); only the items with approved points are listed."""
    by_dimension: dict[str, list[ItemScore]] = {}
    deductions: list[ItemScore] = []
    capped: list[CappedAway] = []
    for i in points.items:
        if not i.raw:
            continue
        item = ItemScore(
            i.code, i.dimension, i.kind, i.raw, i.counted, i.over_month_cap, i.over_year_cap
        )
        if i.kind == BONUS:
            by_dimension.setdefault(i.dimension, []).append(item)
            if i.over_month_cap:
                capped.append(CappedAway("per_month", i.dimension, i.code, i.over_month_cap))
            if i.over_year_cap:
                capped.append(CappedAway("per_year", i.dimension, i.code, i.over_year_cap))
        else:
            deductions.append(item)
    dimensions = []
    for d in points.dimensions:
        dimensions.append(
            DimensionScore(
                dimension=d.dimension,
                cap=d.cap,
                earned=d.raw,
                scaled=d.scaled,
                counted=d.counted,
                over_cap=d.over_cap,
                remaining=d.remaining,
                items=tuple(by_dimension.get(d.dimension, ())),
            )
        )
        if d.over_cap:
            capped.append(CappedAway("dimension", d.dimension, None, d.over_cap))
    return AnnualScore(
        base_score=points.base_score,
        dimensions=tuple(dimensions),
        bonus_total=points.bonus_total,
        evaluation_points=quantize(evaluation_points),
        deductions=tuple(deductions),
        deduction_total=points.deduction_total,
        total=score(points=points, evaluation_points=evaluation_points),
        membership_months=points.membership_months,
        capped_away=tuple(capped),
    )


def member_score(
    rules: ScoreRules,
    rows: Iterable[LedgerPoint],
    *,
    evaluation_points: Decimal,
    membership_months: int = 12,
) -> AnnualScore:
    """A member's annual score from approved ledger rows (or their sums per item and month).
    A record beginning after the year (m = 0) is computed like one month."""
    points = year_points(
        rules=rules.items,
        rows=rows,
        base_score=rules.base_score,
        dimension_caps=rules.dimension_caps,
        membership_months=min(max(membership_months, 1), 12),
    )
    return annual_score(points, evaluation_points=evaluation_points)


def member_score_of_items(
    rules: ScoreRules,
    sums: Mapping[str, ItemSums],
    *,
    evaluation_points: Decimal,
    membership_months: int = 12,
) -> AnnualScore:
    """member_score() from each item's sums after its monthly cap (caps.item_sums, or the same
    sums computed by the database for a whole branch at once)."""
    points = year_points_of_items(
        rules=rules.items_by_code,
        sums=sums,
        base_score=rules.base_score,
        dimension_caps=rules.dimension_caps,
        membership_months=min(max(membership_months, 1), 12),
    )
    return annual_score(points, evaluation_points=evaluation_points)


def member_score_of_dimensions(
    rules: ScoreRules,
    earned: Mapping[str, Decimal],
    deductions: Mapping[str, Decimal],
    *,
    evaluation_points: Decimal,
    membership_months: int = 12,
) -> AnnualScore:
    """member_score() from what the items' caps left of each dimension and each deduction
    item's net points (caps.year_points_of_dimensions): the dimensions and deductions without
    the bonus items, which a branch's grading does not keep."""
    points = year_points_of_dimensions(
        rules=rules.items_by_code,
        earned=earned,
        deductions=deductions,
        base_score=rules.base_score,
        dimension_caps=rules.dimension_caps,
        membership_months=min(max(membership_months, 1), 12),
    )
    return annual_score(points, evaluation_points=evaluation_points)
