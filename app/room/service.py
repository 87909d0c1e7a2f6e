"""A member's room for a month: each declarable item's caps as the submit check counts them
(app.claims.repository used points, app.scoring.room), and the month's state for claims
(its window, app.periods, and the branch's close, app.months.locks)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock, periods
from app.claims import repository
from app.errors import Conflict
from app.models import Member, StandardItem, StandardVersion
from app.months.locks import find_month
from app.points import service as points
from app.room.schemas import ItemRoom, MemberRoom, MonthState
from app.scoring import quantize
from app.scoring.room import item_room
from app.standards import service as standards

_ZERO = Decimal(0)


def _tenths(value: Decimal | None) -> Decimal | None:
    return None if value is None else quantize(value)


async def _month_state(
    session: AsyncSession, member: Member, period: str, now: datetime
) -> MonthState:
    standard = await standards.in_force(
        session, organisation_id=member.branch_id, year=periods.year_of(period)
    )
    month = await find_month(session, branch_id=member.branch_id, period=period)
    locked = month is not None and month.status == "locked"
    if standard is None:
        return MonthState(
            period=period,
            deadline=None,
            started=False,
            window_closed=False,
            locked=locked,
            has_standard=False,
            open=False,
        )
    deadline = periods.deadline(
        period, deadline_day=standard.deadline_day, timezone=standard.timezone
    )
    started = period <= periods.current_period(now, standard.timezone)
    closed = now > deadline
    return MonthState(
        period=period,
        deadline=deadline,
        started=started,
        window_closed=closed,
        locked=locked,
        has_standard=True,
        open=started and not closed and not locked,
    )


def _declarable(item: StandardItem, category: str) -> bool:
    return (
        item.source == "self"
        and item.kind == "bonus"
        and (not item.categories or category in item.categories)
    )


async def _items(
    session: AsyncSession, member: Member, standard: StandardVersion, period: str
) -> list[ItemRoom]:
    assert member.id is not None
    found = await session.execute(
        select(StandardItem)
        .where(col(StandardItem.standard_id) == standard.id)
        .order_by(col(StandardItem.position), col(StandardItem.code))
    )
    used = await repository.used_points_by_item(session, member_id=member.id, period=period)
    rooms = []
    for item in found.scalars():
        if item.id is None or not _declarable(item, member.category):
            continue
        month_used, year_used = used.get(item.id, (_ZERO, _ZERO))
        room = item_room(
            points=item.points,
            max_per_month=item.max_per_month,
            max_per_year=item.max_per_year,
            month_used=month_used,
            year_used=year_used,
        )
        rooms.append(
            ItemRoom(
                item_id=item.id,
                code=item.code,
                points=item.points,
                max_per_month=item.max_per_month,
                max_per_year=item.max_per_year,
                month_used=quantize(month_used),
                year_used=quantize(year_used),
                month_left=_tenths(room.month_left),
                year_left=_tenths(room.year_left),
                left=_tenths(room.left),
                times_left=room.times_left,
                full=room.full,
            )
        )
    return rooms


async def room(*, session: AsyncSession, member: Member, period: str | None) -> MemberRoom:
    """The member's room for period (default: this month in the standard's timezone)."""
    assert member.id is not None
    now = clock.now()
    if period is None:
        guess = await standards.in_force(session, organisation_id=member.branch_id, year=now.year)
        period = periods.current_period(now, guess.timezone if guess else "UTC")
    year = periods.year_of(period)
    standard = await standards.in_force(session, organisation_id=member.branch_id, year=year)
    if standard is None or standard.id is None:
        raise Conflict(
            f"No published standard applies to this branch for {year}.",
            code="no_standard_in_force",
        )
    this = periods.current_period(now, standard.timezone)
    previous = periods.previous_period(this)
    months = [await _month_state(session, member, p, now) for p in (previous, this)]
    by_period = {m.period: m for m in months}
    month = by_period.get(period) or await _month_state(session, member, period, now)
    summary = await points.summary(session, member, year)
    return MemberRoom(
        member_id=member.id,
        period=period,
        standard_id=standard.id,
        month=month,
        months=[m for m in months if m.period == this or not m.window_closed],
        items=await _items(session, member, standard, period),
        dimensions=summary.dimensions,
    )
