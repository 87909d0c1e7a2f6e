"""/branches/{org_id}/months/{YYYY-MM} (progress, close, reopen, ranking) and /entries."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.idempotency import IdempotencyDep
from app.months import service
from app.months.deps import (
    BranchReader,
    EntryRecorder,
    MonthCloser,
    MonthReader,
    MonthReopener,
    PeriodPath,
)
from app.months.schemas import (
    CloseResult,
    EntryCreate,
    EntryDetail,
    EntryPublic,
    MonthPublic,
    Ranking,
    ReopenBody,
)
from app.periods import PERIOD_PATTERN
from app.schemas import IdPath, Page, PageQuery, PageSizeQuery

router = APIRouter(prefix="/branches/{org_id}", tags=["months"])


@router.get("/months/{period}", response_model=MonthPublic)
async def read_month(branch: MonthReader, period: PeriodPath, session: SessionDep) -> MonthPublic:
    """Counts by state, the deadline, and whether the month can be closed and why not."""
    return await service.view(session, branch, period)


@router.post("/months/{period}/close", response_model=CloseResult)
async def close_month(
    branch: MonthCloser, period: PeriodPath, session: SessionDep, principal: CurrentPrincipal
) -> CloseResult:
    """Lock the month (secretary): refused while claims are pending; drafts expire."""
    expired = await service.close(
        session=session, principal=principal, branch=branch, period=period
    )
    view = await service.view(session, branch, period)
    return CloseResult(**view.model_dump(), expired=expired)


@router.post("/months/{period}/reopen", response_model=MonthPublic)
async def reopen_month(
    body: ReopenBody,
    branch: MonthReopener,
    period: PeriodPath,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> MonthPublic:
    """Reopen a closed month (org admin, reason required)."""
    await service.reopen(
        session=session, principal=principal, branch=branch, period=period, reason=body.reason
    )
    return await service.view(session, branch, period)


@router.get("/months/{period}/ranking", response_model=Ranking)
async def month_ranking(
    branch: MonthReader, period: PeriodPath, session: SessionDep, principal: CurrentPrincipal
) -> Ranking:
    """亮分: members by the month's approved points (members see it once the month is closed)."""
    return await service.ranking(session=session, principal=principal, branch=branch, period=period)


@router.post("/entries", response_model=EntryDetail, status_code=status.HTTP_201_CREATED)
async def record_entry(
    body: EntryCreate,
    branch: EntryRecorder,
    session: SessionDep,
    principal: CurrentPrincipal,
    idem: IdempotencyDep,
) -> Response:
    """Record a branch item (e.g. one meeting, many attendees) or a deduction; on a closed
    month, an org admin's adjustment. With an Idempotency-Key, a retry records nothing twice."""

    async def use_case() -> EntryDetail:
        entry = await service.record_entry(
            session=session, principal=principal, branch=branch, data=body
        )
        return await service.entry_detail(session, entry)

    return await idem.run(session, principal, use_case, status_code=status.HTTP_201_CREATED)


@router.get("/entries", response_model=Page[EntryPublic])
async def list_entries(
    branch: BranchReader,
    session: SessionDep,
    principal: CurrentPrincipal,
    month: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> Page[EntryPublic]:
    items, total = await service.list_entries(
        session=session, branch=branch, period=month, page=page, page_size=page_size
    )
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/entries/{entry_id}", response_model=EntryDetail)
async def read_entry(branch: BranchReader, entry_id: IdPath, session: SessionDep) -> EntryDetail:
    return await service.entry_detail(session, await service.get_entry(session, branch, entry_id))
