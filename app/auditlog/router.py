"""/audit-events routes: the audit trail of the caller's subtree, as pages and as CSV."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from app.auditlog import service
from app.auditlog.repository import Filters
from app.auditlog.schemas import AuditPage
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.schemas import IdQuery

router = APIRouter(tags=["audit"])

Code = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")]
FromDay = Annotated[
    date | None, Query(alias="from", description="First day (Asia/Shanghai), inclusive")
]
ToDay = Annotated[date | None, Query(alias="to", description="Last day (Asia/Shanghai), inclusive")]


async def _filters(
    session: SessionDep,
    principal: CurrentPrincipal,
    organisation_id: IdQuery = None,
    actor: Annotated[IdQuery, Query(description="The acting user's id")] = None,
    entity_type: Code = None,
    entity_id: IdQuery = None,
    action: Code = None,
    from_day: FromDay = None,
    to_day: ToDay = None,
) -> Filters:
    return Filters(
        organisation_paths=await service.readable_paths(session, principal, organisation_id),
        actor_user_id=actor,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        from_day=from_day,
        to_day=to_day,
    )


FiltersDep = Annotated[Filters, Depends(_filters)]


@router.get("/audit-events", response_model=AuditPage)
async def list_audit_events(
    session: SessionDep,
    filters: FiltersDep,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    """Who did what when in the caller's subtree (org admins; superadmins everywhere), newest
    first (time, then id, descending). organisation_id narrows to a subtree; actor, entity_type,
    entity_id and action filter exactly; from/to are days in Asia/Shanghai, both inclusive.
    Pass next_cursor as cursor for the next page (422 invalid_cursor for one this list did not
    give out); new events never shift the pages already read. Evaluation ballots carry only
    their day (at_precision "day"). Events that belong to no organisation (a failed sign-in
    under an unknown name) are shown to superadmins only."""
    return await service.list_events(session=session, filters=filters, cursor=cursor, limit=limit)


@router.get(
    "/audit-events.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM"}},
)
async def export_audit_events(filters: FiltersDep) -> StreamingResponse:
    """The same events as GET /audit-events (same filters, same order) as a CSV for Excel:
    UTF-8 with a BOM, Chinese headers, times in Asia/Shanghai, cells that would read as a
    formula prefixed with '; streamed a thousand rows at a time, at most 100,000 rows (a last
    line says so when there are more)."""
    return StreamingResponse(
        service.csv_stream(filters),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="audit-events.csv"; '
            "filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97.csv",
            "Cache-Control": "no-store",
        },
    )
