"""The demo's annual grading, through the grading's own use cases: the first branch in
self-assessment (its secretary and reviewer have written theirs and voted; member1 has not),
the second in its public notice, over since yesterday, with one member graded lower than
computed (with the reason) and one objection still to answer;
the third has not begun (its secretary starts it)."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access import CallerMember, CallerUser, Principal
from app.grading import service
from app.grading.schemas import (
    BallotIn,
    FinalGradeIn,
    GradingCreate,
    ObjectionIn,
    SelfAssessmentIn,
    VoteIn,
)
from app.models import GradingRun, Member, Organisation, RoleAssignment, User

_SELF = {
    "secretary": "带头落实“三会一课”，组织开展主题党日和志愿服务，全年未缺席组织生活。",
    "reviewer": "认真履行支委职责，按时审核党员积分申报，参加社区志愿服务。",
}


async def _principal(session: AsyncSession, user_id: int) -> Principal:
    user = await session.get(User, user_id)
    member = await session.scalar(select(Member).where(col(Member.user_id) == user_id))
    assert user is not None and user.id is not None and member is not None
    assert member.id is not None
    return Principal(
        user=CallerUser(user.id, user.is_active, user.is_superadmin, False, user.token_version),
        member=CallerMember(member.id, member.branch_id, member.name, member.category, "active"),
    )


async def _with_role(session: AsyncSession, branch: Organisation, role: str) -> int:
    user_id = await session.scalar(
        select(col(RoleAssignment.user_id)).where(
            col(RoleAssignment.organisation_id) == branch.id, col(RoleAssignment.role) == role
        )
    )
    assert user_id is not None
    return user_id


async def _self_assess_and_vote(
    session: AsyncSession, run: GradingRun, principal: Principal, role: str
) -> None:
    assert principal.member is not None
    await service.self_assess(
        session=session,
        principal=principal,
        run=run,
        data=SelfAssessmentIn(grade="qualified", text=_SELF[role]),
    )
    peers = await service.peers(session, run, principal.member.id)
    votes = [VoteIn(member_id=m, grade="qualified") for m, _ in peers]
    await service.cast_vote(
        session=session, principal=principal, run=run, ballot=BallotIn(votes=votes)
    )


async def load_grading(
    session: AsyncSession, *, branches: list[Organisation], year: int
) -> dict[str, int]:
    """The runs described above; returns how many were made."""
    first, second = branches[0], branches[1]
    # 青山社区党支部: self-assessment and the vote under way.
    secretary = await _principal(session, await _with_role(session, first, "secretary"))
    reviewer = await _principal(session, await _with_role(session, first, "reviewer"))
    run = await service.create_run(
        session=session, principal=secretary, branch=first, data=GradingCreate(year=year)
    )
    await service.start_self_assessment(session=session, principal=secretary, run=run)
    await _self_assess_and_vote(session, run, secretary, "secretary")
    await _self_assess_and_vote(session, run, reviewer, "reviewer")

    # 街道机关党支部: the public notice, begun six days ago for five days, one objection open.
    secretary = await _principal(session, await _with_role(session, second, "secretary"))
    run = await service.create_run(
        session=session, principal=secretary, branch=second, data=GradingCreate(year=year)
    )
    await service.start_self_assessment(session=session, principal=secretary, run=run)
    await service.start_review(session=session, principal=secretary, run=run)
    # One member the branch grades lower than computed, with its reason (a mentor follows).
    results = await service.repository.results_of(session, run.id)  # type: ignore[arg-type]
    assert secretary.member is not None
    lowest = min(
        (r for r, _ in results if r.graded and r.member_id != secretary.member.id),
        key=lambda r: r.total,
    )
    await service.set_final(
        session=session,
        principal=secretary,
        run=run,
        member_id=lowest.member_id,
        data=FinalGradeIn(
            grade="basically_qualified",
            reason="年内三次无故缺席支部主题党日，经支部委员会研究，评定为基本合格。",
        ),
    )
    await service.start_publicity(session=session, principal=secretary, run=run, days=5)
    assert run.publicity_starts_on is not None
    run.publicity_starts_on -= timedelta(days=6)
    run.publicity_ends_on = service.rules.publicity_ends_on(run.publicity_starts_on, 5)
    officers = {await _with_role(session, second, r) for r in ("secretary", "reviewer")}
    filer = await session.scalar(
        select(col(Member.user_id))
        .where(
            col(Member.branch_id) == second.id,
            col(Member.user_id).is_not(None),
            col(Member.user_id).not_in(officers),
        )
        .order_by(col(Member.id))
    )
    assert filer is not None
    member = await _principal(session, filer)
    results = await service.repository.results_of(session, run.id)  # type: ignore[arg-type]
    # About the best result of the branch.
    about = max(results, key=lambda pair: pair[0].total)[0].member_id
    await service.file_objection(
        session=session,
        principal=member,
        run=run,
        data=ObjectionIn(member_id=about, text="建议支部再核实一下该同志全年参加志愿服务的情况。"),
    )
    return {"gradings": 2}
