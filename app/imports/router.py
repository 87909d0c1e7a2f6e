"""/member-imports: import members from an XLSX or CSV sheet (dry run, then apply)."""

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, File, Query, Response, UploadFile, status

from app.auth.deps import ClientAddress
from app.auth.throttle import AttemptsDep
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.imports import jobs, parse, rules, service
from app.imports.schemas import (
    ActivationRequest,
    ImportCounts,
    ImportProgress,
    ImportPublic,
    ImportRowPublic,
    RowAction,
)
from app.models import MemberImport, MemberImportRow
from app.schemas import IdPath, Page, PageQuery, PageSizeQuery

router = APIRouter(prefix="/member-imports", tags=["member imports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_ROWS = 100


def _row(r: MemberImportRow) -> ImportRowPublic:
    return ImportRowPublic(
        row=r.row_no,
        action=r.action,
        member_id=r.member_id,
        name=r.name,
        phone=r.phone,
        branch_id=r.branch_id,
        category=r.category,
        joined_on=r.joined_on,
        is_probationary=r.is_probationary,
        gender=r.gender,
        cells=r.cells,
        reasons=r.reasons or [],
    )


async def _public(session: SessionDep, job: MemberImport) -> ImportPublic:
    assert job.id is not None
    rows, total = await service.rows(session, job.id, action=None, page=1, page_size=FIRST_ROWS)
    done = {
        "applied": job.total_rows,
        "applying": jobs.progress.get(job.id, 0),
    }.get(job.status, 0)
    return ImportPublic(
        id=job.id,
        status=job.status,
        filename=job.filename,
        file_format=job.file_format,
        counts=ImportCounts(**rules.counts(job)),
        progress=ImportProgress(done=done, total=job.total_rows),
        error=job.error,
        created_at=job.created_at,
        applied_at=job.applied_at,
        credentials_available=job.status == "applied" and job.credentials_issued_at is None,
        rows=[_row(r) for r in rows],
        rows_total=total,
    )


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
            "Cache-Control": "no-store",
        },
    )


@router.get("/template", response_class=Response)
async def template(
    principal: CurrentPrincipal, format: Literal["xlsx", "csv"] = "xlsx"
) -> Response:
    """The sheet to fill in: headers 姓名, 手机号, 所在支部, 党员类别, 入党日期, 预备党员, 性别 and
    one example row (rows whose name starts with （示例） are never imported); the XLSX has a
    second sheet 说明 listing the categories."""
    media = XLSX if format == "xlsx" else "text/csv; charset=utf-8"
    return _download(service.template(format), media, f"member-import-template.{format}")


@router.post("", response_model=ImportPublic, status_code=status.HTTP_201_CREATED)
async def upload(
    file: Annotated[UploadFile, File(description="XLSX, or CSV in UTF-8 (BOM or not) or GBK")],
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ImportPublic:
    """Upload a sheet: a dry run judges every row (create, update, unchanged or refuse, with
    reasons) against the caller's subtree; nothing changes until apply. The first 100 rows
    come back here; page through all with GET …/{id}/rows. 422 with code unsupported_file,
    bad_encoding, unreadable_file, missing_columns, empty_file, too_many_rows (30,000) or
    file_too_large (10 MB)."""
    data = await file.read(parse.MAX_BYTES + 1)
    job = await service.dry_run(
        session=session, principal=principal, filename=file.filename or "", data=data
    )
    return await _public(session, job)


@router.get("/{import_id}", response_model=ImportPublic)
async def read(import_id: IdPath, session: SessionDep, principal: CurrentPrincipal) -> ImportPublic:
    """The import's status (dry_run → applying → applied | failed) and progress (importer only)."""
    return await _public(session, await service.get(session, principal, import_id))


@router.get("/{import_id}/rows", response_model=Page[ImportRowPublic])
async def list_rows(
    import_id: IdPath,
    session: SessionDep,
    principal: CurrentPrincipal,
    action: Annotated[RowAction | None, Query()] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> Page[ImportRowPublic]:
    """The dry run's rows in sheet order, optionally only one action (e.g. refuse)."""
    await service.get(session, principal, import_id)
    rows, total = await service.rows(
        session, import_id, action=action, page=page, page_size=page_size
    )
    return Page(items=[_row(r) for r in rows], total=total, page=page, page_size=page_size)


@router.get("/{import_id}/report.xlsx", response_class=Response)
async def report(import_id: IdPath, session: SessionDep, principal: CurrentPrincipal) -> Response:
    """The dry run's verdict on every row as a workbook."""
    job = await service.get(session, principal, import_id)
    return _download(
        await service.report_sheet(session, job), XLSX, f"member-import-{import_id}.xlsx"
    )


@router.post(
    "/{import_id}/apply", response_model=ImportPublic, status_code=status.HTTP_202_ACCEPTED
)
async def apply(
    import_id: IdPath,
    session: SessionDep,
    principal: CurrentPrincipal,
    background: BackgroundTasks,
) -> ImportPublic:
    """Apply the dry run (create and update rows; refused rows are skipped) in the background,
    in one transaction: it ends applied, or failed with nothing written. Poll GET …/{id}.
    409 import_not_dry_run when already applied or applying."""
    job = await service.get(session, principal, import_id)
    await service.start_apply(session, principal, job)
    # Scheduled after the answer, so after this request's transaction has committed.
    background.add_task(jobs.schedule_apply, import_id, principal)
    return await _public(session, job)


@router.get("/{import_id}/credentials.xlsx", response_class=Response)
async def credentials(
    import_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """The activation codes of the members the import created, downloadable ONCE by the
    importer (then 410 credentials_gone). Each member redeems theirs to set a password."""
    job = await service.get(session, principal, import_id)
    content = await service.credentials(session, principal, job)
    return _download(content, XLSX, f"member-import-{import_id}-codes.xlsx")


@router.post("/activation", status_code=status.HTTP_204_NO_CONTENT)
async def activate(
    body: ActivationRequest, session: SessionDep, attempts: AttemptsDep, address: ClientAddress
) -> Response:
    """No sign-in: an imported member sets their first password with the one-time activation
    code from the importer's credentials sheet (login = phone number), then signs in as usual.
    400 activation_invalid (wrong, used or expired code; unknown login), 400 weak_password;
    429 too_many_attempts after as many failures from one address as sign-in allows."""
    await service.activate(
        session=session,
        attempts=attempts,
        address=address,
        username=body.username,
        code=body.code,
        new_password=body.new_password,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
