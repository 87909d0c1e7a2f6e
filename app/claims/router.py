"""/claims routes: declare, edit, submit, review (one or many), evidence, timeline."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Body, File, Query, Response, UploadFile, status
from starlette.background import BackgroundTask

from app.claims import bulk, files, service, views
from app.claims.deps import OwnClaim, ReadableClaim, ReviewableClaim
from app.claims.schemas import (
    ApproveBody,
    BulkReview,
    BulkReviewResult,
    ClaimCreate,
    ClaimDetail,
    ClaimPublic,
    ClaimStatus,
    ClaimUpdate,
    CommentBody,
    EvidencePublic,
    RevertBody,
    SeenBody,
    SeenResult,
)
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.errors import AppError
from app.evidence import MAX_EVIDENCE_BYTES, content_disposition
from app.idempotency import IdempotencyDep
from app.periods import PERIOD_PATTERN
from app.schemas import IdPath, IdQuery, Page, PageQuery, PageSizeQuery, TimelineEvent

router = APIRouter(prefix="/claims", tags=["claims"])

PeriodQuery = Annotated[str | None, Query(pattern=PERIOD_PATTERN, description="YYYY-MM")]


@router.post(
    "",
    response_model=ClaimDetail,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "window closed, month locked, limit reached"}},
)
async def create_claim(
    body: ClaimCreate, session: SessionDep, principal: CurrentPrincipal, idem: IdempotencyDep
) -> Response:
    """Declare points (a draft, or submitted at once with `submit: true`)."""

    async def use_case() -> ClaimDetail:
        return await service.create(session=session, principal=principal, data=body)

    return await idem.run(session, principal, use_case, status_code=status.HTTP_201_CREATED)


@router.get("", response_model=Page[ClaimPublic])
async def list_claims(
    session: SessionDep,
    principal: CurrentPrincipal,
    member: IdQuery = None,
    branch: IdQuery = None,
    month: PeriodQuery = None,
    status: ClaimStatus | None = None,
    item: IdQuery = None,
    unseen: bool | None = None,
    order: Literal["newest", "oldest"] = "newest",
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> Page[ClaimPublic]:
    """Claims the caller may see. A reviewer's queue: `?status=submitted&branch=…&order=oldest`."""
    claims, total = await service.search(
        session=session,
        principal=principal,
        member_id=member,
        branch_id=branch,
        period=month,
        status=status,
        item_id=item,
        unseen=unseen,
        oldest_first=order == "oldest",
        page=page,
        page_size=page_size,
    )
    return Page(
        items=await views.describe(session, claims),
        total=total,
        page=page,
        page_size=page_size,
    )


@router.post("/bulk-review", response_model=BulkReviewResult)
async def bulk_review(
    body: BulkReview, session: SessionDep, principal: CurrentPrincipal, idem: IdempotencyDep
) -> Response:
    """Decide up to 500 claims at once; every claim gets its own answer."""

    async def use_case() -> BulkReviewResult:
        return await bulk.bulk_review(
            session=session, principal=principal, decisions=body.decisions
        )

    return await idem.run(session, principal, use_case)


@router.post("/seen", response_model=SeenResult)
async def mark_seen(body: SeenBody, session: SessionDep, principal: CurrentPrincipal) -> SeenResult:
    """The member has seen these decisions."""
    marked = await service.mark_seen(session=session, principal=principal, claim_ids=body.claim_ids)
    return SeenResult(marked=marked)


@router.get("/{claim_id}", response_model=ClaimDetail)
async def read_claim(claim: ReadableClaim, session: SessionDep) -> ClaimDetail:
    return await views.detail(session, claim)


@router.patch("/{claim_id}", response_model=ClaimDetail)
async def update_claim(
    body: ClaimUpdate, claim: OwnClaim, session: SessionDep, principal: CurrentPrincipal
) -> ClaimDetail:
    """Edit a draft or a returned claim."""
    await service.edit(session=session, principal=principal, claim=claim, data=body)
    return await views.detail(session, claim)


@router.delete("/{claim_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_claim(
    claim: OwnClaim, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Delete a draft."""
    keys = await service.delete(session=session, principal=principal, claim=claim)
    # The files go once the deletion is committed (background tasks run after the answer).
    return Response(
        status_code=status.HTTP_204_NO_CONTENT, background=BackgroundTask(files.remove_files, keys)
    )


@router.post("/{claim_id}/submit", response_model=ClaimDetail)
async def submit_claim(
    claim: OwnClaim, session: SessionDep, principal: CurrentPrincipal, idem: IdempotencyDep
) -> Response:
    async def use_case() -> ClaimDetail:
        await service.submit(session=session, principal=principal, claim=claim)
        return await views.detail(session, claim)

    return await idem.run(session, principal, use_case)


@router.post("/{claim_id}/withdraw", response_model=ClaimDetail)
async def withdraw_claim(
    claim: OwnClaim, session: SessionDep, principal: CurrentPrincipal, idem: IdempotencyDep
) -> Response:
    async def use_case() -> ClaimDetail:
        await service.withdraw(session=session, principal=principal, claim=claim)
        return await views.detail(session, claim)

    return await idem.run(session, principal, use_case)


@router.post("/{claim_id}/approve", response_model=ClaimDetail)
async def approve_claim(
    claim: ReviewableClaim,
    session: SessionDep,
    principal: CurrentPrincipal,
    idem: IdempotencyDep,
    body: Annotated[ApproveBody | None, Body()] = None,
) -> Response:
    """Approve, granting the claimed points or fewer (with a comment)."""
    decision = body or ApproveBody()

    async def use_case() -> ClaimDetail:
        await service.review(
            session=session,
            principal=principal,
            claim=claim,
            decision="approve",
            points=decision.points,
            comment=decision.comment,
        )
        return await views.detail(session, claim)

    return await idem.run(session, principal, use_case)


def _decide(decision: Literal["reject", "return"]) -> Callable[..., Awaitable[Response]]:
    async def route(
        body: CommentBody,
        claim: ReviewableClaim,
        session: SessionDep,
        principal: CurrentPrincipal,
        idem: IdempotencyDep,
    ) -> Response:
        async def use_case() -> ClaimDetail:
            await service.review(
                session=session,
                principal=principal,
                claim=claim,
                decision=decision,
                comment=body.comment,
            )
            return await views.detail(session, claim)

        return await idem.run(session, principal, use_case)

    return route


router.add_api_route(
    "/{claim_id}/reject",
    _decide("reject"),
    methods=["POST"],
    response_model=ClaimDetail,
    summary="Reject a claim (comment required)",
)
router.add_api_route(
    "/{claim_id}/return",
    _decide("return"),
    methods=["POST"],
    response_model=ClaimDetail,
    summary="Return a claim to the member for changes (comment required)",
)


@router.post(
    "/{claim_id}/revert",
    response_model=ClaimDetail,
    responses={409: {"description": "not decided, month locked, limit reached"}},
)
async def revert_claim(
    body: RevertBody,
    claim: ReviewableClaim,
    session: SessionDep,
    principal: CurrentPrincipal,
    idem: IdempotencyDep,
) -> Response:
    """Undo a decision while the month is open (reason required): the claim is submitted
    again; an approval's points are taken back by a reversing ledger row."""

    async def use_case() -> ClaimDetail:
        await service.revert(session=session, principal=principal, claim=claim, reason=body.reason)
        return await views.detail(session, claim)

    return await idem.run(session, principal, use_case)


@router.get("/{claim_id}/timeline", response_model=list[TimelineEvent])
async def claim_timeline(claim: ReadableClaim, session: SessionDep) -> list[TimelineEvent]:
    """Every state change of the claim: who, when, from, to, comment."""
    return await views.timeline(session, claim)


@router.post(
    "/{claim_id}/evidence",
    response_model=EvidencePublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The same file was already attached", "model": EvidencePublic},
        413: {"description": "File larger than 5 MB"},
        415: {"description": "Not a JPEG, PNG, WebP, HEIC or PDF"},
    },
)
async def attach_evidence(
    claim: ReadableClaim,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP, HEIC or PDF, at most 5 MB")],
) -> EvidencePublic:
    """Attach a photo or PDF (at most 3 per claim); the type is decided by the content."""
    data = await file.read(MAX_EVIDENCE_BYTES + 1)
    if len(data) > MAX_EVIDENCE_BYTES:
        error = AppError("A file may be at most 5 MB.", code="file_too_large")
        error.status = 413
        raise error
    evidence, created = await files.attach(
        session=session, principal=principal, claim=claim, filename=file.filename, data=data
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return views.evidence_public(evidence)


@router.get(
    "/{claim_id}/evidence/{evidence_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "application/pdf": {}}}},
)
async def download_evidence(
    claim: ReadableClaim,
    evidence_id: IdPath,
    session: SessionDep,
    download: bool = False,
) -> Response:
    """The file, to those who may see the claim."""
    evidence = await files.get(session, claim, evidence_id)
    data = await files.read(evidence)
    disposition = "attachment" if download else "inline"
    return Response(
        data,
        media_type=evidence.content_type,
        headers={
            "Content-Disposition": content_disposition(disposition, evidence.original_name),
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@router.delete("/{claim_id}/evidence/{evidence_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_evidence(
    claim: ReadableClaim, evidence_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    evidence = await files.get(session, claim, evidence_id)
    await files.remove(session=session, principal=principal, claim=claim, evidence=evidence)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
