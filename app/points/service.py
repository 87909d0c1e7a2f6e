"""A member's points: the year's summary with caps applied, ledger rows, and history."""

from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, lookups, periods, scoring
from app.models import AuditEvent, Claim, ClaimStatus, LedgerEntry, Member, StandardItem, User
from app.points.schemas import (
    DimensionPoints,
    ItemPoints,
    LedgerRow,
    MonthPoints,
    PointsSummary,
)
from app.schemas import ItemRef, PersonRef, TimelineEvent
from app.standards import service as standards


def _rule(item: StandardItem) -> scoring.ItemRule:
    return scoring.ItemRule(
        code=item.code,
        dimension=item.dimension,
        kind=item.kind,
        max_per_month=item.max_per_month,
        max_per_year=item.max_per_year,
    )


async def summary(session: AsyncSession, member: Member, year: int) -> PointsSummary:
    """Approved points per month and dimension with the caps of DESIGN.md §6; pending apart."""
    assert member.id is not None
    standard = await standards.in_force(session, organisation_id=member.branch_id, year=year)
    rules: dict[str, scoring.ItemRule] = {}
    if standard is not None:
        for item in (
            await session.execute(
                select(StandardItem)
                .where(col(StandardItem.standard_id) == standard.id)
                .order_by(col(StandardItem.position))
            )
        ).scalars():
            rules[item.code] = _rule(item)
    sums = (
        await session.execute(
            select(
                col(LedgerEntry.item_id), col(LedgerEntry.period), func.sum(col(LedgerEntry.points))
            )
            .where(col(LedgerEntry.member_id) == member.id, col(LedgerEntry.year) == year)
            .group_by(col(LedgerEntry.item_id), col(LedgerEntry.period))
        )
    ).all()
    items = await lookups.items_by_id(session, (item_id for item_id, _, _ in sums))
    points = []
    for item_id, period, total in sums:
        item = items[item_id]
        # Rows from another standard (a transfer across committees) count under their code.
        rules.setdefault(item.code, _rule(item))
        points.append(
            scoring.LedgerPoint(
                item_code=item.code, month=periods.Period.parse(period).month, points=Decimal(total)
            )
        )
    pending = dict(
        (
            await session.execute(
                select(col(Claim.period), func.sum(col(Claim.claimed_points)))
                .where(
                    col(Claim.member_id) == member.id,
                    col(Claim.status) == ClaimStatus.submitted,
                    col(Claim.period).startswith(f"{year:04d}-"),
                )
                .group_by(col(Claim.period))
            )
        ).all()
    )
    months_in = scoring.membership_months(member.joined_on, year)
    base = standard.base_score if standard else Decimal(0)
    caps = standard.dimension_caps if standard else {}
    tally = scoring.year_points(
        rules=rules.values(),
        rows=points,
        base_score=base,
        dimension_caps=caps,
        membership_months=max(months_in, 1),
    )
    month_rows = []
    for m in tally.months:
        period = f"{year:04d}-{m.month:02d}"
        month_rows.append(
            MonthPoints(
                period=period,
                bonus=m.bonus,
                deduction=m.deduction,
                net=m.net,
                pending=scoring.quantize(Decimal(pending.get(period, 0))),
            )
        )
    return PointsSummary(
        member_id=member.id,
        year=year,
        standard_id=standard.id if standard else None,
        membership_months=months_in,
        base_score=tally.base_score,
        dimensions=[
            DimensionPoints.model_validate(d, from_attributes=True) for d in tally.dimensions
        ],
        months=month_rows,
        items=[ItemPoints.model_validate(i, from_attributes=True) for i in tally.items if i.raw],
        bonus_total=tally.bonus_total,
        deduction_total=tally.deduction_total,
        pending_total=scoring.quantize(sum((Decimal(v) for v in pending.values()), Decimal(0))),
        score_before_evaluation=tally.score_before_evaluation,
    )


async def ledger(
    session: AsyncSession, member: Member, year: int, page: int, page_size: int
) -> tuple[list[LedgerRow], int]:
    stmt = select(LedgerEntry).where(
        col(LedgerEntry.member_id) == member.id, col(LedgerEntry.year) == year
    )
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    entries = list(
        (
            await session.execute(
                stmt.order_by(col(LedgerEntry.id)).offset((page - 1) * page_size).limit(page_size)
            )
        ).scalars()
    )
    items = await lookups.items_by_id(session, (e.item_id for e in entries))
    return [
        LedgerRow(
            id=e.id,
            period=e.period,
            item=ItemRef.model_validate(items[e.item_id]),
            points=e.points,
            source=e.source,
            claim_id=e.claim_id,
            entry_id=e.entry_id,
            branch_id=e.branch_id,
            reason=e.reason,
            created_at=e.created_at,
        )
        for e in entries
    ], total


async def timeline(session: AsyncSession, member: Member, year: int) -> list[TimelineEvent]:
    """The member's history for a year: every claim event, every entry and adjustment."""
    claim_ids = select(col(Claim.id)).where(
        col(Claim.member_id) == member.id, col(Claim.period).startswith(f"{year:04d}-")
    )
    events = list(
        (
            await session.execute(
                select(AuditEvent)
                .where(
                    col(AuditEvent.entity_type) == "claim",
                    col(AuditEvent.entity_id).in_(claim_ids),
                )
                .order_by(col(AuditEvent.created_at), col(AuditEvent.id))
            )
        ).scalars()
    )
    out = await audit.timeline(session, events)
    rows = (
        await session.execute(
            select(LedgerEntry, col(StandardItem.code), col(User.display_name))
            .join(StandardItem, col(StandardItem.id) == col(LedgerEntry.item_id))
            .outerjoin(User, col(User.id) == col(LedgerEntry.created_by_user_id))
            .where(
                col(LedgerEntry.member_id) == member.id,
                col(LedgerEntry.year) == year,
                or_(col(LedgerEntry.source) == "entry", col(LedgerEntry.source) == "adjustment"),
            )
        )
    ).all()
    for entry, code, name in rows:
        assert entry.entry_id is not None
        out.append(
            TimelineEvent(
                at=entry.created_at,
                actor=PersonRef(id=entry.created_by_user_id, name=name or "")
                if entry.created_by_user_id
                else None,
                entity_type="branch_entry",
                entity_id=entry.entry_id,
                action=entry.source,
                from_state=None,
                to_state="recorded",
                comment=entry.reason,
                data={"item": code, "period": entry.period, "points": str(entry.points)},
            )
        )
    out.sort(key=lambda e: e.at)
    return out
