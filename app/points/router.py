"""/members/{id}/points, /ledger, /timeline and /attendance: a member's points and history;
/branches/{id}/ranking: the branch's year-to-date ranking of closed months."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.months.deps import MonthReader
from app.points import service
from app.points.deps import PointsOf
from app.points.ranking import year_ranking
from app.points.schemas import AttendanceRow, LedgerPage, PointsSummary, YearRanking
from app.schemas import Page, PageQuery, PageSizeQuery, TimelineEvent

router = APIRouter(prefix="/members/{member_id}", tags=["points"])
branch_router = APIRouter(prefix="/branches/{org_id}", tags=["points"])

YearQuery = Annotated[int, Query(ge=2000, le=2100)]


@router.get("/points", response_model=PointsSummary)
async def member_points(member: PointsOf, year: YearQuery, session: SessionDep) -> PointsSummary:
    """Approved points per month and dimension with caps applied; pending points apart."""
    return await service.summary(session, member, year)


@router.get("/ledger", response_model=LedgerPage)
async def member_ledger(
    member: PointsOf,
    year: YearQuery,
    session: SessionDep,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 100,
    order: Literal["asc", "desc"] = "asc",
) -> LedgerPage:
    """积分明细: the year's ledger rows (append-only) by month and day, oldest first unless
    order=desc, each with the score after it; every month's subtotal; the year's total."""
    return await service.ledger(
        session, member, year, page, page_size, newest_first=order == "desc"
    )


@router.get("/timeline", response_model=Page[TimelineEvent])
async def member_timeline(
    member: PointsOf,
    year: YearQuery,
    session: SessionDep,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 100,
) -> Page[TimelineEvent]:
    """Every claim decision, entry and adjustment of the member's year, in order."""
    events, total = await service.timeline(session, member, year, page, page_size)
    return Page(items=events, total=total, page=page, page_size=page_size)


@router.get("/attendance", response_model=Page[AttendanceRow])
async def member_attendance(
    member: PointsOf,
    year: YearQuery,
    session: SessionDep,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> Page[AttendanceRow]:
    """The branch-recorded items (meetings, 党课…) the member was included in, newest first."""
    rows, total = await service.attendance(session, member, year, page, page_size)
    return Page(items=rows, total=total, page=page, page_size=page_size)


@branch_router.get("/ranking", response_model=YearRanking)
async def branch_year_ranking(
    branch: MonthReader, year: YearQuery, session: SessionDep
) -> YearRanking:
    """年度亮分: members by the points of the year's closed months (the branch's members too)."""
    return await year_ranking(session, branch, year)
