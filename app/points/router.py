"""/members/{id}/points, /ledger and /timeline: a member's points and history."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.points import service
from app.points.deps import PointsOf
from app.points.schemas import LedgerRow, PointsSummary
from app.schemas import Page, PageQuery, PageSizeQuery, TimelineEvent

router = APIRouter(prefix="/members/{member_id}", tags=["points"])

YearQuery = Annotated[int, Query(ge=2000, le=2100)]


@router.get("/points", response_model=PointsSummary)
async def member_points(member: PointsOf, year: YearQuery, session: SessionDep) -> PointsSummary:
    """Approved points per month and dimension with caps applied; pending points apart."""
    return await service.summary(session, member, year)


@router.get("/ledger", response_model=Page[LedgerRow])
async def member_ledger(
    member: PointsOf,
    year: YearQuery,
    session: SessionDep,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 100,
) -> Page[LedgerRow]:
    """The member's ledger rows for a year, oldest first (append-only)."""
    rows, total = await service.ledger(session, member, year, page, page_size)
    return Page(items=rows, total=total, page=page, page_size=page_size)


@router.get("/timeline", response_model=list[TimelineEvent])
async def member_timeline(
    member: PointsOf, year: YearQuery, session: SessionDep
) -> list[TimelineEvent]:
    """Every claim decision, entry and adjustment of the member's year, in order."""
    return await service.timeline(session, member, year)
