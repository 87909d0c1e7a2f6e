"""The floor for a ballot: a bare FastAPI endpoint inserting a ballot's rows in one statement.

The evaluation hall's counterpart of bench/bare_app.py: the app's own engine and session
dependency (app.db: the same driver, pool and unit of work that commits), the app's lifespan
(app.runtime), a validated JSON body of a ballot's shape ({code, round_id, ratings}), ONE
multi-row INSERT of its ratings (random ids, as the app writes them) and a JSON answer; no
code look-up, throttle, rules, audit or middleware. Served by uvicorn with the same flags as
the app, it is what taking a ballot's rows costs on this machine, so the app's figures
become ratios.

    DATABASE_URL=… uvicorn bench.bare_ballot:app
"""

import secrets
from typing import Literal

import sqlalchemy as sa
from fastapi import FastAPI, status
from pydantic import BaseModel, Field

from app.db import SessionDep
from app.runtime import lifespan

TABLE = "bench_bare_rating"
# The shape of evaluation_rating: a random text id, the round, the member, the rating, a comment.
_DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id VARCHAR(32) PRIMARY KEY,
    round_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    rating VARCHAR(4) NOT NULL,
    comment VARCHAR(200)
)"""


def ddl(url: str) -> str:
    """The table, keyed by its text id on SQLite too (as evaluation_rating: WITHOUT ROWID)."""
    return _DDL + (" WITHOUT ROWID" if url.startswith("sqlite") else "")


rating_table = sa.Table(
    TABLE,
    sa.MetaData(),
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("round_id", sa.Integer, nullable=False),
    sa.Column("member_id", sa.Integer, nullable=False),
    sa.Column("rating", sa.String(4), nullable=False),
    sa.Column("comment", sa.String(200)),
)


class RatingIn(BaseModel):
    member_id: int = Field(ge=1)
    rating: Literal["good", "fair", "poor", "skip"]
    comment: str | None = Field(default=None, max_length=200)


class BallotIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    round_id: int = Field(ge=1)
    ratings: list[RatingIn] = Field(min_length=1, max_length=500)


class BallotOut(BaseModel):
    round_id: int
    ratings: int


app = FastAPI(title="bare ballot baseline", lifespan=lifespan)


@app.post("/ballots", response_model=BallotOut, status_code=status.HTTP_201_CREATED)
async def insert_ballot(body: BallotIn, session: SessionDep) -> BallotOut:
    await session.execute(
        sa.insert(rating_table).values(
            [
                {
                    "id": secrets.token_hex(16),
                    "round_id": body.round_id,
                    "member_id": r.member_id,
                    "rating": r.rating,
                    "comment": r.comment or None,
                }
                for r in body.ratings
            ]
        )
    )
    return BallotOut(round_id=body.round_id, ratings=len(body.ratings))
