"""The annual score and grade of DESIGN.md §6 (app/scoring/annual.py and grade.py), one test
per rule, with figures worked out by hand. Thresholds 90 / 75 / 60, quota 1/3, the default
standard's ceilings."""

import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring.annual import AnnualScore, CappedAway, member_score
from app.scoring.caps import ItemRule, LedgerPoint
from app.scoring.evaluation import Counts, year_evaluation
from app.scoring.grade import (
    GRADES,
    CeilingRule,
    GradeRules,
    MemberYear,
    Reason,
    excellent_slots,
    grade_branch,
    grade_member,
    parse_quota,
    rules_from_standard,
    threshold_grade,
)

D = Decimal
CAPS = {"political": 8, "discipline": 7, "morality": 7, "contribution": 8}
CEILINGS = (
    CeilingRule("X01", "qualified", 3, "无故不参加组织生活"),
    CeilingRule("X03", "qualified", 2, "受到诫勉谈话或约谈提醒"),
    CeilingRule("X04", "basically_qualified", 1, "受到党内警告处分"),
    CeilingRule("X05", "unqualified", 1, "受到党内严重警告及以上处分"),
    CeilingRule("X07", "qualified", 1, "在网络上发表错误言论"),
)
ITEMS = (
    ItemRule("P08", "political", "bonus"),
    ItemRule("D07", "discipline", "bonus"),
    ItemRule("C01", "contribution", "bonus", D("1"), D("4")),
    ItemRule("C04", "contribution", "bonus"),
    ItemRule("X01", "deduction", "deduction"),
    ItemRule("X04", "deduction", "deduction"),
)
RULES = GradeRules(
    threshold_excellent=D(90),
    threshold_qualified=D(75),
    threshold_basically_qualified=D(60),
    excellent_quota="1/3",
    ceilings=CEILINGS,
    base_score=D(60),
    dimension_caps=CAPS,
    items=ITEMS,
)


def scored(total: str) -> AnnualScore:
    """A breakdown with only its total: grading looks at nothing else."""
    return AnnualScore(
        base_score=D(60),
        dimensions=(),
        bonus_total=D(0),
        evaluation_points=D(0),
        deductions=(),
        deduction_total=D(0),
        total=D(total),
        membership_months=12,
        capped_away=(),
    )


def member(member_id: int, total: str, **kw) -> MemberYear:
    return MemberYear(member_id=member_id, score=scored(total), **kw)


def row(code: str, month: int, points: str) -> LedgerPoint:
    return LedgerPoint(item_code=code, month=month, points=D(points))


def branch(*totals: str, **kw) -> list[MemberYear]:
    return [member(n, total, **kw) for n, total in enumerate(totals, start=1)]


# --- thresholds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "grade", "sentence", "next_sentence"),
    [
        ("90", "excellent", "总分 90.0 分，达到优秀线（90 分），拟定为优秀。", "已是最高等次。"),
        (
            "89.9",
            "qualified",
            "总分 89.9 分，达到合格线（75 分），拟定为合格。",
            "再得 0.1 分可达到优秀线（90 分）。",
        ),
        (
            "75",
            "qualified",
            "总分 75.0 分，达到合格线（75 分），拟定为合格。",
            "再得 15 分可达到优秀线（90 分）。",
        ),
        (
            "74.9",
            "basically_qualified",
            "总分 74.9 分，达到基本合格线（60 分），拟定为基本合格。",
            "再得 0.1 分可达到合格线（75 分）。",
        ),
        (
            "60",
            "basically_qualified",
            "总分 60.0 分，达到基本合格线（60 分），拟定为基本合格。",
            "再得 15 分可达到合格线（75 分）。",
        ),
        (
            "59.9",
            "unqualified",
            "总分 59.9 分，未达到基本合格线（60 分），拟定为不合格。",
            "再得 0.1 分可达到基本合格线（60 分）。",
        ),
    ],
)
def test_threshold_at_a_line_reaches_it_and_just_below_does_not(
    total, grade, sentence, next_sentence
):
    result = grade_member(member(1, total), RULES)
    assert threshold_grade(D(total), RULES) == grade
    assert (result.graded, result.grade, result.threshold_grade, result.tie) == (
        True,
        grade,
        grade,
        False,
    )
    line = {"excellent": D(90), "qualified": D(75), "basically_qualified": D(60)}.get(grade)
    assert result.reasons == (Reason("threshold", grade=grade, line=line),)
    assert result.sentence == sentence
    assert result.next_sentence == next_sentence


def test_points_to_next_grade_is_the_distance_to_the_next_line():
    result = grade_member(member(1, "72.5"), RULES)
    assert (result.next_grade, result.points_to_next, result.next_blocked_by) == (
        "qualified",
        D("2.5"),
        None,
    )
    assert result.next_sentence == "再得 2.5 分可达到合格线（75 分）。"


def test_points_to_next_grade_is_none_at_the_top():
    result = grade_member(member(1, "96.5"), RULES)
    assert (result.next_grade, result.points_to_next, result.next_blocked_by) == (
        None,
        None,
        "top",
    )
    assert result.next_sentence == "已是最高等次。"


def test_thresholds_must_not_decrease():
    with pytest.raises(ValueError, match="thresholds"):
        GradeRules(D(70), D(75), D(60))


# --- ceilings --------------------------------------------------------------------------------


def test_ceiling_item_once_caps_at_basically_qualified():
    result = grade_member(member(1, "92", deduction_counts={"X04": 1}), RULES)
    assert (result.threshold_grade, result.ceiling, result.grade) == (
        "excellent",
        "basically_qualified",
        "basically_qualified",
    )
    assert result.reasons == (
        Reason("threshold", grade="excellent", line=D(90)),
        Reason(
            "ceiling_item",
            grade="basically_qualified",
            item_code="X04",
            item_title="受到党内警告处分",
            count=1,
            trigger_count=1,
        ),
    )
    assert result.sentence == (
        "总分 92.0 分，达到优秀线（90 分），但年内“受到党内警告处分”（X04）1 次，"
        "等次最高为基本合格，拟定为基本合格。"
    )
    # The next grade up is blocked by the ceiling: no points are given, and it says why.
    assert (result.next_grade, result.points_to_next, result.next_blocked_by) == (
        "qualified",
        None,
        "ceiling_item",
    )
    assert result.next_sentence == "受扣分项限制，本年度不能评为合格。"


def test_ceiling_item_below_its_trigger_count_does_not_cap():
    once = grade_member(member(1, "92", deduction_counts={"X03": 1}), RULES)
    assert once.grade == "excellent"
    assert [r.code for r in once.reasons] == ["threshold"]


def test_ceiling_item_at_its_trigger_count_caps():
    twice = grade_member(member(1, "92", deduction_counts={"X03": 2}), RULES)
    assert (twice.grade, twice.ceiling) == ("qualified", "qualified")
    assert twice.reasons[1] == Reason(
        "ceiling_item",
        grade="qualified",
        item_code="X03",
        item_title="受到诫勉谈话或约谈提醒",
        count=2,
        trigger_count=2,
    )
    assert twice.sentence == (
        "总分 92.0 分，达到优秀线（90 分），但年内“受到诫勉谈话或约谈提醒”（X03）2 次，"
        "等次最高为合格，拟定为合格。"
    )
    assert twice.next_sentence == "受扣分项限制，本年度不能评为优秀。"
    # Three warning talks are still "at least twice".
    assert grade_member(member(1, "92", deduction_counts={"X03": 3}), RULES).grade == "qualified"


def test_ceiling_to_unqualified():
    result = grade_member(member(1, "88", deduction_counts={"X05": 1}), RULES)
    assert result.grade == "unqualified"
    assert result.sentence == (
        "总分 88.0 分，达到合格线（75 分），但年内“受到党内严重警告及以上处分”（X05）1 次，"
        "等次最高为不合格，拟定为不合格。"
    )
    assert result.next_blocked_by == "ceiling_item"
    assert result.next_sentence == "受扣分项限制，本年度不能评为基本合格。"


def test_ceiling_never_raises_a_lower_grade():
    result = grade_member(member(1, "70", deduction_counts={"X07": 1}), RULES)
    assert (result.grade, result.ceiling) == ("basically_qualified", "qualified")
    # The ceiling is listed, but it is not what set the grade, so the sentence does not say it.
    assert [r.code for r in result.reasons] == ["threshold", "ceiling_item"]
    assert result.sentence == "总分 70.0 分，达到基本合格线（60 分），拟定为基本合格。"
    assert (result.points_to_next, result.next_sentence) == (
        D(5),
        "再得 5 分可达到合格线（75 分）。",
    )


def test_the_lowest_of_several_ceilings_applies():
    result = grade_member(
        member(1, "95", deduction_counts={"X07": 1, "X04": 1}, poor_over_a_third=True), RULES
    )
    assert (result.grade, result.ceiling) == ("basically_qualified", "basically_qualified")
    assert [(r.code, r.item_code) for r in result.reasons] == [
        ("threshold", None),
        ("ceiling_item", "X04"),
        ("ceiling_item", "X07"),
        ("ceiling_poor_share", None),
    ]
    # Only the binding ceilings (basically qualified) are named.
    assert result.sentence == (
        "总分 95.0 分，达到优秀线（90 分），但年内“受到党内警告处分”（X04）1 次，"
        "且年度群众评议中“不满意”占比超过三分之一，等次最高为基本合格，拟定为基本合格。"
    )


def test_poor_share_of_exactly_one_third_does_not_cap():
    # 1 poor of 3 rated: exactly one third.
    evaluation = year_evaluation(
        {1: Counts(good=2, poor=1)}, evaluation_max=D(10), branch_rate=None
    )
    assert not evaluation.poor_over_a_third
    result = grade_member(member(1, "92", poor_over_a_third=evaluation.poor_over_a_third), RULES)
    assert result.grade == "excellent"
    assert [r.code for r in result.reasons] == ["threshold"]


def test_poor_share_above_one_third_caps_at_basically_qualified():
    # 2 poor of 5 rated: above one third.
    evaluation = year_evaluation(
        {1: Counts(good=3, poor=2)}, evaluation_max=D(10), branch_rate=None
    )
    assert evaluation.poor_over_a_third
    result = grade_member(member(1, "92", poor_over_a_third=evaluation.poor_over_a_third), RULES)
    assert (result.grade, result.ceiling) == ("basically_qualified", "basically_qualified")
    assert result.reasons[1] == Reason("ceiling_poor_share", grade="basically_qualified")
    assert result.sentence == (
        "总分 92.0 分，达到优秀线（90 分），但年度群众评议中“不满意”占比超过三分之一，"
        "等次最高为基本合格，拟定为基本合格。"
    )
    assert (result.next_blocked_by, result.next_sentence) == (
        "ceiling_poor_share",
        "受群众评议结果限制，本年度不能评为合格。",
    )


# --- the excellent quota ---------------------------------------------------------------------


def test_quota_is_parsed_exactly():
    assert parse_quota("1/3") == parse_quota(" 1/3 ")
    assert excellent_slots("1/3", 10) == 3
    assert excellent_slots("1/3", 12) == 4
    assert excellent_slots("0.2", 10) == 2
    assert excellent_slots("0.3", 10) == 3  # 0.3 × 10 in floats is 3.0000000000000004 or less
    assert excellent_slots("0.7", 10) == 7  # in floats 6.999999999999999, floored to 6
    for bad in ("abc", "4/3", "-0.1", "1/0"):
        with pytest.raises(ValueError):
            parse_quota(bad)


def test_quota_floor_with_ten_graded_and_a_third_is_three():
    members = branch("99", "98", "97", "96", "95", "80", "80", "80", "80", "80")
    results = grade_branch(members, RULES)
    assert [r.grade for r in results] == ["excellent"] * 3 + ["qualified"] * 7
    cut = results[3]
    assert (cut.threshold_grade, cut.tie) == ("excellent", False)
    assert cut.reasons == (
        Reason("threshold", grade="excellent", line=D(90)),
        Reason("quota_cut", grade="qualified", slots=3),
    )
    assert (
        cut.sentence
        == "总分 96.0 分，达到优秀线（90 分），但本支部优秀名额（3 名）已满，拟定为合格。"
    )
    # Above the lowest excellent score (97) with the others as they stand.
    assert (cut.next_grade, cut.points_to_next) == ("excellent", D("1.1"))
    assert cut.next_sentence == "再得 1.1 分可进入本支部优秀名额（3 名）。"
    # A qualified member needs the line and a place: 97 + 0.1 − 80.
    assert results[5].points_to_next == D("17.1")
    assert results[5].next_sentence == "再得 17.1 分可进入本支部优秀名额（3 名）。"


def test_quota_sentence_example():
    rules = GradeRules(D(85), D(75), D(60), "1/3", CEILINGS)
    members = branch("95", "90", "88", "86.5", "70", "70", "70", "70", "70", "70")
    assert grade_branch(members, rules)[3].sentence == (
        "总分 86.5 分，达到优秀线（85 分），但本支部优秀名额（3 名）已满，拟定为合格。"
    )


def test_quota_is_not_used_up_while_fewer_reach_excellent():
    members = branch("99", "80", "80", "80", "80", "80")  # 2 places, 1 candidate
    results = grade_branch(members, RULES)
    assert [r.grade for r in results] == ["excellent"] + ["qualified"] * 5
    assert results[1].next_sentence == "再得 10 分可达到优秀线（90 分）。"


def test_quota_counts_members_after_the_ceilings():
    # A ceiling takes member 1 out of the candidates: 92 and 91 share the 2 places.
    members = [member(1, "99", deduction_counts={"X04": 1}), *branch("92", "91", "80", "80", "80")]
    results = grade_branch(members, RULES)
    assert [r.grade for r in results] == [
        "basically_qualified",
        "excellent",
        "excellent",
        "qualified",
        "qualified",
        "qualified",
    ]


def test_members_tied_at_the_cut_line_are_proposed_qualified_and_flagged():
    members = branch("99", "98", "95", "95", "94", "80", "80", "80", "80", "80")
    results = grade_branch(members, RULES)
    assert [r.grade for r in results[:5]] == [
        "excellent",
        "excellent",
        "qualified",
        "qualified",
        "qualified",
    ]
    assert [r.tie for r in results[:5]] == [False, False, True, True, False]
    tie = results[2]
    assert tie.reasons[1] == Reason("quota_tie", grade="qualified", slots=3, tied_with=1)
    assert tie.sentence == (
        "总分 95.0 分，达到优秀线（90 分），与另外 1 名党员同分，处在本支部优秀名额（3 名）"
        "的分界线上，拟定为合格，由支部研究决定。"
    )
    assert (tie.points_to_next, tie.next_sentence) == (
        D("0.1"),
        "再得 0.1 分可进入本支部优秀名额（3 名）。",
    )
    assert results[4].reasons[1] == Reason("quota_cut", grade="qualified", slots=3)
    assert results[4].points_to_next == D("1.1")


def test_a_tie_within_the_places_is_no_tie():
    results = grade_branch(branch("99", "99", "97", "96", *["80"] * 6), RULES)
    assert [r.grade for r in results[:4]] == ["excellent"] * 3 + ["qualified"]
    assert not any(r.tie for r in results)


def test_a_tie_below_the_cut_line_is_no_tie():
    results = grade_branch(branch("99", "98", "97", "96", "96", *["80"] * 5), RULES)
    assert [r.grade for r in results[:5]] == ["excellent"] * 3 + ["qualified"] * 2
    assert [r.reasons[1].code for r in results[3:5]] == ["quota_cut", "quota_cut"]
    assert not any(r.tie for r in results)


def test_a_branch_with_no_excellent_place():
    results = grade_branch(branch("95", "93"), RULES)  # floor(2 / 3) = 0
    assert [r.grade for r in results] == ["qualified", "qualified"]
    assert [r.reasons[1].code for r in results] == ["quota_cut", "quota_cut"]
    assert (
        results[0].sentence
        == "总分 95.0 分，达到优秀线（90 分），但本支部本年度没有优秀名额，拟定为合格。"
    )
    assert (results[0].points_to_next, results[0].next_blocked_by) == (None, "quota")
    assert results[0].next_sentence == "本支部本年度没有优秀名额。"


def test_results_keep_the_members_order():
    members = branch("70", "99", "85", "98", "60", "97")
    assert [r.member_id for r in grade_branch(members, RULES)] == [1, 2, 3, 4, 5, 6]


# --- who is graded ---------------------------------------------------------------------------


def test_probationary_members_are_not_graded_and_not_counted_in_the_quota():
    full = branch("99", "98", "97", "96", "80", "80", "80", "80")  # 8 graded: 2 places
    probationary = [
        member(9, "99.5", probationary=True),
        member(10, "70", probationary=True),
        member(11, "70", probationary=True),
        member(12, "70", probationary=True),
    ]
    results = grade_branch([*full, *probationary], RULES)
    # With the 4 counted, floor(12 / 3) = 4 places; without them floor(8 / 3) = 2.
    assert [r.grade for r in results[:4]] == ["excellent", "excellent", "qualified", "qualified"]
    prob = results[8]
    assert (prob.graded, prob.grade, prob.threshold_grade) == (False, None, None)
    assert prob.reasons == (Reason("not_graded_probationary"),)
    assert prob.sentence == "总分 99.5 分。预备党员参加积分管理，但不参加年度定级。"
    assert (prob.next_grade, prob.points_to_next, prob.next_blocked_by) == (
        None,
        None,
        "not_graded",
    )
    assert prob.next_sentence == "不参加本年度定级。"


def test_a_member_here_two_months_is_not_graded():
    results = grade_branch([*branch("99", "98", "97"), member(4, "96", membership_months=2)], RULES)
    # 3 graded: 1 place; the short member neither graded nor counted.
    assert [r.grade for r in results] == ["excellent", "qualified", "qualified", None]
    short = results[3]
    assert short.reasons == (Reason("not_graded_short_membership", months=2),)
    assert short.sentence == (
        "总分 96.0 分。本年度在本支部的时间为 2 个月，不足 3 个月，不参加本年度定级，"
        "由支部研究决定。"
    )


def test_a_member_here_three_months_is_graded():
    result = grade_member(member(1, "80", membership_months=3), RULES)
    assert (result.graded, result.grade) == (True, "qualified")


# --- the annual score ------------------------------------------------------------------------


def test_score_breakdown_names_each_cap():
    rows = [
        row("C01", 1, "1"),
        row("C01", 1, "0.5"),  # over C01's monthly cap of 1
        *(row("C01", m, "1") for m in range(2, 6)),  # 5 in all, over its yearly cap of 4
        row("C04", 7, "6"),  # contribution 4 + 6 = 10, over its cap of 8
        row("P08", 3, "2.5"),
        row("X01", 4, "2"),
    ]
    result = member_score(RULES, rows, evaluation_points=D("8.5"))
    assert result.capped_away == (
        CappedAway("per_month", "contribution", "C01", D("0.5")),
        CappedAway("per_year", "contribution", "C01", D("1")),
        CappedAway("dimension", "contribution", None, D("2")),
    )
    political, _, _, contribution = result.dimensions
    assert (political.earned, political.counted, political.remaining) == (
        D("2.5"),
        D("2.5"),
        D(5.5),
    )
    assert [i.code for i in contribution.items] == ["C01", "C04"]
    c01 = contribution.items[0]
    assert (c01.approved, c01.counted, c01.over_month_cap, c01.over_year_cap) == (
        D("5.5"),
        D("4"),
        D("0.5"),
        D("1"),
    )
    assert (contribution.earned, contribution.counted, contribution.over_cap) == (D(10), D(8), D(2))
    assert [d.code for d in result.deductions] == ["X01"]
    # 60 + 2.5 + 8 + 8.5 − 2
    assert (result.bonus_total, result.deduction_total, result.total) == (
        D("10.5"),
        D(2),
        D("77.0"),
    )


def test_a_mid_year_joiner_of_six_months_is_scaled_up_and_held_to_the_cap():
    rows = [row("P08", 8, "6"), row("D07", 9, "3")]
    score = member_score(RULES, rows, evaluation_points=D("8"), membership_months=6)
    political, discipline, _, _ = score.dimensions
    # × 12 / 6: political 6 → 12, held to its cap of 8; discipline 3 → 6, under its cap of 7.
    assert (political.earned, political.scaled, political.counted, political.over_cap) == (
        D(6),
        D(12),
        D(8),
        D(4),
    )
    assert (discipline.scaled, discipline.counted) == (D(6), D(6))
    assert score.capped_away == (CappedAway("dimension", "political", None, D(4)),)
    # 60 + 8 + 6 + 8: the base stays 60.
    assert (score.base_score, score.total, score.membership_months) == (D(60), D("82.0"), 6)

    result = grade_member(MemberYear(1, score, membership_months=6), RULES)
    assert result.grade == "qualified"
    assert result.reasons == (
        Reason("threshold", grade="qualified", line=D(75)),
        Reason("joined_mid_year", months=6),
    )
    assert result.sentence == (
        "总分 82.0 分，达到合格线（75 分），拟定为合格（本年度在本支部 6 个月，"
        "各方面积分按 12/6 折算为全年，不超过该方面满分）。"
    )


def test_deductions_and_evaluation_are_not_scaled():
    rows = [row("C04", 9, "2"), row("X04", 10, "8")]
    joiner = member_score(RULES, rows, evaluation_points=D("9"), membership_months=4)
    whole = member_score(RULES, rows, evaluation_points=D("9"))
    # Contribution 2 × 12/4 = 6; the deduction of 8 and the evaluation of 9 stay as they are.
    assert (joiner.bonus_total, joiner.evaluation_points, joiner.deduction_total) == (
        D(6),
        D(9),
        D(8),
    )
    assert joiner.total == D("67.0")  # 60 + 6 + 9 − 8
    assert whole.total == D("63.0")  # 60 + 2 + 9 − 8


def test_rules_from_the_default_standard():
    raw = json.loads(
        (Path(__file__).parents[2] / "app/standards/default_standard.json").read_text()
    )
    standard = SimpleNamespace(
        base_score=D(raw["base_score"]),
        dimension_caps=raw["dimension_caps"],
        threshold_excellent=D(raw["thresholds"]["excellent"]),
        threshold_qualified=D(raw["thresholds"]["qualified"]),
        threshold_basically_qualified=D(raw["thresholds"]["basically_qualified"]),
        excellent_quota=raw["excellent_quota"],
    )
    items = [
        SimpleNamespace(
            **{
                **i,
                "max_per_month": None if i["max_per_month"] is None else D(str(i["max_per_month"])),
                "max_per_year": None if i["max_per_year"] is None else D(str(i["max_per_year"])),
            }
        )
        for i in raw["items"]
    ]
    rules = rules_from_standard(standard, items)
    assert [(c.item_code, c.ceiling, c.trigger_count) for c in rules.ceilings] == [
        ("X01", "qualified", 3),
        ("X03", "qualified", 2),
        ("X04", "basically_qualified", 1),
        ("X05", "unqualified", 1),
        ("X06", "unqualified", 1),
        ("X07", "qualified", 1),
        ("X10", "basically_qualified", 1),
    ]
    assert len(rules.items) == 50
    assert (rules.threshold_excellent, rules.excellent_quota) == (D(90), "1/3")


# --- properties ------------------------------------------------------------------------------

_RANK = {g: n for n, g in enumerate(GRADES)}

_members = st.lists(
    st.builds(
        lambda total, prob, months, x04, x03, poor: (total, prob, months, x04, x03, poor),
        st.integers(min_value=500, max_value=1000),  # tenths: 50.0 .. 100.0
        st.booleans(),
        st.sampled_from([12, 12, 12, 6, 2]),
        st.sampled_from([0, 0, 0, 1]),
        st.sampled_from([0, 0, 1, 2]),
        st.sampled_from([False, False, False, True]),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_members, st.sampled_from(["1/3", "0.2", "0.5", "0", "1"]))
def test_property_never_more_excellent_than_the_quota_and_never_above_a_ceiling(raw, quota):
    rules = GradeRules(D(90), D(75), D(60), quota, CEILINGS)
    members = [
        member(
            n,
            str(D(total) / 10),
            probationary=prob,
            membership_months=months,
            deduction_counts={"X04": x04, "X03": x03},
            poor_over_a_third=poor,
        )
        for n, (total, prob, months, x04, x03, poor) in enumerate(raw)
    ]
    results = grade_branch(members, rules)
    graded = [r for r in results if r.graded]
    assert len(graded) == sum(not m.probationary and m.membership_months >= 3 for m in members)
    excellent = [r for r in graded if r.grade == "excellent"]
    assert len(excellent) <= excellent_slots(quota, len(graded))
    for result in results:
        if not result.graded:
            assert result.grade is None
            continue
        assert result.grade is not None and result.threshold_grade is not None
        assert _RANK[result.grade] <= _RANK[result.threshold_grade]
        if result.ceiling is not None:
            assert _RANK[result.grade] <= _RANK[result.ceiling]
        if result.tie or any(r.code == "quota_cut" for r in result.reasons):
            # Left out by the quota: below every excellent member, by score.
            assert result.grade == "qualified"
            assert all(e.total >= result.total for e in excellent)
            assert all(e.total > result.total for e in excellent) or not result.tie
        assert result.sentence.startswith(f"总分 {result.total:f} 分")
        assert result.sentence.endswith("。")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=1000))
def test_property_points_to_next_reach_the_next_grade(tenths):
    total = D(tenths) / 10
    result = grade_member(member(1, str(total)), RULES)
    if result.next_grade is None:
        assert result.grade == "excellent"
        return
    assert result.points_to_next is not None
    after = grade_member(member(1, str(total + result.points_to_next)), RULES)
    assert after.grade == result.next_grade
    if result.points_to_next > D("0.1"):
        before = grade_member(member(1, str(total + result.points_to_next - D("0.1"))), RULES)
        assert before.grade == result.grade
