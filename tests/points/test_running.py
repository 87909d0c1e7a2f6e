"""The running total of 积分明细 (app/scoring/running.py): pure, no database."""

import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

from app import scoring
from app.scoring.running import running_totals

RULES = [
    scoring.ItemRule("D01", "discipline", "bonus", Decimal("0.5"), Decimal("2")),
    scoring.ItemRule("C04", "contribution", "bonus", None, None),
    scoring.ItemRule("X01", "deduction", "deduction"),
]


def _row(code: str, month: int, points: str) -> scoring.LedgerPoint:
    return scoring.LedgerPoint(item_code=code, month=month, points=Decimal(points))


def test_the_running_total_starts_at_the_base_and_ends_at_the_score():
    rows = [
        _row("D01", 1, "0.5"),
        _row("D01", 1, "0.5"),  # over the monthly cap: adds nothing
        _row("C04", 2, "2"),
        _row("X01", 2, "2"),
        _row("C04", 3, "2"),  # over the contribution cap of 3: adds 1
    ]
    totals = running_totals(
        rules=RULES, rows=rows, base_score=Decimal(60), dimension_caps={"contribution": 3}
    )
    assert totals == [Decimal(v) for v in ("60", "60.5", "60.5", "62.5", "60.5", "61.5")]
    year = scoring.year_points(
        rules=RULES, rows=rows, base_score=Decimal(60), dimension_caps={"contribution": 3}
    )
    assert totals[-1] == year.score_before_evaluation_exact


def test_a_reversing_row_takes_back_what_its_row_added():
    rows = [_row("C04", 1, "2"), _row("C04", 1, "-2")]
    totals = running_totals(rules=RULES, rows=rows, base_score=Decimal(60), dimension_caps={})
    assert totals == [Decimal(60), Decimal(62), Decimal(60)]


def test_a_member_who_joined_mid_year_starts_from_the_whole_base_and_counts_double():
    # Here 6 months: the base stays 60; dimension sums count × 12/6 up to the full cap of 3;
    # the deduction is not scaled.
    rows = [_row("C04", 8, "1"), _row("C04", 9, "1"), _row("X01", 10, "2")]
    totals = running_totals(
        rules=RULES,
        rows=rows,
        base_score=Decimal(60),
        dimension_caps={"contribution": 3},
        membership_months=6,
    )
    assert totals == [Decimal(v) for v in ("60", "62", "63", "61")]


def test_each_running_total_is_the_year_points_of_the_rows_up_to_it():
    """Kept row by row, the totals agree with year_points() of every prefix (random years)."""
    rng = random.Random(14)
    standard = json.loads(
        (Path(__file__).parents[2] / "app/standards/default_standard.json").read_text()
    )
    rules = [
        scoring.ItemRule(
            i["code"],
            i["dimension"],
            i["kind"],
            None if i.get("max_per_month") is None else Decimal(str(i["max_per_month"])),
            None if i.get("max_per_year") is None else Decimal(str(i["max_per_year"])),
        )
        for i in standard["items"]
    ]
    caps = standard["dimension_caps"]
    for _ in range(20):
        rows = []
        for _ in range(rng.randint(1, 60)):
            rule = rng.choice(rules)
            points = Decimal(rng.choice(("0.1", "0.3", "0.5", "1", "2", "3")))
            rows.append(_row(rule.code, rng.randint(1, 12), str(points)))
            if rng.random() < 0.15:  # a reversing row
                rows.append(_row(rule.code, rows[-1].month, str(-points)))
        months = rng.randint(1, 12)
        totals = running_totals(
            rules=rules,
            rows=rows,
            base_score=Decimal(60),
            dimension_caps=caps,
            membership_months=months,
        )
        for n in range(len(rows) + 1):
            year = scoring.year_points(
                rules=rules,
                rows=rows[:n],
                base_score=Decimal(60),
                dimension_caps=caps,
                membership_months=months,
            )
            # Equal up to the 28 digits of Decimal arithmetic (sums taken in another order).
            assert abs(totals[n] - year.score_before_evaluation_exact) < Decimal("1e-20")
            assert scoring.quantize(totals[n]) == year.score_before_evaluation, (n, rows[:n])


def test_rows_of_unknown_items_are_refused():
    with pytest.raises(ValueError, match="unknown item"):
        running_totals(
            rules=RULES, rows=[_row("Z99", 1, "1")], base_score=Decimal(60), dimension_caps={}
        )
