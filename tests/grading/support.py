"""Shared helpers for the grading's tests: ledger rows written straight into the ledger (so each
expectation can be worked out by hand), runs and their steps, refusals."""

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import LedgerEntry, Member
from tests.evaluation.support import refused
from tests.factories import World
from tests.helpers import item_ids, set_now, shanghai

API = "/api/v1"
__all__ = ["refused"]
D = Decimal

# Every dimension at its cap: political 9 → 8, discipline 8 → 7, morality 8 → 7, contribution 8.
FULL_MARKS: dict[str, list[tuple[int, str]]] = {
    "P10": [(1, "1"), (2, "1"), (3, "1"), (4, "1")],
    "P08": [(1, "1"), (2, "1"), (3, "1")],
    "P05": [(1, "1"), (2, "1")],
    "D07": [(1, "1"), (2, "1"), (3, "1")],
    "D10": [(1, "1"), (2, "1")],
    "D04": [(1, "1")],
    "D05": [(1, "0.5"), (2, "0.5"), (3, "0.5"), (4, "0.5")],
    "M01": [(1, "3")],
    "M04": [(2, "3")],
    "M02": [(1, "1"), (2, "1")],
    "C04": [(1, "2"), (2, "2")],
    "C07": [(3, "2"), (4, "2")],
}


def set_december(monkeypatch: pytest.MonkeyPatch, day: str = "2026-12-20 10:00:00") -> None:
    set_now(monkeypatch, shanghai(day))


async def give(
    session: AsyncSession,
    world: World,
    member: Member,
    points: dict[str, list[tuple[int, str]]],
    *,
    year: int = 2026,
    source: str = "entry",
    branch_id: int | None = None,
) -> None:
    """Ledger rows for a member: {item code: [(month, points), …]}, committed."""
    ids = await item_ids(session, world.standard_id)
    for code, months in points.items():
        for month, value in months:
            session.add(
                LedgerEntry(
                    member_id=member.id,  # type: ignore[arg-type]
                    branch_id=branch_id or member.branch_id,
                    year=year,
                    period=f"{year}-{month:02d}",
                    standard_id=world.standard_id,
                    item_id=ids[code],
                    points=D(value),
                    source=source,
                    reason="adjustment" if source == "adjustment" else None,
                )
            )
    await session.commit()


def runs_url(branch_id: int) -> str:
    return f"{API}/branches/{branch_id}/gradings"


def run_url(run_id: int, tail: str = "") -> str:
    return f"{API}/gradings/{run_id}{tail}"


async def create_run(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    branch_id: int,
    *,
    year: int = 2026,
    expect: int = 201,
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post(runs_url(branch_id), json={"year": year, **extra}, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def step(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    run_id: int,
    name: str,
    *,
    json: Any = None,
    expect: int = 200,
) -> dict[str, Any]:
    response = await client.post(run_url(run_id, f"/{name}"), json=json, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def result_of(run: dict[str, Any], member: Member) -> dict[str, Any]:
    return next(r for r in run["results"] if r["member"]["id"] == member.id)


async def add_members_to(session: AsyncSession, world: World, count: int) -> list[Member]:
    """Members of branch A without accounts, committed."""
    from datetime import date

    made = [
        Member(
            name=f"党员{n}",
            phone=f"136{n:08d}",
            category="rural_community",
            branch_id=world.branch_a.id,  # type: ignore[arg-type]
            joined_on=date(2010, 7, 1),
        )
        for n in range(count)
    ]
    session.add_all(made)
    await session.commit()
    return made
