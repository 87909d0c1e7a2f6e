"""Test harness: a database built by the migrations (SQLite, or TEST_DATABASE_URL), emptied
after every test, and an HTTP client on the ASGI app."""

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

_tmp = Path(tempfile.mkdtemp(prefix="vp-test-"))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or (
    f"sqlite+aiosqlite:///{_tmp / 'test.db'}"
)
if TEST_DATABASE_URL.startswith("postgresql://"):
    TEST_DATABASE_URL = TEST_DATABASE_URL.replace("postgresql://", "postgresql+asyncpg://", 1)
os.environ["DATABASE_URL"] = TEST_DATABASE_URL
os.environ["ENVIRONMENT"] = "test"
os.environ["DATA_DIR"] = str(_tmp)
os.environ.pop("REDIS_URL", None)

import httpx  # noqa: E402
import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from app import db  # noqa: E402
from app.main import app  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.standards import cache as standards_cache  # noqa: E402
from tests.factories import World, build_world  # noqa: E402


async def _reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
async def database() -> AsyncIterator[str]:
    await _reset_schema()
    await asyncio.to_thread(upgrade, TEST_DATABASE_URL)
    yield TEST_DATABASE_URL
    await db.engine.dispose()


async def truncate_all() -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                await conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(autouse=True)
async def _isolated(database: str) -> AsyncIterator[None]:
    standards_cache.clear()
    yield
    await truncate_all()
    standards_cache.clear()


@pytest.fixture
async def session() -> AsyncIterator[AsyncSession]:
    async with db.SessionFactory() as s:
        yield s


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await build_world(session)
