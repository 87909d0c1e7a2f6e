"""The evaluation's statements: rounds, codes, receipts, ratings and their counts."""

import secrets
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import (
    EvaluationCode,
    EvaluationRating,
    EvaluationReceipt,
    EvaluationRound,
    Member,
)
from app.schemas import PersonRef
from app.scoring.evaluation import Counts

RATING_ID_BYTES = 16


def new_rating_id() -> str:
    """A rating's id: random, so it says nothing about when the rating was written."""
    return secrets.token_hex(RATING_ID_BYTES)


async def find_round(
    session: AsyncSession, *, branch_id: int, year: int, quarter: int
) -> EvaluationRound | None:
    return await session.scalar(
        select(EvaluationRound).where(
            col(EvaluationRound.branch_id) == branch_id,
            col(EvaluationRound.year) == year,
            col(EvaluationRound.quarter) == quarter,
        )
    )


async def rounds_of_branch(
    session: AsyncSession, *, branch_id: int, offset: int, limit: int
) -> tuple[list[EvaluationRound], int]:
    where = col(EvaluationRound.branch_id) == branch_id
    total = await session.scalar(select(func.count()).select_from(EvaluationRound).where(where))
    rows = await session.scalars(
        select(EvaluationRound)
        .where(where)
        .order_by(col(EvaluationRound.year).desc(), col(EvaluationRound.quarter).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total or 0


async def open_rounds_of_branch(session: AsyncSession, branch_id: int) -> list[EvaluationRound]:
    rows = await session.scalars(
        select(EvaluationRound)
        .where(col(EvaluationRound.branch_id) == branch_id, col(EvaluationRound.status) == "open")
        .order_by(col(EvaluationRound.year), col(EvaluationRound.quarter))
    )
    return list(rows)


async def active_members(session: AsyncSession, branch_id: int) -> list[PersonRef]:
    """The branch's active members, full and probationary, by name: who rates and is rated."""
    rows = await session.execute(
        select(col(Member.id), col(Member.name))
        .where(col(Member.branch_id) == branch_id, col(Member.status) == "active")
        .order_by(col(Member.name), col(Member.id))
    )
    return [PersonRef(id=i, name=n) for i, n in rows.all()]


async def spend_code(session: AsyncSession, code_hash: str, round_id: int) -> bool:
    """Marks an unspent code of the round spent; False when another ballot spent it first."""
    result = await session.execute(
        update(EvaluationCode)
        .where(
            col(EvaluationCode.code_hash) == code_hash,
            col(EvaluationCode.round_id) == round_id,
            col(EvaluationCode.spent).is_(False),
        )
        .values(spent=True)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def find_code(
    session: AsyncSession, code_hash: str
) -> tuple[EvaluationCode, EvaluationRound] | None:
    """A code and its round, in one statement."""
    row = (
        await session.execute(
            select(EvaluationCode, EvaluationRound)
            .join(EvaluationRound, col(EvaluationRound.id) == col(EvaluationCode.round_id))
            .where(col(EvaluationCode.code_hash) == code_hash)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def add_codes(session: AsyncSession, *, round_id: int, hashes: Sequence[str]) -> int:
    """Stores a batch of code hashes; returns the batch's number in the round."""
    last = await session.scalar(
        select(func.max(col(EvaluationCode.batch))).where(col(EvaluationCode.round_id) == round_id)
    )
    batch = (last or 0) + 1
    await session.execute(
        insert(EvaluationCode),
        [{"round_id": round_id, "code_hash": h, "batch": batch, "spent": False} for h in hashes],
    )
    return batch


async def code_counts(session: AsyncSession, round_id: int) -> tuple[int, int, int]:
    """(issued, spent, batches) of a round's codes."""
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(col(EvaluationCode.spent).is_(True)),
                func.coalesce(func.max(col(EvaluationCode.batch)), 0),
            ).where(col(EvaluationCode.round_id) == round_id)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def has_voted(session: AsyncSession, *, round_id: int, member_id: int) -> bool:
    return (await session.get(EvaluationReceipt, (round_id, member_id))) is not None


async def voted_rounds(session: AsyncSession, *, member_id: int, round_ids: list[int]) -> set[int]:
    if not round_ids:
        return set()
    rows = await session.scalars(
        select(col(EvaluationReceipt.round_id)).where(
            col(EvaluationReceipt.member_id) == member_id,
            col(EvaluationReceipt.round_id).in_(round_ids),
        )
    )
    return set(rows)


async def receipt_count(session: AsyncSession, round_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(EvaluationReceipt)
            .where(col(EvaluationReceipt.round_id) == round_id)
        )
        or 0
    )


async def add_ratings(
    session: AsyncSession, *, round_id: int, ratings: Sequence[tuple[int, str, str | None]]
) -> None:
    """Writes a ballot's (member, rating, comment) rows: random ids, no time, no voter."""
    await session.execute(
        # One statement for the ballot: without render_nulls, rows with and without a comment
        # would go in separate batches.
        insert(EvaluationRating).execution_options(render_nulls=True),
        [
            {
                "id": new_rating_id(),
                "round_id": round_id,
                "member_id": member_id,
                "rating": rating,
                "comment": comment or None,
            }
            for member_id, rating, comment in ratings
        ],
    )


async def reshuffle_ratings(session: AsyncSession, round_id: int) -> None:
    """Rewrites a round's ratings in random order with new random ids, so that where a row
    lies in the table (PostgreSQL keeps rows in the order written) no longer tells which
    ratings were written together, nor when."""
    rows = (
        await session.execute(
            select(
                col(EvaluationRating.member_id),
                col(EvaluationRating.rating),
                col(EvaluationRating.comment),
            ).where(col(EvaluationRating.round_id) == round_id)
        )
    ).all()
    shuffled = list(rows)
    secrets.SystemRandom().shuffle(shuffled)
    await session.execute(
        delete(EvaluationRating).where(col(EvaluationRating.round_id) == round_id)
    )
    if shuffled:
        await add_ratings(session, round_id=round_id, ratings=[tuple(r) for r in shuffled])  # type: ignore[misc]


async def rating_counts(session: AsyncSession, round_id: int) -> dict[int, Counts]:
    """Each rated member's counts in a round."""
    rows = await session.execute(
        select(col(EvaluationRating.member_id), col(EvaluationRating.rating), func.count())
        .where(col(EvaluationRating.round_id) == round_id)
        .group_by(col(EvaluationRating.member_id), col(EvaluationRating.rating))
    )
    tallies: dict[int, dict[str, int]] = defaultdict(dict)
    for member_id, rating, count in rows.all():
        tallies[member_id][rating] = count
    return {member_id: Counts(**tally) for member_id, tally in tallies.items()}


async def comments(session: AsyncSession, round_id: int) -> list[tuple[int, str, str]]:
    """(member id, member name, comment) of a round, by member and then by the random id."""
    rows = await session.execute(
        select(col(Member.id), col(Member.name), col(EvaluationRating.comment))
        .join(Member, col(Member.id) == col(EvaluationRating.member_id))
        .where(
            col(EvaluationRating.round_id) == round_id,
            col(EvaluationRating.comment).is_not(None),
        )
        .order_by(col(Member.name), col(Member.id), col(EvaluationRating.id))
    )
    return [(i, n, c) for i, n, c in rows.all() if i is not None and c is not None]


async def names(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    rows = await session.execute(
        select(col(Member.id), col(Member.name)).where(col(Member.id).in_(member_ids))
    )
    return {i: n for i, n in rows.all() if i is not None}


async def quarter_counts(
    session: AsyncSession, *, year: int, branch_id: int | None = None, member_id: int | None = None
) -> dict[int, dict[int, tuple[int, Counts]]]:
    """Closed rounds' counts of a year: {member: {quarter: (round id, counts)}}, for the members
    rated in a branch's rounds, or for one member in any round."""
    stmt = (
        select(
            col(EvaluationRating.member_id),
            col(EvaluationRound.quarter),
            col(EvaluationRound.id),
            col(EvaluationRating.rating),
            func.count(),
        )
        .join(EvaluationRound, col(EvaluationRound.id) == col(EvaluationRating.round_id))
        .where(col(EvaluationRound.year) == year, col(EvaluationRound.status) == "closed")
        .group_by(
            col(EvaluationRating.member_id),
            col(EvaluationRound.quarter),
            col(EvaluationRound.id),
            col(EvaluationRating.rating),
        )
    )
    if branch_id is not None:
        stmt = stmt.where(col(EvaluationRound.branch_id) == branch_id)
    if member_id is not None:
        stmt = stmt.where(col(EvaluationRating.member_id) == member_id)
    tallies: dict[int, dict[int, tuple[int, dict[str, int]]]] = defaultdict(dict)
    for member, quarter, round_id, rating, count in (await session.execute(stmt)).all():
        _, tally = tallies[member].setdefault(quarter, (round_id or 0, {}))
        tally[rating] = tally.get(rating, 0) + count
    return {
        member: {q: (r, Counts(**t)) for q, (r, t) in quarters.items()}
        for member, quarters in tallies.items()
    }
