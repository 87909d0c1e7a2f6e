"""Shared steps for the month, entry, ranking and points tests."""

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock, db, periods
from app.models import BranchMonth, LedgerEntry
from tests.factories import World
from tests.helpers import item_ids

API = "/api/v1"


async def items_of(session: AsyncSession, world: World) -> dict[str, int]:
    """Item code → id; ends the read so the test's session holds no lock (SQLite)."""
    items = await item_ids(session, world.standard_id)
    await session.commit()
    return items


def month_url(branch_id: int | None, period: str = "2026-11") -> str:
    return f"{API}/branches/{branch_id}/months/{period}"


def after_window(period: str) -> datetime:
    """A moment after any submission deadline of period (the 28th of the next month is the
    latest deadline day a standard may set)."""
    return periods.deadline(period, deadline_day=28, timezone="Asia/Shanghai") + timedelta(hours=1)


async def close(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    branch_id: int | None,
    period: str = "2026-11",
    *,
    at: datetime | None = None,
    reason: str | None = None,
) -> httpx.Response:
    """POST the close as a secretary would once the month's window has ended (at, by default
    after the deadline; the clock is moved for this call only) or, with a reason, early."""
    moment = at or max(clock.now(), after_window(period))
    body = None if reason is None else {"reason": reason}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: moment)
        return await client.post(
            f"{month_url(branch_id, period)}/close", json=body, headers=headers
        )


async def reopen(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    branch_id: int | None,
    period: str = "2026-11",
    reason: str | None = "补录漏记的党课学习",
) -> httpx.Response:
    body: dict[str, Any] = {} if reason is None else {"reason": reason}
    return await client.post(f"{month_url(branch_id, period)}/reopen", json=body, headers=headers)


async def record(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    branch_id: int | None,
    item_id: int,
    member_ids: list[int | None],
    *,
    occurred_on: str = "2026-11-12",
    **extra: Any,
) -> httpx.Response:
    """POST a branch entry (or, on a locked month, an adjustment)."""
    return await client.post(
        f"{API}/branches/{branch_id}/entries",
        json={"item_id": item_id, "occurred_on": occurred_on, "member_ids": member_ids, **extra},
        headers=headers,
    )


async def decide(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    claim_id: int,
    decision: str = "approve",
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    if body is None and decision != "approve":
        body = {"comment": "请补充活动组织方的证明"}
    return await client.post(f"{API}/claims/{claim_id}/{decision}", json=body, headers=headers)


async def lock_behind_the_api(branch_id: int | None, period: str) -> None:
    """Mark a month locked straight in the database, as a close committing between a caller's
    read and write would leave it. The close endpoint itself only locks months with no
    submitted claims and expires drafts, so this is how to reach the month guard of submit,
    withdraw, approve and evidence upload."""
    assert branch_id is not None
    async with db.SessionFactory() as s:
        month = (
            await s.execute(
                select(BranchMonth).where(
                    col(BranchMonth.branch_id) == branch_id, col(BranchMonth.period) == period
                )
            )
        ).scalar_one_or_none()
        if month is None:
            s.add(BranchMonth(branch_id=branch_id, period=period, status="locked"))
        else:
            month.status = "locked"
        await s.commit()


async def ledger_of_entry(entry_id: int) -> list[LedgerEntry]:
    async with db.SessionFactory() as s:
        rows = await s.execute(
            select(LedgerEntry)
            .where(col(LedgerEntry.entry_id) == entry_id)
            .order_by(col(LedgerEntry.member_id))
        )
        result = list(rows.scalars())
        s.expunge_all()
        await s.rollback()
        return result
