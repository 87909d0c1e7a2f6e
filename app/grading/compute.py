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
from app.models import StandardItem
from app.scoring import evaluation as evaluation_rules
from app.scoring.annual import AnnualScore, member_score_of_dimensions, member_score_of_items
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
    standard_id: int | None
    rules: GradeRules
    slots: int
    graded: int
    members: list[MemberDraft]


@dataclass(frozen=True)
class _Standard:
    version_id: int | None
    rules: GradeRules
    min_ratings: int
    evaluation_max: Decimal


_EMPTY_RULES = GradeRules(
    threshold_excellent=Decimal(90),
    threshold_qualified=Decimal(75),
    threshold_basically_qualified=Decimal(60),
    base_score=Decimal(0),
)


async def _standards_of(
    session: AsyncSession, branch_ids: Sequence[int], year: int
) -> dict[int, _Standard]:
    """The standard in force for each branch and the rules drawn from it (once a version)."""
    versions = await standards.in_force_of_many(session, organisation_ids=branch_ids, year=year)
    seen: dict[int | None, _Standard] = {
        None: _Standard(None, _EMPTY_RULES, evaluation_rules.DEFAULT_MIN_RATINGS, Decimal(0))
    }
    for version in versions.values():
        if version is not None and version.id not in seen:
            items = await standards.items_of_published(session, version)
            seen[version.id] = _Standard(
                version.id,
                rules_from_standard(version, items),
                version.min_ratings,
                Decimal(version.evaluation_points),
            )
    return {b: seen[v.id if v is not None else None] for b, v in versions.items()}


def _rule(item: StandardItem) -> scoring.ItemRule:
    return scoring.ItemRule(
        item.code, item.dimension, item.kind, item.max_per_month, item.max_per_year
    )


def _with_items(rules: GradeRules, items: Sequence[scoring.ItemRule]) -> GradeRules:
    """The standard's rules plus items of another standard found in the ledger (a transfer
    across committees), under their own codes."""
    known = {i.code for i in rules.items}
    extra = tuple(i for i in items if i.code not in known)
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


@dataclass(frozen=True)
class Inputs:
    """What the queries read for some branches' year, for score()."""

    year: int
    branch_ids: Sequence[int]
    standards: dict[int, _Standard]
    members: list[MemberRow]
    earned: dict[int, dict[str, Decimal]]
    deductions: dict[int, dict[str, Decimal]]
    deduction_counts: dict[int, dict[str, int]]
    evaluations: dict[int, dict[int, evaluation_rules.Counts]]
    ledger_items: list[scoring.ItemRule]


async def load(session: AsyncSession, *, branch_ids: Sequence[int], year: int) -> Inputs:
    """The branches' standards, active members, the year's sums and the evaluation's counts:
    a few set-based queries, whatever the number of branches and members."""
    members = await repository.members_of(session, branch_ids)
    member_ids = [m.id for m in members]
    sums = await repository.year_sums(session, member_ids=member_ids, year=year)
    evaluations = await repository.quarter_counts(session, member_ids=member_ids, year=year)
    items = await lookups.items_by_id(session, {d.item_id for d in sums.deductions})
    standards = await _standards_of(session, branch_ids, year)

    net: dict[int, dict[str, Decimal]] = defaultdict(dict)
    # Occurrences of each deduction item: its points over the item's points (reversals net
    # out; an org admin's adjustment changes the score, not the count).
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for y in sums.deductions:
        item = items[y.item_id]
        net[y.member_id][item.code] = y.net
        if item.points:
            counts[y.member_id][item.code] = int(y.unadjusted / item.points)
    return Inputs(
        year,
        branch_ids,
        standards,
        members,
        sums.earned,
        net,
        counts,
        evaluations,
        [_rule(i) for i in items.values()],
    )


def score(inputs: Inputs) -> dict[int, BranchDraft]:
    """Every member's score and proposed grade in each branch, the quota applied (pure)."""
    by_branch: dict[int, list[MemberRow]] = defaultdict(list)
    for m in inputs.members:
        by_branch[m.branch_id].append(m)
    with_ledger_items: dict[int | None, GradeRules] = {}
    drafts: dict[int, BranchDraft] = {}
    for branch_id in inputs.branch_ids:
        standard = inputs.standards[branch_id]
        key = standard.version_id
        if key not in with_ledger_items:
            with_ledger_items[key] = _with_items(standard.rules, inputs.ledger_items)
        drafts[branch_id] = _branch(
            inputs, branch_id, standard, with_ledger_items[key], by_branch.get(branch_id, [])
        )
    return drafts


def _branch(
    inputs: Inputs,
    branch_id: int,
    standard: _Standard,
    rules: GradeRules,
    people: list[MemberRow],
) -> BranchDraft:
    counts = inputs.evaluations
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
        months = scoring.months_here(p.joined_on, p.arrived_on, inputs.year)
        years.append(
            MemberYear(
                member_id=p.id,
                score=member_score_of_dimensions(
                    rules,
                    inputs.earned.get(p.id, {}),
                    inputs.deductions.get(p.id, {}),
                    evaluation_points=ev.points,
                    membership_months=months,
                ),
                deduction_counts=inputs.deduction_counts.get(p.id, {}),
                poor_over_a_third=ev.poor_over_a_third,
                probationary=p.is_probationary,
                membership_months=months,
            )
        )
        evaluations.append(ev)
    results = grade_branch(years, rules)
    graded = sum(1 for r in results if r.graded)
    return BranchDraft(
        branch_id=branch_id,
        year=inputs.year,
        standard_id=standard.version_id,
        rules=rules,
        slots=excellent_slots(rules.excellent_quota, graded),
        graded=graded,
        members=[
            MemberDraft(p, r, ev) for p, r, ev in zip(people, results, evaluations, strict=True)
        ],
    )


async def compute(
    session: AsyncSession, *, branch_ids: Sequence[int], year: int
) -> dict[int, BranchDraft]:
    """Every active member's score and proposed grade in each branch, the quota applied."""
    return score(await load(session, branch_ids=branch_ids, year=year))


async def breakdown(session: AsyncSession, draft: BranchDraft, member: MemberDraft) -> AnnualScore:
    """One member's score of a branch's draft item by item (what each item's caps took away),
    for the live score: the same total as the draft's, from the member's own ledger."""
    found = await repository.item_years(session, member_id=member.member.id, year=draft.year)
    items = await lookups.items_by_id(session, {y.item_id for y in found})
    sums = {
        items[y.item_id].code: scoring.ItemSums(y.net, y.net)
        if items[y.item_id].kind == DEDUCTION
        else scoring.ItemSums(y.raw, y.after_month)
        for y in found
    }
    return member_score_of_items(
        _with_items(draft.rules, [_rule(i) for i in items.values()]),
        sums,
        evaluation_points=member.evaluation.points,
        membership_months=scoring.months_here(
            member.member.joined_on, member.member.arrived_on, draft.year
        ),
    )
