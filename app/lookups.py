"""Batch look-ups that list endpoints share: names and items by id, one query per kind."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import Member, StandardItem, User


async def user_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = await session.execute(
        select(col(User.id), col(User.display_name)).where(col(User.id).in_(wanted))
    )
    return {i: name for i, name in rows.all() if i is not None}


async def member_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = await session.execute(
        select(col(Member.id), col(Member.name)).where(col(Member.id).in_(wanted))
    )
    return {i: name for i, name in rows.all() if i is not None}


async def items_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, StandardItem]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(StandardItem).where(col(StandardItem.id).in_(wanted)))
    return {item.id: item for item in rows.scalars() if item.id is not None}
