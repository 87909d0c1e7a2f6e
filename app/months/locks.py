"""The branch-month row that every change to a month's claims and entries takes a lock on.

Claim changes take a shared lock and the monthly close an exclusive one, so on PostgreSQL a
submit racing a close either lands before the close looks (and blocks it) or sees the lock.
On SQLite every write transaction is already serialised by BEGIN IMMEDIATE.
"""

from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.errors import Conflict
from app.models import BranchMonth
from app.models.base import utcnow


class MonthLocked(Conflict):
    code = "month_locked"
    title = "Month locked"


async def lock_month(
    session: AsyncSession, *, branch_id: int, period: str, exclusive: bool = False
) -> BranchMonth:
    """The branch's month row, created when missing, locked for the rest of the transaction."""
    stmt = (
        select(BranchMonth)
        .where(col(BranchMonth.branch_id) == branch_id, col(BranchMonth.period) == period)
        .with_for_update(read=not exclusive)
        .execution_options(populate_existing=True)
    )
    month = (await session.execute(stmt)).scalar_one_or_none()
    if month is None:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        await session.execute(
            insert(BranchMonth)
            .values(branch_id=branch_id, period=period, status="open", created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["branch_id", "period"])
        )
        month = (await session.execute(stmt)).scalar_one()
    return month


def _status(exclusive: bool) -> Select[Any]:
    months = BranchMonth.__table__  # type: ignore[attr-defined]
    return (
        select(months.c.status)
        .where(months.c.branch_id == bindparam("branch_id"), months.c.period == bindparam("period"))
        .with_for_update(read=not exclusive)
    )


# Built once, of the table's columns (plain SQL, no ORM loading): every change to a claim
# or an entry reads it. With a pair to hold as well (PostgreSQL), one row: the status, and
# pg_advisory_xact_lock(pair) taken in the same trip.
_STATUS = {False: _status(False), True: _status(True)}
_STATUS_HOLDING = select(
    _status(False).scalar_subquery(),
    func.pg_advisory_xact_lock(
        bindparam("hold_a", type_=Integer), bindparam("hold_b", type_=Integer)
    ),
)


async def require_open(
    session: AsyncSession,
    *,
    branch_id: int,
    period: str,
    exclusive: bool = False,
    holding: tuple[int, int] | None = None,
) -> None:
    """Lock the branch's month row (created when missing) and refuse when it is locked.

    holding: a pair of ids the caller must hold until the transaction ends as well (an
    advisory lock on PostgreSQL, where transactions run side by side), taken first."""
    params: dict[str, Any] = {"branch_id": branch_id, "period": period}
    if holding is not None and session.get_bind().dialect.name == "postgresql":
        params.update(hold_a=holding[0], hold_b=holding[1])
        status = (await session.execute(_STATUS_HOLDING, params)).scalar()
    else:
        status = (await session.execute(_STATUS[exclusive], params)).scalar()
    if status is None:
        status = (await lock_month(session, branch_id=branch_id, period=period)).status
    if status == "locked":
        raise MonthLocked(
            f"The branch's month {period} is closed; its claims and entries can no longer change.",
            period=period,
        )


async def find_month(session: AsyncSession, *, branch_id: int, period: str) -> BranchMonth | None:
    return (
        await session.execute(
            select(BranchMonth).where(
                col(BranchMonth.branch_id) == branch_id, col(BranchMonth.period) == period
            )
        )
    ).scalar_one_or_none()
