"""The migrations build exactly the models' schema, and run down to nothing and up again."""

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from app import db
from app.migrate import downgrade, upgrade


def _diff(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, SQLModel.metadata)


async def test_models_and_migrations_agree(database):
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_downgrade_to_base_and_upgrade_again(database):
    await db.engine.dispose()
    await asyncio.to_thread(downgrade, database, "base")
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: c.dialect.get_table_names(c))
    assert set(tables) <= {"alembic_version"}
    await db.engine.dispose()
    await asyncio.to_thread(upgrade, database, "head")
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
