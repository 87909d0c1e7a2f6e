"""The pool's disconnect handling: a pooled connection that died while idle is replaced."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import db
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"),
    reason="SQLite has no server to drop a connection; the PostgreSQL pass runs this",
)


async def _kill_pooled_connection(engine) -> int:
    """Use the pool's only connection, hand it back, then end its backend from outside."""
    async with engine.connect() as conn:
        pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    killer = db.make_engine(TEST_DATABASE_URL)
    try:
        async with killer.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await killer.dispose()
    return pid


async def test_a_connection_dropped_while_idle_is_replaced(monkeypatch):
    monkeypatch.setattr(db, "PING_IDLE_SECONDS", 0.0)
    engine = db.make_engine(TEST_DATABASE_URL, pool_size=1, max_overflow=0)
    try:
        old_pid = await _kill_pooled_connection(engine)
        async with engine.connect() as conn:
            new_pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert new_pid != old_pid
    finally:
        await engine.dispose()


async def test_a_connection_used_moments_ago_is_not_pinged(monkeypatch):
    """The control: within the idle window nothing is checked, so the dead connection fails
    its first statement (and SQLAlchemy invalidates it for the next checkout)."""
    monkeypatch.setattr(db, "PING_IDLE_SECONDS", 3600.0)
    engine = db.make_engine(TEST_DATABASE_URL, pool_size=1, max_overflow=0)
    try:
        await _kill_pooled_connection(engine)
        with pytest.raises(DBAPIError):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()
