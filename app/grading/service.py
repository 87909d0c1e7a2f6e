"""The annual grading's use cases (DESIGN.md §6): a branch's run from the computed draft through
self-assessment and the democratic vote, the branch's review, the public notice with its
objections, to finalizing and approval above; then the follow-ups. Each step is one use case
that checks the step (rules.require_step), changes the run and writes an audit event."""

from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import audit, clock, periods
from app.access import Action, Principal
from app.errors import Conflict, Forbidden, NotFound, RuleViolation
from app.grading import compute, repository, rules
from app.grading.compute import BranchDraft, MemberDraft
from app.grading.schemas import (
    BallotIn,
    FinalGradeIn,
    FollowUpIn,
    GradingCreate,
    ObjectionIn,
    Projection,
    ScoreBreakdown,
    SelfAssessmentIn,
)
from app.models import (
    GradingFollowUp,
    GradingObjection,
    GradingResult,
    GradingRun,
    GradingVoter,
    Member,
    Organisation,
)
from app.orgs import service as orgs
from app.standards import service as standards

ENTITY = "grading_run"
DEFAULT_TIMEZONE = "Asia/Shanghai"


def parent_path(path: str) -> str:
    """The path of the organisation above ("/1/4/9/" → "/1/4/"); "" above a root."""
    parts = [p for p in path.split("/") if p]
    return "/" + "".join(f"{p}/" for p in parts[:-1]) if len(parts) > 1 else ""


def can_manage(principal: Principal, branch: Organisation) -> bool:
    return principal.can(Action.grading_manage, branch.path)


def can_approve(principal: Principal, branch: Organisation) -> bool:
    """An org admin of an organisation above the branch (not of the branch itself)."""
    above = parent_path(branch.path)
    return bool(above) and principal.can(Action.grading_approve, above)


async def get_run(session: AsyncSession, run_id: int) -> GradingRun:
    run = await session.get(GradingRun, run_id)
    if run is None:
        raise NotFound(f"Grading run {run_id} does not exist.", code="grading_not_found")
    return run


async def today(session: AsyncSession, run: GradingRun) -> date:
    standard = await standards.in_force(session, organisation_id=run.branch_id, year=run.year)
    timezone = standard.timezone if standard else DEFAULT_TIMEZONE
    return periods.local_today(clock.now(), timezone)


def _move(session: AsyncSession, principal: Principal, run: GradingRun, to: str, **kw: Any) -> None:
    """Moves the run to its next step and records it."""
    audit.record(
        session,
        actor=principal,
        entity_type=ENTITY,
        entity_id=run.id,  # type: ignore[arg-type]
        action=to,
        from_state=run.status,
        to_state=to,
        comment=kw.pop("comment", None),
        data=kw or None,
    )
    run.status = to


# -- the draft -----------------------------------------------------------------------------------


def detail_of(draft: MemberDraft) -> dict[str, Any]:
    """What a result keeps of the computation: the score's breakdown and the projection."""
    r = draft.result
    return {
        "score": ScoreBreakdown.model_validate(r.score, from_attributes=True).model_dump(
            mode="json"
        ),
        "projection": Projection.model_validate(r, from_attributes=True).model_dump(mode="json"),
        "evaluation": {
            "rate": str(draft.evaluation.rate),
            "rate_source": draft.evaluation.rate_source,
            "points": str(draft.evaluation.points),
            "poor_share": None
            if draft.evaluation.poor_share is None
            else str(draft.evaluation.poor_share),
            "poor_over_a_third": draft.evaluation.poor_over_a_third,
        },
    }


async def _write_draft(session: AsyncSession, run: GradingRun, draft: BranchDraft) -> None:
    assert run.id is not None
    run.standard_id = draft.standard_id
    run.excellent_slots = draft.slots
    run.graded_count = draft.graded
    run.computed_at = clock.now()
    rows = [
        {
            "run_id": run.id,
            "member_id": m.member.id,
            "graded": m.result.graded,
            "total": m.result.total,
            "computed_grade": m.result.grade,
            "tie": m.result.tie,
            "detail": detail_of(m),
        }
        for m in draft.members
    ]
    if rows:
        await session.execute(insert(GradingResult), rows)


async def create_run(
    *, session: AsyncSession, principal: Principal, branch: Organisation, data: GradingCreate
) -> GradingRun:
    """The year's draft for the branch: every member's score and proposed grade, computed."""
    assert branch.id is not None
    latest = await repository.latest_run(session, branch_id=branch.id, year=data.year)
    rules.check_new_run(
        existing=latest.status if latest else None, correction_reason=data.correction_reason
    )
    run = GradingRun(
        branch_id=branch.id,
        year=data.year,
        created_by_user_id=principal.user_id,
        corrects_run_id=latest.id if latest else None,
        correction_reason=data.correction_reason if latest else None,
    )
    session.add(run)
    try:
        await session.flush()
    except IntegrityError:  # another run of the year made at the same moment
        raise Conflict(
            "The branch already has a grading run for this year.", code="grading_exists"
        ) from None
    drafts = await compute.compute(session, branch_ids=[branch.id], year=data.year)
    await _write_draft(session, run, drafts[branch.id])
    audit.record(
        session,
        actor=principal,
        entity_type=ENTITY,
        entity_id=run.id,  # type: ignore[arg-type]
        action="create",
        to_state="draft",
        comment=run.correction_reason,
        data={"branch_id": branch.id, "year": data.year, "corrects_run_id": run.corrects_run_id},
    )
    await session.flush()
    return run


async def recompute(*, session: AsyncSession, principal: Principal, run: GradingRun) -> None:
    """The draft again, from the ledger and evaluation as they stand now."""
    rules.require_step(run.status, "draft")
    assert run.id is not None
    await repository.delete_results(session, run.id)
    drafts = await compute.compute(session, branch_ids=[run.branch_id], year=run.year)
    await _write_draft(session, run, drafts[run.branch_id])
    audit.record(session, actor=principal, entity_type=ENTITY, entity_id=run.id, action="recompute")
    await session.flush()


# -- self-assessment and the democratic vote -----------------------------------------------------


async def start_self_assessment(
    *, session: AsyncSession, principal: Principal, run: GradingRun
) -> None:
    rules.require_step(run.status, "draft")
    _move(session, principal, run, "self_assessment")
    await session.flush()


def _own_member(principal: Principal, run: GradingRun) -> int:
    """The caller's member id, when they are an active member of the run's branch."""
    member = principal.member
    if member is None:
        raise Forbidden("Only members take part in the grading.", code="grading_members_only")
    if member.branch_id != run.branch_id or member.status != "active":
        raise Forbidden("Only the branch's own members take part.", code="grading_not_in_branch")
    return member.id


async def self_assess(
    *, session: AsyncSession, principal: Principal, run: GradingRun, data: SelfAssessmentIn
) -> GradingResult:
    """A member's self-assessment (自评) and the grade they propose for themselves; may be
    rewritten until the step ends."""
    rules.require_step(run.status, "self_assessment")
    member_id = _own_member(principal, run)
    assert run.id is not None
    result = await repository.result(session, run.id, member_id)
    if result is None:
        raise Conflict("You are not in this grading run.", code="not_in_run")
    result.self_grade = data.grade
    result.self_assessment = data.text
    result.self_assessed_at = clock.now()
    audit.record(
        session, actor=principal, entity_type=ENTITY, entity_id=run.id, action="self_assessment"
    )
    await session.flush()
    return result


async def peers(session: AsyncSession, run: GradingRun, voter: int) -> list[tuple[int, str]]:
    """Whom a member votes on: the run's graded members but themselves."""
    assert run.id is not None
    return [
        (r.member_id, name)
        for r, name in await repository.results_of(session, run.id)
        if r.graded and r.member_id != voter
    ]


async def cast_vote(
    *, session: AsyncSession, principal: Principal, run: GradingRun, ballot: BallotIn
) -> int:
    """A full member's one secret ballot (民主测评): a grade for each peer they vote on. The
    receipt says they voted; the votes do not say who cast them."""
    rules.require_step(run.status, "self_assessment")
    voter = _own_member(principal, run)
    assert run.id is not None and principal.member is not None
    member = await session.get(Member, voter)
    if member is None or member.is_probationary:
        raise Forbidden("Only full members vote in the democratic vote.", code="full_members_only")
    if await repository.has_voted(session, run_id=run.id, member_id=voter):
        raise Conflict("You have already voted in this grading.", code="grading_already_voted")
    eligible = {m for m, _ in await peers(session, run, voter)}
    seen: set[int] = set()
    for vote in ballot.votes:
        if vote.member_id == voter:
            raise Forbidden("Nobody votes on themselves.", code="self_vote")
        if vote.member_id not in eligible:
            raise RuleViolation(
                f"Member {vote.member_id} is not graded in this run.", code="not_votable"
            )
        if vote.member_id in seen:
            raise RuleViolation("A ballot votes on each member once.", code="duplicate_vote")
        seen.add(vote.member_id)
    session.add(GradingVoter(run_id=run.id, member_id=voter))
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(
            "You have already voted in this grading.", code="grading_already_voted"
        ) from None
    await repository.add_votes(
        session, run_id=run.id, votes=[(v.member_id, v.grade) for v in ballot.votes]
    )
    audit.record(session, actor=principal, entity_type=ENTITY, entity_id=run.id, action="vote")
    return len(ballot.votes)


# -- the branch's review --------------------------------------------------------------------------


async def start_review(*, session: AsyncSession, principal: Principal, run: GradingRun) -> None:
    """Ends self-assessment and the vote; each graded member's final grade starts as computed."""
    rules.require_step(run.status, "self_assessment")
    assert run.id is not None
    await repository.reshuffle_votes(session, run.id)
    for result, _ in await repository.results_of(session, run.id):
        if result.graded and result.final_grade is None:
            result.final_grade = result.computed_grade
    _move(session, principal, run, "review")
    await session.flush()


async def set_final(
    *,
    session: AsyncSession,
    principal: Principal,
    run: GradingRun,
    member_id: int,
    data: FinalGradeIn,
) -> GradingResult:
    """The branch's final grade for one member; a departure needs a reason; the quota holds."""
    rules.require_step(run.status, "review")
    assert run.id is not None
    if principal.member is not None and principal.member.id == member_id:
        raise Forbidden("Nobody grades themselves.", code="self_grading")
    result = await repository.result(session, run.id, member_id)
    if result is None:
        raise NotFound(f"Member {member_id} is not in this run.", code="not_in_run")
    if not result.graded:
        raise Conflict("This member is not graded this year.", code="not_graded")
    rules.check_final(final=data.grade, computed=result.computed_grade, reason=data.reason)
    others = [
        r.final_grade
        for r, _ in await repository.results_of(session, run.id)
        if r.member_id != member_id and r.graded
    ]
    rules.check_quota([*others, data.grade], slots=run.excellent_slots)
    before = result.final_grade
    result.final_grade = data.grade
    result.final_reason = data.reason if data.grade != result.computed_grade else None
    result.decided_by_user_id = principal.user_id
    audit.record(
        session,
        actor=principal,
        entity_type=ENTITY,
        entity_id=run.id,
        action="final_grade",
        from_state=before,
        to_state=data.grade,
        comment=result.final_reason,
        data={"member_id": member_id},
    )
    await session.flush()
    return result


async def start_publicity(
    *, session: AsyncSession, principal: Principal, run: GradingRun, days: int
) -> None:
    """The public notice (公示) of the final grades, from today for `days` days."""
    rules.require_step(run.status, "review")
    rules.check_publicity_days(days)
    assert run.id is not None
    results = [r for r, _ in await repository.results_of(session, run.id) if r.graded]
    missing = [r.member_id for r in results if r.final_grade is None]
    if missing:
        raise Conflict(
            f"{len(missing)} member(s) have no final grade yet.",
            code="final_grades_missing",
            members=missing,
        )
    rules.check_quota((r.final_grade for r in results), slots=run.excellent_slots)
    starts = await today(session, run)
    run.publicity_days = days
    run.publicity_starts_on = starts
    run.publicity_ends_on = rules.publicity_ends_on(starts, days)
    _move(session, principal, run, "publicity", days=days)
    await session.flush()


# -- the public notice and its objections ----------------------------------------------------------


async def file_objection(
    *, session: AsyncSession, principal: Principal, run: GradingRun, data: ObjectionIn
) -> GradingObjection:
    """A member of the branch objects to a result during the notice."""
    rules.require_step(run.status, "publicity")
    filer = _own_member(principal, run)
    assert run.id is not None
    if await repository.result(session, run.id, data.member_id) is None:
        raise NotFound(f"Member {data.member_id} is not in this run.", code="not_in_run")
    objection = GradingObjection(
        run_id=run.id, member_id=data.member_id, filed_by_member_id=filer, text=data.text
    )
    session.add(objection)
    await session.flush()
    audit.record(
        session,
        actor=principal,
        entity_type=ENTITY,
        entity_id=run.id,
        action="objection",
        data={"objection_id": objection.id, "member_id": data.member_id},
    )
    return objection


async def answer_objection(
    *,
    session: AsyncSession,
    principal: Principal,
    run: GradingRun,
    objection_id: int,
    answer: str,
) -> GradingObjection:
    rules.require_step(run.status, "publicity")
    objection = await session.get(GradingObjection, objection_id)
    if objection is None or objection.run_id != run.id:
        raise NotFound(f"Objection {objection_id} does not exist.", code="objection_not_found")
    objection.answer = answer
    objection.answered_by_user_id = principal.user_id
    objection.answered_at = clock.now()
    audit.record(
        session,
        actor=principal,
        entity_type=ENTITY,
        entity_id=run.id,
        action="objection_answer",
        data={"objection_id": objection_id},
    )
    await session.flush()
    return objection


async def finalize(*, session: AsyncSession, principal: Principal, run: GradingRun) -> None:
    """Locks the grades once the notice's term is over and every objection is answered."""
    rules.require_step(run.status, "publicity")
    assert run.id is not None
    rules.check_finalize(
        today=await today(session, run),
        ends_on=run.publicity_ends_on,
        unanswered=await repository.unanswered_count(session, run.id),
    )
    _move(session, principal, run, "finalized")
    await session.flush()


# -- approval above and the follow-ups -----------------------------------------------------------


async def approve(
    *, session: AsyncSession, principal: Principal, run: GradingRun, branch: Organisation
) -> None:
    """Approval by an org admin above; the follow-ups are opened for every member they concern."""
    rules.require_step(run.status, "finalized")
    if not can_approve(principal, branch):
        raise Forbidden(
            "Only an organisation above the branch approves its grading.", code="not_above"
        )
    assert run.id is not None
    now = clock.now()
    rows = []
    for result, _ in await repository.results_of(session, run.id):
        kind = rules.follow_up_kind(result.final_grade)
        if kind:
            rows.append(
                {
                    "run_id": run.id,
                    "member_id": result.member_id,
                    "kind": kind,
                    "status": "open",
                    "updated_at": now,
                    "updated_by_user_id": principal.user_id,
                }
            )
    if rows:
        await session.execute(insert(GradingFollowUp), rows)
    run.approved_at = now
    run.approved_by_user_id = principal.user_id
    _move(session, principal, run, "approved")
    await session.flush()


async def send_back(
    *,
    session: AsyncSession,
    principal: Principal,
    run: GradingRun,
    branch: Organisation,
    reason: str,
) -> None:
    """The organisation above sends a finalized run back to the branch's review, saying why."""
    rules.require_step(run.status, "finalized")
    if not can_approve(principal, branch):
        raise Forbidden(
            "Only an organisation above the branch sends its grading back.", code="not_above"
        )
    run.sent_back_reason = reason
    run.publicity_starts_on = None
    run.publicity_ends_on = None
    _move(session, principal, run, "review", comment=reason)
    await session.flush()


async def update_follow_up(
    *,
    session: AsyncSession,
    principal: Principal,
    run: GradingRun,
    member_id: int,
    data: FollowUpIn,
) -> GradingFollowUp:
    rules.require_step(run.status, "approved")
    assert run.id is not None
    follow = await session.get(GradingFollowUp, (run.id, member_id))
    if follow is None:
        raise NotFound(f"Member {member_id} has no follow-up.", code="follow_up_not_found")
    if data.mentor_member_id is not None:
        if follow.kind != "mentor":
            raise RuleViolation("Only a basically qualified member has a mentor.", code="no_mentor")
        if data.mentor_member_id == member_id:
            raise RuleViolation("A member does not mentor themselves.", code="self_mentor")
        if await repository.result(session, run.id, data.mentor_member_id) is None:
            raise RuleViolation(
                "The mentor is a member of the branch.", code="mentor_not_in_branch"
            )
        follow.mentor_member_id = data.mentor_member_id
    for name in ("measure", "status", "notes"):
        value = getattr(data, name)
        if value is not None:
            setattr(follow, name, value)
    follow.updated_at = clock.now()
    follow.updated_by_user_id = principal.user_id
    audit.record(
        session,
        actor=principal,
        entity_type=ENTITY,
        entity_id=run.id,
        action="follow_up",
        to_state=follow.status,
        data={"member_id": member_id, "kind": follow.kind},
    )
    await session.flush()
    return follow


async def branch_of(session: AsyncSession, run: GradingRun) -> Organisation:
    return await orgs.get(session, run.branch_id)
