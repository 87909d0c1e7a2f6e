"""The points rule of DESIGN.md §6, one test per rule, with concrete numbers."""

from datetime import date
from decimal import Decimal

import pytest

from app.scoring import (
    DimensionTally,
    ItemRule,
    LedgerPoint,
    MonthTally,
    membership_months,
    month_points,
    ranked,
    score,
    year_points,
)

D = Decimal
CAPS = {"political": 8, "discipline": 7, "morality": 7, "contribution": 8}


def bonus(
    code: str, dimension: str, per_month: str | None = None, per_year: str | None = None
) -> ItemRule:
    return ItemRule(
        code=code,
        dimension=dimension,
        kind="bonus",
        max_per_month=None if per_month is None else D(per_month),
        max_per_year=None if per_year is None else D(per_year),
    )


def deduction(code: str) -> ItemRule:
    return ItemRule(code=code, dimension="deduction", kind="deduction")


def row(code: str, month: int, points: str) -> LedgerPoint:
    return LedgerPoint(item_code=code, month=month, points=D(points))


def test_monthly_cap_limits_an_item_month() -> None:
    rules = [bonus("C01", "contribution", per_month="1")]
    rows = [row("C01", 3, "0.5"), row("C01", 3, "0.5"), row("C01", 3, "0.5"), row("C01", 4, "0.5")]

    points = year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps={})

    [item] = points.items
    assert (item.raw, item.counted) == (D("2.0"), D("1.5"))
    assert points.bonus_total == D("1.5")
    assert points.score_before_evaluation == D("61.5")


def test_yearly_cap_limits_an_item() -> None:
    rules = [bonus("P01", "political", per_month="0.5", per_year="2")]
    rows = [row("P01", m, "0.5") for m in range(1, 7)]

    points = year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS)

    [item] = points.items
    assert (item.raw, item.counted) == (D("3.0"), D("2.0"))
    assert points.bonus_total == D("2.0")


def test_dimension_cap_limits_the_sum() -> None:
    rules = [bonus("C02", "contribution"), bonus("C05", "contribution"), bonus("P08", "political")]
    rows = [row("C02", 1, "5"), row("C05", 2, "4"), row("P08", 2, "1")]

    points = year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS)

    contribution = next(d for d in points.dimensions if d.dimension == "contribution")
    assert (contribution.raw, contribution.counted) == (D("9.0"), D("8.0"))
    # Items keep their own totals; only the dimension sum is capped.
    assert [i.counted for i in points.items] == [D("5.0"), D("4.0"), D("1.0")]
    assert points.bonus_total == D("9.0")
    assert points.score_before_evaluation == D("69.0")


def test_dimension_without_cap_is_uncapped() -> None:
    rules = [bonus("Z01", "innovation")]
    rows = [row("Z01", 1, "20")]

    points = year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS)

    innovation = next(d for d in points.dimensions if d.dimension == "innovation")
    assert innovation == DimensionTally(
        dimension="innovation",
        cap=None,
        raw=D("20.0"),
        counted=D("20.0"),
        remaining=None,
        over_cap=D("0.0"),
    )
    assert points.bonus_total == D("20.0")


def test_cap_usage_reports_remaining() -> None:
    rules = [
        bonus("D07", "discipline"),
        bonus("P05", "political"),
        bonus("P08", "political"),
        deduction("X01"),
    ]
    rows = [row("P05", 1, "2"), row("P08", 5, "3.5"), row("D07", 2, "9")]
    # Caps come from a JSON column, hence floats.
    caps = {"contribution": 8.0, "morality": 7.0, "discipline": 7.0, "political": 8.0}

    points = year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps=caps)

    assert points.dimensions == [
        DimensionTally("political", D("8.0"), D("5.5"), D("5.5"), D("2.5"), D("0.0")),
        DimensionTally("discipline", D("7.0"), D("9.0"), D("7.0"), D("0.0"), D("2.0")),
        DimensionTally("morality", D("7.0"), D("0.0"), D("0.0"), D("7.0"), D("0.0")),
        DimensionTally("contribution", D("8.0"), D("0.0"), D("0.0"), D("8.0"), D("0.0")),
    ]


def test_items_keep_rule_order() -> None:
    rules = [deduction("X01"), bonus("M07", "morality"), bonus("P01", "political")]

    points = year_points(rules=rules, rows=[], base_score=D(60), dimension_caps={})

    assert [i.code for i in points.items] == ["X01", "M07", "P01"]
    assert [d.dimension for d in points.dimensions] == ["political", "morality"]


def test_negative_adjustment_cannot_make_a_month_negative() -> None:
    rules = [bonus("C01", "contribution", per_month="1")]
    rows = [
        row("C01", 1, "1"),
        row("C01", 2, "-1"),  # nothing to reverse in February: must not eat January's point
        row("C01", 3, "1"),
        row("C01", 3, "-0.5"),
    ]

    points = year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS)

    assert points.items[0].counted == D("1.5")
    assert points.months[1].bonus == D("0.0")
    assert points.score_before_evaluation == D("61.5")


def test_negative_adjustment_is_applied_before_the_monthly_cap() -> None:
    rules = [bonus("C01", "contribution", per_month="1")]
    rows = [row("C01", 4, "1"), row("C01", 4, "1"), row("C01", 4, "-1")]

    points = year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS)

    # Net 1, so the cap of 1 keeps all of it; capping each row first would leave 0.
    assert points.items[0].counted == D("1.0")


def test_deductions_are_not_capped() -> None:
    capped_deduction = ItemRule("X01", "deduction", "deduction", D("1"), D("2"))
    rules = [capped_deduction, deduction("X05")]
    rows = [row("X01", 3, "2"), row("X01", 3, "2"), row("X01", 4, "2"), row("X05", 6, "10")]
    caps = {**CAPS, "deduction": 1}

    points = year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps=caps)

    assert [i.counted for i in points.items] == [D("6.0"), D("10.0")]
    assert points.deduction_total == D("16.0")
    assert points.score_before_evaluation == D("44.0")


def test_deduction_adjustment_cannot_go_below_zero() -> None:
    rules = [deduction("X02"), deduction("X08")]
    rows = [row("X02", 1, "2"), row("X02", 2, "-4"), row("X08", 5, "3")]

    points = year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS)

    assert [i.counted for i in points.items] == [D("0.0"), D("3.0")]
    assert points.deduction_total == D("3.0")


def test_joined_mid_year_scales_the_dimension_sums_up_and_holds_them_to_the_full_cap() -> None:
    rules = [bonus("P08", "political"), bonus("D07", "discipline"), deduction("X01")]
    rows = [row("P08", 8, "6"), row("D07", 9, "3"), row("X01", 10, "2")]

    points = year_points(
        rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS, membership_months=6
    )

    # Here 6 months: × 12 / 6 = × 2. Base, caps and deductions stay as they are.
    assert points.base_score == D("60.0")
    assert points.membership_months == 6
    political, discipline, morality, contribution = points.dimensions
    assert (morality.cap, contribution.cap) == (D("7.0"), D("8.0"))
    # Political 6 → 12, held to its cap of 8: 4 over the cap.
    assert (political.raw, political.scaled, political.counted, political.over_cap) == (
        D("6.0"),
        D("12.0"),
        D("8.0"),
        D("4.0"),
    )
    # Discipline 3 → 6, under its cap of 7.
    assert (discipline.scaled, discipline.counted, discipline.remaining) == (
        D("6.0"),
        D("6.0"),
        D("1.0"),
    )
    assert (morality.scaled, morality.counted) == (D("0.0"), D("0.0"))
    assert points.bonus_total == D("14.0")
    assert points.deduction_total == D("2.0")
    # 60 + 8 + 6 − 2: the deduction is not doubled.
    assert points.score_before_evaluation == D("72.0")


def test_a_whole_year_is_not_scaled() -> None:
    rules = [bonus("P08", "political")]
    points = year_points(
        rules=rules, rows=[row("P08", 1, "3")], base_score=D(60), dimension_caps=CAPS
    )
    assert points.membership_months == 12
    assert points.dimensions[0].scaled is None
    assert points.score_before_evaluation == D("63.0")


def test_membership_months_must_be_1_to_12() -> None:
    for months in (0, 13):
        with pytest.raises(ValueError, match="membership_months"):
            year_points(
                rules=[], rows=[], base_score=D(60), dimension_caps=CAPS, membership_months=months
            )


def test_rounding_happens_once_at_output() -> None:
    rules = [bonus(f"B{i}", d) for i, d in enumerate(CAPS)]
    rows = [row(f"B{i}", 12, "1") for i in range(len(CAPS))]

    points = year_points(
        rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS, membership_months=7
    )

    # Each 1 · 12/7 = 1.714… shows as 1.7, but the exact sum 6.857… shows as 6.9.
    assert [d.counted for d in points.dimensions] == [D("1.7")] * 4
    assert [d.scaled for d in points.dimensions] == [D("1.7")] * 4
    assert points.bonus_total == D("6.9")
    assert points.score_before_evaluation == D("66.9")


def test_membership_months() -> None:
    assert membership_months(date(2023, 5, 20), 2024) == 12
    assert membership_months(date(2024, 1, 15), 2024) == 12
    assert membership_months(date(2024, 3, 31), 2024) == 10
    assert membership_months(date(2024, 12, 1), 2024) == 1
    assert membership_months(date(2025, 1, 1), 2024) == 0


def test_month_points_for_ranking() -> None:
    rules = [
        bonus("C01", "contribution", per_month="2", per_year="1.5"),
        bonus("P03", "political", per_month="0.5"),
        deduction("X01"),
    ]
    rows = [
        row("C01", 2, "1"),  # uses up C01's yearly cap before March
        row("C01", 3, "1.5"),
        row("C01", 3, "1"),
        row("P03", 3, "0.5"),
        row("X01", 3, "2"),
        row("P03", 4, "0.5"),
    ]

    march = month_points(rules=rules, rows=rows, month=3)

    # The monthly cap applies, the yearly cap does not: C01 counts 2 in March.
    assert march == MonthTally(month=3, bonus=D("2.5"), deduction=D("2.0"), net=D("0.5"))
    points = year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS)
    assert [m.month for m in points.months] == list(range(1, 13))
    assert points.months[2] == march
    assert points.months[3] == MonthTally(4, D("0.5"), D("0.0"), D("0.5"))


def test_unknown_item_is_an_error() -> None:
    rules = [bonus("P01", "political")]
    rows = [row("P01", 1, "0.5"), row("Q99", 1, "1")]

    with pytest.raises(ValueError, match="Q99"):
        year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS)
    with pytest.raises(ValueError, match="Q99"):
        month_points(rules=rules, rows=rows, month=1)


def test_score_adds_evaluation() -> None:
    rules = [bonus("P08", "political"), deduction("X02")]
    rows = [row("P08", 1, "3.5"), row("X02", 2, "2")]
    points = year_points(rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS)

    assert score(points=points, evaluation_points=D("8.3")) == D("69.8")


def test_score_rounds_once() -> None:
    rules = [bonus("D07", "discipline")]
    rows = [row("D07", 9, "2")]
    points = year_points(
        rules=rules, rows=rows, base_score=D(60), dimension_caps=CAPS, membership_months=7
    )
    assert points.score_before_evaluation == D("63.4")  # 60 + 2 · 12/7 = 63.428…

    # Exact 67.558… rounds to 67.6; adding to the rounded 63.4 would give 67.5.
    assert score(points=points, evaluation_points=D("4.13")) == D("67.6")


def test_ranked_shares_a_rank_between_equal_nets_and_skips_after() -> None:
    nets = {1: Decimal("3.0"), 2: Decimal("5.5"), 3: Decimal("3.0"), 4: Decimal("1.0")}
    ranks = ranked(nets, net=nets.__getitem__, tiebreak=lambda member: member)
    assert ranks == [(1, 2), (2, 1), (2, 3), (4, 4)]
    assert ranked([], net=nets.__getitem__, tiebreak=lambda member: member) == []
