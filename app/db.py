"""Async engine, session factory and the session dependency."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import settings


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an engine with our per-dialect settings (SQLite: WAL, FKs, immediate writes)."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, emit BEGIN so we can make it IMMEDIATE.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            # Writes that start deferred fail with "database is locked" under concurrency.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    pool = {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
        "pool_timeout": settings.database_pool_timeout,
    }
    engine = create_async_engine(url, **{**pool, **kwargs})
    _ping_when_idle(engine)
    return engine


# A pooled connection idle for longer than this is pinged before use (see below).
PING_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling, as pool_pre_ping, for connections that sat idle.

    pool_pre_ping pings on every checkout; with asyncpg a ping is three round trips
    (BEGIN, SELECT, ROLLBACK), more than the queries of a typical request. A connection handed
    back moments ago is alive, so only one idle for PING_IDLE_SECONDS or more is pinged (the
    case pre-ping exists for: a database restarted, or a connection dropped, while the pool
    sat quiet). A failed ping raises DisconnectionError, so the pool replaces the connection
    and tries again. A connection that breaks in use is invalidated by SQLAlchemy as usual.
    """
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError("the pooled connection is gone") from exc


engine = make_engine(settings.effective_database_url)
SessionFactory = async_sessionmaker(engine, expire_on_commit=False, class_=AsyncSession)


@asynccontextmanager
async def unit_of_work() -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits when the block ends normally and rolls back when
    it raises: the one place outside requests (CLI, jobs, records that must outlive a refused
    request) where a transaction ends."""
    async with SessionFactory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def get_session() -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the route returns, rolled back when it
    raises. Services flush; only this dependency (and unit_of_work) commits."""
    async with unit_of_work() as session:
        yield session


# scope="function": the commit runs before the answer is sent, so a failed commit is the
# request's error, never a success already told to the client.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
