"""The quarterly evaluation's use cases: open, change and close a round; issue codes; take the
masses' and the members' ballots; the round's results and a member's year (DESIGN.md §5)."""

from datetime import date
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from app import audit, clock, periods
from app.access import Principal
from app.auth.service import too_many_attempts
from app.auth.throttle import Attempts
from app.config import settings
from app.errors import Conflict, Forbidden, NotFound, RuleViolation
from app.evaluation import codes, repository, rules
from app.evaluation.schemas import (
    BallotAccepted,
    BallotForm,
    MemberEvaluation,
    MemberProgress,
    MemberResult,
    MyRound,
    QuarterEvaluation,
    RatingIn,
    ResultComment,
    RoundCreate,
    RoundProgress,
    RoundPublic,
    RoundResults,
    RoundUpdate,
)
from app.evaluation.sheet import code_sheet
from app.models import EvaluationReceipt, EvaluationRound, Member, Organisation
from app.schemas import PersonRef
from app.scoring import evaluation as scoring
from app.standards import service as standards

DEFAULT_TIMEZONE = "Asia/Shanghai"
_RATE_PLACES = Decimal("0.0001")
_ROUND = "evaluation_round"


def _shown(rate: Decimal | None) -> Decimal | None:
    """A rate or share as the API gives it: to four places (the scores use the exact value)."""
    return None if rate is None else rate.quantize(_RATE_PLACES)


# -- the round's calendar and settings ----------------------------------------------------------


async def _standard_settings(
    session: AsyncSession, branch_id: int, year: int
) -> tuple[str, int, Decimal]:
    """(timezone, min_ratings, evaluation maximum) of the standard in force for the year."""
    standard = await standards.in_force(session, organisation_id=branch_id, year=year)
    if standard is None:
        return DEFAULT_TIMEZONE, scoring.DEFAULT_MIN_RATINGS, Decimal(0)
    return standard.timezone, standard.min_ratings, standard.evaluation_points


async def _today(session: AsyncSession, branch_id: int, year: int) -> date:
    timezone, _, _ = await _standard_settings(session, branch_id, year)
    return periods.local_today(clock.now(), timezone)


async def _phase(session: AsyncSession, rnd: EvaluationRound) -> rules.RoundPhase:
    return rules.phase(
        status=rnd.status,
        opens_on=rnd.opens_on,
        closes_on=rnd.closes_on,
        today=await _today(session, rnd.branch_id, rnd.year),
    )


async def _min_ratings(session: AsyncSession, rnd: EvaluationRound) -> int:
    _, min_ratings, _ = await _standard_settings(session, rnd.branch_id, rnd.year)
    return min_ratings


async def public(session: AsyncSession, rnd: EvaluationRound) -> RoundPublic:
    branch = await session.get(Organisation, rnd.branch_id)
    assert branch is not None and branch.id is not None
    return RoundPublic(
        id=rnd.id,
        branch=PersonRef(id=branch.id, name=branch.name),
        year=rnd.year,
        quarter=rnd.quarter,
        opens_on=rnd.opens_on,
        closes_on=rnd.closes_on,
        status=rnd.status,
        phase=await _phase(session, rnd),
        min_ratings=await _min_ratings(session, rnd),
        created_at=rnd.created_at,
        closed_at=rnd.closed_at,
    )


async def list_rounds(
    session: AsyncSession, branch: Organisation, *, page: int, page_size: int
) -> tuple[list[RoundPublic], int]:
    """The branch's rounds, latest quarter first."""
    assert branch.id is not None
    rounds, total = await repository.rounds_of_branch(
        session, branch_id=branch.id, offset=(page - 1) * page_size, limit=page_size
    )
    return [await public(session, r) for r in rounds], total


async def get_round(session: AsyncSession, round_id: int) -> EvaluationRound:
    rnd = await session.get(EvaluationRound, round_id)
    if rnd is None:
        raise NotFound(f"Evaluation round {round_id} does not exist.", code="round_not_found")
    return rnd


# -- the secretary's round ---------------------------------------------------------------------


async def open_round(
    *, session: AsyncSession, principal: Principal, branch: Organisation, data: RoundCreate
) -> EvaluationRound:
    """Opens the branch's round of a quarter: one a quarter, with a window not yet over."""
    assert branch.id is not None
    if await repository.find_round(
        session, branch_id=branch.id, year=data.year, quarter=data.quarter
    ):
        raise Conflict(
            f"The branch already has a round for {data.year} Q{data.quarter}.",
            code="round_exists",
        )
    rules.check_window(
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        today=await _today(session, branch.id, data.year),
    )
    rnd = EvaluationRound(
        branch_id=branch.id,
        year=data.year,
        quarter=data.quarter,
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        created_by_user_id=principal.user_id,
    )
    session.add(rnd)
    try:
        await session.flush()
    except IntegrityError:  # a second request for the same quarter at the same moment
        raise Conflict(
            f"The branch already has a round for {data.year} Q{data.quarter}.",
            code="round_exists",
        ) from None
    audit.record(
        session,
        actor=principal,
        entity_type=_ROUND,
        entity_id=rnd.id,  # type: ignore[arg-type]
        action="open",
        to_state="open",
        data={
            "branch_id": branch.id,
            "year": data.year,
            "quarter": data.quarter,
            "opens_on": data.opens_on.isoformat(),
            "closes_on": data.closes_on.isoformat(),
        },
    )
    return rnd


async def change_window(
    *, session: AsyncSession, principal: Principal, rnd: EvaluationRound, data: RoundUpdate
) -> EvaluationRound:
    """Moves an open round's window, e.g. a few more days for the masses."""
    rules.check_open(rnd.status)
    before = {"opens_on": rnd.opens_on.isoformat(), "closes_on": rnd.closes_on.isoformat()}
    opens_on = data.opens_on or rnd.opens_on
    closes_on = data.closes_on or rnd.closes_on
    rules.check_window(
        opens_on=opens_on,
        closes_on=closes_on,
        today=await _today(session, rnd.branch_id, rnd.year),
    )
    rnd.opens_on, rnd.closes_on = opens_on, closes_on
    audit.record(
        session,
        actor=principal,
        entity_type=_ROUND,
        entity_id=rnd.id,  # type: ignore[arg-type]
        action="change_window",
        data={
            "before": before,
            "after": {"opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat()},
        },
    )
    await session.flush()
    return rnd


async def close_round(
    *, session: AsyncSession, principal: Principal, rnd: EvaluationRound
) -> EvaluationRound:
    """Ends a round for good: it takes no more ballots, its results count, and its ratings are
    rewritten in random order so that not even their place in the table dates them."""
    rules.check_open(rnd.status)
    rnd.status = "closed"
    rnd.closed_at = clock.now()
    rnd.closed_by_user_id = principal.user_id
    await repository.reshuffle_ratings(session, rnd.id)  # type: ignore[arg-type]
    issued, spent, _ = await repository.code_counts(session, rnd.id)  # type: ignore[arg-type]
    audit.record(
        session,
        actor=principal,
        entity_type=_ROUND,
        entity_id=rnd.id,  # type: ignore[arg-type]
        action="close",
        from_state="open",
        to_state="closed",
        data={
            "codes_issued": issued,
            "codes_spent": spent,
            "peer_ballots": await repository.receipt_count(session, rnd.id),  # type: ignore[arg-type]
        },
    )
    await session.flush()
    return rnd


async def progress(session: AsyncSession, rnd: EvaluationRound) -> RoundProgress:
    """Codes issued and spent, peer ballots, and how many ratings each member has so far (not
    what they are: those wait for the close). The count includes 不了解, so that it grows
    alike for every member a ballot names and does not show how a voter rated."""
    assert rnd.id is not None
    issued, spent, batches = await repository.code_counts(session, rnd.id)
    counts = await repository.rating_counts(session, rnd.id)
    members = await repository.active_members(session, rnd.branch_id)
    min_ratings = await _min_ratings(session, rnd)
    rows = []
    for m in members:
        c = counts.get(m.id, scoring.Counts())
        rows.append(MemberProgress(member=m, rated=c.n + c.skip, under_min=c.n < min_ratings))
    return RoundProgress(
        **(await public(session, rnd)).model_dump(),
        codes_issued=issued,
        codes_spent=spent,
        batches=batches,
        peer_ballots=await repository.receipt_count(session, rnd.id),
        peers=len(members),
        members=rows,
        under_min=sum(r.under_min for r in rows),
    )


async def issue_codes(
    *,
    session: AsyncSession,
    principal: Principal,
    rnd: EvaluationRound,
    count: int,
    base_url: str,
) -> tuple[bytes, int]:
    """A batch of fresh codes, stored as hashes and given back once, as the printable sheet."""
    rules.check_open(rnd.status)
    if await _phase(session, rnd) == "ended":
        raise Conflict("This evaluation round's window has ended.", code="round_ended")
    assert rnd.id is not None
    fresh = [codes.new_code() for _ in range(count)]
    batch = await repository.add_codes(
        session, round_id=rnd.id, hashes=[codes.code_hash(c) for c in fresh]
    )
    branch = await session.get(Organisation, rnd.branch_id)
    assert branch is not None
    audit.record(
        session,
        actor=principal,
        entity_type=_ROUND,
        entity_id=rnd.id,
        action="issue_codes",
        data={"batch": batch, "count": count},
    )
    await session.flush()
    pdf = await run_in_threadpool(
        code_sheet,
        fresh,
        branch_name=branch.name,
        round_label=f"{rnd.year}年第{rnd.quarter}季度群众评议",
        base_url=base_url,
    )
    return pdf, batch


async def results(session: AsyncSession, rnd: EvaluationRound) -> RoundResults:
    """Per member: counts, the quarter rate and whether it qualifies; the comments unattributed."""
    assert rnd.id is not None
    if rnd.status != "closed":
        raise Conflict("Results are shown once the round is closed.", code="round_open")
    min_ratings = await _min_ratings(session, rnd)
    counts = await repository.rating_counts(session, rnd.id)
    members = {m.id: m for m in await repository.active_members(session, rnd.branch_id)}
    missing = [i for i in counts if i not in members]  # rated, since moved or inactive
    members.update(
        {i: PersonRef(id=i, name=n) for i, n in (await repository.names(session, missing)).items()}
    )
    rows = []
    for member in sorted(members.values(), key=lambda m: (m.name, m.id)):
        c = counts.get(member.id, scoring.Counts())
        rate = scoring.quarter_rate(c, min_ratings=min_ratings)
        rows.append(
            MemberResult(
                member=member,
                good=c.good,
                fair=c.fair,
                poor=c.poor,
                skip=c.skip,
                n=c.n,
                rate=_shown(rate),
                qualifies=rate is not None,
            )
        )
    _, spent, _ = await repository.code_counts(session, rnd.id)
    return RoundResults(
        round=await public(session, rnd),
        ballots=spent + await repository.receipt_count(session, rnd.id),
        members=rows,
        comments=[
            ResultComment(member=PersonRef(id=i, name=n), comment=c)
            for i, n, c in await repository.comments(session, rnd.id)
        ],
    )


# -- fellow members (党员互评) --------------------------------------------------------------------


def _voter(principal: Principal, rnd: EvaluationRound) -> int:
    """The caller's member id, when they belong to the round's branch."""
    member = principal.member
    if member is None or principal.user is None:
        raise Forbidden("Only members rate their fellow members.", code="members_only")
    if member.branch_id != rnd.branch_id or member.status != "active":
        raise Forbidden("Only the branch's own members rate in its round.", code="not_in_branch")
    return member.id


async def my_rounds(session: AsyncSession, principal: Principal) -> list[MyRound]:
    """The caller's branch's rounds taking ballots now, and whether the caller has voted."""
    member = principal.member
    if member is None or member.status != "active":
        return []
    taking = [
        rnd
        for rnd in await repository.open_rounds_of_branch(session, member.branch_id)
        if await _phase(session, rnd) == "open"
    ]
    voted = await repository.voted_rounds(
        session, member_id=member.id, round_ids=[r.id for r in taking if r.id is not None]
    )
    return [
        MyRound(
            id=r.id,
            year=r.year,
            quarter=r.quarter,
            closes_on=r.closes_on,
            voted=r.id in voted,
        )
        for r in taking
    ]


async def _form(
    session: AsyncSession, rnd: EvaluationRound, *, leave_out: int | None = None
) -> BallotForm:
    branch = await session.get(Organisation, rnd.branch_id)
    assert branch is not None
    return BallotForm(
        round_id=rnd.id,
        branch_name=branch.name,
        year=rnd.year,
        quarter=rnd.quarter,
        closes_on=rnd.closes_on,
        members=[
            m for m in await repository.active_members(session, rnd.branch_id) if m.id != leave_out
        ],
    )


async def peer_form(
    session: AsyncSession, principal: Principal, rnd: EvaluationRound
) -> BallotForm:
    """The fellow members the caller rates (everyone but themselves) and whether they have."""
    voter = _voter(principal, rnd)
    form = await _form(session, rnd, leave_out=voter)
    form.voted = await repository.has_voted(session, round_id=rnd.id, member_id=voter)  # type: ignore[arg-type]
    return form


async def _check_ballot(
    session: AsyncSession, rnd: EvaluationRound, ratings: list[RatingIn], *, voter: int | None
) -> None:
    """The round takes ballots today, and the ballot rates only its members, each once."""
    refusal = rules.refusal_to_vote(await _phase(session, rnd), opens_on=rnd.opens_on)
    if refusal:
        raise refusal
    rateable = {m.id for m in await repository.active_members(session, rnd.branch_id)}
    rateable.discard(voter)
    rules.check_ratings((r.member_id for r in ratings), rateable=rateable, voter_member_id=voter)


async def _write_ratings(
    session: AsyncSession, rnd: EvaluationRound, ratings: list[RatingIn]
) -> None:
    await repository.add_ratings(
        session,
        round_id=rnd.id,  # type: ignore[arg-type]
        ratings=[(r.member_id, r.rating, r.comment) for r in ratings],
    )


async def cast_peer_ballot(
    *, session: AsyncSession, principal: Principal, rnd: EvaluationRound, ratings: list[RatingIn]
) -> BallotAccepted:
    """A member's one ballot of the round: the receipt says they voted, not how."""
    voter = _voter(principal, rnd)
    assert rnd.id is not None
    if await repository.has_voted(session, round_id=rnd.id, member_id=voter):
        raise Conflict(
            "You have already rated your fellow members in this round.", code="already_voted"
        )
    await _check_ballot(session, rnd, ratings, voter=voter)
    session.add(EvaluationReceipt(round_id=rnd.id, member_id=voter))
    try:
        await session.flush()
    except IntegrityError:  # the same member's ballot from a second device at the same moment
        raise Conflict(
            "You have already rated your fellow members in this round.", code="already_voted"
        ) from None
    await _write_ratings(session, rnd, ratings)
    audit.record(
        session, actor=principal, entity_type=_ROUND, entity_id=rnd.id, action="peer_ballot"
    )
    return BallotAccepted(round_id=rnd.id, ratings=len(ratings))


# -- the masses (扫码评议) -----------------------------------------------------------------------


def _throttle_key(address: str) -> str:
    return f"evaluation-code:{address}"


async def _code_round(
    session: AsyncSession, attempts: Attempts, address: str, text: str
) -> tuple[str, EvaluationRound]:
    """The code's hash and round, for a code that exists and is unspent; a code that is not
    there counts against the address (guessing), one that is malformed or spent does not."""
    key = _throttle_key(address)
    wait = await attempts.locked_for(key, session=session)
    if wait:
        raise too_many_attempts(wait)
    if codes.normalise(text) is None:
        raise RuleViolation(
            "An evaluation code is 16 letters and digits, e.g. K7QF-3M9T-XW2H-8CJD.",
            code="code_malformed",
        )
    code_hash = codes.code_hash(text)
    found = await repository.find_code(session, code_hash)
    if found is None:
        attempts.fail(key, limit=settings.evaluation_code_max_failures_per_address)
        raise NotFound("There is no such evaluation code.", code="code_unknown")
    code, rnd = found
    if code.spent:
        raise Conflict("This evaluation code has been used.", code="code_spent")
    refusal = rules.refusal_to_vote(await _phase(session, rnd), opens_on=rnd.opens_on)
    if refusal:
        raise refusal
    return code_hash, rnd


async def code_form(
    *, session: AsyncSession, attempts: Attempts, address: str, code: str
) -> BallotForm:
    """The page a code opens: the branch, the round and its members by name."""
    _, rnd = await _code_round(session, attempts, address, code)
    return await _form(session, rnd)


async def cast_code_ballot(
    *,
    session: AsyncSession,
    attempts: Attempts,
    address: str,
    code: str,
    round_id: int,
    ratings: list[RatingIn],
) -> BallotAccepted:
    """A ballot of the masses: spends the code and writes the ratings in one transaction, so
    two submissions of one code make one ballot."""
    code_hash, rnd = await _code_round(session, attempts, address, code)
    if rnd.id != round_id:
        raise Conflict("This code belongs to another evaluation round.", code="code_other_round")
    await _check_ballot(session, rnd, ratings, voter=None)
    if not await repository.spend_code(session, code_hash, rnd.id):
        raise Conflict("This evaluation code has been used.", code="code_spent")
    await _write_ratings(session, rnd, ratings)
    audit.record(session, actor=None, entity_type=_ROUND, entity_id=rnd.id, action="code_ballot")
    await session.flush()
    return BallotAccepted(round_id=rnd.id, ratings=len(ratings))


# -- a member's year -------------------------------------------------------------------------------


async def member_year(session: AsyncSession, member: Member, year: int) -> MemberEvaluation:
    """The member's closed quarters, the year rate (own, else the branch's mean, else 1.0),
    the evaluation points and the poor share."""
    assert member.id is not None
    _, min_ratings, evaluation_max = await _standard_settings(session, member.branch_id, year)
    own = (await repository.quarter_counts(session, year=year, member_id=member.id)).get(
        member.id, {}
    )
    branch = await repository.quarter_counts(session, year=year, branch_id=member.branch_id)
    branch_rate = scoring.branch_mean(
        ({q: c for q, (_, c) in quarters.items()} for quarters in branch.values()),
        min_ratings=min_ratings,
    )
    result = scoring.year_evaluation(
        {q: c for q, (_, c) in own.items()},
        evaluation_max=evaluation_max,
        branch_rate=branch_rate,
        min_ratings=min_ratings,
    )
    return MemberEvaluation(
        member=PersonRef(id=member.id, name=member.name),
        year=year,
        min_ratings=min_ratings,
        quarters=[
            QuarterEvaluation(
                quarter=q.quarter,
                round_id=own[q.quarter][0] if q.quarter in own else None,
                good=q.counts.good,
                fair=q.counts.fair,
                poor=q.counts.poor,
                skip=q.counts.skip,
                n=q.counts.n,
                rate=_shown(q.rate),
                qualifies=q.qualifies,
            )
            for q in result.quarters
        ],
        rate=_shown(result.rate),
        rate_source=result.rate_source,
        evaluation_max=evaluation_max,
        points=result.points,
        poor=result.poor,
        rated=result.rated,
        poor_share=_shown(result.poor_share),
        poor_over_a_third=result.poor_over_a_third,
    )
