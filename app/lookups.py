"""Batch look-ups that list endpoints share: names and items by id, one query per kind; and
ByIds, how every statement about a list of ids is built."""

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Integer, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from app.models import Member, StandardItem, User

S = TypeVar("S", bound=Executable)
IdsMatch = Callable[[Any], ColumnElement[bool]]


class ByIds(Generic[S]):
    """A statement about a list of ids (the parameter name), built once per kind of database.

    PostgreSQL: column = ANY(:name), the ids as one array parameter, so the statement's text
    is the same whatever their number. Elsewhere: column IN (:name), one expanding parameter.
    Either way the statement is built once: a list of hundreds of ids made into the
    statement itself cost more Python time than the query takes, and even an expanding list
    is rendered again, id by id, on every execution."""

    def __init__(self, build: Callable[[IdsMatch], S], name: str = "ids") -> None:
        array = bindparam(name, type_=ARRAY(Integer()))
        expanding: BindParameter[list[int]] = bindparam(name, expanding=True)
        self.postgres = build(lambda column: column == any_(array))
        self.other = build(lambda column: column.in_(expanding))

    def on(self, session: AsyncSession) -> S:
        """The statement for the session's database."""
        return self.postgres if session.get_bind().dialect.name == "postgresql" else self.other


_USER_NAMES = ByIds(lambda ids: select(col(User.id), col(User.display_name)).where(ids(User.id)))
_MEMBER_NAMES = ByIds(lambda ids: select(col(Member.id), col(Member.name)).where(ids(Member.id)))
_ITEMS = ByIds(lambda ids: select(StandardItem).where(ids(StandardItem.id)))


async def user_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.execute(_USER_NAMES.on(session), {"ids": sorted(wanted)})
    return {i: name for i, name in rows.all() if i is not None}


async def member_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.execute(_MEMBER_NAMES.on(session), {"ids": sorted(wanted)})
    return {i: name for i, name in rows.all() if i is not None}


async def items_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, StandardItem]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(_ITEMS.on(session), {"ids": sorted(wanted)})
    return {item.id: item for item in rows.scalars() if item.id is not None}
