"""Claim use cases (DESIGN.md §4): declare, edit, submit, withdraw, review, revert, expire
(reviewing many at once: bulk.py).

Each reads as a flow: load, check the rules (rules.py), write (repository.py), record the
audit event. The request's unit of work commits; nothing here does.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, clock, periods
from app.access import Action, CallerMember, Principal
from app.claims import repository, rules
from app.claims.schemas import (
    ClaimCreate,
    ClaimDetail,
    ClaimUpdate,
)
from app.claims.views import ClaimFacts
from app.errors import Conflict, Forbidden, InvalidTransition
from app.models import Claim, ClaimStatus, StandardItem, StandardVersion
from app.months.locks import require_open
from app.orgs import service as orgs
from app.schemas import ItemRef, PersonRef
from app.standards import cache as standards_cache
from app.standards import service as standards

# -- shared steps ---------------------------------------------------------------------------


async def _standard_and_item(
    session: AsyncSession, member: CallerMember, branch_id: int, item_id: int, occurred_on: date
) -> tuple[StandardVersion, StandardItem]:
    """The standard in force for the branch that year, and the item, checked against it."""
    standard = await standards.in_force(session, organisation_id=branch_id, year=occurred_on.year)
    if standard is None:
        raise Conflict(
            f"No published standard applies to this branch for {occurred_on.year}.",
            code="no_standard_in_force",
        )
    item = standards_cache.get_item(item_id)
    if item is None:
        item = await session.get(StandardItem, item_id)
        if item is not None:
            standards_cache.put_item(item, standard)
    item = rules.check_item(
        item,
        standard_id=standard.id,
        category=member.category,
        occurred_on=occurred_on,
        today=periods.local_today(clock.now(), standard.timezone),
    )
    return standard, item


def _deadline(standard: StandardVersion, period: str) -> Any:
    return periods.deadline(period, deadline_day=standard.deadline_day, timezone=standard.timezone)


async def _transition(
    session: AsyncSession,
    principal: Principal,
    claim: Claim,
    action: str,
    *,
    comment: str | None = None,
    data: dict[str, Any] | None = None,
    **values: Any,
) -> Claim:
    """Moves one claim along action (refused when it changed meanwhile) and records it."""
    before = claim.status
    target = rules.target_state(before, action)
    assert claim.id is not None
    if not await repository.move(session, [claim.id], action, **values):
        current = await repository.status_of(session, claim.id)
        raise InvalidTransition(
            f"The claim changed meanwhile and is now {current}.",
            current_state=current,
            action=action,
        )
    await session.refresh(claim)
    audit.record(
        session,
        actor=principal,
        entity_type="claim",
        entity_id=claim.id,
        action=action,
        from_state=before,
        to_state=target,
        comment=comment,
        data=data,
    )
    return claim


# -- member use cases -----------------------------------------------------------------------


async def create(*, session: AsyncSession, principal: Principal, data: ClaimCreate) -> ClaimDetail:
    """A member declares points: a draft, or submitted at once; returns the new claim."""
    member = rules.claimant(principal)
    standard, item = await _standard_and_item(
        session, member, member.branch_id, data.item_id, data.occurred_on
    )
    period = periods.period_of(data.occurred_on)
    rules.check_window(period, _deadline(standard, period), clock.now())
    claimed = item.points * data.quantity
    rules.check_quantity(item, claimed)
    caps = repository.caps_pair(member.id, data.item_id) if rules.has_caps(item) else None
    await require_open(
        session, branch_id=member.branch_id, period=period, holding=caps if data.submit else None
    )
    now = clock.now()
    values: dict[str, Any] = {
        "member_id": member.id,
        "branch_id": member.branch_id,
        "standard_id": standard.id,
        "item_id": item.id,
        "period": period,
        "occurred_on": data.occurred_on,
        "quantity": data.quantity,
        "description": data.description,
        "claimed_points": claimed,
        "status": ClaimStatus.draft.value,
        "created_by_user_id": principal.user_id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    new: dict[str, Any] = {"actor": principal, "entity_type": "claim", "entity_id": None}
    events = [audit.event(**new, action="create", to_state=ClaimStatus.draft.value)]
    if not data.submit:
        values["id"] = await repository.add(session, values)
        await audit.write(session, [{**e, "entity_id": values["id"]} for e in events])
    else:
        # Submitted at once: checked as the submission of the draft it would have been.
        target = rules.target_state(ClaimStatus.draft, "submit")
        rules.check_evidence(item, files=0)
        values.update(status=target.value, submitted_at=now)
        events.append(
            audit.event(**new, action="submit", from_state="draft", to_state=target.value)
        )
        values["id"], month_used, year_used = await repository.add_submitted(
            session, values, events
        )
        # A refusal here rolls the claim back with the rest of the request.
        rules.check_caps(item, claimed, month_used=month_used, year_used=year_used)
    return _new_claim_detail(member, values, item, standard)


def _new_claim_detail(
    member: CallerMember, claim: dict[str, Any], item: StandardItem, standard: StandardVersion
) -> ClaimDetail:
    """The detail of a claim just created, from the values in hand: nothing else has it yet."""
    return ClaimDetail(
        id=claim["id"],
        member=PersonRef(id=member.id, name=member.name),
        branch_id=claim["branch_id"],
        item=ItemRef.model_validate(item),
        period=claim["period"],
        occurred_on=claim["occurred_on"],
        quantity=claim["quantity"],
        description=claim["description"],
        claimed_points=claim["claimed_points"],
        granted_points=None,
        status=claim["status"],
        decision_comment=None,
        reviewed_by=None,
        submitted_at=claim.get("submitted_at"),
        decided_at=None,
        decision_seen=False,
        evidence_count=0,
        version=claim["version"],
        created_at=claim["created_at"],
        updated_at=claim["updated_at"],
        evidence=[],
        deadline=_deadline(standard, claim["period"]),
        month_locked=False,
    )


async def edit(
    *, session: AsyncSession, principal: Principal, claim: Claim, data: ClaimUpdate
) -> Claim:
    """Edit a draft or a returned claim; its month and points follow the new values. A field
    left out or sent as null stays as it was (as in every partial update here)."""
    rules.require_state(claim.status, rules.EDITABLE, "edit")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        return claim
    member = rules.claimant(principal)
    await require_open(session, branch_id=claim.branch_id, period=claim.period)
    occurred_on = changes.get("occurred_on", claim.occurred_on)
    standard, item = await _standard_and_item(
        session, member, claim.branch_id, changes.get("item_id", claim.item_id), occurred_on
    )
    period = periods.period_of(occurred_on)
    if period != claim.period:
        rules.check_window(period, _deadline(standard, period), clock.now())
        await require_open(session, branch_id=claim.branch_id, period=period)
    claimed = item.points * changes.get("quantity", claim.quantity)
    rules.check_quantity(item, claimed)
    before = {k: str(getattr(claim, k)) for k in changes}
    changed = await session.execute(
        update(Claim)
        .where(col(Claim.id) == claim.id, col(Claim.version) == claim.version)
        .where(col(Claim.status).in_(rules.EDITABLE))
        .values(
            **changes,
            period=period,
            standard_id=standard.id,
            claimed_points=claimed,
            version=col(Claim.version) + 1,
            updated_at=clock.now(),
        )
        .returning(col(Claim.id))
        .execution_options(synchronize_session=False)
    )
    if not changed.first():
        raise Conflict("The claim changed meanwhile; reload it.", code="claim_changed")
    await session.refresh(claim)
    assert claim.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="claim",
        entity_id=claim.id,
        action="edit",
        from_state=claim.status,
        to_state=claim.status,
        data={"before": before, "after": {k: str(v) for k, v in changes.items()}},
    )
    return claim


async def delete(*, session: AsyncSession, principal: Principal, claim: Claim) -> list[str]:
    """Delete a draft; returns the storage keys of its evidence, to remove after commit."""
    rules.require_state(claim.status, rules.DELETABLE, "delete")
    await require_open(session, branch_id=claim.branch_id, period=claim.period)
    assert claim.id is not None
    keys = await repository.evidence_keys(session, claim.id)
    audit.record(
        session,
        actor=principal,
        entity_type="claim",
        entity_id=claim.id,
        action="delete",
        from_state=claim.status,
        to_state=None,
        data={"item_id": claim.item_id, "period": claim.period},
    )
    await session.delete(claim)
    await session.flush()
    return keys


async def submit(*, session: AsyncSession, principal: Principal, claim: Claim) -> Claim:
    """Send a draft or a returned claim to the branch."""
    rules.claimant(principal)
    # Locked: its evidence is counted with no upload or removal running meanwhile.
    claim = await repository.lock(session, claim)
    rules.target_state(claim.status, "submit")
    standard = await session.get(StandardVersion, claim.standard_id)
    item = await session.get(StandardItem, claim.item_id)
    assert standard is not None and item is not None and claim.id is not None
    # A returned claim came back from the branch: it may go back while the month is open.
    if claim.status == ClaimStatus.draft:
        rules.check_window(claim.period, _deadline(standard, claim.period), clock.now())
    caps = repository.caps_pair(claim.member_id, claim.item_id) if rules.has_caps(item) else None
    await require_open(session, branch_id=claim.branch_id, period=claim.period, holding=caps)
    rules.check_evidence(item, files=await repository.evidence_count(session, claim.id))
    if caps is not None:
        month_used, year_used = await repository.used_points(
            session,
            member_id=claim.member_id,
            item_id=claim.item_id,
            period=claim.period,
            except_claim=claim.id,
        )
        rules.check_caps(item, claim.claimed_points, month_used=month_used, year_used=year_used)
    return await _transition(session, principal, claim, "submit", submitted_at=clock.now())


async def withdraw(*, session: AsyncSession, principal: Principal, claim: Claim) -> Claim:
    """Take a submitted claim back to draft before the branch decides."""
    rules.target_state(claim.status, "withdraw")
    await require_open(session, branch_id=claim.branch_id, period=claim.period)
    return await _transition(session, principal, claim, "withdraw", submitted_at=None)


async def mark_seen(
    *, session: AsyncSession, principal: Principal, claim_ids: Iterable[int]
) -> int:
    """The member has seen these decisions; the phone stops showing them as new."""
    member = principal.member
    if member is None:
        return 0
    rows = await session.execute(
        update(Claim)
        .where(
            col(Claim.id).in_(list(claim_ids)),
            col(Claim.member_id) == member.id,
            col(Claim.decided_at).is_not(None),
            col(Claim.decision_seen_at).is_(None),
        )
        .values(decision_seen_at=clock.now())
        .returning(col(Claim.id))
        .execution_options(synchronize_session=False)
    )
    return len(rows.all())


# -- review ---------------------------------------------------------------------------------


async def review(
    *,
    session: AsyncSession,
    principal: Principal,
    claim: Claim,
    decision: str,
    points: Decimal | None = None,
    comment: str | None = None,
) -> Claim:
    """Approve (possibly granting fewer points), reject or return one claim."""
    rules.target_state(claim.status, decision)
    values = rules.decision_values(claim.claimed_points, decision, points, comment)
    await require_open(session, branch_id=claim.branch_id, period=claim.period)
    await _transition(
        session,
        principal,
        claim,
        decision,
        comment=comment,
        data={"granted_points": str(values["granted_points"])} if decision == "approve" else None,
        reviewed_by_user_id=principal.user_id,
        decided_at=clock.now(),
        decision_seen_at=None,
        **values,
    )
    if decision == "approve":
        await repository.add_ledger_rows(
            session, [repository.ledger_row(claim, values["granted_points"], principal)]
        )
    return claim


async def revert(
    *, session: AsyncSession, principal: Principal, claim: Claim, reason: str
) -> Claim:
    """Undo a decision while the month is open: the claim awaits a new decision. An
    approval's points are taken back by a reversing ledger row; a rejected or returned claim
    counts against its item's caps again, so it must fit them."""
    before = claim.status
    rules.target_state(before, "revert")
    item = await session.get(StandardItem, claim.item_id)
    assert item is not None and claim.id is not None
    recounted = before != ClaimStatus.approved and rules.has_caps(item)
    caps = repository.caps_pair(claim.member_id, claim.item_id) if recounted else None
    await require_open(session, branch_id=claim.branch_id, period=claim.period, holding=caps)
    if recounted:
        month_used, year_used = await repository.used_points(
            session,
            member_id=claim.member_id,
            item_id=claim.item_id,
            period=claim.period,
            except_claim=claim.id,
        )
        rules.check_caps(item, claim.claimed_points, month_used=month_used, year_used=year_used)
    approval = await repository.live_approval(session, claim)
    data: dict[str, Any] = {"decision_comment": claim.decision_comment}
    if approval is not None:
        data["reversed_points"] = str(approval.points)
    await _transition(
        session,
        principal,
        claim,
        "revert",
        comment=reason,
        data=data,
        granted_points=None,
        decision_comment=None,
        reviewed_by_user_id=None,
        decided_at=None,
        decision_seen_at=None,
        decision_round=repository.CLAIMS.c.decision_round + 1,
    )
    if approval is not None:
        await repository.add_ledger_rows(
            session, [repository.reversal_row(approval, principal, reason)]
        )
    return claim


async def expire_open_claims(
    *, session: AsyncSession, principal: Principal, branch_id: int, period: str
) -> int:
    """At month close, drafts and returned claims of the month become expired."""
    before = await repository.expirable(session, branch_id, period)
    moved = await repository.move(session, list(before), "expire")
    await audit.write(
        session,
        [
            audit.event(
                actor=principal,
                entity_type="claim",
                entity_id=claim_id,
                action="expire",
                from_state=before[claim_id],
                to_state=ClaimStatus.expired.value,
                comment="月度审核锁定",
            )
            for claim_id in sorted(moved)
        ],
    )
    return len(moved)


async def search(
    *,
    session: AsyncSession,
    principal: Principal,
    member_id: int | None,
    branch_id: int | None,
    period: str | None,
    status: str | None,
    item_id: int | None,
    unseen: bool | None,
    oldest_first: bool,
    page: int,
    page_size: int,
) -> tuple[list[ClaimFacts], int]:
    """A page of the claims the caller may see, as rows, and their number."""
    c = repository.CLAIMS.c
    stmt = repository.visible(principal)
    if branch_id is not None:
        branch = await orgs.get(session, branch_id)
        own_branch = principal.member is not None and principal.member.branch_id == branch_id
        if not own_branch and not principal.can(Action.claim_read, branch.path):
            raise Forbidden("You may not see claims of this branch.")
        stmt = stmt.where(c.branch_id == branch_id)
    if member_id is not None:
        stmt = stmt.where(c.member_id == member_id)
    if period is not None:
        periods.Period.parse(period)
        stmt = stmt.where(c.period == period)
    if status is not None:
        stmt = stmt.where(c.status == status)
    if item_id is not None:
        stmt = stmt.where(c.item_id == item_id)
    if unseen is not None:
        decided = c.decided_at.is_not(None)
        stmt = stmt.where(
            decided & c.decision_seen_at.is_(None)
            if unseen
            else (~decided) | c.decision_seen_at.is_not(None)
        )
    return await repository.page(
        session, stmt, oldest_first=oldest_first, page=page, page_size=page_size
    )
