"""Statements of the months overview: a subtree's branches and their months, set-based (a fixed
number of queries whatever the number of branches)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.models import BranchMonth, Claim, ClaimStatus, Organisation, User


@dataclass(frozen=True, slots=True)
class BranchRow:
    id: int
    name: str
    path: str
    parent_name: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MonthRow:
    branch_id: int
    period: str
    status: str
    closed_at: datetime | None
    closed_by_user_id: int | None
    closed_by_name: str | None
    reopened_at: datetime | None
    reopen_reason: str | None


def _year_range(year: int) -> tuple[str, str]:
    return f"{year:04d}-01", f"{year:04d}-12"


def _branches_of(root_path: str) -> ColumnElement[bool]:
    """Active branches at or below the organisation at root_path."""
    return and_(
        col(Organisation.path).startswith(root_path),
        col(Organisation.kind) == "branch",
        col(Organisation.archived_at).is_(None),
    )


async def count_branches(session: AsyncSession, *, root_path: str) -> int:
    stmt = select(func.count()).select_from(Organisation).where(_branches_of(root_path))
    return await session.scalar(stmt) or 0


async def page_of_branches(
    session: AsyncSession,
    *,
    root_path: str,
    search: str | None,
    not_closed: str | None,
    offset: int,
    limit: int,
) -> tuple[list[BranchRow], int]:
    """A page of the subtree's branches in tree order (by path, unique), with their parent's
    name; search narrows by name, not_closed to branches that have not locked that month."""
    where = [_branches_of(root_path)]
    if search:
        where.append(col(Organisation.name).contains(search, autoescape=True))
    if not_closed:
        where.append(
            ~exists().where(
                col(BranchMonth.branch_id) == col(Organisation.id),
                col(BranchMonth.period) == not_closed,
                col(BranchMonth.status) == "locked",
            )
        )
    total = await session.scalar(select(func.count()).select_from(Organisation).where(*where))
    parent = aliased(Organisation)
    rows = await session.execute(
        select(
            col(Organisation.id),
            col(Organisation.name),
            col(Organisation.path),
            col(parent.name),
            col(Organisation.created_at),
        )
        .outerjoin(parent, col(parent.id) == col(Organisation.parent_id))
        .where(*where)
        .order_by(col(Organisation.path))
        .offset(offset)
        .limit(limit)
    )
    out = []
    for branch_id, name, path, parent_name, created_at in rows.all():
        assert branch_id is not None
        out.append(BranchRow(branch_id, name, path, parent_name, created_at))
    return out, total or 0


async def months_of(
    session: AsyncSession, *, branch_ids: Sequence[int], year: int
) -> list[MonthRow]:
    """The branch-month rows of these branches in the year, with the name of who closed each."""
    if not branch_ids:
        return []
    first, last = _year_range(year)
    rows = await session.execute(
        select(
            col(BranchMonth.branch_id),
            col(BranchMonth.period),
            col(BranchMonth.status),
            col(BranchMonth.closed_at),
            col(BranchMonth.closed_by_user_id),
            col(User.display_name),
            col(BranchMonth.reopened_at),
            col(BranchMonth.reopen_reason),
        )
        .outerjoin(User, col(User.id) == col(BranchMonth.closed_by_user_id))
        .where(
            col(BranchMonth.branch_id).in_(list(branch_ids)),
            col(BranchMonth.period).between(first, last),
        )
    )
    return [MonthRow(*row) for row in rows.all()]


async def pending_of(
    session: AsyncSession, *, branch_ids: Sequence[int], year: int
) -> dict[tuple[int, str], int]:
    """Submitted claims by (branch, month) of these branches in the year."""
    if not branch_ids:
        return {}
    first, last = _year_range(year)
    rows = await session.execute(
        select(col(Claim.branch_id), col(Claim.period), func.count())
        .where(
            col(Claim.branch_id).in_(list(branch_ids)),
            col(Claim.period).between(first, last),
            col(Claim.status) == ClaimStatus.submitted,
        )
        .group_by(col(Claim.branch_id), col(Claim.period))
    )
    return {(branch_id, period): n for branch_id, period, n in rows.all()}


async def month_totals(
    session: AsyncSession, *, root_path: str, year: int
) -> dict[tuple[str, str], int]:
    """Branch-month rows of the subtree's branches by (month, status)."""
    first, last = _year_range(year)
    rows = await session.execute(
        select(col(BranchMonth.period), col(BranchMonth.status), func.count())
        .join(Organisation, col(Organisation.id) == col(BranchMonth.branch_id))
        .where(_branches_of(root_path), col(BranchMonth.period).between(first, last))
        .group_by(col(BranchMonth.period), col(BranchMonth.status))
    )
    return {(period, status): n for period, status, n in rows.all()}


async def pending_totals(session: AsyncSession, *, root_path: str, year: int) -> dict[str, int]:
    """Submitted claims of the subtree's branches by month."""
    first, last = _year_range(year)
    rows = await session.execute(
        select(col(Claim.period), func.count())
        .join(Organisation, col(Organisation.id) == col(Claim.branch_id))
        .where(
            _branches_of(root_path),
            col(Claim.period).between(first, last),
            col(Claim.status) == ClaimStatus.submitted,
        )
        .group_by(col(Claim.period))
    )
    return {period: n for period, n in rows.all()}
