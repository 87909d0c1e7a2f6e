"""/branches/{org_id}/months/{YYYY-MM} (progress, close, reopen, ranking) and /entries."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.idempotency import IdempotencyDep
from app.months import entries, service
from app.months.deps import (
    BranchReader,
    EntryRecorder,
    MonthCloser,
    MonthReader,
    MonthReopener,
    MonthsAdmin,
    PeriodPath,
)
from app.months.schemas import (
    CloseBody,
    CloseResult,
    EntryCreate,
    EntryDetail,
    EntryPublic,
    EntryVoid,
    MonthPublic,
    MonthsOverview,
    Ranking,
    ReopenBody,
)
from app.periods import PERIOD_PATTERN
from app.points import export as xlsx
from app.schemas import IdPath, Page, PageQuery, PageSizeQuery, SearchQuery

router = APIRouter(prefix="/branches/{org_id}", tags=["months"])


@router.get("/months/{period}", response_model=MonthPublic)
async def read_month(
    branch: MonthReader, period: PeriodPath, session: SessionDep, principal: CurrentPrincipal
) -> MonthPublic:
    """Counts by state, the deadline, and whether the caller can close the month and why not."""
    return await service.view(session, principal, branch, period)


@router.post("/months/{period}/close", response_model=CloseResult)
async def close_month(
    branch: MonthCloser,
    period: PeriodPath,
    session: SessionDep,
    principal: CurrentPrincipal,
    body: CloseBody | None = None,
) -> CloseResult:
    """Lock the month (secretary) once its submission deadline has passed, or earlier (org
    admin, reason required): refused while claims are pending; drafts expire."""
    expired = await service.close(
        session=session,
        principal=principal,
        branch=branch,
        period=period,
        reason=body.reason if body else None,
    )
    view = await service.view(session, principal, branch, period)
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
    return await service.view(session, principal, branch, period)


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
        entry = await entries.record_entry(
            session=session, principal=principal, branch=branch, data=body
        )
        return await entries.entry_detail(session, entry)

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
    items, total = await entries.list_entries(
        session=session, branch=branch, period=month, page=page, page_size=page_size
    )
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/entries/{entry_id}", response_model=EntryDetail)
async def read_entry(branch: BranchReader, entry_id: IdPath, session: SessionDep) -> EntryDetail:
    return await entries.entry_detail(session, await entries.get_entry(session, branch, entry_id))


@router.get(
    "/months/{period}/ranking.xlsx",
    response_class=Response,
    responses={200: {"content": {xlsx.XLSX: {}}, "description": "The ranking as a spreadsheet"}},
)
async def month_ranking_xlsx(
    branch: MonthReader, period: PeriodPath, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """亮分公示: the month's ranking as XLSX for the notice board (same readers as the ranking)."""
    return await xlsx.ranking_xlsx(session, principal, branch, period)


@router.post(
    "/entries/{entry_id}/void",
    response_model=EntryDetail,
    responses={409: {"description": "already voided, month locked, an adjustment"}},
)
async def void_entry(
    body: EntryVoid,
    branch: EntryRecorder,
    entry_id: IdPath,
    session: SessionDep,
    principal: CurrentPrincipal,
    idem: IdempotencyDep,
) -> Response:
    """Void an entry while its month is open (reason required): its points are taken back by
    reversing ledger rows; the entry stays, shown as voided."""

    async def use_case() -> EntryDetail:
        entry = await entries.get_entry(session, branch, entry_id)
        await entries.void_entry(
            session=session, principal=principal, entry=entry, reason=body.reason
        )
        return await entries.entry_detail(session, entry)

    return await idem.run(session, principal, use_case)


# -- the months of a subtree: /organisations/{org_id}/months ----------------------------------

organisation_router = APIRouter(prefix="/organisations/{org_id}", tags=["months"])


@organisation_router.get("/months", response_model=MonthsOverview)
async def months_overview(
    organisation: MonthsAdmin,
    session: SessionDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    q: SearchQuery = None,
    not_closed: Annotated[
        str | None,
        Query(pattern=PERIOD_PATTERN, description="Only branches that have not closed this month"),
    ] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> MonthsOverview:
    """Which branches of the subtree have closed which months of the year (org admins at or
    above): a page of branches in tree order, and each month's totals over the subtree."""
    return await service.overview(
        session=session,
        organisation=organisation,
        year=year,
        search=q,
        not_closed=not_closed,
        page=page,
        page_size=page_size,
    )


# app.api includes this module's `router`: the branch routes and the subtree's, together.
branch_router = router
router = APIRouter()
router.include_router(branch_router)
router.include_router(organisation_router)
