"""Batch look-ups that list endpoints share: names and items by id, one query per kind."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, any_, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import Member, StandardItem, User


def among(session: AsyncSession, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """column IN ids. On PostgreSQL as one array parameter (= ANY): an IN list of hundreds of
    ids is rendered into the statement id by id on every execution (docs/PERFORMANCE.md)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer())))
    return column.in_(list(ids))


async def user_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = await session.execute(
        select(col(User.id), col(User.display_name)).where(among(session, col(User.id), wanted))
    )
    return {i: name for i, name in rows.all() if i is not None}


async def member_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = await session.execute(
        select(col(Member.id), col(Member.name)).where(among(session, col(Member.id), wanted))
    )
    return {i: name for i, name in rows.all() if i is not None}


async def items_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, StandardItem]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(StandardItem).where(among(session, col(StandardItem.id), wanted))
    )
    return {item.id: item for item in rows.scalars() if item.id is not None}
