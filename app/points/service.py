"""A member's points: the year's summary with caps applied, ledger rows, and history."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, lookups, periods, scoring
from app.models import (
    AuditEvent,
    BranchEntry,
    Claim,
    ClaimStatus,
    LedgerEntry,
    Member,
    StandardItem,
    StandardVersion,
    User,
)
from app.points.schemas import (
    AttendanceRow,
    DimensionPoints,
    ItemPoints,
    LedgerMonth,
    LedgerPage,
    LedgerRow,
    MonthPoints,
    PointsSummary,
)
from app.schemas import ItemRef, PersonRef, TimelineEvent
from app.scoring.running import running_totals
from app.standards import service as standards


def _rule(item: StandardItem) -> scoring.ItemRule:
    return scoring.ItemRule(
        code=item.code,
        dimension=item.dimension,
        kind=item.kind,
        max_per_month=item.max_per_month,
        max_per_year=item.max_per_year,
    )


async def _standard_rules(
    session: AsyncSession, member: Member, year: int
) -> tuple[StandardVersion | None, dict[str, scoring.ItemRule]]:
    """The standard in force for the member's branch and year, and its items as rules."""
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
    return standard, rules


async def summary(session: AsyncSession, member: Member, year: int) -> PointsSummary:
    """Approved points per month and dimension with the caps of DESIGN.md §6; pending apart."""
    assert member.id is not None
    standard, rules = await _standard_rules(session, member, year)
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
    months_in = scoring.months_here(member.joined_on, member.arrived_on, year)
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
    session: AsyncSession,
    member: Member,
    year: int,
    page: int,
    page_size: int,
    *,
    newest_first: bool = False,
) -> LedgerPage:
    """积分明细: every ledger row of the year by month and day, each with the score after it
    (caps applied as on the summary), every month's subtotal, and the year's total."""
    found = (
        await session.execute(
            select(LedgerEntry, col(Claim.occurred_on), col(BranchEntry.occurred_on))
            .outerjoin(Claim, col(Claim.id) == col(LedgerEntry.claim_id))
            .outerjoin(BranchEntry, col(BranchEntry.id) == col(LedgerEntry.entry_id))
            .where(col(LedgerEntry.member_id) == member.id, col(LedgerEntry.year) == year)
        )
    ).all()
    dated = [(entry, claim_day or entry_day) for entry, claim_day, entry_day in found]
    dated.sort(key=lambda r: (r[0].period, r[1] or date.max, r[0].id))
    items = await lookups.items_by_id(session, (e.item_id for e, _ in dated))
    standard, rules = await _standard_rules(session, member, year)
    for entry, _ in dated:
        rules.setdefault(items[entry.item_id].code, _rule(items[entry.item_id]))
    totals = [
        scoring.quantize(t)
        for t in running_totals(
            rules=rules.values(),
            rows=[
                scoring.LedgerPoint(
                    item_code=items[e.item_id].code,
                    month=periods.Period.parse(e.period).month,
                    points=e.points,
                )
                for e, _ in dated
            ],
            base_score=standard.base_score if standard else Decimal(0),
            dimension_caps=standard.dimension_caps if standard else {},
            membership_months=max(
                scoring.months_here(member.joined_on, member.arrived_on, year), 1
            ),
        )
    ]
    rows: list[LedgerRow] = []
    months: dict[str, LedgerMonth] = {}
    for n, (e, day) in enumerate(dated):
        assert e.id is not None
        item = items[e.item_id]
        signed = -e.points if item.kind == scoring.DEDUCTION else e.points
        counted = totals[n + 1] - totals[n]
        rows.append(
            LedgerRow(
                id=e.id,
                period=e.period,
                occurred_on=day,
                item=ItemRef.model_validate(item),
                points=e.points,
                signed_points=signed,
                counted=counted,
                running_total=totals[n + 1],
                source=e.source,
                claim_id=e.claim_id,
                entry_id=e.entry_id,
                reverses_id=e.reverses_id,
                branch_id=e.branch_id,
                reason=e.reason,
                created_at=e.created_at,
            )
        )
        month = months.setdefault(
            e.period,
            LedgerMonth(
                period=e.period,
                rows=0,
                points=Decimal(0),
                counted=Decimal(0),
                running_total=Decimal(0),
            ),
        )
        month.rows += 1
        month.points += signed
        month.counted += counted
        month.running_total = totals[n + 1]
    if newest_first:
        rows.reverse()
    start = (page - 1) * page_size
    return LedgerPage(
        items=rows[start : start + page_size],
        total=len(rows),
        page=page,
        page_size=page_size,
        year=year,
        base_score=totals[0],
        year_total=totals[-1],
        months=sorted(months.values(), key=lambda m: m.period, reverse=newest_first),
    )


async def timeline(
    session: AsyncSession, member: Member, year: int, page: int, page_size: int
) -> tuple[list[TimelineEvent], int]:
    """The member's history for a year: every claim event, every entry and adjustment; one
    page of it, oldest first."""
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
                # A voided entry's reversing row: the entry's points taken back.
                action="void" if entry.reverses_id else entry.source,
                from_state="recorded" if entry.reverses_id else None,
                to_state="voided" if entry.reverses_id else "recorded",
                comment=entry.reason,
                data={"item": code, "period": entry.period, "points": str(entry.points)},
            )
        )
    out.sort(key=lambda e: e.at)
    start = (page - 1) * page_size
    return out[start : start + page_size], len(out)


async def attendance(
    session: AsyncSession, member: Member, year: int, page: int, page_size: int
) -> tuple[list[AttendanceRow], int]:
    """The branch-recorded items (meetings, 党课, 主题党日…) the member was included in, newest
    first; a voided entry stays listed, marked, its points netted to 0 by the reversing rows."""
    stmt = (
        select(
            BranchEntry,
            func.sum(col(LedgerEntry.points)).label("net"),
        )
        .join(LedgerEntry, col(LedgerEntry.entry_id) == col(BranchEntry.id))
        .join(StandardItem, col(StandardItem.id) == col(BranchEntry.item_id))
        .where(
            col(LedgerEntry.member_id) == member.id,
            col(LedgerEntry.year) == year,
            col(BranchEntry.kind) == "entry",
            col(StandardItem.source) == "branch",
            col(StandardItem.kind) == scoring.BONUS,
        )
        .group_by(col(BranchEntry.id))
    )
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    found = (
        await session.execute(
            stmt.order_by(col(BranchEntry.occurred_on).desc(), col(BranchEntry.id).desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    ).all()
    items = await lookups.items_by_id(session, (e.item_id for e, _ in found))
    names = await lookups.user_names(session, (e.created_by_user_id for e, _ in found))
    rows = []
    for entry, net in found:
        assert entry.id is not None
        rows.append(
            AttendanceRow(
                entry_id=entry.id,
                occurred_on=entry.occurred_on,
                period=entry.period,
                item=ItemRef.model_validate(items[entry.item_id]),
                points=scoring.quantize(Decimal(net)),
                voided=entry.voided_at is not None,
                recorded_by=PersonRef(
                    id=entry.created_by_user_id, name=names.get(entry.created_by_user_id, "")
                )
                if entry.created_by_user_id
                else None,
                recorded_at=entry.created_at,
            )
        )
    return rows, total
