"""The annual grade (年度定级, DESIGN.md §6) as pure functions of plain values; the score it
starts from is app/scoring/annual.py's.

The grade, in order:
1. thresholds on the score (excellent / qualified / basically qualified / unqualified);
2. ceilings (一票否决): a deduction item with a grade ceiling approved in the year at least its
   trigger count of times, and a year poor-rating share above one third (→ basically
   qualified), cap the grade;
3. the branch's excellent quota: at most floor(quota × graded members) excellent, by score;
   members tied at the cut line are proposed as qualified and flagged for the branch.
Probationary members (预备党员) and members here fewer than 3 months are not graded and do not
count in the quota.

Scores are compared as shown: rounded once to one decimal place. No I/O: callers turn the
standard, the ledger's sums and the evaluation into these values (grade_branch is O(n log n)).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property, lru_cache
from math import floor
from typing import Any, Literal, Protocol

from app.scoring.annual import AnnualScore
from app.scoring.caps import BONUS, ItemRule, index_rules, quantize

Grade = Literal["excellent", "qualified", "basically_qualified", "unqualified"]
EXCELLENT: Grade = "excellent"
QUALIFIED: Grade = "qualified"
BASICALLY_QUALIFIED: Grade = "basically_qualified"
UNQUALIFIED: Grade = "unqualified"
# Lowest first: a grade's index is its rank.
GRADES: tuple[Grade, ...] = (UNQUALIFIED, BASICALLY_QUALIFIED, QUALIFIED, EXCELLENT)
_RANK = {g: n for n, g in enumerate(GRADES)}
GRADE_ZH: dict[str, str] = {
    EXCELLENT: "优秀",
    QUALIFIED: "合格",
    BASICALLY_QUALIFIED: "基本合格",
    UNQUALIFIED: "不合格",
}
MIN_GRADED_MONTHS = 3

ReasonCode = Literal[
    "threshold",
    "ceiling_item",
    "ceiling_poor_share",
    "quota_cut",
    "quota_tie",
    "joined_mid_year",
    "not_graded_probationary",
    "not_graded_short_membership",
]
# Why no points are given for the next grade, or what stands between the member and it.
NextBlock = Literal["top", "ceiling_item", "ceiling_poor_share", "quota", "not_graded"]

_ZERO = Decimal(0)
_STEP = Decimal("0.1")
_NO_PLACE = "本支部本年度没有优秀名额。"


def _lower(a: Grade, b: Grade) -> Grade:
    return a if _RANK[a] <= _RANK[b] else b


# ---------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class CeilingRule:
    """A deduction item's grade ceiling: approved trigger_count times in a year, the grade is
    at most `ceiling` (StandardItem.grade_ceiling / ceiling_trigger_count)."""

    item_code: str
    ceiling: Grade
    trigger_count: int = 1
    title: str = ""


@dataclass(frozen=True)
class GradeRules:
    """The standard's grading settings (StandardVersion) and its items' ceilings.

    excellent_quota is the standard's string, "1/3" or "0.2", parsed exactly. base_score,
    dimension_caps and items are what member_score() needs to compute a breakdown."""

    threshold_excellent: Decimal
    threshold_qualified: Decimal
    threshold_basically_qualified: Decimal
    excellent_quota: str = "1/3"
    ceilings: tuple[CeilingRule, ...] = ()
    base_score: Decimal = Decimal(60)
    dimension_caps: Mapping[str, Decimal | float | int] = field(default_factory=dict)
    items: tuple[ItemRule, ...] = ()

    @cached_property
    def items_by_code(self) -> dict[str, ItemRule]:
        return index_rules(self.items)

    def __post_init__(self) -> None:
        if not (
            self.threshold_excellent
            >= self.threshold_qualified
            >= self.threshold_basically_qualified
        ):
            raise ValueError("thresholds must not decrease from basically qualified to excellent")
        parse_quota(self.excellent_quota)
        for rule in self.ceilings:
            if rule.ceiling not in _RANK:
                raise ValueError(f"item {rule.item_code}: unknown grade ceiling {rule.ceiling!r}")
            if rule.trigger_count < 1:
                raise ValueError(f"item {rule.item_code}: trigger count must be at least 1")

    def line(self, grade: Grade) -> Decimal | None:
        """The score a grade needs; None for unqualified, which needs none."""
        if grade == EXCELLENT:
            return self.threshold_excellent
        if grade == QUALIFIED:
            return self.threshold_qualified
        if grade == BASICALLY_QUALIFIED:
            return self.threshold_basically_qualified
        return None


def parse_quota(value: str) -> Fraction:
    """The excellent quota "1/3" or "0.2" as an exact fraction between 0 and 1."""
    try:
        quota = Fraction(value.strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"excellent quota {value!r} is not a fraction or a decimal") from exc
    if not 0 <= quota <= 1:
        raise ValueError(f"excellent quota {value!r} is not between 0 and 1")
    return quota


def excellent_slots(quota: str, graded: int) -> int:
    """floor(quota × graded members), exactly."""
    return floor(parse_quota(quota) * graded)


class _StandardLike(Protocol):
    @property
    def base_score(self) -> Decimal: ...
    @property
    def dimension_caps(self) -> Mapping[str, float]: ...
    @property
    def threshold_excellent(self) -> Decimal: ...
    @property
    def threshold_qualified(self) -> Decimal: ...
    @property
    def threshold_basically_qualified(self) -> Decimal: ...
    @property
    def excellent_quota(self) -> str: ...


def rules_from_standard(standard: _StandardLike, items: Iterable[Any]) -> GradeRules:
    """GradeRules from a StandardVersion and its StandardItems (or anything with their fields:
    code, dimension, kind, title, max_per_month, max_per_year, grade_ceiling,
    ceiling_trigger_count)."""
    item_list = list(items)
    return GradeRules(
        threshold_excellent=Decimal(standard.threshold_excellent),
        threshold_qualified=Decimal(standard.threshold_qualified),
        threshold_basically_qualified=Decimal(standard.threshold_basically_qualified),
        excellent_quota=standard.excellent_quota,
        ceilings=tuple(
            CeilingRule(
                item_code=i.code,
                ceiling=i.grade_ceiling,
                trigger_count=i.ceiling_trigger_count or 1,
                title=i.title,
            )
            for i in item_list
            if i.kind != BONUS and i.grade_ceiling
        ),
        base_score=Decimal(standard.base_score),
        dimension_caps=dict(standard.dimension_caps),
        items=tuple(
            ItemRule(i.code, i.dimension, i.kind, i.max_per_month, i.max_per_year)
            for i in item_list
        ),
    )


# ---------------------------------------------------------------------------------------------
# The grade


@dataclass(frozen=True)
class MemberYear:
    """One member's year as grading sees it.

    deduction_counts: how many times each deduction item was approved in the year (reversed
    occurrences left out); membership_months: m, the months of the year the member was here
    (12 for a whole year, 0 for a record beginning after it); poor_over_a_third from
    app.scoring.evaluation.YearEvaluation."""

    member_id: int
    score: AnnualScore
    deduction_counts: Mapping[str, int] = field(default_factory=dict)
    poor_over_a_third: bool = False
    probationary: bool = False
    membership_months: int = 12


@dataclass(frozen=True)
class Reason:
    """A machine-readable reason. grade: the grade it gives (threshold), caps at (ceilings) or
    proposes (quota); line: the threshold line; item_code, count, trigger_count: a ceiling
    item; slots: the branch's excellent places; months: a joiner's or short member's m."""

    code: ReasonCode
    grade: Grade | None = None
    line: Decimal | None = None
    item_code: str | None = None
    item_title: str | None = None
    count: int | None = None
    trigger_count: int | None = None
    slots: int | None = None
    months: int | None = None
    tied_with: int | None = None


@dataclass(frozen=True)
class GradeResult:
    """threshold_grade: by the score alone; ceiling: the lowest ceiling triggered (None for
    none); grade: the proposed grade (None when not graded); tie: tied at the quota's cut line,
    for the branch to decide. next_grade and points_to_next: the next grade up and the points
    still needed for it, None where next_blocked_by says why (top, a ceiling, no excellent
    place, not graded); points_to_next for excellent counts the quota with the others' scores
    as they stand."""

    member_id: int
    total: Decimal
    graded: bool
    threshold_grade: Grade | None
    ceiling: Grade | None
    grade: Grade | None
    tie: bool
    reasons: tuple[Reason, ...]
    sentence: str
    next_grade: Grade | None
    points_to_next: Decimal | None
    next_blocked_by: NextBlock | None
    next_sentence: str
    score: AnnualScore


def threshold_grade(total: Decimal, rules: GradeRules) -> Grade:
    """The grade by the score alone: at or above a line reaches it."""
    if total >= rules.threshold_excellent:
        return EXCELLENT
    if total >= rules.threshold_qualified:
        return QUALIFIED
    if total >= rules.threshold_basically_qualified:
        return BASICALLY_QUALIFIED
    return UNQUALIFIED


@dataclass(frozen=True)
class _Ceilings:
    lowest: Grade | None
    reasons: tuple[Reason, ...]  # every ceiling triggered


_NO_CEILINGS = _Ceilings(None, ())


def ceilings(member: MemberYear, rules: GradeRules) -> _Ceilings:
    """The ceilings a member's year triggers, in the standard's order, poor share last."""
    if not member.poor_over_a_third and not any(member.deduction_counts.values()):
        return _NO_CEILINGS  # most members: nothing to look up
    reasons: list[Reason] = []
    lowest: Grade | None = None
    for rule in rules.ceilings:
        count = member.deduction_counts.get(rule.item_code, 0)
        if count >= rule.trigger_count:
            reasons.append(
                Reason(
                    "ceiling_item",
                    grade=rule.ceiling,
                    item_code=rule.item_code,
                    item_title=rule.title or None,
                    count=count,
                    trigger_count=rule.trigger_count,
                )
            )
            lowest = rule.ceiling if lowest is None else _lower(lowest, rule.ceiling)
    if member.poor_over_a_third:
        reasons.append(Reason("ceiling_poor_share", grade=BASICALLY_QUALIFIED))
        lowest = BASICALLY_QUALIFIED if lowest is None else _lower(lowest, BASICALLY_QUALIFIED)
    return _Ceilings(lowest, tuple(reasons))


@lru_cache(maxsize=1024)
def _fmt(value: Decimal) -> str:
    """A line or a difference as a branch writes it: 90, 87.5."""
    return f"{value.normalize():f}"


def _fmt_score(value: Decimal) -> str:
    """A score as shown: one decimal place (the totals are already rounded to it)."""
    return f"{value:f}"


@lru_cache(maxsize=64)
def _threshold_reason(grade: Grade, line: Decimal | None) -> Reason:
    return Reason("threshold", grade=grade, line=line)


@lru_cache(maxsize=16)
def _joined_reason(months: int) -> Reason:
    return Reason("joined_mid_year", months=months)


def _not_graded_reasons(member: MemberYear) -> list[Reason]:
    reasons = []
    if member.probationary:
        reasons.append(Reason("not_graded_probationary"))
    if member.membership_months < MIN_GRADED_MONTHS:
        reasons.append(
            Reason("not_graded_short_membership", months=max(member.membership_months, 0))
        )
    return reasons


def is_graded(member: MemberYear) -> bool:
    """Graded, and counted in the quota: a full member here at least 3 months of the year."""
    return not member.probationary and member.membership_months >= MIN_GRADED_MONTHS


def _not_graded(member: MemberYear, reasons: list[Reason]) -> GradeResult:
    total = quantize(member.score.total)
    if member.probationary:
        sentence = f"总分 {_fmt_score(total)} 分。预备党员参加积分管理，但不参加年度定级。"
    else:
        m = max(member.membership_months, 0)
        sentence = (
            f"总分 {_fmt_score(total)} 分。本年度在本支部的时间为 {m} 个月，不足 "
            f"{MIN_GRADED_MONTHS} 个月，不参加本年度定级，由支部研究决定。"
        )
    return GradeResult(
        member_id=member.member_id,
        total=total,
        graded=False,
        threshold_grade=None,
        ceiling=None,
        grade=None,
        tie=False,
        reasons=tuple(reasons),
        sentence=sentence,
        next_grade=None,
        points_to_next=None,
        next_blocked_by="not_graded",
        next_sentence="不参加本年度定级。",
        score=member.score,
    )


@dataclass(frozen=True)
class _Draft:
    """A graded member after thresholds and ceilings, before the quota."""

    member: MemberYear
    total: Decimal
    by_threshold: Grade
    ceilings: _Ceilings
    grade: Grade


def _draft(member: MemberYear, rules: GradeRules) -> _Draft:
    total = quantize(member.score.total)
    by_threshold = threshold_grade(total, rules)
    found = ceilings(member, rules)
    grade = by_threshold if found.lowest is None else _lower(by_threshold, found.lowest)
    return _Draft(member, total, by_threshold, found, grade)


@dataclass(frozen=True)
class _Quota:
    slots: int | None  # None: not known (one member graded on their own)
    # The score to beat for an excellent place with the others' scores as they stand: the
    # lowest score within the places when the candidates fill them; None while places are free.
    to_beat: Decimal | None


def _threshold_phrase(total: Decimal, grade: Grade, rules: GradeRules) -> str:
    if grade == UNQUALIFIED:
        lowest = rules.threshold_basically_qualified
        return f"总分 {_fmt_score(total)} 分，未达到基本合格线（{_fmt(lowest)} 分）"
    line = rules.line(grade)
    assert line is not None
    return f"总分 {_fmt_score(total)} 分，达到{GRADE_ZH[grade]}线（{_fmt(line)} 分）"


def _ceiling_phrase(draft: _Draft) -> str:
    """The ceilings that lowered the grade: the binding (lowest) ones."""
    if draft.ceilings.lowest is None:
        return ""
    parts = []
    for reason in draft.ceilings.reasons:
        if reason.grade != draft.grade or _RANK[draft.by_threshold] <= _RANK[draft.grade]:
            continue
        if reason.code == "ceiling_item":
            assert reason.item_code is not None
            title = reason.item_title or "扣分项"
            parts.append(f"年内“{title}”（{reason.item_code}）{reason.count} 次")
        else:
            parts.append("年度群众评议中“不满意”占比超过三分之一")
    if not parts:
        return ""
    return f"，但{'，且'.join(parts)}，等次最高为{GRADE_ZH[draft.grade]}"


def _joiner_phrase(member: MemberYear) -> str:
    m = member.membership_months
    if m >= 12:
        return ""
    return f"（本年度在本支部 {m} 个月，各方面积分按 12/{m} 折算为全年，不超过该方面满分）"


def _next(
    draft: _Draft, grade: Grade, quota: _Quota, rules: GradeRules
) -> tuple[Grade | None, Decimal | None, NextBlock | None, str]:
    if grade == EXCELLENT:
        return None, None, "top", "已是最高等次。"
    up = GRADES[_RANK[grade] + 1]
    lowest = draft.ceilings.lowest
    if lowest is not None and _RANK[lowest] < _RANK[up]:
        binding = next(r for r in draft.ceilings.reasons if r.grade == lowest)
        if binding.code == "ceiling_item":
            return up, None, "ceiling_item", f"受扣分项限制，本年度不能评为{GRADE_ZH[up]}。"
        return (
            up,
            None,
            "ceiling_poor_share",
            f"受群众评议结果限制，本年度不能评为{GRADE_ZH[up]}。",
        )
    line = rules.line(up)
    assert line is not None
    needed = max(_ZERO, line - draft.total)
    if up != EXCELLENT:
        return (
            up,
            needed,
            None,
            f"再得 {_fmt(needed)} 分可达到{GRADE_ZH[up]}线（{_fmt(line)} 分）。",
        )
    if quota.slots == 0:
        return up, None, "quota", _NO_PLACE
    if quota.to_beat is not None:
        needed = max(needed, quota.to_beat - draft.total + _STEP)
        return (
            up,
            needed,
            None,
            f"再得 {_fmt(needed)} 分可进入本支部优秀名额（{quota.slots} 名）。",
        )
    return up, needed, None, f"再得 {_fmt(needed)} 分可达到优秀线（{_fmt(line)} 分）。"


def _result(
    draft: _Draft,
    grade: Grade,
    quota: _Quota,
    rules: GradeRules,
    *,
    quota_reason: Reason | None = None,
) -> GradeResult:
    member = draft.member
    reasons = [_threshold_reason(draft.by_threshold, rules.line(draft.by_threshold))]
    reasons.extend(draft.ceilings.reasons)
    if quota_reason is not None:
        reasons.append(quota_reason)
    if member.membership_months < 12:
        reasons.append(_joined_reason(member.membership_months))

    sentence = _threshold_phrase(draft.total, draft.by_threshold, rules) + _ceiling_phrase(draft)
    tie = quota_reason is not None and quota_reason.code == "quota_tie"
    if quota_reason is not None and tie:
        sentence += (
            f"，与另外 {quota_reason.tied_with} 名党员同分，处在本支部优秀名额"
            f"（{quota.slots} 名）的分界线上，拟定为合格，由支部研究决定"
        )
    elif quota_reason is not None and not quota.slots:
        sentence += "，但本支部本年度没有优秀名额，拟定为合格"
    elif quota_reason is not None:
        sentence += f"，但本支部优秀名额（{quota.slots} 名）已满，拟定为合格"
    else:
        sentence += f"，拟定为{GRADE_ZH[grade]}"
    sentence += _joiner_phrase(member) + "。"

    nxt: tuple[Grade | None, Decimal | None, NextBlock | None, str]
    if quota_reason is not None and quota.to_beat is None:
        nxt = (EXCELLENT, None, "quota", _NO_PLACE)
    elif quota_reason is not None and quota.to_beat is not None:
        # Above the lowest score within the places, the others as they stand; 0.1 breaks a tie.
        needed = quota.to_beat - draft.total + _STEP
        nxt = (
            EXCELLENT,
            needed,
            None,
            f"再得 {_fmt(needed)} 分可进入本支部优秀名额（{quota.slots} 名）。",
        )
    else:
        nxt = _next(draft, grade, quota, rules)
    return GradeResult(
        member_id=member.member_id,
        total=draft.total,
        graded=True,
        threshold_grade=draft.by_threshold,
        ceiling=draft.ceilings.lowest,
        grade=grade,
        tie=tie,
        reasons=tuple(reasons),
        sentence=sentence,
        next_grade=nxt[0],
        points_to_next=nxt[1],
        next_blocked_by=nxt[2],
        next_sentence=nxt[3],
        score=member.score,
    )


def grade_member(member: MemberYear, rules: GradeRules) -> GradeResult:
    """One member's projected grade before the branch's quota (thresholds and ceilings only);
    the quota needs the whole branch: grade_branch."""
    not_graded = _not_graded_reasons(member)
    if not_graded:
        return _not_graded(member, not_graded)
    draft = _draft(member, rules)
    return _result(draft, draft.grade, _Quota(slots=None, to_beat=None), rules)


def grade_branch(members: Sequence[MemberYear], standard: GradeRules) -> list[GradeResult]:
    """Every member's proposed grade in a branch's year, in the order given: thresholds, then
    ceilings, then the excellent quota over the graded members (O(n log n))."""
    drafts: list[_Draft | None] = [
        None if _not_graded_reasons(member) else _draft(member, standard) for member in members
    ]
    graded = sum(d is not None for d in drafts)
    slots = excellent_slots(standard.excellent_quota, graded)
    # Excellent after thresholds and ceilings, highest score first (ties in the given order).
    candidates = sorted(
        ((n, d) for n, d in enumerate(drafts) if d is not None and d.grade == EXCELLENT),
        key=lambda pair: -pair[1].total,
    )

    placed: dict[int, Reason] = {}
    if len(candidates) > slots:
        cut = candidates[slots][1].total  # the best score left without a place
        # A tie is at stake only when a place within the quota has the cut line's score.
        contested = slots > 0 and candidates[slots - 1][1].total == cut
        at_cut = sum(d.total == cut for _, d in candidates)
        for n, d in candidates:
            if d.total > cut:
                continue
            if d.total == cut and contested:
                placed[n] = Reason("quota_tie", grade=QUALIFIED, slots=slots, tied_with=at_cut - 1)
            else:
                placed[n] = Reason("quota_cut", grade=QUALIFIED, slots=slots)
    to_beat = candidates[slots - 1][1].total if 0 < slots <= len(candidates) else None
    quota = _Quota(slots=slots, to_beat=to_beat)

    results: list[GradeResult] = []
    for n, (member, draft) in enumerate(zip(members, drafts, strict=True)):
        if draft is None:
            results.append(_not_graded(member, _not_graded_reasons(member)))
            continue
        quota_reason = placed.get(n)
        grade = QUALIFIED if quota_reason is not None else draft.grade
        results.append(_result(draft, grade, quota, standard, quota_reason=quota_reason))
    return results
