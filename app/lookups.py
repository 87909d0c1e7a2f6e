"""Batch look-ups that list endpoints share: names and items by id, one query per kind.

Each statement is built once, with the ids as one expanding parameter: a list of hundreds of
ids made into the statement itself cost more Python time than the query takes."""

from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from app.models import Member, StandardItem, User

_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_USER_NAMES = select(col(User.id), col(User.display_name)).where(col(User.id).in_(_IDS))
_MEMBER_NAMES = select(col(Member.id), col(Member.name)).where(col(Member.id).in_(_IDS))
_ITEMS = select(StandardItem).where(col(StandardItem.id).in_(_IDS))


async def user_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.execute(_USER_NAMES, {"ids": sorted(wanted)})
    return {i: name for i, name in rows.all() if i is not None}


async def member_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.execute(_MEMBER_NAMES, {"ids": sorted(wanted)})
    return {i: name for i, name in rows.all() if i is not None}


async def items_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, StandardItem]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(_ITEMS, {"ids": sorted(wanted)})
    return {item.id: item for item in rows.scalars() if item.id is not None}
