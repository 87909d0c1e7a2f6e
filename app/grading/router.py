"""The annual grading: a branch's runs and their steps, the members' self-assessment, vote and
objections, approval above, follow-ups, exports; a member's live score; a subtree's summary."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse

from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.grading import exports, repository, service, views
from app.grading.deps import AnyRun, GradingBranch, ManagedRun, OverseenOrg
from app.grading.schemas import (
    AnswerIn,
    BallotIn,
    FinalGradeIn,
    FollowUpIn,
    GradingCreate,
    MemberScore,
    MyGrading,
    ObjectionIn,
    PublicityStart,
    RunOut,
    RunSummary,
    SelfAssessmentIn,
    SendBack,
    SubtreeSummary,
    VoteAccepted,
)
from app.points.deps import PointsOf
from app.points.export import XLSX, xlsx_response
from app.schemas import IdPath, Page, PageQuery, PageSizeQuery

router = APIRouter(tags=["grading"])

YearQuery = Annotated[int, Query(ge=2000, le=2100)]
FormatQuery = Annotated[exports.Format, Query()]
SHEET = {
    "content": {XLSX: {}, "text/csv": {}},
    "description": "The results as XLSX or CSV (UTF-8 with BOM)",
}


async def _out(session: SessionDep, principal: CurrentPrincipal, run: AnyRun) -> RunOut:
    return await views.run_out(session, principal, run, await service.branch_of(session, run))


@router.post(
    "/branches/{org_id}/gradings", response_model=RunOut, status_code=status.HTTP_201_CREATED
)
async def create_grading(
    body: GradingCreate, branch: GradingBranch, session: SessionDep, principal: CurrentPrincipal
) -> RunOut:
    """The year's draft: every member's score and proposed grade, computed (a correction of an
    approved year needs `correction_reason`)."""
    run = await service.create_run(session=session, principal=principal, branch=branch, data=body)
    return await views.run_out(session, principal, run, branch)


@router.get("/branches/{org_id}/gradings", response_model=Page[RunSummary])
async def list_gradings(
    branch: GradingBranch,
    session: SessionDep,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> Page[RunSummary]:
    """The branch's runs, latest year first."""
    assert branch.id is not None
    runs, total = await repository.runs_of_branch(
        session, branch_id=branch.id, offset=(page - 1) * page_size, limit=page_size
    )
    items = [views.summary(r, branch) for r in runs]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/gradings/{run_id}", response_model=RunOut)
async def read_grading(run: AnyRun, session: SessionDep, principal: CurrentPrincipal) -> RunOut:
    """The run and its members' results: all of it for the branch's committee and above; the
    final grades for the branch's members from the public notice on."""
    return await _out(session, principal, run)


@router.post("/gradings/{run_id}/recompute", response_model=RunOut)
async def recompute(run: ManagedRun, session: SessionDep, principal: CurrentPrincipal) -> RunOut:
    """Compute the draft again from the ledger and evaluation as they stand (draft only)."""
    await service.recompute(session=session, principal=principal, run=run)
    return await _out(session, principal, run)


@router.post("/gradings/{run_id}/start-self-assessment", response_model=RunOut)
async def start_self_assessment(
    run: ManagedRun, session: SessionDep, principal: CurrentPrincipal
) -> RunOut:
    """draft → self_assessment: members write their 自评 and vote on their peers (民主测评)."""
    await service.start_self_assessment(session=session, principal=principal, run=run)
    return await _out(session, principal, run)


@router.put("/gradings/{run_id}/self-assessment", response_model=MyGrading)
async def self_assess(
    body: SelfAssessmentIn, run: AnyRun, session: SessionDep, principal: CurrentPrincipal
) -> MyGrading:
    """The caller's self-assessment and the grade they propose for themselves."""
    await service.self_assess(session=session, principal=principal, run=run, data=body)
    return await _mine(session, principal, run)


@router.post(
    "/gradings/{run_id}/ballot",
    response_model=VoteAccepted,
    status_code=status.HTTP_201_CREATED,
)
async def cast_vote(
    body: BallotIn, run: AnyRun, session: SessionDep, principal: CurrentPrincipal
) -> VoteAccepted:
    """The caller's one secret ballot: a grade for each peer they vote on (not themselves)."""
    votes = await service.cast_vote(session=session, principal=principal, run=run, ballot=body)
    return VoteAccepted(run_id=run.id or 0, votes=votes)


@router.post("/gradings/{run_id}/start-review", response_model=RunOut)
async def start_review(run: ManagedRun, session: SessionDep, principal: CurrentPrincipal) -> RunOut:
    """self_assessment → review (支部评议): the vote ends; final grades start as computed."""
    await service.start_review(session=session, principal=principal, run=run)
    return await _out(session, principal, run)


@router.put("/gradings/{run_id}/results/{member_id}", response_model=RunOut)
async def set_final_grade(
    member_id: IdPath,
    body: FinalGradeIn,
    run: ManagedRun,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> RunOut:
    """A member's final grade; a departure from the computed grade needs a reason; the
    excellent quota holds."""
    await service.set_final(
        session=session, principal=principal, run=run, member_id=member_id, data=body
    )
    return await _out(session, principal, run)


@router.post("/gradings/{run_id}/start-publicity", response_model=RunOut)
async def start_publicity(
    run: ManagedRun,
    session: SessionDep,
    principal: CurrentPrincipal,
    body: PublicityStart | None = None,
) -> RunOut:
    """review → publicity (公示) for `days` days (default 5) from today."""
    days = body.days if body else 5
    await service.start_publicity(session=session, principal=principal, run=run, days=days)
    return await _out(session, principal, run)


@router.post(
    "/gradings/{run_id}/objections", response_model=RunOut, status_code=status.HTTP_201_CREATED
)
async def file_objection(
    body: ObjectionIn, run: AnyRun, session: SessionDep, principal: CurrentPrincipal
) -> RunOut:
    """A member of the branch objects (异议) to a result during the public notice."""
    await service.file_objection(session=session, principal=principal, run=run, data=body)
    return await _out(session, principal, run)


@router.post("/gradings/{run_id}/objections/{objection_id}/answer", response_model=RunOut)
async def answer_objection(
    objection_id: IdPath,
    body: AnswerIn,
    run: ManagedRun,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> RunOut:
    """The branch's answer to an objection; every one is answered before finalizing."""
    await service.answer_objection(
        session=session, principal=principal, run=run, objection_id=objection_id, answer=body.answer
    )
    return await _out(session, principal, run)


@router.post("/gradings/{run_id}/finalize", response_model=RunOut)
async def finalize(run: ManagedRun, session: SessionDep, principal: CurrentPrincipal) -> RunOut:
    """publicity → finalized, once the notice's term is over and every objection answered."""
    await service.finalize(session=session, principal=principal, run=run)
    return await _out(session, principal, run)


@router.post("/gradings/{run_id}/approve", response_model=RunOut)
async def approve(run: AnyRun, session: SessionDep, principal: CurrentPrincipal) -> RunOut:
    """finalized → approved, by an org admin of an organisation above the branch; opens the
    follow-ups (commendation, mentor, disposal)."""
    branch = await service.branch_of(session, run)
    await service.approve(session=session, principal=principal, run=run, branch=branch)
    return await views.run_out(session, principal, run, branch)


@router.post("/gradings/{run_id}/send-back", response_model=RunOut)
async def send_back(
    body: SendBack, run: AnyRun, session: SessionDep, principal: CurrentPrincipal
) -> RunOut:
    """finalized → review, by an org admin above, with the reason."""
    branch = await service.branch_of(session, run)
    await service.send_back(
        session=session, principal=principal, run=run, branch=branch, reason=body.reason
    )
    return await views.run_out(session, principal, run, branch)


@router.patch("/gradings/{run_id}/follow-ups/{member_id}", response_model=RunOut)
async def update_follow_up(
    member_id: IdPath,
    body: FollowUpIn,
    run: ManagedRun,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> RunOut:
    """A follow-up of an approved run: the mentor, the measure, its status and notes."""
    await service.update_follow_up(
        session=session, principal=principal, run=run, member_id=member_id, data=body
    )
    return await _out(session, principal, run)


@router.get("/gradings/{run_id}/export", response_class=Response, responses={200: SHEET})
async def export_grading(
    run: ManagedRun, session: SessionDep, format: FormatQuery = "xlsx"
) -> Response:
    """The run's results, one row per member."""
    branch = await service.branch_of(session, run)
    rows = await exports.rows_of_runs(session, [(run, branch.name)])
    name = f"grading-{run.year}-branch{branch.id}-run{run.id}"
    return _sheet(rows, format, name, f"{branch.name}-{run.year}年度定级", None)


@router.get("/me/grading", response_model=MyGrading | None)
async def my_grading(
    session: SessionDep, principal: CurrentPrincipal, year: YearQuery | None = None
) -> MyGrading | None:
    """The caller's part in their branch's run of the year (default: the latest year with one)."""
    return await views.my_grading(session, principal, year)


@router.get("/members/{member_id}/score", response_model=MemberScore)
async def member_score(member: PointsOf, session: SessionDep, year: YearQuery) -> MemberScore:
    """The live score of the year so far with its breakdown (what each cap took away), the
    evaluation points, deductions, the projected grade with its reasons, and the points still
    needed for the next grade."""
    return await views.member_score(session, member, year)


@router.get("/organisations/{org_id}/gradings", response_model=SubtreeSummary)
async def subtree_gradings(
    org: OverseenOrg, session: SessionDep, year: YearQuery
) -> SubtreeSummary:
    """Per branch of the subtree: its run's step, members per grade, the share excellent; and
    the branches whose run is missing or not yet approved."""
    return await views.subtree_summary(session, org, year)


@router.get(
    "/organisations/{org_id}/gradings/export", response_class=Response, responses={200: SHEET}
)
async def export_subtree(
    org: OverseenOrg, session: SessionDep, year: YearQuery, format: FormatQuery = "xlsx"
) -> Response:
    """Every member's result in the subtree's latest runs of the year; the XLSX adds the summary
    per branch."""
    runs = await repository.runs_of_subtree(session, path=org.path, year=year)
    rows = await exports.rows_of_runs(session, runs)
    summary = await views.subtree_summary(session, org, year)
    lines = [
        [
            b.branch.name,
            exports.STEP_ZH.get(b.status or "", "未开始"),
            b.members,
            b.excellent,
            b.qualified,
            b.basically_qualified,
            b.unqualified,
            b.not_graded,
            float(b.excellent_share) if b.excellent_share is not None else None,
        ]
        for b in summary.branches
    ]
    return _sheet(rows, format, f"grading-{year}-org{org.id}", f"{org.name}-{year}年度定级", lines)


def _sheet(
    rows: list[list[Any]],
    format: exports.Format,
    ascii_name: str,
    title: str,
    summary: list[list[Any]] | None,
) -> Response:
    if format == "csv":
        return StreamingResponse(
            exports.csv_stream(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{ascii_name}.csv"'},
        )
    return xlsx_response(
        exports.workbook(title, rows, summary),
        ascii_name=f"{ascii_name}.xlsx",
        name=f"{title}.xlsx",
    )


async def _mine(session: SessionDep, principal: CurrentPrincipal, run: AnyRun) -> MyGrading:
    mine = await views.my_grading(session, principal, run.year)
    assert mine is not None
    return mine
