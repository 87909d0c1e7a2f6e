"""A year of demo activity so the app shows a lived-in branch: meetings, claims, closed months.

Past months of the year get branch entries (主题党日, 党费, 党小组会, quarterly 党课 and
党员大会), approved claims and a close; the current month has a review queue, a returned
claim and a draft, so every screen has something to show.

The activity ends at the moment of loading: nothing is dated later than app.clock.now(), and
each record's history runs in causal order (created, submitted, decided, seen; a month is
closed after its deadline and after its last decision). What would only happen later has not
happened yet: a meeting of this evening is not recorded, a decision due tomorrow is still
awaited or taken a little earlier.
"""

import hashlib
import io
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock, periods
from app.models import (
    AuditEvent,
    BranchEntry,
    BranchMonth,
    Claim,
    ClaimEvidence,
    LedgerEntry,
    Member,
    Organisation,
    RoleAssignment,
    StandardItem,
    StandardVersion,
)
from app.storage import get_storage, new_key

_DESCRIPTIONS = {
    "P03": "本月每天坚持“学习强国”学习，月积分超过300分",
    "P04": "撰写学习党的二十届四中全会精神心得体会一篇",
    "P09": "在朋友圈转发社区防诈骗宣传，劝导邻居不信谣不传谣",
    "D05": "按季度对照年初承诺，完成楼道长职责",
    "M02": "带头简办家中老人寿宴，不收礼金",
    "M05": "调解3号楼邻里漏水纠纷，双方握手言和",
    "M06": "为社区困难家庭捐赠冬衣两件",
    "M07": "参加街道组织的无偿献血300毫升",
    "M09": "看望独居老人刘奶奶，帮助打扫卫生",
    "M10": "参加“清洁家园”环境整治行动，清理小广告",
    "C01": "参加社区周末志愿服务，清理楼道杂物",
    "C02": "结对帮扶困难户，帮助申请临时救助",
    "C06": "帮助居民办理医保缴费和老年卡",
    "C08": "岗位练兵中获评“服务之星”",
    "C09": "到青山社区报到，参加“敲门行动”入户走访",
    "C10": "带领项目组攻坚，提前完成年度任务",
    "D10": "在企业亮明党员身份，佩戴党徽上岗",
    "P10": "向支部书面汇报本季度思想和工作情况",
    "D09": "参加流入地社区党组织主题党日活动",
}
_REVIEW_COMMENTS = ["照片看不清活动现场，请补充一张清晰照片", "请写明活动时间和地点"]


def _photo(rng: random.Random) -> bytes:
    """A small stand-in photo (a colour gradient); evidence must be a real image."""
    base = (rng.randrange(60, 200), rng.randrange(60, 200), rng.randrange(60, 200))
    image = Image.new("RGB", (320, 240), base)
    for y in range(0, 240, 8):
        shade = tuple(min(255, c + y // 4) for c in base)
        image.paste(shade, (0, y, 320, y + 8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


async def load_activity(
    session: AsyncSession, *, committee: Organisation, standard: StandardVersion
) -> dict[str, int]:
    """Create the year's activity up to today; returns counts of what was made."""
    rng = random.Random(2026)  # noqa: S311 - repeatable demo data, not security
    now = clock.now()
    today = periods.local_today(now, standard.timezone)
    this_period = periods.period_of(today)
    items = {
        i.code: i
        for i in (
            await session.execute(
                select(StandardItem).where(col(StandardItem.standard_id) == standard.id)
            )
        ).scalars()
    }
    branches = list(
        (
            await session.execute(
                select(Organisation).where(col(Organisation.parent_id) == committee.id)
            )
        ).scalars()
    )
    counts = {"claims": 0, "entries": 0, "closed_months": 0, "ledger": 0}
    storage = get_storage()
    for branch in branches:
        assert branch.id is not None
        members = list(
            (
                await session.execute(
                    select(Member)
                    .where(col(Member.branch_id) == branch.id)
                    .order_by(col(Member.id))
                )
            ).scalars()
        )
        reviewer_ids = list(
            (
                await session.execute(
                    select(col(RoleAssignment.user_id)).where(
                        col(RoleAssignment.organisation_id) == branch.id,
                        col(RoleAssignment.role).in_(("secretary", "reviewer")),
                    )
                )
            ).scalars()
        )
        secretary_id = reviewer_ids[0]

        def claimable(member: Member) -> list[StandardItem]:
            return [
                i
                for code, i in items.items()
                if code in _DESCRIPTIONS
                and i.source == "self"
                and (not i.categories or member.category in i.categories)
            ]

        def reviewer_for(member: Member, _reviewers: list[int] = reviewer_ids) -> int:
            # Nobody reviews their own claim: a secretary's claims go to the other reviewer.
            return next(u for u in _reviewers if u != member.user_id)

        for month in range(1, today.month + 1):
            period = f"{today.year:04d}-{month:02d}"
            current = period == this_period
            last_day = (
                today
                if current
                else (periods.first_day(periods.next_period(period)) - timedelta(days=1))
            )
            deadline = periods.deadline(
                period, deadline_day=standard.deadline_day, timezone=standard.timezone
            )
            # Past its deadline the month is closed: the morning after by the secretary, or, when
            # that morning has not come yet, a while before now.
            closed = now > deadline
            closed_at = min(deadline + timedelta(hours=10), deadline + (now - deadline) / 2)
            # Every decision of the month precedes its close; nothing is later than now.
            latest = closed_at - timedelta(hours=1) if closed else now
            month_row = BranchMonth(
                branch_id=branch.id,
                period=period,
                status="open",
                created_at=_at(periods.first_day(period), 0),
            )
            if closed:
                month_row.status = "locked"
                month_row.closed_at = closed_at
                month_row.closed_by_user_id = secretary_id
                counts["closed_months"] += 1
            session.add(month_row)
            await session.flush()
            assert month_row.id is not None

            def day(limit: int = 28, _last: date = last_day, _m: int = month) -> date:
                return date(today.year, _m, rng.randint(1, min(limit, _last.day)))

            # Branch entries: the month's meetings and dues, recorded by the secretary.
            plans = [("P02", 0.9), ("D03", 1.0), ("D02", 0.85)]
            if month % 3 == 0:
                plans += [("P01", 0.9), ("D01", 0.95)]
            if current and today.day < 10:
                plans = plans[:1]
            for code, attendance in plans:
                item = items[code]
                attendees = [m for m in members if rng.random() < attendance]
                when = day(20)
                if _at(when, 20) > now:
                    continue  # this evening's meeting is not recorded yet
                entry = BranchEntry(
                    kind="entry",
                    branch_id=branch.id,
                    period=period,
                    standard_id=standard.id,  # type: ignore[arg-type]
                    item_id=item.id,  # type: ignore[arg-type]
                    occurred_on=when,
                    quantity=1,
                    points_each=item.points,
                    reason=None,
                    member_count=len(attendees),
                    created_by_user_id=secretary_id,
                    created_at=_at(when, 20),
                )
                session.add(entry)
                await session.flush()
                assert entry.id is not None
                for m in attendees:
                    session.add(_ledger(m, period, standard, item, item.points, "entry", entry))
                session.add(
                    AuditEvent(
                        actor_user_id=secretary_id,
                        entity_type="branch_entry",
                        entity_id=entry.id,
                        action="entry",
                        to_state="recorded",
                        data={
                            "item": code,
                            "period": period,
                            "points_each": str(item.points),
                            "member_ids": [a.id for a in attendees],
                        },
                        created_at=entry.created_at,
                    )
                )
                counts["entries"] += 1
                counts["ledger"] += len(attendees)

            # Member claims: most are decided; the current month keeps a queue.
            for m in members:
                choices = claimable(m)
                wanted = rng.randint(1, 2) if current else rng.randint(0, 2)
                for item in rng.sample(choices, k=min(len(choices), wanted)):
                    occurred = day()
                    if _at(occurred, 21) > now:
                        continue  # claimed this evening, which has not come yet
                    status = "approved"
                    if current:
                        status = rng.choice(["submitted"] * 4 + ["approved", "draft"])
                    elif rng.random() < 0.06:
                        status = "rejected"
                    claim = Claim(
                        member_id=m.id,  # type: ignore[arg-type]
                        branch_id=branch.id,
                        standard_id=standard.id,  # type: ignore[arg-type]
                        item_id=item.id,  # type: ignore[arg-type]
                        period=period,
                        occurred_on=occurred,
                        quantity=1,
                        description=_DESCRIPTIONS[item.code],
                        claimed_points=item.points,
                        status=status,
                        created_by_user_id=m.user_id,
                        created_at=_at(occurred, 21),
                        updated_at=_at(occurred, 21),
                    )
                    await _decide(session, rng, claim, m, reviewer_for(m), status, latest)
                    if claim.status == "approved":
                        session.add(_ledger(m, period, standard, item, item.points, "claim", claim))
                        counts["ledger"] += 1
                    if item.requires_evidence and claim.status != "draft":
                        data = _photo(rng)
                        key = new_key("evidence", "jpg")
                        await storage.put(key, data)
                        session.add(
                            ClaimEvidence(
                                claim_id=claim.id,  # type: ignore[arg-type]
                                storage_key=key,
                                original_name="现场照片.jpg",
                                content_type="image/jpeg",
                                size=len(data),
                                sha256=hashlib.sha256(data).hexdigest(),
                                width=320,
                                height=240,
                                uploaded_by_user_id=m.user_id,
                                created_at=claim.created_at,
                            )
                        )
                    counts["claims"] += 1
            if current:
                # The first member of the branch has a claim sent back for a clearer photo.
                member = members[2]
                item = items["M10"]
                occurred = day()
                if _at(occurred, 21) > now:
                    occurred -= timedelta(days=1)
                if occurred.month != month:
                    continue  # the month began this very day: nothing to return yet
                returned = Claim(
                    member_id=member.id,  # type: ignore[arg-type]
                    branch_id=branch.id,
                    standard_id=standard.id,  # type: ignore[arg-type]
                    item_id=item.id,  # type: ignore[arg-type]
                    period=period,
                    occurred_on=occurred,
                    quantity=1,
                    description=_DESCRIPTIONS["M10"],
                    claimed_points=item.points,
                    status="returned",
                    created_by_user_id=member.user_id,
                    created_at=_at(occurred, 21),
                    updated_at=_at(occurred, 21),
                )
                await _decide(
                    session, rng, returned, member, reviewer_for(member), "returned", latest
                )
                counts["claims"] += 1
            if closed:
                session.add(
                    AuditEvent(
                        actor_user_id=secretary_id,
                        entity_type="branch_month",
                        entity_id=month_row.id,
                        action="close",
                        from_state="open",
                        to_state="locked",
                        data={
                            "branch_id": branch.id,
                            "period": period,
                            "expired_claims": 0,
                            "early": False,
                        },
                        created_at=closed_at,
                    )
                )
    await session.flush()
    return counts


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _ledger(
    member: Member,
    period: str,
    standard: StandardVersion,
    item: StandardItem,
    points: Decimal,
    source: str,
    origin: Claim | BranchEntry,
) -> LedgerEntry:
    return LedgerEntry(
        member_id=member.id,  # type: ignore[arg-type]
        branch_id=member.branch_id,
        year=periods.year_of(period),
        period=period,
        standard_id=standard.id,  # type: ignore[arg-type]
        item_id=item.id,  # type: ignore[arg-type]
        points=points,
        source=source,
        claim_id=origin.id if isinstance(origin, Claim) else None,
        claim_round=origin.decision_round if isinstance(origin, Claim) else None,
        entry_id=origin.id if isinstance(origin, BranchEntry) else None,
        created_by_user_id=(
            origin.reviewed_by_user_id if isinstance(origin, Claim) else origin.created_by_user_id
        ),
        # A claim's points enter the ledger when it is approved, an entry's when recorded.
        created_at=(origin.decided_at or origin.created_at)
        if isinstance(origin, Claim)
        else origin.created_at,
    )


async def _decide(
    session: AsyncSession,
    rng: random.Random,
    claim: Claim,
    member: Member,
    reviewer_id: int,
    status: str,
    latest: datetime,
) -> None:
    """Store the claim with the audit trail a real one would have, in causal order and none of
    it after latest: a step that would come later has not happened yet, so the claim stays a
    draft (not yet submitted) or submitted (awaiting its decision)."""
    session.add(claim)
    await session.flush()
    assert claim.id is not None
    created = claim.created_at
    trail: list[tuple[str, str | None, str, int | None, str | None, datetime]] = [
        ("create", None, "draft", member.user_id, None, created)
    ]
    submitted = created + timedelta(minutes=2)
    if status != "draft" and submitted > latest:
        status = "draft"
    if status != "draft":
        claim.submitted_at = submitted
        trail.append(("submit", "draft", "submitted", member.user_id, None, submitted))
    decided = created + timedelta(days=rng.randint(1, 3), minutes=rng.randint(-300, 300))
    if status in ("approved", "rejected", "returned") and decided > latest:
        # Due later than now: decided a little before now if there was time, else awaited.
        decided = latest - timedelta(minutes=rng.randint(5, 90))
        if decided < submitted + timedelta(minutes=30):
            status = "submitted"
    if status in ("approved", "rejected", "returned"):
        comment = None
        if status == "rejected":
            comment = "该活动已由支部统一记分，不再重复申报"
        if status == "returned":
            comment = rng.choice(_REVIEW_COMMENTS)
        claim.granted_points = claim.claimed_points if status == "approved" else None
        claim.reviewed_by_user_id = reviewer_id
        claim.decided_at = decided
        claim.decision_comment = comment
        seen = decided + timedelta(hours=5)
        claim.decision_seen_at = seen if status == "approved" and seen <= latest else None
        action = {"approved": "approve", "rejected": "reject", "returned": "return"}[status]
        trail.append((action, "submitted", status, reviewer_id, comment, decided))
    claim.status = status
    claim.updated_at = trail[-1][-1]
    for action, before, after, actor, comment, at in trail:
        session.add(
            AuditEvent(
                actor_user_id=actor,
                entity_type="claim",
                entity_id=claim.id,
                action=action,
                from_state=before,
                to_state=after,
                comment=comment,
                created_at=at,
            )
        )
