"""A branch's month: progress, the monthly close (月度审核锁定), reopening, ranking (entries:
app.months.entries)."""

from collections import Counter
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, clock, periods, scoring
from app.access import Action, Principal
from app.claims import service as claims
from app.errors import Conflict, Forbidden, RuleViolation
from app.models import (
    CLAIM_STATES,
    BranchEntry,
    BranchMonth,
    Claim,
    ClaimStatus,
    LedgerEntry,
    Member,
    Organisation,
    StandardItem,
    StandardVersion,
    User,
)
from app.months import repository as months_rows
from app.months.locks import MonthLocked, find_month, lock_month
from app.months.schemas import (
    Blocker,
    MonthPublic,
    MonthsOverview,
    OverviewBranch,
    OverviewMonth,
    OverviewPeriod,
    Ranking,
    RankingRow,
)
from app.schemas import PersonRef
from app.standards import service as standards


async def standard_in_force(
    session: AsyncSession, branch: Organisation, period: str
) -> StandardVersion | None:
    assert branch.id is not None
    return await standards.in_force(
        session, organisation_id=branch.id, year=periods.year_of(period)
    )


async def view(
    session: AsyncSession, principal: Principal, branch: Organisation, period: str
) -> MonthPublic:
    """Counts by state, the deadline, and whether the caller can close the month (and why not)."""
    periods.parse_period(period)
    assert branch.id is not None
    month = await find_month(session, branch_id=branch.id, period=period)
    counts = Counter(
        dict(
            (
                await session.execute(
                    select(col(Claim.status), func.count())
                    .where(col(Claim.branch_id) == branch.id, col(Claim.period) == period)
                    .group_by(col(Claim.status))
                )
            ).all()
        )
    )
    entries = await session.scalar(
        select(func.count()).where(
            col(BranchEntry.branch_id) == branch.id,
            col(BranchEntry.period) == period,
            col(BranchEntry.voided_at).is_(None),
        )
    )
    # Net of the ledger: deduction points count against the month.
    signed = case(
        (col(StandardItem.kind) == "deduction", -col(LedgerEntry.points)),
        else_=col(LedgerEntry.points),
    )
    approved = await session.scalar(
        select(func.coalesce(func.sum(signed), 0))
        .join(StandardItem, col(StandardItem.id) == col(LedgerEntry.item_id))
        .where(col(LedgerEntry.branch_id) == branch.id, col(LedgerEntry.period) == period)
    )
    standard = await standard_in_force(session, branch, period)
    now = clock.now()
    deadline = (
        periods.deadline(period, deadline_day=standard.deadline_day, timezone=standard.timezone)
        if standard
        else None
    )
    timezone = standard.timezone if standard else "Asia/Shanghai"
    locked = month is not None and month.status == "locked"
    blockers: list[Blocker] = []
    warnings: list[Blocker] = []
    if locked:
        blockers.append(Blocker(code="month_locked", detail="The month is already closed."))
    started = period <= periods.current_period(now, timezone)
    if not started:
        blockers.append(
            Blocker(code="month_not_started", detail="A month can be closed once it has begun.")
        )
    window_open = deadline is not None and now <= deadline
    if not locked and started and window_open:
        blockers.append(
            Blocker(
                code="deadline_not_passed",
                detail="Members may submit claims for this month until the deadline; "
                "an org admin may close it earlier, with a reason.",
            )
        )
    if counts[ClaimStatus.submitted]:
        blockers.append(
            Blocker(
                code="claims_pending",
                detail=f"{counts[ClaimStatus.submitted]} submitted claims still await a decision.",
                count=counts[ClaimStatus.submitted],
            )
        )
    pending_expiry = counts[ClaimStatus.draft] + counts[ClaimStatus.returned]
    if not locked and pending_expiry:
        warnings.append(
            Blocker(
                code="claims_will_expire",
                detail=f"{pending_expiry} draft or returned claims will expire on close.",
                count=pending_expiry,
            )
        )
    closer = None
    if month is not None and month.closed_by_user_id and locked:
        user = await session.get(User, month.closed_by_user_id)
        closer = PersonRef(id=month.closed_by_user_id, name=user.display_name if user else "")
    return MonthPublic(
        branch_id=branch.id,
        period=period,
        status="locked" if locked else "open",
        deadline=deadline,
        window_open=window_open and not locked,
        counts={state: counts.get(state, 0) for state in CLAIM_STATES},
        entries=entries or 0,
        approved_points=Decimal(approved or 0),
        can_close=not blockers,
        can_close_early=[b.code for b in blockers] == ["deadline_not_passed"]
        and may_close_early(principal, branch),
        blockers=blockers,
        warnings=warnings,
        closed_at=month.closed_at if month and locked else None,
        closed_by=closer,
        reopened_at=month.reopened_at if month else None,
        reopen_reason=month.reopen_reason if month else None,
    )


def may_close_early(principal: Principal, branch: Organisation) -> bool:
    """Before the submission deadline only an org admin closes a month (with a reason)."""
    return principal.can(Action.month_reopen, branch.path)


async def close(
    *,
    session: AsyncSession,
    principal: Principal,
    branch: Organisation,
    period: str,
    reason: str | None = None,
) -> int:
    """Close the month once its submission window has ended (earlier: an org admin, with a
    reason): refused while claims are pending; drafts and returned claims expire."""
    periods.parse_period(period)
    assert branch.id is not None
    month = await lock_month(session, branch_id=branch.id, period=period, exclusive=True)
    if month.status == "locked":
        raise MonthLocked(f"The month {period} is already closed.")
    standard = await standard_in_force(session, branch, period)
    timezone = standard.timezone if standard else "Asia/Shanghai"
    now = clock.now()
    if period > periods.current_period(now, timezone):
        raise Conflict("A month can be closed once it has begun.", code="month_not_started")
    deadline = (
        periods.deadline(period, deadline_day=standard.deadline_day, timezone=standard.timezone)
        if standard
        else None
    )
    early = deadline is not None and now <= deadline
    if deadline is not None and early and not may_close_early(principal, branch):
        raise Conflict(
            "Members may submit claims for this month until the deadline; "
            "it can be closed after it.",
            code="deadline_not_passed",
            deadline=deadline.isoformat(),
        )
    if early and not reason:
        raise RuleViolation(
            "Closing a month before its deadline needs a reason.", code="reason_required"
        )
    pending = await session.scalar(
        select(func.count()).where(
            col(Claim.branch_id) == branch.id,
            col(Claim.period) == period,
            col(Claim.status) == ClaimStatus.submitted,
        )
    )
    if pending:
        raise Conflict(
            f"{pending} submitted claims still await a decision; decide them first.",
            code="claims_pending",
            count=pending,
        )
    expired = await claims.expire_open_claims(
        session=session, principal=principal, branch_id=branch.id, period=period
    )
    month.status = "locked"
    month.closed_at = clock.now()
    month.closed_by_user_id = principal.user_id
    assert month.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="branch_month",
        entity_id=month.id,
        action="close",
        from_state="open",
        to_state="locked",
        comment=reason,
        data={"branch_id": branch.id, "period": period, "expired_claims": expired, "early": early},
    )
    await session.flush()
    return expired


async def reopen(
    *,
    session: AsyncSession,
    principal: Principal,
    branch: Organisation,
    period: str,
    reason: str,
) -> None:
    """Only an org admin reopens a closed month, with a reason."""
    periods.parse_period(period)
    assert branch.id is not None
    month = await lock_month(session, branch_id=branch.id, period=period, exclusive=True)
    if month.status != "locked":
        raise Conflict(f"The month {period} is not closed.", code="month_not_locked")
    month.status = "open"
    month.reopened_at = clock.now()
    month.reopened_by_user_id = principal.user_id
    month.reopen_reason = reason
    assert month.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="branch_month",
        entity_id=month.id,
        action="reopen",
        from_state="locked",
        to_state="open",
        comment=reason,
        data={"branch_id": branch.id, "period": period},
    )
    await session.flush()


async def ranking(
    *, session: AsyncSession, principal: Principal, branch: Organisation, period: str
) -> Ranking:
    """Members by the month's approved points: for reviewers always, for the branch's
    members once the month is closed."""
    periods.parse_period(period)
    assert branch.id is not None
    month = await find_month(session, branch_id=branch.id, period=period)
    locked = month is not None and month.status == "locked"
    # Members (MonthReader lets them in) see it once the month is closed.
    if not principal.can(Action.month_read, branch.path) and not locked:
        raise Forbidden(
            "The month's ranking is published to members once the month is closed.",
            code="ranking_not_published",
        )
    rows = (
        await session.execute(
            select(
                col(LedgerEntry.member_id),
                col(StandardItem.code),
                col(StandardItem.dimension),
                col(StandardItem.kind),
                col(StandardItem.max_per_month),
                col(StandardItem.max_per_year),
                func.sum(col(LedgerEntry.points)),
            )
            .join(StandardItem, col(StandardItem.id) == col(LedgerEntry.item_id))
            .where(col(LedgerEntry.branch_id) == branch.id, col(LedgerEntry.period) == period)
            .group_by(
                col(LedgerEntry.member_id),
                col(StandardItem.code),
                col(StandardItem.dimension),
                col(StandardItem.kind),
                col(StandardItem.max_per_month),
                col(StandardItem.max_per_year),
            )
        )
    ).all()
    month_number = periods.Period.parse(period).month
    rules: dict[str, scoring.ItemRule] = {}
    by_member: dict[int, list[scoring.LedgerPoint]] = {}
    for member_id, code, dimension, kind, per_month, per_year, points in rows:
        rules.setdefault(code, scoring.ItemRule(code, dimension, kind, per_month, per_year))
        by_member.setdefault(member_id, []).append(
            scoring.LedgerPoint(item_code=code, month=month_number, points=Decimal(points))
        )
    people = dict(
        (
            await session.execute(
                select(col(Member.id), col(Member.name)).where(
                    (col(Member.branch_id) == branch.id) & (col(Member.status) == "active")
                    | col(Member.id).in_(list(by_member))
                )
            )
        ).all()
    )
    tallies = []
    for person_id, name in people.items():
        assert person_id is not None
        tally = scoring.month_points(
            rules=rules.values(), rows=by_member.get(person_id, []), month=month_number
        )
        tallies.append((tally.net, name, person_id, tally))
    out = [
        RankingRow(
            rank=rank,
            member=PersonRef(id=member_id, name=name),
            bonus=tally.bonus,
            deduction=tally.deduction,
            net=net,
        )
        for rank, (net, name, member_id, tally) in scoring.ranked(
            tallies, net=lambda t: t[0], tiebreak=lambda t: t[2]
        )
    ]
    return Ranking(branch_id=branch.id, period=period, locked=locked, rows=out)


# -- the months of a subtree (an org admin's overview) ----------------------------------------


async def overview(
    *,
    session: AsyncSession,
    organisation: Organisation,
    year: int,
    search: str | None,
    not_closed: str | None,
    page: int,
    page_size: int,
) -> MonthsOverview:
    """Every branch of the subtree (a page, in tree order) by month of the year: not started,
    open or locked, who closed it and when, pending claims; and each month's totals over the
    whole subtree. A fixed number of queries, whatever the number of branches."""
    if not_closed is not None and periods.year_of(not_closed) != year:
        raise RuleViolation(
            f"The month {not_closed} is not in {year}.", code="invalid_period", period=not_closed
        )
    assert organisation.id is not None
    root = organisation.path
    branches, total = await months_rows.page_of_branches(
        session,
        root_path=root,
        search=search,
        not_closed=not_closed,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    ids = [b.id for b in branches]
    rows = await months_rows.months_of(session, branch_ids=ids, year=year)
    pending = await months_rows.pending_of(session, branch_ids=ids, year=year)
    totals = await months_rows.month_totals(session, root_path=root, year=year)
    pending_totals = await months_rows.pending_totals(session, root_path=root, year=year)
    all_branches = (
        total
        if not (search or not_closed)
        else await months_rows.count_branches(session, root_path=root)
    )
    standard = await standards.in_force(session, organisation_id=organisation.id, year=year)
    timezone = standard.timezone if standard else "Asia/Shanghai"
    deadline_day = standard.deadline_day if standard else 5
    now = clock.now()
    this_month = periods.current_period(now, timezone)
    year_periods = [f"{year:04d}-{m:02d}" for m in range(1, 13)]

    by_cell = {(r.branch_id, r.period): r for r in rows}
    items = []
    for branch in branches:
        months = [
            _overview_month(by_cell.get((branch.id, p)), p, pending.get((branch.id, p), 0))
            for p in year_periods
        ]
        items.append(
            OverviewBranch(
                id=branch.id,
                name=branch.name,
                path=branch.path,
                parent_name=branch.parent_name,
                since=periods.period_of(periods.local_today(branch.created_at, timezone)),
                closed=sum(m.state == "locked" for m in months),
                months=months,
            )
        )
    summary = []
    for p in year_periods:
        locked = totals.get((p, "locked"), 0)
        opened = totals.get((p, "open"), 0)
        summary.append(
            OverviewPeriod(
                period=p,
                begun=p <= this_month,
                deadline_passed=now
                > periods.deadline(p, deadline_day=deadline_day, timezone=timezone),
                branches=all_branches,
                locked=locked,
                open=opened,
                not_started=max(0, all_branches - locked - opened),
                pending=pending_totals.get(p, 0),
            )
        )
    return MonthsOverview(
        organisation_id=organisation.id,
        year=year,
        periods=summary,
        items=items,
        total=total,
        page=page,
        page_size=page_size,
    )


def _overview_month(row: months_rows.MonthRow | None, period: str, pending: int) -> OverviewMonth:
    if row is None:
        return OverviewMonth(period=period, state="not_started", pending=pending)
    locked = row.status == "locked"
    return OverviewMonth(
        period=period,
        state="locked" if locked else "open",
        closed_at=row.closed_at if locked else None,
        closed_by=PersonRef(id=row.closed_by_user_id, name=row.closed_by_name or "")
        if locked and row.closed_by_user_id
        else None,
        reopened_at=row.reopened_at,
        reopen_reason=row.reopen_reason,
        pending=pending,
    )


__all__ = ["BranchMonth", "close", "ranking", "reopen", "view"]
