"""The year's score and proposed grade of every member of some branches: a few set-based
queries for all of them (members, the ledger's sums, the evaluation's counts), fed to the pure
rules of app/scoring. The grading's draft, the live score and the city bench all use it."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app import lookups, scoring
from app.grading import repository
from app.grading.repository import MemberRow
from app.models import StandardItem, StandardVersion
from app.scoring import evaluation as evaluation_rules
from app.scoring.annual import member_score_of_items
from app.scoring.caps import DEDUCTION
from app.scoring.grade import (
    GradeResult,
    GradeRules,
    MemberYear,
    excellent_slots,
    grade_branch,
    rules_from_standard,
)
from app.standards import service as standards


@dataclass(frozen=True)
class MemberDraft:
    member: MemberRow
    result: GradeResult
    evaluation: evaluation_rules.YearEvaluation


@dataclass(frozen=True)
class BranchDraft:
    branch_id: int
    year: int
    standard: StandardVersion | None
    slots: int
    graded: int
    members: list[MemberDraft]


@dataclass(frozen=True)
class _Standard:
    version: StandardVersion | None
    rules: GradeRules
    min_ratings: int
    evaluation_max: Decimal


_EMPTY_RULES = GradeRules(
    threshold_excellent=Decimal(90),
    threshold_qualified=Decimal(75),
    threshold_basically_qualified=Decimal(60),
    base_score=Decimal(0),
)


async def _standard_of(
    session: AsyncSession, branch_id: int, year: int, seen: dict[int, _Standard]
) -> _Standard:
    version = await standards.in_force(session, organisation_id=branch_id, year=year)
    if version is None or version.id is None:
        return _Standard(None, _EMPTY_RULES, evaluation_rules.DEFAULT_MIN_RATINGS, Decimal(0))
    if version.id not in seen:
        items = await standards.items_of(session, version.id)
        seen[version.id] = _Standard(
            version,
            rules_from_standard(version, items),
            version.min_ratings,
            Decimal(version.evaluation_points),
        )
    return seen[version.id]


def _with_items(rules: GradeRules, items: Sequence[StandardItem]) -> GradeRules:
    """The standard's rules plus items of another standard found in the ledger (a transfer
    across committees), under their own codes."""
    known = {i.code for i in rules.items}
    extra = tuple(
        scoring.ItemRule(i.code, i.dimension, i.kind, i.max_per_month, i.max_per_year)
        for i in items
        if i.code not in known
    )
    if not extra:
        return rules
    return GradeRules(
        threshold_excellent=rules.threshold_excellent,
        threshold_qualified=rules.threshold_qualified,
        threshold_basically_qualified=rules.threshold_basically_qualified,
        excellent_quota=rules.excellent_quota,
        ceilings=rules.ceilings,
        base_score=rules.base_score,
        dimension_caps=rules.dimension_caps,
        items=rules.items + extra,
    )


async def compute(
    session: AsyncSession, *, branch_ids: Sequence[int], year: int
) -> dict[int, BranchDraft]:
    """Every active member's score and proposed grade in each branch, the quota applied."""
    members = await repository.members_of(session, branch_ids)
    item_years = await repository.item_years(session, branch_ids=branch_ids, year=year)
    counts = await repository.quarter_counts(session, branch_ids=branch_ids, year=year)
    items = await lookups.items_by_id(session, {y.item_id for y in item_years})

    sums: dict[int, dict[str, scoring.ItemSums]] = defaultdict(dict)
    # Occurrences of each deduction item: its points over the item's points (reversals net
    # out; an org admin's adjustment changes the score, not the count).
    deducted: dict[int, dict[str, int]] = defaultdict(dict)
    for y in item_years:
        item = items[y.item_id]
        if item.kind == DEDUCTION:
            sums[y.member_id][item.code] = scoring.ItemSums(y.net, y.net)
            if item.points:
                deducted[y.member_id][item.code] = int(y.unadjusted / item.points)
        else:
            sums[y.member_id][item.code] = scoring.ItemSums(y.raw, y.after_month)

    by_branch: dict[int, list[MemberRow]] = defaultdict(list)
    for m in members:
        by_branch[m.branch_id].append(m)

    seen: dict[int, _Standard] = {}
    with_ledger_items: dict[int | None, GradeRules] = {}
    drafts: dict[int, BranchDraft] = {}
    for branch_id in branch_ids:
        standard = await _standard_of(session, branch_id, year, seen)
        people = by_branch.get(branch_id, [])
        key = standard.version.id if standard.version else None
        if key not in with_ledger_items:
            with_ledger_items[key] = _with_items(standard.rules, list(items.values()))
        rules = with_ledger_items[key]
        branch_rate = evaluation_rules.branch_mean(
            (counts.get(p.id, {}) for p in people), min_ratings=standard.min_ratings
        )
        years: list[MemberYear] = []
        evaluations: list[evaluation_rules.YearEvaluation] = []
        for p in people:
            ev = evaluation_rules.year_evaluation(
                counts.get(p.id, {}),
                evaluation_max=standard.evaluation_max,
                branch_rate=branch_rate,
                min_ratings=standard.min_ratings,
            )
            months = scoring.months_here(p.joined_on, p.arrived_on, year)
            years.append(
                MemberYear(
                    member_id=p.id,
                    score=member_score_of_items(
                        rules,
                        sums.get(p.id, {}),
                        evaluation_points=ev.points,
                        membership_months=months,
                    ),
                    deduction_counts=deducted.get(p.id, {}),
                    poor_over_a_third=ev.poor_over_a_third,
                    probationary=p.is_probationary,
                    membership_months=months,
                )
            )
            evaluations.append(ev)
        results = grade_branch(years, rules)
        graded = sum(1 for r in results if r.graded)
        drafts[branch_id] = BranchDraft(
            branch_id=branch_id,
            year=year,
            standard=standard.version,
            slots=excellent_slots(rules.excellent_quota, graded),
            graded=graded,
            members=[
                MemberDraft(p, r, ev) for p, r, ev in zip(people, results, evaluations, strict=True)
            ],
        )
    return drafts
