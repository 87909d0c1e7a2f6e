"""Months as periods: the step forward and back across a year's end."""

import pytest

from app import periods


@pytest.mark.parametrize(
    ("period", "before", "after"),
    [
        ("2027-01", "2026-12", "2027-02"),
        ("2026-12", "2026-11", "2027-01"),
        ("2026-06", "2026-05", "2026-07"),
    ],
)
def test_previous_and_next_period(period: str, before: str, after: str) -> None:
    assert periods.previous_period(period) == before
    assert periods.next_period(period) == after
    assert periods.next_period(periods.previous_period(period)) == period
