"""The quarterly evaluation: a branch's rounds, their codes, progress and results; the members'
ballots; a member's year; and the public page's look-up and ballot (no sign-in)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.auth.deps import ClientAddress
from app.auth.throttle import AttemptsDep
from app.config import settings
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.evaluation import service
from app.evaluation.deps import EvaluationBranch, ManagedRound, RoundOfBranch
from app.evaluation.schemas import (
    BallotAccepted,
    BallotForm,
    CodeBallot,
    CodeLookup,
    CodesIssue,
    MemberEvaluation,
    MyRound,
    PeerBallot,
    RoundCreate,
    RoundProgress,
    RoundPublic,
    RoundResults,
    RoundUpdate,
)
from app.points.deps import PointsOf
from app.schemas import Page, PageQuery, PageSizeQuery

router = APIRouter(tags=["evaluation"])
public_router = APIRouter(prefix="/public/evaluation", tags=["evaluation (public)"])

YearQuery = Annotated[int, Query(ge=2000, le=2100)]
PDF = {"content": {"application/pdf": {}}, "description": "The printable A4 sheet of the codes"}


@router.post(
    "/branches/{org_id}/evaluation-rounds",
    response_model=RoundPublic,
    status_code=status.HTTP_201_CREATED,
)
async def open_round(
    body: RoundCreate, branch: EvaluationBranch, session: SessionDep, principal: CurrentPrincipal
) -> RoundPublic:
    """Open the branch's round of a quarter (one a quarter) with its window of days."""
    rnd = await service.open_round(session=session, principal=principal, branch=branch, data=body)
    return await service.public(session, rnd)


@router.get("/branches/{org_id}/evaluation-rounds", response_model=Page[RoundPublic])
async def list_rounds(
    branch: EvaluationBranch,
    session: SessionDep,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> Page[RoundPublic]:
    """The branch's rounds, latest quarter first."""
    items, total = await service.list_rounds(session, branch, page=page, page_size=page_size)
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/evaluation-rounds/{round_id}", response_model=RoundProgress)
async def read_round(rnd: ManagedRound, session: SessionDep) -> RoundProgress:
    """The round and its progress: codes issued and spent, peer ballots, ratings per member."""
    return await service.progress(session, rnd)


@router.patch("/evaluation-rounds/{round_id}", response_model=RoundProgress)
async def change_window(
    body: RoundUpdate, rnd: ManagedRound, session: SessionDep, principal: CurrentPrincipal
) -> RoundProgress:
    """Move an open round's window (e.g. more days for the masses)."""
    await service.change_window(session=session, principal=principal, rnd=rnd, data=body)
    return await service.progress(session, rnd)


@router.post("/evaluation-rounds/{round_id}/close", response_model=RoundProgress)
async def close_round(
    rnd: ManagedRound, session: SessionDep, principal: CurrentPrincipal
) -> RoundProgress:
    """End the round for good: no more ballots; its results count."""
    await service.close_round(session=session, principal=principal, rnd=rnd)
    return await service.progress(session, rnd)


@router.post(
    "/evaluation-rounds/{round_id}/codes",
    status_code=status.HTTP_201_CREATED,
    response_class=Response,
    responses={201: PDF},
)
async def issue_codes(
    body: CodesIssue,
    rnd: ManagedRound,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> Response:
    """Issue a batch of single-use codes for the masses (at most 1,000), given back once as a
    printable PDF: the codes themselves are not stored, only their hashes."""
    pdf, batch = await service.issue_codes(
        session=session,
        principal=principal,
        rnd=rnd,
        count=body.count,
        base_url=settings.public_url or str(request.base_url),
    )
    name = f"evaluation-{rnd.year}Q{rnd.quarter}-round{rnd.id}-batch{batch}.pdf"
    return Response(
        pdf,
        status_code=status.HTTP_201_CREATED,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Codes-Issued": str(body.count),
        },
    )


@router.get("/evaluation-rounds/{round_id}/results", response_model=RoundResults)
async def round_results(rnd: ManagedRound, session: SessionDep) -> RoundResults:
    """After the close: per member the counts, the quarter rate and whether it qualifies; the
    comments without attribution."""
    return await service.results(session, rnd)


@router.get("/me/evaluation-rounds", response_model=list[MyRound])
async def my_rounds(session: SessionDep, principal: CurrentPrincipal) -> list[MyRound]:
    """The caller's branch's rounds taking ballots today, and whether the caller has voted."""
    return await service.my_rounds(session, principal)


@router.get("/evaluation-rounds/{round_id}/ballot", response_model=BallotForm)
async def peer_form(
    rnd: RoundOfBranch, session: SessionDep, principal: CurrentPrincipal
) -> BallotForm:
    """The fellow members the caller rates in the round (all but themselves)."""
    return await service.peer_form(session, principal, rnd)


@router.post(
    "/evaluation-rounds/{round_id}/ballot",
    response_model=BallotAccepted,
    status_code=status.HTTP_201_CREATED,
)
async def cast_peer_ballot(
    body: PeerBallot, rnd: RoundOfBranch, session: SessionDep, principal: CurrentPrincipal
) -> BallotAccepted:
    """Rate fellow members, once a round; a member left out is not rated."""
    return await service.cast_peer_ballot(
        session=session, principal=principal, rnd=rnd, ratings=body.ratings
    )


@router.get("/members/{member_id}/evaluation", response_model=MemberEvaluation)
async def member_evaluation(
    member: PointsOf, year: YearQuery, session: SessionDep
) -> MemberEvaluation:
    """A member's year: each quarter's counts and rate, the year rate and where it came from,
    the evaluation points and the poor share."""
    return await service.member_year(session, member, year)


@public_router.post("/lookup", response_model=BallotForm)
async def look_up_code(
    body: CodeLookup, session: SessionDep, attempts: AttemptsDep, address: ClientAddress
) -> BallotForm:
    """The page a code opens: the branch, the round and its members by name. Codes that do not
    exist count against the address (429 with Retry-After)."""
    return await service.code_form(
        session=session, attempts=attempts, address=address, code=body.code
    )


@public_router.post("/ballots", response_model=BallotAccepted, status_code=status.HTTP_201_CREATED)
async def cast_code_ballot(
    body: CodeBallot, session: SessionDep, attempts: AttemptsDep, address: ClientAddress
) -> BallotAccepted:
    """A ballot of the masses; the code is spent with it, once."""
    return await service.cast_code_ballot(
        session=session,
        attempts=attempts,
        address=address,
        code=body.code,
        round_id=body.round_id,
        ratings=body.ratings,
    )
