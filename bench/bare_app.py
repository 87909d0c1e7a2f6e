"""The baseline: a bare FastAPI endpoint that inserts one claim-sized row and answers it.

It uses the app's own engine and session dependency (app.db: asyncpg, the same pool, the
unit of work that commits), the app's lifespan (app.runtime), a validated JSON body and an
ORM insert, and nothing else: no authentication, no rules, no audit, no middleware.
Served by uvicorn with the same flags as the app, it is what one insert costs on this
machine, so the app's figures become ratios.

    DATABASE_URL=postgresql+asyncpg://… uvicorn bench.bare_app:app
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from fastapi import FastAPI, status
from pydantic import BaseModel, Field
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.db import SessionDep
from app.runtime import lifespan

TABLE = "bench_bare_row"
# Roughly the width of claim: ids, a month, a date, a quantity, a text, points, timestamps.
DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id SERIAL PRIMARY KEY,
    member_id INTEGER NOT NULL,
    branch_id INTEGER NOT NULL,
    item_id INTEGER NOT NULL,
    period VARCHAR(7) NOT NULL,
    occurred_on DATE NOT NULL,
    quantity INTEGER NOT NULL,
    description VARCHAR(500) NOT NULL,
    claimed_points NUMERIC(7, 1) NOT NULL,
    status VARCHAR(10) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)
"""


class BareRow(SQLModel, table=True):
    __tablename__ = TABLE

    id: int | None = SQLField(default=None, primary_key=True)
    member_id: int
    branch_id: int
    item_id: int
    period: str = SQLField(max_length=7)
    occurred_on: date
    quantity: int
    description: str = SQLField(max_length=500)
    claimed_points: Decimal = SQLField(sa_column=sa.Column(sa.Numeric(7, 1), nullable=False))
    status: str = SQLField(max_length=10)
    created_at: datetime = SQLField(sa_column=sa.Column(sa.DateTime(timezone=True)))
    updated_at: datetime = SQLField(sa_column=sa.Column(sa.DateTime(timezone=True)))


class RowIn(BaseModel):
    item_id: int = Field(ge=1)
    occurred_on: date
    quantity: int = Field(default=1, ge=1, le=100)
    description: str = Field(min_length=1, max_length=500)
    submit: bool = False


class RowOut(BaseModel):
    id: int
    item_id: int
    period: str
    occurred_on: date
    quantity: int
    description: str
    claimed_points: Decimal
    status: str
    created_at: datetime


# The app's process settings too (app.runtime: start-up objects frozen for the collector).
app = FastAPI(title="bare insert baseline", lifespan=lifespan)


@app.post("/rows", response_model=RowOut, status_code=status.HTTP_201_CREATED)
async def insert_row(body: RowIn, session: SessionDep) -> RowOut:
    now = datetime.now(UTC)
    row = BareRow(
        member_id=1,
        branch_id=1,
        item_id=body.item_id,
        period=f"{body.occurred_on:%Y-%m}",
        occurred_on=body.occurred_on,
        quantity=body.quantity,
        description=body.description,
        claimed_points=Decimal("0.5") * body.quantity,
        status="submitted" if body.submit else "draft",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return RowOut.model_validate(row, from_attributes=True)
