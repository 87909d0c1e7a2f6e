"""What the grading shows, and to whom: the run to its branch's committee and the organisations
above; the results to the branch's members from the public notice on; a member's own part; the
live score; a subtree's summary. Reads only."""

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.access import Principal
from app.errors import Conflict, Forbidden
from app.grading import compute, repository
from app.grading.schemas import (
    BranchGradeSummary,
    EvaluationPart,
    FollowUpOut,
    MemberScore,
    MyGrading,
    ObjectionOut,
    Projection,
    ReasonOut,
    ResultOut,
    RunOut,
    RunSummary,
    ScoreBreakdown,
    SubtreeSummary,
    Tally,
)
from app.grading.service import can_approve, can_manage, peers
from app.models import GradingResult, GradingRun, Member, Organisation
from app.schemas import PersonRef

_PLACES = Decimal("0.0001")
# Steps from which the branch's members see the results.
_SHOWN_TO_MEMBERS = {"publicity", "finalized", "approved"}


def summary(run: GradingRun, branch: Organisation) -> RunSummary:
    assert run.id is not None and branch.id is not None
    return RunSummary(
        id=run.id,
        branch=PersonRef(id=branch.id, name=branch.name),
        year=run.year,
        status=run.status,
        graded_count=run.graded_count,
        excellent_slots=run.excellent_slots,
        publicity_starts_on=run.publicity_starts_on,
        publicity_ends_on=run.publicity_ends_on,
        corrects_run_id=run.corrects_run_id,
        correction_reason=run.correction_reason,
        sent_back_reason=run.sent_back_reason,
        created_at=run.created_at,
        computed_at=run.computed_at,
        approved_at=run.approved_at,
    )


def _result(
    result: GradingResult, name: str, *, full: bool, tally: dict[str, int] | None
) -> ResultOut:
    projection = result.detail.get("projection", {})
    return ResultOut(
        member=PersonRef(id=result.member_id, name=name),
        graded=result.graded,
        total=Decimal(result.total),
        computed_grade=result.computed_grade,
        tie=result.tie,
        reasons=[ReasonOut.model_validate(r) for r in projection.get("reasons", [])],
        sentence=projection.get("sentence", ""),
        score=ScoreBreakdown.model_validate(result.detail["score"]) if full else None,
        self_grade=result.self_grade if full else None,
        self_assessment=result.self_assessment if full else None,
        votes=Tally(**tally) if tally is not None else None,
        final_grade=result.final_grade,
        final_reason=result.final_reason,
    )


async def run_out(
    session: AsyncSession, principal: Principal, run: GradingRun, branch: Organisation
) -> RunOut:
    """The run as the caller may see it: everything for the committee and above; the final
    grades and reasons for the branch's members once the notice is up."""
    assert run.id is not None
    manage = can_manage(principal, branch)
    member = principal.member
    own = member is not None and member.branch_id == run.branch_id
    if not manage and not (own and run.status in _SHOWN_TO_MEMBERS):
        raise Forbidden("The branch's grading is not public yet.", code="grading_not_public")
    tallies = (
        await repository.vote_tally(session, run.id)
        if manage and run.status not in {"draft", "self_assessment"}
        else None
    )
    results = [
        _result(
            r,
            name,
            full=manage,
            tally=(tallies.get(r.member_id, {}) if r.graded else None)
            if tallies is not None
            else None,
        )
        for r, name in await repository.results_of(session, run.id)
    ]
    names = {r.member.id: r.member.name for r in results}
    if not manage:
        results = [r for r in results if r.graded]
    objections = await repository.objections_of(session, run.id)
    follow_ups = await repository.follow_ups_of(session, run.id) if manage else []
    mentors = await repository.names(
        session, [f.mentor_member_id for f in follow_ups if f.mentor_member_id]
    )
    return RunOut(
        **summary(run, branch).model_dump(),
        voters=await repository.voter_count(session, run.id) if manage else 0,
        eligible_voters=await repository.full_member_count(session, run.id) if manage else 0,
        results=results,
        objections=[
            ObjectionOut(
                id=o.id,
                member=PersonRef(id=o.member_id, name=names.get(o.member_id, "")),
                text=o.text,
                created_at=o.created_at,
                answer=o.answer,
                answered_at=o.answered_at,
                mine=member is not None and o.filed_by_member_id == member.id,
            )
            for o in objections
            if manage or (member is not None and o.filed_by_member_id == member.id)
        ],
        follow_ups=[
            FollowUpOut(
                member=PersonRef(id=f.member_id, name=names.get(f.member_id, "")),
                kind=f.kind,
                mentor=PersonRef(id=f.mentor_member_id, name=mentors.get(f.mentor_member_id, ""))
                if f.mentor_member_id
                else None,
                measure=f.measure,
                status=f.status,
                notes=f.notes,
                updated_at=f.updated_at,
            )
            for f in follow_ups
        ],
        can_manage=manage,
        can_approve=can_approve(principal, branch),
    )


async def my_grading(
    session: AsyncSession, principal: Principal, year: int | None
) -> MyGrading | None:
    """The caller's part in their branch's run of the year (the latest year with a run when
    none is given), once the run has left its draft."""
    member = principal.member
    if member is None:
        return None
    run = await repository.latest_run(session, branch_id=member.branch_id, year=year)
    if run is None or run.id is None or run.status == "draft":
        return None
    branch = await session.get(Organisation, run.branch_id)
    assert branch is not None
    own = await repository.result(session, run.id, member.id)
    shown = run.status in _SHOWN_TO_MEMBERS
    return MyGrading(
        run=summary(run, branch),
        self_grade=own.self_grade if own else None,
        self_assessment=own.self_assessment if own else None,
        voted=await repository.has_voted(session, run_id=run.id, member_id=member.id),
        peers=[PersonRef(id=i, name=n) for i, n in await peers(session, run, member.id)]
        if run.status == "self_assessment"
        else [],
        final_grade=own.final_grade if own and shown else None,
        final_reason=own.final_reason if own and shown else None,
        sentence=own.detail.get("projection", {}).get("sentence") if own and shown else None,
    )


async def member_score(session: AsyncSession, member: Member, year: int) -> MemberScore:
    """The live score of the year so far, with the grade the rules would propose today (the
    branch's quota included) and the points still needed for the next grade."""
    assert member.id is not None
    drafts = await compute.compute(session, branch_ids=[member.branch_id], year=year)
    branch = drafts[member.branch_id]
    mine = next((m for m in branch.members if m.member.id == member.id), None)
    if mine is None:
        raise Conflict("An inactive member has no live score.", code="member_inactive")
    ev = mine.evaluation
    return MemberScore(
        member=PersonRef(id=member.id, name=member.name),
        year=year,
        standard_id=branch.standard_id,
        excellent_slots=branch.slots,
        score=ScoreBreakdown.model_validate(
            await compute.breakdown(session, branch, mine), from_attributes=True
        ),
        evaluation=EvaluationPart(
            rate=ev.rate,
            rate_source=ev.rate_source,
            points=ev.points,
            poor_share=ev.poor_share,
            poor_over_a_third=ev.poor_over_a_third,
        ),
        projection=Projection.model_validate(mine.result, from_attributes=True),
    )


async def subtree_summary(
    session: AsyncSession, organisation: Organisation, year: int
) -> SubtreeSummary:
    """Per branch of the subtree: its run's step, members per final grade (computed before the
    review), the share excellent; and how many branches are not yet approved."""
    assert organisation.id is not None
    branches = await repository.branches_of_subtree(session, organisation.path)
    latest = await repository.runs_of_subtree(session, path=organisation.path, year=year)
    runs = {run.branch_id: run for run, _ in latest}
    results = await repository.results_of_runs(session, [r.id for r in runs.values() if r.id])
    counts: dict[int, dict[str, int]] = {}
    for result, _ in results:
        c = counts.setdefault(result.run_id, {})
        grade = (result.final_grade or result.computed_grade) if result.graded else "not_graded"
        key = grade or "not_graded"
        c[key] = c.get(key, 0) + 1
    rows = []
    for branch in branches:
        assert branch.id is not None
        run = runs.get(branch.id)
        c = counts.get(run.id, {}) if run and run.id else {}
        graded = sum(v for k, v in c.items() if k != "not_graded")
        rows.append(
            BranchGradeSummary(
                branch=PersonRef(id=branch.id, name=branch.name),
                run_id=run.id if run else None,
                status=run.status if run else None,
                members=graded + c.get("not_graded", 0),
                excellent=c.get("excellent", 0),
                qualified=c.get("qualified", 0),
                basically_qualified=c.get("basically_qualified", 0),
                unqualified=c.get("unqualified", 0),
                not_graded=c.get("not_graded", 0),
                excellent_share=_share(c.get("excellent", 0), graded),
            )
        )
    return SubtreeSummary(
        organisation=PersonRef(id=organisation.id, name=organisation.name),
        year=year,
        branches=rows,
        not_approved=sum(1 for r in rows if r.status != "approved"),
    )


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / whole).quantize(_PLACES) if whole else None
