"""The grading's statements: the year's sums for the members of many branches at once (a few
set-based queries, never one per member), runs, results, votes, objections and follow-ups."""

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Executable,
    Integer,
    any_,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import (
    EvaluationRating,
    EvaluationRound,
    GradingFollowUp,
    GradingObjection,
    GradingResult,
    GradingRun,
    GradingVote,
    GradingVoter,
    LedgerEntry,
    Member,
    Organisation,
    StandardItem,
)
from app.models.standard import POINTS
from app.scoring.caps import DEDUCTION
from app.scoring.evaluation import RATINGS, Counts

VOTE_ID_BYTES = 16


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    branch_id: int
    category: str
    is_probationary: bool
    joined_on: date
    arrived_on: date | None


@dataclass(frozen=True)
class ItemYear:
    """One member's item over the year, after the item's monthly cap (caps.ItemSums: raw,
    after_month; see item_years) and `unadjusted`, the points not from an org admin's
    adjustment (a deduction's occurrences are counted from them)."""

    member_id: int
    item_id: int
    raw: Decimal
    after_month: Decimal
    net: Decimal
    unadjusted: Decimal


@dataclass(frozen=True)
class DeductionYear:
    """One member's deduction item over the year: its net points, and `unadjusted`, those not
    from an org admin's adjustment (its occurrences are counted from them)."""

    member_id: int
    item_id: int
    net: Decimal
    unadjusted: Decimal


async def members_of(session: AsyncSession, branch_ids: Sequence[int]) -> list[MemberRow]:
    """The active members of the branches now, by branch and name."""
    rows = await session.execute(
        select(
            col(Member.id),
            col(Member.name),
            col(Member.branch_id),
            col(Member.category),
            col(Member.is_probationary),
            col(Member.joined_on),
            col(Member.arrived_on),
        )
        .where(col(Member.branch_id).in_(branch_ids), col(Member.status) == "active")
        .order_by(col(Member.branch_id), col(Member.name), col(Member.id))
    )
    return [MemberRow(*row) for row in rows.all()]  # type: ignore[arg-type]


# The year's sums are built once per dialect, with bound parameters (:year, :member_ids,
# :member_id): building statements with subqueries took a sixth of a live score's Python time.
_YEAR: BindParameter[int] = bindparam("year")


def _among_members(dialect: str, column: Any) -> ColumnElement[bool]:
    """column IN :member_ids. On PostgreSQL one array parameter (= ANY): the same statement
    whatever the number of members, prepared once, and an index that begins with the member
    is read in its order (no sort; a subquery of the branches' members scanned the member
    table once a chunk, which grew with the city). Elsewhere an IN list."""
    if dialect == "postgresql":
        return cast(
            ColumnElement[bool], column == any_(bindparam("member_ids", type_=ARRAY(Integer())))
        )
    return cast(ColumnElement[bool], column.in_(bindparam("member_ids", expanding=True)))


def _months(members: ColumnElement[bool]) -> Any:
    """Each member's net points of each item in each month of the year, with the item's
    monthly cap, and those from an org admin's adjustment (NULL where none)."""
    points = col(LedgerEntry.points)
    return (
        select(
            col(LedgerEntry.member_id).label("member_id"),
            col(LedgerEntry.item_id).label("item_id"),
            col(StandardItem.max_per_month).label("max_per_month"),
            func.sum(points).label("p"),
            func.sum(case((col(LedgerEntry.source) == "adjustment", points))).label("adjusted"),
        )
        .join(StandardItem, col(StandardItem.id) == col(LedgerEntry.item_id))
        .where(col(LedgerEntry.year) == _YEAR, members)
        .group_by(
            col(LedgerEntry.member_id),
            col(LedgerEntry.item_id),
            col(LedgerEntry.period),
            col(StandardItem.id),
        )
        .subquery()
    )


def _items(members: ColumnElement[bool]) -> Any:
    """Each member's items over the year: caps.item_sums in SQL (raw: the positive months;
    after_month: each month clamped at 0 and held to the item's max_per_month) with the net
    points and those from adjustments. The year's whole ledger counts wherever it was earned
    (a transfer keeps it); reversals net out."""
    months = _months(members)
    p, cap = months.c.p, months.c.max_per_month
    return (
        select(
            months.c.member_id,
            months.c.item_id,
            func.sum(case((p > 0, p), else_=0)).label("raw"),
            func.sum(case((p <= 0, 0), (cap.is_(None), p), (p <= cap, p), else_=cap)).label(
                "after_month"
            ),
            func.sum(p).label("net"),
            func.sum(months.c.adjusted).label("adjusted"),
        )
        .group_by(months.c.member_id, months.c.item_id)
        .subquery()
    )


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _points(total: ColumnElement[Any]) -> ColumnElement[Decimal]:
    """A sum of points read as the one-decimal Decimal it is (SQLite sums numerics as floats)."""
    return type_coerce(total, POINTS)


@cache
def _item_years_statement() -> Executable:
    items = _items(col(LedgerEntry.member_id) == bindparam("member_id"))
    return select(
        items.c.member_id,
        items.c.item_id,
        _points(items.c.raw),
        _points(items.c.after_month),
        _points(items.c.net),
        _points(items.c.net - func.coalesce(items.c.adjusted, 0)),
    )


async def item_years(session: AsyncSession, *, member_id: int, year: int) -> list[ItemYear]:
    """One member's year summed by item after each item's monthly cap, for the live score's
    item by item breakdown."""
    rows = await session.execute(_item_years_statement(), {"member_id": member_id, "year": year})
    return [ItemYear(*row) for row in rows.all()]


@dataclass(frozen=True)
class YearSums:
    """earned: {member: {dimension: the bonus the items' caps left}}; deductions: each
    deduction item's year."""

    earned: dict[int, dict[str, Decimal]]
    deductions: list[DeductionYear]


@cache
def _year_sums_statement(dialect: str) -> Executable:
    items = _items(_among_members(dialect, col(LedgerEntry.member_id)))
    after_month, year_cap = items.c.after_month, col(StandardItem.max_per_year)
    deduction_id = case((col(StandardItem.kind) == DEDUCTION, items.c.item_id))  # NULL: bonus
    earned = func.sum(
        case(
            (year_cap.is_(None), after_month),
            (after_month <= year_cap, after_month),
            else_=year_cap,
        )
    )
    # One number a row (a dimension's earned bonus or a deduction's net points) and the
    # adjustments, NULL where none: a numeric column costs the driver more than a row.
    return (
        select(
            items.c.member_id,
            col(StandardItem.dimension),
            deduction_id,
            _points(case((deduction_id.is_(None), earned), else_=func.sum(items.c.net))),
            _points(func.sum(items.c.adjusted)),
        )
        .join(StandardItem, col(StandardItem.id) == items.c.item_id)
        .group_by(items.c.member_id, col(StandardItem.dimension), deduction_id)
    )


async def year_sums(session: AsyncSession, *, member_ids: Sequence[int], year: int) -> YearSums:
    """For some members, in one pass over their year's ledger: each
    dimension's bonus after its items' monthly and yearly caps (the `earned` of
    caps.year_points_of_dimensions), and each deduction item's net points. The items' caps in
    SQL, for whole branches at once: a city has millions of (item, month) sums, and fetching
    them made its grading several times slower than the database's own aggregate.
    tests/grading/test_year_sums.py checks this against caps.year_points on random ledgers."""
    rows = await session.execute(
        _year_sums_statement(_dialect(session)), {"member_ids": list(member_ids), "year": year}
    )
    sums = YearSums(defaultdict(dict), [])
    for member_id, dimension, item_id, points, adjusted in rows.all():
        if item_id is None:
            sums.earned[member_id][dimension] = points
        else:
            unadjusted = points if adjusted is None else points - adjusted
            sums.deductions.append(DeductionYear(member_id, item_id, points, unadjusted))
    return sums


@cache
def _quarter_counts_statement(dialect: str) -> Executable:
    rating = col(EvaluationRating.rating)
    return (
        select(
            col(EvaluationRating.member_id),
            col(EvaluationRound.quarter),
            *(func.count().filter(rating == r) for r in RATINGS),
        )
        .join(EvaluationRound, col(EvaluationRound.id) == col(EvaluationRating.round_id))
        .where(
            col(EvaluationRound.year) == _YEAR,
            col(EvaluationRound.status) == "closed",
            _among_members(dialect, col(EvaluationRating.member_id)),
        )
        .group_by(col(EvaluationRating.member_id), col(EvaluationRound.quarter))
    )


async def quarter_counts(
    session: AsyncSession, *, member_ids: Sequence[int], year: int
) -> dict[int, dict[int, Counts]]:
    """Closed evaluation rounds' counts of the year for some members, in any branch's round:
    {member: {quarter: counts}}."""
    rows = await session.execute(
        _quarter_counts_statement(_dialect(session)),
        {"member_ids": list(member_ids), "year": year},
    )
    counts: dict[int, dict[int, Counts]] = defaultdict(dict)
    for member_id, quarter, *tally in rows.all():
        counts[member_id][quarter] = Counts(**dict(zip(RATINGS, tally, strict=True)))
    return counts


# -- runs ----------------------------------------------------------------------------------------


async def latest_run(
    session: AsyncSession, *, branch_id: int, year: int | None
) -> GradingRun | None:
    """The branch's current run of the year (a correction supersedes), or of its latest year."""
    stmt = select(GradingRun).where(col(GradingRun.branch_id) == branch_id)
    if year is not None:
        stmt = stmt.where(col(GradingRun.year) == year)
    return await session.scalar(
        stmt.order_by(col(GradingRun.year).desc(), col(GradingRun.id).desc()).limit(1)
    )


async def runs_of_branch(
    session: AsyncSession, *, branch_id: int, offset: int, limit: int
) -> tuple[list[GradingRun], int]:
    where = col(GradingRun.branch_id) == branch_id
    total = await session.scalar(select(func.count()).select_from(GradingRun).where(where))
    rows = await session.scalars(
        select(GradingRun)
        .where(where)
        .order_by(col(GradingRun.year).desc(), col(GradingRun.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total or 0


async def runs_of_subtree(
    session: AsyncSession, *, path: str, year: int
) -> list[tuple[GradingRun, str]]:
    """The latest run of each branch of a subtree for the year, with the branch's name."""
    latest = (
        select(func.max(col(GradingRun.id)))
        .join(Organisation, col(Organisation.id) == col(GradingRun.branch_id))
        .where(col(Organisation.path).startswith(path), col(GradingRun.year) == year)
        .group_by(col(GradingRun.branch_id))
    )
    rows = await session.execute(
        select(GradingRun, col(Organisation.name))
        .join(Organisation, col(Organisation.id) == col(GradingRun.branch_id))
        .where(col(GradingRun.id).in_(latest))
        .order_by(col(Organisation.path))
    )
    return [(run, name) for run, name in rows.all()]


async def branches_of_subtree(session: AsyncSession, path: str) -> list[Organisation]:
    """The active branches of a subtree, in the tree's order."""
    rows = await session.scalars(
        select(Organisation)
        .where(
            col(Organisation.path).startswith(path),
            col(Organisation.kind) == "branch",
            col(Organisation.archived_at).is_(None),
        )
        .order_by(col(Organisation.path))
    )
    return list(rows)


async def results_of(session: AsyncSession, run_id: int) -> list[tuple[GradingResult, str]]:
    """A run's results with each member's name, by name."""
    rows = await session.execute(
        select(GradingResult, col(Member.name))
        .join(Member, col(Member.id) == col(GradingResult.member_id))
        .where(col(GradingResult.run_id) == run_id)
        .order_by(col(Member.name), col(Member.id))
    )
    return [(result, name) for result, name in rows.all()]


async def results_of_runs(
    session: AsyncSession, run_ids: Sequence[int]
) -> list[tuple[GradingResult, str]]:
    if not run_ids:
        return []
    rows = await session.execute(
        select(GradingResult, col(Member.name))
        .join(Member, col(Member.id) == col(GradingResult.member_id))
        .where(col(GradingResult.run_id).in_(run_ids))
        .order_by(col(GradingResult.run_id), col(Member.name), col(Member.id))
    )
    return [(result, name) for result, name in rows.all()]


async def result(session: AsyncSession, run_id: int, member_id: int) -> GradingResult | None:
    return await session.get(GradingResult, (run_id, member_id))


async def delete_results(session: AsyncSession, run_id: int) -> None:
    await session.execute(delete(GradingResult).where(col(GradingResult.run_id) == run_id))


# -- the democratic vote -------------------------------------------------------------------------


async def has_voted(session: AsyncSession, *, run_id: int, member_id: int) -> bool:
    return await session.get(GradingVoter, (run_id, member_id)) is not None


async def voter_count(session: AsyncSession, run_id: int) -> int:
    total = await session.scalar(
        select(func.count()).select_from(GradingVoter).where(col(GradingVoter.run_id) == run_id)
    )
    return total or 0


async def add_votes(
    session: AsyncSession, *, run_id: int, votes: Sequence[tuple[int, str]]
) -> None:
    if votes:
        await session.execute(
            insert(GradingVote),
            [
                {
                    "id": secrets.token_hex(VOTE_ID_BYTES),
                    "run_id": run_id,
                    "member_id": m,
                    "grade": g,
                }
                for m, g in votes
            ],
        )


async def reshuffle_votes(session: AsyncSession, run_id: int) -> None:
    """Rewrites a run's votes in random order with new ids when the vote ends (see the
    evaluation's ratings: PostgreSQL keeps rows in the order written)."""
    rows = (
        await session.execute(
            select(col(GradingVote.member_id), col(GradingVote.grade)).where(
                col(GradingVote.run_id) == run_id
            )
        )
    ).all()
    shuffled = [(m, g) for m, g in rows]
    secrets.SystemRandom().shuffle(shuffled)
    await session.execute(delete(GradingVote).where(col(GradingVote.run_id) == run_id))
    await add_votes(session, run_id=run_id, votes=shuffled)


async def full_member_count(session: AsyncSession, run_id: int) -> int:
    """The run's full (not probationary) members: those who vote."""
    total = await session.scalar(
        select(func.count())
        .select_from(GradingResult)
        .join(Member, col(Member.id) == col(GradingResult.member_id))
        .where(col(GradingResult.run_id) == run_id, col(Member.is_probationary).is_(False))
    )
    return total or 0


async def vote_tally(session: AsyncSession, run_id: int) -> dict[int, dict[str, int]]:
    """{member: {grade: votes}} of a run."""
    rows = await session.execute(
        select(col(GradingVote.member_id), col(GradingVote.grade), func.count())
        .where(col(GradingVote.run_id) == run_id)
        .group_by(col(GradingVote.member_id), col(GradingVote.grade))
    )
    tally: dict[int, dict[str, int]] = defaultdict(dict)
    for member_id, grade, count in rows.all():
        tally[member_id][grade] = count
    return tally


# -- objections and follow-ups -------------------------------------------------------------------


async def objections_of(session: AsyncSession, run_id: int) -> list[GradingObjection]:
    rows = await session.scalars(
        select(GradingObjection)
        .where(col(GradingObjection.run_id) == run_id)
        .order_by(col(GradingObjection.id))
    )
    return list(rows)


async def unanswered_count(session: AsyncSession, run_id: int) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(GradingObjection)
        .where(col(GradingObjection.run_id) == run_id, col(GradingObjection.answer).is_(None))
    )
    return total or 0


async def follow_ups_of(session: AsyncSession, run_id: int) -> list[GradingFollowUp]:
    rows = await session.scalars(
        select(GradingFollowUp)
        .where(col(GradingFollowUp.run_id) == run_id)
        .order_by(col(GradingFollowUp.kind), col(GradingFollowUp.member_id))
    )
    return list(rows)


async def categories(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    rows = await session.execute(
        select(col(Member.id), col(Member.category)).where(col(Member.id).in_(set(member_ids)))
    )
    return {i: c for i, c in rows.all() if i is not None}


async def names(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    rows = await session.execute(
        select(col(Member.id), col(Member.name)).where(col(Member.id).in_(member_ids))
    )
    return {i: n for i, n in rows.all() if i is not None}
