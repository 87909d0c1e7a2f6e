"""The standard's validation rules and the diff, as pure functions (app/standards/rules.py)."""

from decimal import Decimal

import pytest

from app.standards import rules
from app.standards.service import default_standard


def settings(**changes):
    base = {k: v for k, v in default_standard().items() if k != "items"}
    return base | changes


def items():
    return [dict(i, id=n + 1) for n, i in enumerate(default_standard()["items"])]


def bonus(code="P01", **changes):
    item = {
        "id": 1,
        "code": code,
        "dimension": "political",
        "title": "参加党课学习",
        "kind": "bonus",
        "points": Decimal("0.5"),
        "max_per_month": Decimal("0.5"),
        "max_per_year": Decimal(2),
        "source": "branch",
        "requires_evidence": False,
        "categories": None,
        "grade_ceiling": None,
        "ceiling_trigger_count": 1,
    }
    return item | changes


def codes(problems):
    return sorted(p.code for p in problems)


def test_the_shipped_default_has_no_problem():
    assert rules.validate(settings(), items()) == []
    assert rules.max_score(settings()) == 100


def test_caps_not_summing_to_a_full_score_of_100_is_a_warning():
    found = rules.validate(
        settings(
            dimension_caps={"political": 8, "discipline": 7, "morality": 7, "contribution": 6}
        ),
        items(),
    )
    [p] = [p for p in found if p.code == "dimension_caps_sum"]
    assert p.severity == "warning" and p.field == "dimension_caps"
    assert p.params == {
        "sum": "28",
        "intended": "30",
        "base": "60",
        "evaluation": "10",
        "max": "98",
    }
    assert not rules.errors_of(found)


def test_thresholds_must_fall_strictly():
    found = rules.settings_problems(settings(threshold_qualified=Decimal(90)))
    assert codes(found) == ["thresholds_out_of_order"]
    assert found[0].severity == "error" and found[0].field == "threshold_qualified"


def test_a_threshold_above_the_best_score_is_an_error():
    found = rules.settings_problems(settings(threshold_excellent=Decimal("100.5")))
    [p] = found
    assert (p.code, p.field, p.params) == (
        "threshold_unreachable",
        "threshold_excellent",
        {"threshold": "100.5", "max": "100"},
    )


def test_base_score_reaching_a_grade():
    assert codes(rules.settings_problems(settings(base_score=Decimal(75)))) == [
        "base_reaches_qualified",
        "dimension_caps_sum",
    ]
    found = rules.settings_problems(settings(base_score=Decimal(90), evaluation_points=0))
    assert "base_reaches_excellent" in codes(found)
    assert all(p.severity == "error" for p in found if p.code == "base_reaches_excellent")


def test_zero_quota_is_a_warning():
    [p] = rules.settings_problems(settings(excellent_quota="0"))
    assert (p.code, p.severity) == ("excellent_quota_zero", "warning")


def test_dimension_caps_against_their_items():
    caps = {d: Decimal(5) for d in rules.BONUS_DIMENSIONS} | {"morality": Decimal(0)}
    found = rules.dimension_problems(
        caps,
        [
            bonus("P01", max_per_year=Decimal(2)),  # political reaches 2 < 5
            bonus("M01", dimension="morality"),  # morality capped at 0
            bonus("C01", dimension="contribution", max_per_month=None, max_per_year=None),
        ],
    )
    by_code = {p.code: p for p in found}
    assert set(by_code) == {
        "dimension_cap_unreachable",
        "dimension_cap_zero",
        "dimension_without_items",
    }
    assert by_code["dimension_cap_unreachable"].params == {
        "dimension": "political",
        "reach": "2",
        "cap": "5",
    }
    assert by_code["dimension_cap_zero"].field == "dimension_caps.morality"
    assert by_code["dimension_without_items"].field == "dimension_caps.discipline"
    assert all(p.severity == "warning" for p in found)


def test_monthly_caps_count_twelve_times_toward_the_reach():
    caps = {d: Decimal(6) for d in rules.BONUS_DIMENSIONS}
    found = rules.dimension_problems(caps, [bonus(max_per_month=Decimal("0.5"), max_per_year=None)])
    assert all(p.params.get("dimension") != "political" for p in found)


@pytest.mark.parametrize(
    ("changes", "expected", "field"),
    [
        ({"max_per_month": Decimal("0.2")}, "item_cap_below_points", "max_per_month"),
        (
            {"max_per_year": Decimal("0.4"), "max_per_month": None},
            "item_cap_below_points",
            "max_per_year",
        ),
        ({"max_per_month": Decimal(3)}, "item_month_cap_above_year_cap", "max_per_month"),
        ({"dimension": "deduction"}, "item_kind_mismatch", "dimension"),
        ({"grade_ceiling": "qualified"}, "item_ceiling_on_bonus", "grade_ceiling"),
    ],
)
def test_item_errors(changes, expected, field):
    found = rules.item_problems(bonus(**changes), {"political": Decimal(8)})
    [p] = [p for p in found if p.code == expected]
    assert p.severity == "error" and p.field == field
    assert (p.item_id, p.item_code) == (1, "P01")


def test_a_cap_below_points_names_both_numbers():
    [p] = rules.item_problems(bonus(max_per_month=Decimal("0.2")), {"political": Decimal(8)})
    assert p.params == {"cap": "0.2", "points": "0.5"}


@pytest.mark.parametrize(
    ("changes", "expected", "field"),
    [
        (
            {"points": Decimal(9), "max_per_month": None, "max_per_year": None},
            "item_points_above_dimension_cap",
            "points",
        ),
        ({"max_per_year": Decimal(10)}, "item_year_cap_above_dimension_cap", "max_per_year"),
        ({"ceiling_trigger_count": 2}, "item_trigger_without_ceiling", "ceiling_trigger_count"),
    ],
)
def test_item_warnings(changes, expected, field):
    found = rules.item_problems(bonus(**changes), {"political": Decimal(8)})
    assert [(p.code, p.severity, p.field) for p in found] == [(expected, "warning", field)]


def test_a_self_declared_deduction_is_a_warning():
    deduction = bonus("X01", dimension="deduction", kind="deduction", source="self")
    found = rules.item_problems(deduction, {})
    assert [(p.code, p.severity) for p in found] == [("item_deduction_self_declared", "warning")]


def test_duplicates():
    found = rules.duplicate_problems([bonus("P01", id=1), bonus("P01", id=2), bonus("P02", id=3)])
    assert [(p.code, p.item_id) for p in found if p.severity == "error"] == [
        ("item_code_duplicate", 1),
        ("item_code_duplicate", 2),
    ]
    assert len([p for p in found if p.code == "item_title_duplicate"]) == 3


def test_empty_and_already_published_are_errors():
    found = rules.validate(settings(), [], published_id=7, year=2027)
    assert {"standard_empty", "standard_already_published"} <= set(codes(rules.errors_of(found)))
    clash = next(p for p in found if p.code == "standard_already_published")
    assert clash.params == {"version": "7", "year": "2027"}


def test_settings_problems_come_before_item_problems():
    found = rules.validate(
        settings(threshold_qualified=Decimal(95)), [bonus(max_per_month=Decimal("0.1"))]
    )
    assert found[0].code == "thresholds_out_of_order"
    assert found[-1].code == "item_cap_below_points"


# -- diff ----------------------------------------------------------------------------------


def test_identical_versions_have_no_difference():
    d = rules.diff(settings(), items(), settings(), items())
    assert (d.settings, d.added, d.removed, d.changed, d.unchanged) == ([], [], [], [], 50)


def test_diff_lists_settings_and_items_field_by_field():
    before = items()
    after = [dict(i) for i in before if i["code"] != "X09"]
    after[0] |= {"points": Decimal("1.0"), "max_per_month": Decimal(1), "categories": ["mobile"]}
    after.append(bonus("C11", id=99, dimension="contribution", title="参加乡村振兴项目"))
    new_caps = dict(settings()["dimension_caps"]) | {"political": 9, "contribution": 7}
    d = rules.diff(
        settings(),
        before,
        settings(dimension_caps=new_caps, deadline_day=7, base_score=Decimal("60.0")),
        after,
    )
    assert [(c.field, c.before, c.after) for c in d.settings] == [
        ("dimension_caps.political", "8", "9"),
        ("dimension_caps.contribution", "8", "7"),
        ("deadline_day", 5, 7),
    ]
    assert [i["code"] for i in d.added] == ["C11"]
    assert [i["code"] for i in d.removed] == ["X09"]
    [changed] = d.changed
    assert changed.code == "P01" and changed.item_id == 1
    assert [(c.field, c.before, c.after) for c in changed.changes] == [
        ("points", "0.5", "1"),
        ("max_per_month", "0.5", "1"),
        ("categories", None, ["mobile"]),
    ]
    assert d.unchanged == 48


def test_position_alone_is_no_difference():
    before = items()
    after = [dict(i, position=100 - n) for n, i in enumerate(before)]
    assert rules.diff(settings(), before, settings(), after).changed == []
