"""The quarterly evaluation (群众评议, DESIGN.md §5) as pure functions of rating counts.

    quarter rate = (good + 0.5 × fair) / n     n: the quarter's ratings other than skip,
                                               counted only when n ≥ min_ratings
    year rate    = mean of the member's qualifying quarters; with none, the branch's mean of
                   the members who have one, or 1.0 where no member has one
    points       = the standard's evaluation maximum × year rate
    poor share   = poor / n over the qualifying quarters; above one third it caps the grade

Rates are exact fractions, whatever the order of the quarters or the members, shown as
Decimals; points are rounded once, half up, to one decimal place like every score.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Literal

from app.scoring.caps import quantize

GOOD, FAIR, POOR, SKIP = "good", "fair", "poor", "skip"
RATINGS = (GOOD, FAIR, POOR, SKIP)
DEFAULT_MIN_RATINGS = 3
QUARTERS = (1, 2, 3, 4)

_HALF = Fraction(1, 2)

RateSource = Literal["own", "branch_mean", "default"]


@dataclass(frozen=True)
class Counts:
    """How often a member was rated each way in one quarter."""

    good: int = 0
    fair: int = 0
    poor: int = 0
    skip: int = 0

    @classmethod
    def of(cls, ratings: Iterable[str]) -> "Counts":
        tally = dict.fromkeys(RATINGS, 0)
        for rating in ratings:
            if rating not in tally:
                raise ValueError(f"unknown rating {rating!r}")
            tally[rating] += 1
        return cls(**tally)

    @property
    def n(self) -> int:
        """The ratings that count: every one but 不了解 (skip)."""
        return self.good + self.fair + self.poor


_NONE = Counts()


def _rate(counts: Counts, min_ratings: int) -> Fraction | None:
    if counts.n == 0 or counts.n < min_ratings:
        return None
    return Fraction(2 * counts.good + counts.fair, 2 * counts.n)


def _mean(rates: list[Fraction]) -> Fraction | None:
    return sum(rates, Fraction(0)) / len(rates) if rates else None


def shown(rate: Fraction) -> Decimal:
    """A rate as a Decimal (exact where it terminates, else to 28 digits)."""
    return Decimal(rate.numerator) / Decimal(rate.denominator)


def quarter_rate(counts: Counts, *, min_ratings: int = DEFAULT_MIN_RATINGS) -> Decimal | None:
    """(good + 0.5 × fair) / n, or None when the quarter has fewer than min_ratings ratings."""
    rate = _rate(counts, min_ratings)
    return None if rate is None else shown(rate)


def _own(quarters: Mapping[int, Counts], min_ratings: int) -> Fraction | None:
    return _mean([r for c in quarters.values() if (r := _rate(c, min_ratings)) is not None])


def own_year_rate(
    quarters: Mapping[int, Counts], *, min_ratings: int = DEFAULT_MIN_RATINGS
) -> Decimal | None:
    """The mean of the member's qualifying quarters, or None when none qualifies."""
    rate = _own(quarters, min_ratings)
    return None if rate is None else shown(rate)


def branch_mean(
    members: Iterable[Mapping[int, Counts]], *, min_ratings: int = DEFAULT_MIN_RATINGS
) -> Fraction | None:
    """The mean year rate of the branch's members who have a qualifying quarter, or None."""
    return _mean([r for q in members if (r := _own(q, min_ratings)) is not None])


def _tenths(value: Fraction) -> Decimal:
    """A non-negative exact value rounded half up to one decimal place."""
    return quantize(Decimal(floor(value * 10 + _HALF)) / 10)


@dataclass(frozen=True)
class QuarterResult:
    quarter: int
    counts: Counts
    rate: Decimal | None
    qualifies: bool


@dataclass(frozen=True)
class YearEvaluation:
    quarters: tuple[QuarterResult, ...]
    rate: Decimal
    rate_source: RateSource
    points: Decimal
    poor: int
    rated: int
    poor_share: Decimal | None
    poor_over_a_third: bool


def year_evaluation(
    quarters: Mapping[int, Counts],
    *,
    evaluation_max: Decimal,
    branch_rate: Fraction | None,
    min_ratings: int = DEFAULT_MIN_RATINGS,
) -> YearEvaluation:
    """A member's year: each quarter, the year rate (own, else the branch's mean, else 1.0),
    the evaluation points and the poor share of the qualifying quarters."""
    rates = {q: _rate(quarters.get(q, _NONE), min_ratings) for q in QUARTERS}
    results = tuple(
        QuarterResult(
            quarter=q,
            counts=quarters.get(q, _NONE),
            rate=None if rate is None else shown(rate),
            qualifies=rate is not None,
        )
        for q, rate in rates.items()
    )
    own = _mean([rate for rate in rates.values() if rate is not None])
    year_rate: Fraction
    source: RateSource
    if own is not None:
        year_rate, source = own, "own"
    elif branch_rate is not None:
        year_rate, source = branch_rate, "branch_mean"
    else:
        year_rate, source = Fraction(1), "default"
    qualifying = [r.counts for r in results if r.qualifies]
    poor = sum(c.poor for c in qualifying)
    rated = sum(c.n for c in qualifying)
    return YearEvaluation(
        quarters=results,
        rate=shown(year_rate),
        rate_source=source,
        points=_tenths(Fraction(evaluation_max) * year_rate),
        poor=poor,
        rated=rated,
        poor_share=Decimal(poor) / rated if rated else None,
        poor_over_a_third=3 * poor > rated,
    )
