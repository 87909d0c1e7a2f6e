"""Following up a month's declarations: who has not declared, reminders to them, and the
reviewer's to-do (claims waiting, members not declared, days to the deadline)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, clock, lookups, periods
from app.access import Principal, Role
from app.errors import Conflict, NotFound, RuleViolation
from app.models import BranchMonth, Claim, ClaimStatus, Member, Organisation, Reminder
from app.months.locks import MonthLocked, find_month
from app.reminders import rules
from app.reminders.schemas import (
    ReminderPublic,
    ReminderSend,
    ReminderSendResult,
    SkippedReminder,
    Todo,
    TodoBranch,
    UndeclaredMember,
)
from app.schemas import PersonRef
from app.standards import service as standards

_DEFAULT_TIMEZONE = "Asia/Shanghai"
_DEFAULT_DEADLINE_DAY = 5


@dataclass(frozen=True)
class Calendar:
    """The submission calendar of a branch for a year: the standard's deadline day and zone."""

    deadline_day: int
    timezone: str

    def deadline(self, period: str) -> datetime:
        return periods.deadline(period, deadline_day=self.deadline_day, timezone=self.timezone)


async def _calendar(session: AsyncSession, branch_id: int, year: int) -> Calendar:
    standard = await standards.in_force(session, organisation_id=branch_id, year=year)
    if standard is None:
        return Calendar(_DEFAULT_DEADLINE_DAY, _DEFAULT_TIMEZONE)
    return Calendar(standard.deadline_day, standard.timezone)


def _declared(period: str) -> ColumnElement[bool]:
    """The member (of the enclosing query) has a claim for period that reached the branch."""
    return exists().where(
        col(Claim.member_id) == col(Member.id),
        col(Claim.period) == period,
        col(Claim.status).in_(rules.DECLARED_STATES),
    )


def _undeclared(branch_id: int, period: str) -> ColumnElement[bool]:
    """Active members of the branch now with nothing declared for period."""
    return and_(
        col(Member.branch_id) == branch_id,
        col(Member.status) == "active",
        ~_declared(period),
    )


# -- the undeclared list -------------------------------------------------------------------------


async def list_undeclared(
    *, session: AsyncSession, branch: Organisation, period: str, page: int, page_size: int
) -> tuple[list[UndeclaredMember], int]:
    """A page of the branch's active members who have not declared period, by name."""
    periods.Period.parse(period)
    assert branch.id is not None
    where = _undeclared(branch.id, period)
    total = await session.scalar(select(func.count()).select_from(Member).where(where)) or 0
    rows = (
        await session.execute(
            select(
                col(Member.id), col(Member.name), col(Member.is_probationary), col(Member.user_id)
            )
            .where(where)
            .order_by(col(Member.name), col(Member.id))
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    ).all()
    ids = [member_id for member_id, *_ in rows if member_id is not None]
    calendar = await _calendar(session, branch.id, periods.year_of(period))
    today = periods.local_today(clock.now(), calendar.timezone)
    sent: dict[int, tuple[int, datetime | None, Any]] = {}
    if ids:
        stats = await session.execute(
            select(
                col(Reminder.member_id),
                func.count(),
                func.max(col(Reminder.created_at)),
                func.max(col(Reminder.sent_on)),
            )
            .where(lookups.among(session, col(Reminder.member_id), ids))
            .where(col(Reminder.period) == period)
            .group_by(col(Reminder.member_id))
        )
        sent = {member_id: (n, last, day) for member_id, n, last, day in stats.all()}
    items = []
    for member_id, name, probationary, user_id in rows:
        n, last, day = sent.get(member_id or 0, (0, None, None))
        items.append(
            UndeclaredMember(
                member=PersonRef(id=member_id or 0, name=name),
                is_probationary=probationary,
                has_account=user_id is not None,
                reminders=n,
                last_reminded_at=last,
                reminded_today=day is not None and _as_day(day) == today,
            )
        )
    return items, total


def _as_day(value: Any) -> date | None:
    """A Date column read through an aggregate: SQLite hands back the ISO text."""
    return date.fromisoformat(value) if isinstance(value, str) else value


# -- sending ---------------------------------------------------------------------------------------


async def send(
    *,
    session: AsyncSession,
    principal: Principal,
    branch: Organisation,
    period: str,
    data: ReminderSend,
) -> ReminderSendResult:
    """Remind members who have not declared period, each at most once a day for the month;
    the answer says who was reminded and who was left out, and why."""
    periods.Period.parse(period)
    assert branch.id is not None and principal.user_id is not None
    calendar = await _calendar(session, branch.id, periods.year_of(period))
    now = clock.now()
    if period > periods.current_period(now, calendar.timezone):
        raise Conflict("Members declare a month once it has begun.", code="month_not_started")
    if now > calendar.deadline(period):
        raise Conflict(
            f"The submission window for {period} has ended; a reminder could not be acted on.",
            code="window_closed",
        )
    month = await find_month(session, branch_id=branch.id, period=period)
    if month is not None and month.status == "locked":
        raise MonthLocked(f"The month {period} is closed.")

    where = _undeclared(branch.id, period)
    declared: list[int] = []
    if data.all:
        targets = list((await session.scalars(select(col(Member.id)).where(where))).all())
    else:
        wanted = sorted(set(data.member_ids or ()))
        await _require_branch_members(session, branch.id, wanted)
        chosen = lookups.among(session, col(Member.id), wanted)
        undeclared = set((await session.scalars(select(col(Member.id)).where(chosen, where))).all())
        targets = [i for i in wanted if i in undeclared]
        declared = [i for i in wanted if i not in undeclared]

    today = periods.local_today(now, calendar.timezone)
    role = rules.sender_role(principal, branch.path)
    created: Sequence[Any] = []
    if targets:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        created = (
            await session.execute(
                insert(Reminder)
                .values(
                    [
                        {
                            "member_id": member_id,
                            "branch_id": branch.id,
                            "period": period,
                            "sent_on": today,
                            "sender_user_id": principal.user_id,
                            "sender_role": role,
                            "created_at": now,
                        }
                        for member_id in targets
                    ]
                )
                .on_conflict_do_nothing(index_elements=["member_id", "period", "sent_on"])
                .returning(col(Reminder.id), col(Reminder.member_id))
            )
        ).all()
    sent_ids = sorted(member_id for _, member_id in created)
    reminded = set(sent_ids)
    skipped = [
        SkippedReminder(member_id=i, reason="reminded_today") for i in targets if i not in reminded
    ] + [SkippedReminder(member_id=i, reason="declared") for i in declared]
    await audit.write(
        session,
        [
            audit.event(
                actor=principal,
                entity_type="reminder",
                entity_id=reminder_id,
                action="send",
                data={"member_id": member_id, "branch_id": branch.id, "period": period},
            )
            for reminder_id, member_id in created
        ],
    )
    return ReminderSendResult(
        period=period,
        sent=len(sent_ids),
        skipped=len(skipped),
        sent_member_ids=sent_ids,
        skipped_members=skipped,
    )


async def _require_branch_members(session: AsyncSession, branch_id: int, ids: list[int]) -> None:
    """Refuse, naming them, ids that are not active members of the branch."""
    found = set(
        (
            await session.scalars(
                select(col(Member.id)).where(
                    lookups.among(session, col(Member.id), ids),
                    col(Member.branch_id) == branch_id,
                    col(Member.status) == "active",
                )
            )
        ).all()
    )
    strangers = [i for i in ids if i not in found]
    if strangers:
        raise RuleViolation(
            "Reminders go to active members of this branch only.",
            code="members_not_in_branch",
            member_ids=strangers,
        )


# -- the member's reminders --------------------------------------------------------------------


async def list_mine(
    *, session: AsyncSession, principal: Principal, unread: bool, page: int, page_size: int
) -> tuple[list[ReminderPublic], int]:
    """The caller's reminders, unread first, newest first."""
    if principal.member is None:
        return [], 0
    where = [col(Reminder.member_id) == principal.member.id]
    if unread:
        where.append(col(Reminder.read_at).is_(None))
    total = await session.scalar(select(func.count()).select_from(Reminder).where(*where)) or 0
    reminders = list(
        (
            await session.scalars(
                select(Reminder)
                .where(*where)
                .order_by(
                    case((col(Reminder.read_at).is_(None), 0), else_=1),
                    col(Reminder.created_at).desc(),
                    col(Reminder.id).desc(),
                )
                .offset((page - 1) * page_size)
                .limit(page_size)
            )
        ).all()
    )
    return await _describe(session, reminders), total


async def mark_read(
    *, session: AsyncSession, principal: Principal, reminder_id: int
) -> ReminderPublic:
    """The member has read (dismissed) a reminder of theirs; reading it again changes nothing."""
    reminder = await session.get(Reminder, reminder_id)
    if reminder is None or principal.member is None or reminder.member_id != principal.member.id:
        raise NotFound("No such reminder.", code="reminder_not_found")
    if reminder.read_at is None:
        reminder.read_at = clock.now()
        await session.flush()
    return (await _describe(session, [reminder]))[0]


async def _describe(session: AsyncSession, reminders: list[Reminder]) -> list[ReminderPublic]:
    senders = await lookups.user_names(session, (r.sender_user_id for r in reminders))
    branch_ids = sorted({r.branch_id for r in reminders})
    branches: dict[int, str] = {}
    if branch_ids:
        rows = await session.execute(
            select(col(Organisation.id), col(Organisation.name)).where(
                lookups.among(session, col(Organisation.id), branch_ids)
            )
        )
        branches = {i: name for i, name in rows.all() if i is not None}
    return [
        ReminderPublic(
            id=r.id or 0,
            period=r.period,
            branch=PersonRef(id=r.branch_id, name=branches.get(r.branch_id, "")),
            sender=PersonRef(id=r.sender_user_id, name=senders.get(r.sender_user_id, "")),
            sender_role=r.sender_role,
            sent_at=r.created_at,
            read_at=r.read_at,
        )
        for r in reminders
    ]


# -- the reviewer's to-do ----------------------------------------------------------------------


async def todo(*, session: AsyncSession, principal: Principal) -> Todo:
    """Per branch the caller reviews (as reviewer or secretary): claims waiting, members who
    have not declared the month being declared, and its deadline. A few queries in all: the
    counts are grouped over the branches, not read branch by branch or member by member."""
    roles: dict[int, set[Role]] = {}
    for grant in principal.grants:
        if grant.role in (Role.reviewer, Role.secretary):
            roles.setdefault(grant.organisation_id, set()).add(grant.role)
    if not roles:
        return Todo(branches=[])
    branches = list(
        (
            await session.scalars(
                select(Organisation).where(
                    lookups.among(session, col(Organisation.id), sorted(roles)),
                    col(Organisation.kind) == "branch",
                    col(Organisation.archived_at).is_(None),
                )
            )
        ).all()
    )
    if not branches:
        return Todo(branches=[])
    now = clock.now()
    plan: dict[int, tuple[str, Calendar]] = {}
    for branch in branches:
        assert branch.id is not None
        year = periods.local_today(now, _DEFAULT_TIMEZONE).year
        calendar = await _calendar(session, branch.id, year)
        period = rules.declaring_period(
            now, deadline_day=calendar.deadline_day, timezone=calendar.timezone
        )
        if periods.year_of(period) != year:
            calendar = await _calendar(session, branch.id, periods.year_of(period))
        plan[branch.id] = (period, calendar)
    ids = sorted(plan)

    pending = dict(
        (
            await session.execute(
                select(col(Claim.branch_id), func.count())
                .where(
                    lookups.among(session, col(Claim.branch_id), ids),
                    col(Claim.status) == ClaimStatus.submitted.value,
                )
                .group_by(col(Claim.branch_id))
            )
        ).all()
    )
    counts: dict[int, tuple[int, int]] = {}
    for period in sorted({p for p, _ in plan.values()}):
        same = [i for i in ids if plan[i][0] == period]
        rows = await session.execute(
            select(
                col(Member.branch_id),
                func.count(),
                func.sum(case((~_declared(period), 1), else_=0)),
            )
            .where(
                lookups.among(session, col(Member.branch_id), same),
                col(Member.status) == "active",
            )
            .group_by(col(Member.branch_id))
        )
        counts.update({b: (int(n), int(u or 0)) for b, n, u in rows.all()})
    locked = {
        (b, p)
        for b, p in (
            await session.execute(
                select(col(BranchMonth.branch_id), col(BranchMonth.period)).where(
                    lookups.among(session, col(BranchMonth.branch_id), ids),
                    col(BranchMonth.period).in_(sorted({p for p, _ in plan.values()})),
                    col(BranchMonth.status) == "locked",
                )
            )
        ).all()
    }

    own = principal.member.branch_id if principal.member else None
    items = []
    for branch in sorted(branches, key=lambda b: (b.id != own, b.name)):
        assert branch.id is not None
        period, calendar = plan[branch.id]
        deadline = calendar.deadline(period)
        is_locked = (branch.id, period) in locked
        window_open = now <= deadline and not is_locked
        members, undeclared = counts.get(branch.id, (0, 0))
        items.append(
            TodoBranch(
                branch=PersonRef(id=branch.id, name=branch.name),
                is_secretary=Role.secretary in roles[branch.id],
                period=period,
                pending=pending.get(branch.id, 0),
                undeclared=undeclared,
                members=members,
                deadline=deadline,
                deadline_day=periods.local_today(deadline, calendar.timezone),
                days_left=rules.days_left(deadline, now, calendar.timezone)
                if window_open
                else None,
                window_open=window_open,
                month_status="locked" if is_locked else "open",
            )
        )
    return Todo(branches=items)
