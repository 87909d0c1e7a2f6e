"""The quarterly evaluation's rule (DESIGN.md §5), against figures worked out by hand."""

import itertools
from decimal import Decimal

import pytest

from app.scoring.evaluation import (
    Counts,
    branch_mean,
    own_year_rate,
    quarter_rate,
    year_evaluation,
)

TEN = Decimal(10)


def test_a_quarter_rate_counts_fair_as_half_and_leaves_skips_out():
    # (6 + 0.5 × 2) / 10 = 0.7; the 4 skips are not part of n.
    counts = Counts(good=6, fair=2, poor=2, skip=4)
    assert counts.n == 10
    assert quarter_rate(counts) == Decimal("0.7")


def test_counts_are_tallied_from_ratings():
    assert Counts.of(["good", "skip", "fair", "good", "poor"]) == Counts(2, 1, 1, 1)
    with pytest.raises(ValueError):
        Counts.of(["great"])


def test_a_quarter_with_too_few_ratings_does_not_count():
    assert quarter_rate(Counts(good=2)) is None  # n = 2 < 3
    assert quarter_rate(Counts(good=2), min_ratings=2) == Decimal(1)
    assert quarter_rate(Counts(good=1, poor=2)) == Decimal(1) / 3


def test_a_quarter_of_skips_only_does_not_count():
    assert quarter_rate(Counts(skip=9)) is None
    assert quarter_rate(Counts(skip=9), min_ratings=1) is None  # n = 0 never divides


def test_the_year_rate_is_the_mean_of_the_qualifying_quarters():
    quarters = {
        1: Counts(good=6, fair=2, poor=2),  # 0.7
        2: Counts(good=3),  # 1.0
        3: Counts(good=1, fair=1),  # n = 2: does not count
    }
    assert own_year_rate(quarters) == Decimal("0.85")
    year = year_evaluation(quarters, evaluation_max=TEN, branch_rate=Decimal("0.1"))
    assert (year.rate, year.rate_source, year.points) == (Decimal("0.85"), "own", Decimal("8.5"))
    assert [q.qualifies for q in year.quarters] == [True, True, False, False]
    assert year.quarters[2].counts == Counts(good=1, fair=1)
    assert year.quarters[3].counts == Counts()


def test_a_quarter_rated_all_poor_counts_as_zero():
    quarters = {1: Counts(poor=3), 2: Counts(good=4)}
    assert own_year_rate(quarters) == Decimal("0.5")


def test_a_member_without_a_qualifying_quarter_takes_the_branch_mean():
    branch = [
        {1: Counts(good=6, fair=2, poor=2), 2: Counts(good=3)},  # 0.85
        {1: Counts(good=1, fair=2, poor=1)},  # (1 + 1) / 4 = 0.5
        {1: Counts(good=2)},  # too few: not part of the mean
    ]
    mean = branch_mean(branch)
    assert mean == Decimal("0.675")
    year = year_evaluation({1: Counts(good=2)}, evaluation_max=TEN, branch_rate=mean)
    assert (year.rate, year.rate_source) == (Decimal("0.675"), "branch_mean")
    assert year.points == Decimal("6.8")  # 6.75, rounded half up


def test_with_no_qualifying_member_in_the_branch_the_rate_is_one():
    assert branch_mean([{1: Counts(good=1)}, {}]) is None
    year = year_evaluation({}, evaluation_max=TEN, branch_rate=None)
    assert (year.rate, year.rate_source, year.points) == (Decimal(1), "default", TEN)
    assert year.poor_share is None
    assert year.poor_over_a_third is False


def test_a_member_who_joined_mid_year_is_measured_on_the_quarters_they_were_rated():
    # Joined in July: rated in Q3 ((2 + 0.5) / 4 = 0.625) and Q4 (1.0) only.
    quarters = {3: Counts(good=2, fair=1, poor=1), 4: Counts(good=4)}
    year = year_evaluation(quarters, evaluation_max=TEN, branch_rate=Decimal("0.2"))
    assert year.rate == Decimal("0.8125")
    assert year.points == Decimal("8.1")


def test_the_poor_share_is_over_the_qualifying_quarters():
    quarters = {
        1: Counts(good=1, fair=1, poor=2),  # n = 4
        2: Counts(good=2, poor=1, skip=5),  # n = 3
        3: Counts(poor=2),  # n = 2: not counted, nor its poor ratings
    }
    year = year_evaluation(quarters, evaluation_max=TEN, branch_rate=None)
    assert (year.poor, year.rated) == (3, 7)
    assert year.poor_share == Decimal(3) / 7
    assert year.poor_over_a_third is True


def test_a_poor_share_of_exactly_a_third_is_not_above_it():
    year = year_evaluation({1: Counts(good=2, poor=1)}, evaluation_max=TEN, branch_rate=None)
    assert year.poor_share == Decimal(1) / 3
    assert year.poor_over_a_third is False


def test_the_year_rate_is_exact_whatever_the_order_of_the_quarters() -> None:
    # 9/22, 7/11, 8/11, 8/11: their mean is exactly 0.625, so 10 points × 0.625 = 6.25 → 6.3;
    # summed as 28-digit Decimals in one order it came to 0.62499…98 and 6.2.
    counts = {
        1: Counts(good=0, fair=9, poor=2, skip=1),
        2: Counts(good=6, fair=2, poor=3, skip=1),
        3: Counts(good=6, fair=4, poor=1, skip=1),
        4: Counts(good=7, fair=2, poor=2, skip=1),
    }
    for order in itertools.permutations(counts):
        quarters = {q: counts[q] for q in order}
        result = year_evaluation(quarters, evaluation_max=Decimal(10), branch_rate=None)
        assert (result.rate, result.points) == (Decimal("0.625"), Decimal("6.3"))


def test_points_are_rounded_once_from_the_exact_rate() -> None:
    # 7/12 of 3 points is exactly 1.75 → 1.8 (a rounded 0.58333… × 3 gives 1.7499… → 1.7).
    quarters = {1: Counts(good=7, poor=5)}
    assert year_evaluation(quarters, evaluation_max=Decimal(3), branch_rate=None).points == Decimal(
        "1.8"
    )
