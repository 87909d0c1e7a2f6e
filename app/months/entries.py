"""Branch entries (支部记分) and adjustments: record one for many members at once, flag a likely
duplicate, void one while its month is open, and describe them."""

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, clock, lookups, periods
from app.access import Action, Principal
from app.claims import repository as claim_rows
from app.errors import Conflict, NotFound, RuleViolation
from app.models import (
    BranchEntry,
    LedgerEntry,
    Member,
    Organisation,
    StandardItem,
)
from app.months.locks import MonthLocked, lock_month, require_open
from app.months.schemas import (
    EntryCreate,
    EntryDetail,
    EntryPublic,
)
from app.months.service import standard_in_force
from app.schemas import ItemRef, PersonRef


async def record_entry(
    *, session: AsyncSession, principal: Principal, branch: Organisation, data: EntryCreate
) -> BranchEntry:
    """Record a branch item or a deduction for many members at once; once the month is
    locked, only an org admin's adjustment (signed points, reason required) is accepted."""
    assert branch.id is not None
    period = periods.period_of(data.occurred_on)
    standard = await standard_in_force(session, branch, period)
    if standard is None:
        raise Conflict(
            f"No published standard applies to this branch for {periods.year_of(period)}.",
            code="no_standard_in_force",
        )
    if data.occurred_on > periods.local_today(clock.now(), standard.timezone):
        raise RuleViolation("occurred_on is in the future.", code="occurred_in_future")
    item = await session.get(StandardItem, data.item_id)
    if item is None or item.standard_id != standard.id:
        raise RuleViolation(
            "The item is not part of the standard in force for this branch and year.",
            code="item_not_in_standard",
        )
    month = await lock_month(session, branch_id=branch.id, period=period)
    adjustment = month.status == "locked"
    if adjustment:
        if not principal.can(Action.points_adjust, branch.path):
            raise MonthLocked(
                f"The month {period} is closed; only an organisation admin can adjust it.",
                period=period,
            )
        if not data.reason:
            raise RuleViolation("An adjustment needs a reason.", code="reason_required")
        each = data.points if data.points is not None else item.points * data.quantity
        if each == 0:
            raise RuleViolation("An adjustment of 0 points changes nothing.", code="zero_points")
    else:
        if data.points is not None:
            raise RuleViolation(
                "Points are set by the standard; only adjustments to a closed month "
                "give their own.",
                code="points_only_for_adjustments",
            )
        if item.source != "branch" and item.kind != "deduction":
            raise RuleViolation(
                f"{item.code} is declared by members themselves, not recorded by the branch.",
                code="item_self_declared",
            )
        if item.kind == "deduction" and not data.reason:
            raise RuleViolation("A deduction needs a reason.", code="reason_required")
        each = item.points * data.quantity
    member_ids = list(dict.fromkeys(data.member_ids))
    members = {
        m.id: m
        for m in (
            await session.execute(select(Member).where(col(Member.id).in_(member_ids)))
        ).scalars()
    }
    outside = [
        i
        for i in member_ids
        if i not in members or members[i].branch_id != branch.id or members[i].status != "active"
    ]
    if adjustment and outside:
        # A member who has since left may still have points of that month here to correct.
        had_points = set(
            (
                await session.execute(
                    select(col(LedgerEntry.member_id)).where(
                        col(LedgerEntry.branch_id) == branch.id,
                        col(LedgerEntry.period) == period,
                        col(LedgerEntry.member_id).in_(outside),
                    )
                )
            ).scalars()
        )
        outside = [i for i in outside if i not in had_points]
    if outside:
        raise RuleViolation(
            "Some members are not active members of this branch.",
            code="members_not_in_branch",
            member_ids=outside,
        )
    if not adjustment and item.categories:
        mismatched = [i for i in member_ids if members[i].category not in item.categories]
        if mismatched:
            raise RuleViolation(
                f"{item.code} does not apply to some of these members' categories.",
                code="item_not_for_category",
                member_ids=mismatched,
            )
    assert item.id is not None
    duplicates = (
        {}
        if adjustment
        else await _same_entries(session, branch.id, item.id, data.occurred_on, member_ids)
    )
    if duplicates and not data.confirm_duplicate:
        concerned = sorted({m for ids in duplicates.values() for m in ids})
        raise Conflict(
            f"{item.code} on {data.occurred_on.isoformat()} is already recorded for "
            f"{len(concerned)} of these members; send confirm_duplicate to record it again.",
            code="likely_duplicate",
            entry_ids=sorted(duplicates),
            member_ids=concerned,
            members=[{"id": m, "name": members[m].name} for m in concerned],
        )
    now = clock.now()
    entry = BranchEntry(
        kind="adjustment" if adjustment else "entry",
        branch_id=branch.id,
        period=period,
        standard_id=standard.id,
        item_id=item.id,
        occurred_on=data.occurred_on,
        quantity=data.quantity,
        points_each=each,
        reason=data.reason,
        member_count=len(member_ids),
        created_by_user_id=principal.user_id,
        created_at=now,
    )
    session.add(entry)
    await session.flush()
    assert entry.id is not None
    session.add_all(
        LedgerEntry(
            member_id=member_id,
            branch_id=branch.id,
            year=data.occurred_on.year,
            period=period,
            standard_id=entry.standard_id,
            item_id=entry.item_id,
            points=each,
            source=entry.kind,
            entry_id=entry.id,
            reason=data.reason,
            created_by_user_id=principal.user_id,
            created_at=now,
        )
        for member_id in member_ids
    )
    audit.record(
        session,
        actor=principal,
        entity_type="branch_entry",
        entity_id=entry.id,
        action=entry.kind,
        to_state="recorded",
        comment=data.reason,
        data={
            "item": item.code,
            "period": period,
            "points_each": str(each),
            "member_ids": member_ids,
            **({"confirmed_duplicate_of": sorted(duplicates)} if duplicates else {}),
        },
    )
    await session.flush()
    return entry


async def _same_entries(
    session: AsyncSession, branch_id: int, item_id: int, occurred_on: date, member_ids: list[int]
) -> dict[int, list[int]]:
    """The branch's entries (not voided) of the item on that day that already gave points
    to some of these members: entry id -> those members."""
    rows = await session.execute(
        select(col(BranchEntry.id), col(LedgerEntry.member_id))
        .join(LedgerEntry, col(LedgerEntry.entry_id) == col(BranchEntry.id))
        .where(
            col(BranchEntry.branch_id) == branch_id,
            col(BranchEntry.item_id) == item_id,
            col(BranchEntry.occurred_on) == occurred_on,
            col(BranchEntry.kind) == "entry",
            col(BranchEntry.voided_at).is_(None),
            col(LedgerEntry.reverses_id).is_(None),
            col(LedgerEntry.member_id).in_(member_ids),
        )
        .order_by(col(BranchEntry.id), col(LedgerEntry.member_id))
    )
    found: dict[int, list[int]] = {}
    for entry_id, member_id in rows.all():
        assert entry_id is not None
        found.setdefault(entry_id, []).append(member_id)
    return found


async def void_entry(
    *, session: AsyncSession, principal: Principal, entry: BranchEntry, reason: str
) -> BranchEntry:
    """Void a branch entry while its month is open: each member's points are taken back by
    a reversing ledger row; the entry stays, marked voided with the reason."""
    assert entry.id is not None
    if entry.kind != "entry":
        raise Conflict(
            "An adjustment is corrected by another adjustment, not voided.",
            code="adjustment_not_voidable",
        )
    await require_open(session, branch_id=entry.branch_id, period=entry.period)
    now = clock.now()
    voided = await session.execute(
        update(BranchEntry)
        .where(col(BranchEntry.id) == entry.id, col(BranchEntry.voided_at).is_(None))
        .values(voided_at=now, voided_by_user_id=principal.user_id, void_reason=reason)
        .returning(col(BranchEntry.id))
        .execution_options(synchronize_session=False)
    )
    if voided.first() is None:
        raise Conflict("This entry is already voided.", code="entry_voided")
    await session.refresh(entry)
    rows = (
        await session.execute(
            select(LedgerEntry)
            .where(col(LedgerEntry.entry_id) == entry.id, col(LedgerEntry.reverses_id).is_(None))
            .order_by(col(LedgerEntry.member_id))
        )
    ).scalars()
    reversals = [claim_rows.reversal_row(row, principal, reason) for row in rows]
    await claim_rows.add_ledger_rows(session, reversals)
    audit.record(
        session,
        actor=principal,
        entity_type="branch_entry",
        entity_id=entry.id,
        action="void",
        from_state="recorded",
        to_state="voided",
        comment=reason,
        data={
            "period": entry.period,
            "points_each": str(entry.points_each),
            "member_ids": [r["member_id"] for r in reversals],
        },
    )
    await session.flush()
    return entry


async def describe_entries(session: AsyncSession, entries: list[BranchEntry]) -> list[EntryPublic]:
    if not entries:
        return []
    items = await lookups.items_by_id(session, (e.item_id for e in entries))
    names = await lookups.user_names(
        session, (u for e in entries for u in (e.created_by_user_id, e.voided_by_user_id))
    )
    out = []
    for e in entries:
        assert e.id is not None
        out.append(
            EntryPublic(
                id=e.id,
                kind=e.kind,
                branch_id=e.branch_id,
                period=e.period,
                item=ItemRef.model_validate(items[e.item_id]),
                occurred_on=e.occurred_on,
                quantity=e.quantity,
                points_each=e.points_each,
                reason=e.reason,
                member_count=e.member_count,
                created_by=PersonRef(
                    id=e.created_by_user_id, name=names.get(e.created_by_user_id, "")
                )
                if e.created_by_user_id
                else None,
                created_at=e.created_at,
                voided_at=e.voided_at,
                voided_by=PersonRef(id=e.voided_by_user_id, name=names.get(e.voided_by_user_id, ""))
                if e.voided_by_user_id
                else None,
                void_reason=e.void_reason,
            )
        )
    return out


async def entry_detail(session: AsyncSession, entry: BranchEntry) -> EntryDetail:
    (summary,) = await describe_entries(session, [entry])
    rows = await session.execute(
        select(col(Member.id), col(Member.name))
        .join(LedgerEntry, col(LedgerEntry.member_id) == col(Member.id))
        .where(col(LedgerEntry.entry_id) == entry.id, col(LedgerEntry.reverses_id).is_(None))
        .order_by(col(Member.id))
    )
    return EntryDetail(
        **summary.model_dump(), members=[PersonRef(id=i, name=n) for i, n in rows.all()]
    )


async def list_entries(
    *,
    session: AsyncSession,
    branch: Organisation,
    period: str | None,
    page: int,
    page_size: int,
) -> tuple[list[EntryPublic], int]:
    stmt = select(BranchEntry).where(col(BranchEntry.branch_id) == branch.id)
    if period:
        stmt = stmt.where(col(BranchEntry.period) == period)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.execute(
        stmt.order_by(col(BranchEntry.id).desc()).offset((page - 1) * page_size).limit(page_size)
    )
    return await describe_entries(session, list(rows.scalars())), total


async def get_entry(session: AsyncSession, branch: Organisation, entry_id: int) -> BranchEntry:
    entry = await session.get(BranchEntry, entry_id)
    if entry is None or entry.branch_id != branch.id:
        raise NotFound("This branch has no such entry.", code="entry_not_found")
    return entry


# -- ranking (亮分) ---------------------------------------------------------------------------
