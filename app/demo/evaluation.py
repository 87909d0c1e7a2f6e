"""The demo's quarterly evaluation: every branch's previous quarter closed with results, and
the first branch's current quarter open, rated already by its secretary, its reviewer and a
few of the masses (but not by member1, who finds the card on their home screen)."""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock, periods
from app.evaluation import codes, repository
from app.models import (
    AuditEvent,
    EvaluationCode,
    EvaluationReceipt,
    EvaluationRound,
    Member,
    Organisation,
    RoleAssignment,
    StandardVersion,
)

_WEIGHTS = {"good": 70, "fair": 20, "poor": 4, "skip": 6}
_COMMENTS = [
    "热心帮助邻里，群众评价好",
    "希望多参加社区志愿服务",
    "工作认真负责",
    "平时联系群众较少",
    "带头作用明显",
]
_MASSES_PER_CLOSED_ROUND = 9
_MASSES_SO_FAR = 4


def _quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _previous(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _at(day: date, hour: int, tz: str) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(tz))


def _ballot(
    rng: random.Random, ratees: list[Member], voter: Member | None
) -> list[tuple[int, str, str | None]]:
    rows: list[tuple[int, str, str | None]] = []
    for member in ratees:
        if voter is not None and member.id == voter.id:
            continue
        rating = rng.choices(list(_WEIGHTS), weights=list(_WEIGHTS.values()))[0]
        comment = rng.choice(_COMMENTS) if rating != "skip" and rng.random() < 0.08 else None
        rows.append((member.id, rating, comment))  # type: ignore[arg-type]
    return rows


async def _round(
    session: AsyncSession,
    rng: random.Random,
    *,
    branch: Organisation,
    year: int,
    quarter: int,
    opens_on: date,
    closes_on: date,
    closed_at: datetime | None,
    members: list[Member],
    peers: list[Member],
    masses: int,
    secretary_user_id: int | None,
    tz: str,
) -> None:
    opened_at = _at(opens_on, 9, tz)
    rnd = EvaluationRound(
        branch_id=branch.id,  # type: ignore[arg-type]
        year=year,
        quarter=quarter,
        opens_on=opens_on,
        closes_on=closes_on,
        status="closed" if closed_at else "open",
        created_by_user_id=secretary_user_id,
        created_at=opened_at,
        closed_at=closed_at,
        closed_by_user_id=secretary_user_id if closed_at else None,
    )
    session.add(rnd)
    await session.flush()
    assert rnd.id is not None
    events = [
        AuditEvent(
            actor_user_id=secretary_user_id,
            entity_type="evaluation_round",
            entity_id=rnd.id,
            action="open",
            to_state="open",
            data={"branch_id": branch.id, "year": year, "quarter": quarter},
            created_at=opened_at,
        ),
        AuditEvent(
            actor_user_id=secretary_user_id,
            entity_type="evaluation_round",
            entity_id=rnd.id,
            action="issue_codes",
            data={"batch": 1, "count": masses + 6},
            created_at=opened_at + timedelta(minutes=20),
        ),
    ]
    # Codes: a batch printed when the round opened, some spent; nobody keeps the codes.
    for i in range(masses + 6):
        session.add(
            EvaluationCode(
                round_id=rnd.id,
                code_hash=codes.code_hash(codes.new_code()),
                batch=1,
                spent=i < masses,
            )
        )
    ballots = [_ballot(rng, members, None) for _ in range(masses)]
    ballots += [_ballot(rng, members, voter) for voter in peers]
    rng.shuffle(ballots)
    await repository.add_ratings(
        session, round_id=rnd.id, ratings=[row for ballot in ballots for row in ballot]
    )
    last = (closed_at or clock.now()) - timedelta(hours=1)
    for k, voter in enumerate(peers):
        session.add(EvaluationReceipt(round_id=rnd.id, member_id=voter.id))  # type: ignore[arg-type]
        events.append(
            AuditEvent(
                actor_user_id=voter.user_id,
                entity_type="evaluation_round",
                entity_id=rnd.id,
                action="peer_ballot",
                created_at=min(opened_at + timedelta(hours=2 + k), last),
            )
        )
    if closed_at:
        events.append(
            AuditEvent(
                actor_user_id=secretary_user_id,
                entity_type="evaluation_round",
                entity_id=rnd.id,
                action="close",
                from_state="open",
                to_state="closed",
                created_at=closed_at,
            )
        )
    session.add_all(events)


async def load_evaluation(
    session: AsyncSession, *, branches: list[Organisation], standard: StandardVersion
) -> dict[str, int]:
    """Rounds up to today; returns how many were made."""
    rng = random.Random(2027)  # noqa: S311 - repeatable demo data, not security
    tz = standard.timezone
    today = periods.local_today(clock.now(), tz)
    year, quarter = _quarter_of(today)
    prev_year, prev_quarter = _previous(year, quarter)
    last_month_start = date(prev_year, prev_quarter * 3, 1)
    made = 0
    for index, branch in enumerate(branches):
        members = list(
            (
                await session.execute(
                    select(Member)
                    .where(col(Member.branch_id) == branch.id, col(Member.status) == "active")
                    .order_by(col(Member.id))
                )
            ).scalars()
        )
        accounts = [m for m in members if m.user_id is not None]
        secretary = await session.scalar(
            select(col(RoleAssignment.user_id)).where(
                col(RoleAssignment.organisation_id) == branch.id,
                col(RoleAssignment.role) == "secretary",
            )
        )
        opens_on = last_month_start + timedelta(days=9)
        closes_on = opens_on + timedelta(days=10)
        await _round(
            session,
            rng,
            branch=branch,
            year=prev_year,
            quarter=prev_quarter,
            opens_on=opens_on,
            closes_on=closes_on,
            closed_at=_at(closes_on + timedelta(days=1), 10, tz),
            members=members,
            peers=accounts,
            masses=_MASSES_PER_CLOSED_ROUND,
            secretary_user_id=secretary,
            tz=tz,
        )
        made += 1
        if index == 0:
            # The branch committee (secretary, reviewer) has voted so far; member1 has not.
            committee = set(
                (
                    await session.scalars(
                        select(col(RoleAssignment.user_id)).where(
                            col(RoleAssignment.organisation_id) == branch.id,
                            col(RoleAssignment.role) != "member",
                        )
                    )
                ).all()
            )
            await _round(
                session,
                rng,
                branch=branch,
                year=year,
                quarter=quarter,
                opens_on=today - timedelta(days=5),
                closes_on=today + timedelta(days=9),
                closed_at=None,
                members=members,
                peers=[m for m in accounts if m.user_id in committee],
                masses=_MASSES_SO_FAR,
                secretary_user_id=secretary,
                tz=tz,
            )
            made += 1
    await session.flush()
    return {"evaluation_rounds": made}
