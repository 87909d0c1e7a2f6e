"""Claim use cases and the claim state machine (DESIGN.md §4), enforced here and only here."""

import asyncio
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, cast

from pydantic import TypeAdapter
from sqlalchemy import (
    Integer,
    Select,
    Table,
    Text,
    any_,
    bindparam,
    case,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from app import audit, clock, idempotency, lookups
from app.access import Action, CallerMember, Principal
from app.claims.schemas import (
    BulkDecision,
    BulkResult,
    BulkReviewResult,
    ClaimCreate,
    ClaimDetail,
    ClaimPublic,
    ClaimUpdate,
    EvidencePublic,
    ItemRef,
    PersonRef,
    TimelineEvent,
)
from app.errors import AppError, Conflict, Forbidden, NotFound
from app.models import (
    AuditEvent,
    BranchMonth,
    Claim,
    ClaimEvidence,
    LedgerEntry,
    Organisation,
    StandardItem,
    StandardVersion,
)
from app.months import periods
from app.months.locks import (
    MonthLocked,
    find_month,
    lock_month,
    refuse_if_locked,
    require_open,
)
from app.orgs import service as orgs
from app.orgs.service import subtree_filter
from app.standards import cache as standards_cache
from app.standards import service as standards

# The state machine: action -> (states it may start from, state it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({"draft", "returned"}), "submitted"),
    "withdraw": (frozenset({"submitted"}), "draft"),
    "approve": (frozenset({"submitted"}), "approved"),
    "reject": (frozenset({"submitted"}), "rejected"),
    "return": (frozenset({"submitted"}), "returned"),
    "expire": (frozenset({"draft", "returned"}), "expired"),
}
EDITABLE = frozenset({"draft", "returned"})
DELETABLE = frozenset({"draft"})
MAX_EVIDENCE = 3


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "Not allowed in the claim's current state"


class RuleViolation(AppError):
    """The request is well-formed but breaks a rule of the standard (422)."""

    status = 422
    code = "rule_violation"
    title = "Rule violation"


def target_state(status: str, action: str) -> str:
    """The state action leads to from status, or a 409 naming the current state."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        raise InvalidTransition(
            f"A claim that is {status} cannot be {_PAST.get(action, action)}.",
            current_state=status,
            action=action,
        )
    return target


_PAST = {
    "submit": "submitted",
    "withdraw": "withdrawn",
    "approve": "approved",
    "reject": "rejected",
    "return": "returned",
    "expire": "expired",
    "edit": "edited",
    "delete": "deleted",
}


# Statements about a list of claims, built once (see lookups.ByIds).
_CLAIMS_BY_ID = lookups.ByIds(lambda ids: select(Claim).where(ids(Claim.id)), "claim_ids")
_EVIDENCE_COUNTS = lookups.ByIds(
    lambda ids: (
        select(col(ClaimEvidence.claim_id), func.count())
        .where(ids(ClaimEvidence.claim_id))
        .group_by(col(ClaimEvidence.claim_id))
    ),
    "claim_ids",
)
# _apply's ids, one expanding parameter: it builds its UPDATE per call, mostly for one claim.
_CLAIM_IDS: BindParameter[list[int]] = bindparam("claim_ids", expanding=True)


async def _apply(
    session: AsyncSession, claim_ids: Sequence[int], action: str, **values: Any
) -> list[int]:
    """Move claims along action with one conditional UPDATE; returns the ids that moved.

    The WHERE on the current state is what makes two concurrent reviewers safe: the row lock
    lets one update through and the other finds the state changed and moves nothing.
    """
    if not claim_ids:
        return []
    sources, target = TRANSITIONS[action]
    rows = await session.execute(
        update(Claim)
        .where(col(Claim.id).in_(_CLAIM_IDS), col(Claim.status).in_(sources))
        .values(status=target, version=col(Claim.version) + 1, updated_at=clock.now(), **values)
        .returning(col(Claim.id))
        .execution_options(synchronize_session=False),
        {"claim_ids": list(claim_ids)},
    )
    return [row[0] for row in rows if row[0] is not None]


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
    before = claim.status
    target = target_state(before, action)
    assert claim.id is not None
    if not await _apply(session, [claim.id], action, **values):
        current = await session.scalar(select(col(Claim.status)).where(col(Claim.id) == claim.id))
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


# -- loading and access -------------------------------------------------------------------


async def get(session: AsyncSession, claim_id: int) -> Claim:
    claim = await session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"Claim {claim_id} does not exist.", code="claim_not_found")
    return claim


def is_own(principal: Principal, claim: Claim) -> bool:
    return principal.member is not None and principal.member.id == claim.member_id


async def require_read(session: AsyncSession, principal: Principal, claim: Claim) -> None:
    """The claimant, and those who may read claims of the claim's branch."""
    if is_own(principal, claim):
        return
    branch = await orgs.get(session, claim.branch_id)
    if not principal.can(Action.claim_read, branch.path):
        raise Forbidden("You may not see this claim.", code="forbidden")


def _require_own(principal: Principal, claim: Claim) -> None:
    if not is_own(principal, claim):
        raise Forbidden("Only the member who made the claim may do this.", code="not_your_claim")


async def _require_reviewer(session: AsyncSession, principal: Principal, claim: Claim) -> None:
    branch = await orgs.get(session, claim.branch_id)
    if not principal.can(Action.claim_review, branch.path) or principal.user is None:
        raise Forbidden("You may not review claims of this branch.", code="forbidden")
    if is_own(principal, claim):
        raise Forbidden(
            "Nobody reviews their own claim; another reviewer of the branch or an "
            "organisation admin above decides it.",
            code="self_review",
        )


def _own_member(principal: Principal) -> CallerMember:
    member = principal.member
    if member is None or principal.user is None:
        raise Forbidden("Only party members make claims.", code="not_a_member")
    if member.status != "active":
        raise Forbidden("Inactive members cannot make claims.", code="member_inactive")
    return member


# -- rules of a claim's content -----------------------------------------------------------


async def _standard(session: AsyncSession, standard_id: int) -> StandardVersion:
    standard = await session.get(StandardVersion, standard_id)
    assert standard is not None
    return standard


async def _resolve_item(
    session: AsyncSession, member: CallerMember, branch_id: int, item_id: int, occurred_on: date
) -> tuple[StandardVersion, StandardItem]:
    """The standard in force for the member's branch that year, and the item, checked."""
    standard = await standards.in_force(session, organisation_id=branch_id, year=occurred_on.year)
    if standard is None:
        raise Conflict(
            f"No published standard applies to this branch for {occurred_on.year}.",
            code="no_standard_in_force",
        )
    today = periods.local_today(clock.now(), standard.timezone)
    if occurred_on > today:
        raise RuleViolation("occurred_on is in the future.", code="occurred_in_future")
    item = standards_cache.get_item(item_id)
    if item is None:
        item = await session.get(StandardItem, item_id)
        if item is not None:
            standards_cache.put_item(item, standard)
    if item is None or item.standard_id != standard.id:
        raise RuleViolation(
            "The item is not part of the standard in force for this member and year.",
            code="item_not_in_standard",
        )
    if item.source != "self":
        raise RuleViolation(
            f"{item.code} is recorded by the branch, not declared by members.",
            code="item_not_self_declared",
        )
    if item.categories and member.category not in item.categories:
        raise RuleViolation(
            f"{item.code} does not apply to members of category {member.category}.",
            code="item_not_for_category",
        )
    return standard, item


def _check_window(standard: StandardVersion, period: str) -> datetime:
    """Submissions for a month close at the end of the deadline day of the next month."""
    end = periods.deadline(period, deadline_day=standard.deadline_day, timezone=standard.timezone)
    if clock.now() > end:
        raise Conflict(
            f"Claims for {period} closed at {end.isoformat()}.",
            code="claim_window_closed",
            deadline=end.isoformat(),
        )
    return end


def _check_quantity(item: StandardItem, claimed: Decimal) -> None:
    if item.max_per_month is not None and claimed > item.max_per_month:
        raise RuleViolation(
            f"{item.code} counts at most {item.max_per_month} points a month; "
            f"this claim asks for {claimed}.",
            code="quantity_over_limit",
            max_per_month=str(item.max_per_month),
        )


_CLAIMS: Table = Claim.__table__  # type: ignore[attr-defined]


def _limit_sums(exclude_claim: bool) -> Select[tuple[Any, Any]]:
    """Points of the member's pending and approved claims of an item: that month, that year.

    Of the table's columns, not the model's: a statement naming no model runs as plain SQL,
    without the ORM's result machinery (a fifth of the statement's Python time)."""
    claims = _CLAIMS.c
    counted = func.coalesce(claims.granted_points, claims.claimed_points)
    in_month = case((claims.period == bindparam("period"), counted), else_=0)
    stmt = select(
        func.coalesce(func.sum(in_month), 0).label("month_used"),
        func.coalesce(func.sum(counted), 0).label("year_used"),
    ).where(
        claims.member_id == bindparam("member_id"),
        claims.item_id == bindparam("item_id"),
        # The states as SQL literals: a list of values would be an expanding parameter,
        # rendered into the statement's text again on every execution.
        claims.status.in_([literal_column("'submitted'"), literal_column("'approved'")]),
        claims.period.startswith(bindparam("year")),
    )
    return stmt.where(claims.id != bindparam("claim_id")) if exclude_claim else stmt


# Built once, with parameters: a statement made per request costs more Python time than the
# query takes in PostgreSQL.
_LIMIT_SUMS = {False: _limit_sums(False), True: _limit_sums(True)}
_LEDGER: Table = LedgerEntry.__table__  # type: ignore[attr-defined]
_INSERT_LEDGER = insert(_LEDGER)


async def _check_limits(
    session: AsyncSession,
    *,
    member_id: int,
    item: StandardItem,
    period: str,
    claimed: Decimal,
    claim_id: int | None = None,
) -> None:
    """Pending and approved claims of the item may not exceed its monthly and yearly caps."""
    if not _has_caps(item):
        return
    params: dict[str, Any] = {
        "member_id": member_id,
        "item_id": item.id,
        "period": period,
        "year": period[:4],
    }
    if claim_id is not None:
        params["claim_id"] = claim_id
    row = (await session.execute(_LIMIT_SUMS[claim_id is not None], params)).one()
    _enforce_limits(item, claimed, month_used=row[0], year_used=row[1])


def _has_caps(item: StandardItem) -> bool:
    return item.max_per_month is not None or item.max_per_year is not None


def _enforce_limits(
    item: StandardItem, claimed: Decimal, *, month_used: object, year_used: object
) -> None:
    for scope, limit, used_raw in (
        ("month", item.max_per_month, month_used),
        ("year", item.max_per_year, year_used),
    ):
        if limit is None:
            continue
        used = Decimal(str(used_raw or 0))
        if used + claimed > limit:
            raise Conflict(
                f"{item.code} counts at most {limit} points a {scope}; {used} are already "
                f"submitted or approved.",
                code=f"item_{scope}_limit_reached",
                limit=str(limit),
                used=str(used),
            )


def _month_status_and_sums() -> Select[tuple[Any, Any, Any]]:
    """A new claim's two reads in one round trip: the branch month's status under the shared
    lock (as require_open takes it), joined to the sums of _limit_sums."""
    months = BranchMonth.__table__  # type: ignore[attr-defined]
    sums = _limit_sums(False).subquery("sums")
    return (
        select(months.c.status, sums.c.month_used, sums.c.year_used)
        .select_from(months.join(sums, true()))
        .where(months.c.branch_id == bindparam("branch_id"), months.c.period == bindparam("period"))
        .with_for_update(read=True, of=months)
    )


_MONTH_STATUS_AND_SUMS = _month_status_and_sums()
_SUBMISSIONS: dict[tuple[tuple[str, ...], int, bool], Executable] = {}


def _submission(columns: tuple[str, ...], n_events: int, answered: bool) -> Executable:
    """PostgreSQL: a claim submitted at once, in one round trip. Reads the branch month's
    status under the shared lock and the caps' sums (as _month_status_and_sums), inserts the
    claim if the month has its row, with its audit events, and returns status, sums and the
    new id; answered: stores the request's idempotency answer too (idempotency.answer_cte),
    and returns its record's id. The rules are checked afterwards, in Python, on what it read
    (all of it read before the insert, in the statement's snapshot): a refusal rolls the
    insert back."""
    found = _SUBMISSIONS.get((columns, n_events, answered))
    if found is None:
        months = BranchMonth.__table__  # type: ignore[attr-defined]
        month = (
            select(months.c.status)
            .where(
                months.c.branch_id == bindparam("branch_id"),
                months.c.period == bindparam("period"),
            )
            .with_for_update(read=True)
            .cte("month")
        )
        sums = _LIMIT_SUMS[False].cte("sums")
        new_row = audit.new_row_cte(_CLAIMS, columns, only_with=month)
        found = (
            select(
                month.c.status,
                sums.c.month_used,
                sums.c.year_used,
                select(new_row.c.id).scalar_subquery().label("id"),
            )
            .select_from(month.join(sums, true()))
            .add_cte(audit.events_of(new_row, n_events).cte("events"))
        )
        if answered:
            answer = idempotency.answer_cte(new_row)
            found = found.add_columns(select(answer.c.id).scalar_subquery().label("answer_id"))
        _SUBMISSIONS[(columns, n_events, answered)] = found
    return found


# -- member use cases -----------------------------------------------------------------------


async def create(*, session: AsyncSession, principal: Principal, data: ClaimCreate) -> ClaimDetail:
    """A member declares points: a draft, or submitted at once; returns the new claim's detail.

    The hot path of month end: the row is written with one plain INSERT … RETURNING id built
    once, and no Claim instance is made (see audit.row for why)."""
    member = _own_member(principal)
    assert member.id is not None
    standard, item = await _resolve_item(
        session, member, member.branch_id, data.item_id, data.occurred_on
    )
    period = periods.period_of(data.occurred_on)
    _check_window(standard, period)
    claimed = item.points * data.quantity
    _check_quantity(item, claimed)
    now = clock.now()
    values: dict[str, Any] = {
        "member_id": member.id,
        "branch_id": member.branch_id,
        "standard_id": standard.id,
        "item_id": data.item_id,
        "period": period,
        "occurred_on": data.occurred_on,
        "quantity": data.quantity,
        "description": data.description,
        "claimed_points": claimed,
        "granted_points": None,
        "status": "draft",
        "decision_comment": None,
        "reviewed_by_user_id": None,
        "created_by_user_id": principal.user_id,
        "submitted_at": None,
        "decided_at": None,
        "decision_seen_at": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    events = [
        audit.row(
            actor=principal, entity_type="claim", entity_id=None, action="create", to_state="draft"
        )
    ]
    if data.submit:
        # Submitted at once: no UPDATE, no refresh; the window is checked above, the month's
        # lock, the evidence rule and the caps below, in this transaction.
        values["status"] = target_state("draft", "submit")
        values["submitted_at"] = now
        events.append(
            audit.row(
                actor=principal,
                entity_type="claim",
                entity_id=None,
                action="submit",
                from_state="draft",
                to_state=values["status"],
            )
        )
    sums: tuple[object, object] | None = None
    if data.submit and _has_caps(item) and not item.requires_evidence:
        # The usual month-end claim, once its month has a row: the month's lock and the caps'
        # sums in one statement (PostgreSQL: the insert too); otherwise the long way below.
        params = {
            "branch_id": member.branch_id,
            "period": period,
            "member_id": member.id,
            "item_id": item.id,
            "year": period[:4],
        }
        in_one = session.get_bind().dialect.name == "postgresql"
        slot, answered = None, None
        if in_one:
            params.update(audit.row_and_event_params(values, events))
            # A keyed request's answer is stored by this statement too: rendered now, with
            # the id the insert gives put in by the database.
            slot = idempotency.answer_slot(session)
            if slot is not None:
                answered = new_claim_detail(principal, {**values, "id": 0}, item, standard)
                answer = slot.use(answered.model_dump_json())
                if answer is None:
                    slot, answered = None, None
                else:
                    params.update(answer)
            statement = _submission(tuple(values), len(events), slot is not None)
        else:
            statement = _MONTH_STATUS_AND_SUMS
        found = (await session.execute(statement, params)).one_or_none()
        if found is not None:
            refuse_if_locked(found[0], period)
            _enforce_limits(item, claimed, month_used=found[1], year_used=found[2])
            if in_one:
                values["id"] = found[3]
                if slot is not None and answered is not None:
                    slot.settle(found[3], found[4])
                    answered.id = found[3]
                    return answered
                return new_claim_detail(principal, values, item, standard)
            sums = (found[1], found[2])
    if sums is None:
        await require_open(session, branch_id=member.branch_id, period=period)
        if data.submit:
            if item.requires_evidence:
                raise Conflict(
                    f"{item.code} needs evidence: attach a photo or PDF before submitting.",
                    code="evidence_required",
                )
            await _check_limits(
                session, member_id=member.id, item=item, period=period, claimed=claimed
            )
    values["id"] = await audit.insert_with_events(session, _CLAIMS, values, events)
    return new_claim_detail(principal, values, item, standard)


def new_claim_detail(
    principal: Principal, claim: dict[str, Any], item: StandardItem, standard: StandardVersion
) -> ClaimDetail:
    """The detail of a claim just created in this transaction, from its columns in hand."""
    assert principal.member is not None
    # Without validation: the values are the row just written (see describe).
    return ClaimDetail.model_construct(
        id=claim["id"],
        member=PersonRef.model_construct(id=claim["member_id"], name=principal.member.name),
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
        submitted_at=claim["submitted_at"],
        decided_at=None,
        decision_seen=False,
        evidence_count=0,
        version=claim["version"],
        created_at=claim["created_at"],
        updated_at=claim["updated_at"],
        evidence=[],
        deadline=periods.deadline(
            claim["period"], deadline_day=standard.deadline_day, timezone=standard.timezone
        ),
        month_locked=False,
    )


async def edit(
    *, session: AsyncSession, principal: Principal, claim: Claim, data: ClaimUpdate
) -> Claim:
    """Edit a draft or a returned claim; its month and points follow the new values."""
    _require_own(principal, claim)
    if claim.status not in EDITABLE:
        raise InvalidTransition(
            f"A claim that is {claim.status} cannot be edited.",
            current_state=claim.status,
            action="edit",
        )
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return claim
    member = _own_member(principal)
    await require_open(session, branch_id=claim.branch_id, period=claim.period)
    item_id = changes.get("item_id", claim.item_id)
    occurred_on = changes.get("occurred_on", claim.occurred_on)
    quantity = changes.get("quantity", claim.quantity)
    standard, item = await _resolve_item(session, member, claim.branch_id, item_id, occurred_on)
    period = periods.period_of(occurred_on)
    if period != claim.period:
        _check_window(standard, period)
        await require_open(session, branch_id=claim.branch_id, period=period)
    claimed = item.points * quantity
    _check_quantity(item, claimed)
    before = {k: str(getattr(claim, k)) for k in changes}
    assert claim.id is not None
    stmt = (
        update(Claim)
        .where(col(Claim.id) == claim.id, col(Claim.version) == claim.version)
        .where(col(Claim.status).in_(EDITABLE))
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
    if not (await session.execute(stmt)).first():
        raise Conflict("The claim changed meanwhile; reload it.", code="claim_changed")
    await session.refresh(claim)
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
    _require_own(principal, claim)
    if claim.status not in DELETABLE:
        raise InvalidTransition(
            f"A claim that is {claim.status} cannot be deleted; only drafts can.",
            current_state=claim.status,
            action="delete",
        )
    await require_open(session, branch_id=claim.branch_id, period=claim.period)
    keys = list(
        (
            await session.execute(
                select(col(ClaimEvidence.storage_key)).where(
                    col(ClaimEvidence.claim_id) == claim.id
                )
            )
        ).scalars()
    )
    assert claim.id is not None
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


async def _submit(
    session: AsyncSession,
    principal: Principal,
    claim: Claim,
    standard: StandardVersion,
    item: StandardItem,
) -> Claim:
    target_state(claim.status, "submit")
    # A returned claim came back from the branch: it may go back while the month is open.
    if claim.status == "draft":
        _check_window(standard, claim.period)
    await require_open(session, branch_id=claim.branch_id, period=claim.period)
    if item.requires_evidence:
        files = await session.scalar(
            select(func.count()).where(col(ClaimEvidence.claim_id) == claim.id)
        )
        if not files:
            raise Conflict(
                f"{item.code} needs evidence: attach a photo or PDF before submitting.",
                code="evidence_required",
            )
    await _check_limits(
        session,
        member_id=claim.member_id,
        item=item,
        period=claim.period,
        claimed=claim.claimed_points,
        claim_id=claim.id,
    )
    return await _transition(session, principal, claim, "submit", submitted_at=clock.now())


async def submit(*, session: AsyncSession, principal: Principal, claim: Claim) -> Claim:
    _require_own(principal, claim)
    _own_member(principal)
    standard = await _standard(session, claim.standard_id)
    item = await session.get(StandardItem, claim.item_id)
    assert item is not None
    return await _submit(session, principal, claim, standard, item)


async def withdraw(*, session: AsyncSession, principal: Principal, claim: Claim) -> Claim:
    """Take a submitted claim back to draft before the branch decides."""
    _require_own(principal, claim)
    target_state(claim.status, "withdraw")
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


# -- review -------------------------------------------------------------------------------


def _ledger_row(claim: Claim, points: Decimal, principal: Principal) -> dict[str, Any]:
    """The ledger row an approval writes, as its columns (see audit.row for why a dict)."""
    return {
        "member_id": claim.member_id,
        "branch_id": claim.branch_id,
        "year": int(claim.period[:4]),
        "period": claim.period,
        "standard_id": claim.standard_id,
        "item_id": claim.item_id,
        "points": points,
        "source": "claim",
        "claim_id": claim.id,
        "created_by_user_id": principal.user_id,
        "created_at": clock.now(),
    }


def _decision_values(
    claim: Claim, decision: str, points: Decimal | None, comment: str | None
) -> dict[str, Any]:
    """Checks a decision's payload; returns the column values it sets."""
    if decision != "approve":
        if points is not None:
            raise RuleViolation(
                "Points are granted only when approving.", code="points_only_on_approve"
            )
        if not comment:
            raise RuleViolation(
                f"A comment is required to {decision} a claim.", code="comment_required"
            )
        return {"decision_comment": comment}
    granted = claim.claimed_points if points is None else points
    if granted > claim.claimed_points:
        raise RuleViolation(
            f"At most the {claim.claimed_points} points claimed can be granted.",
            code="points_over_claimed",
        )
    if granted < claim.claimed_points and not comment:
        raise RuleViolation(
            "Granting fewer points than claimed needs a comment giving the reason.",
            code="comment_required",
        )
    return {"granted_points": granted, "decision_comment": comment}


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
    await _require_reviewer(session, principal, claim)
    target_state(claim.status, decision)
    values = _decision_values(claim, decision, points, comment)
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
        await session.execute(
            _INSERT_LEDGER, [_ledger_row(claim, values["granted_points"], principal)]
        )
    return claim


def _plain_approvals() -> Executable:
    """PostgreSQL: a bulk review's plain approvals (every point claimed granted, no comment)
    in one statement, writing what approve writes claim by claim: the conditional UPDATE of
    _apply as a CTE, whose returned rows feed the ledger's INSERT … SELECT and the audit
    events' INSERT … SELECT. Returns the ids that moved; Python builds, binds and sends no
    row (that was half of a bulk review's time)."""
    sources, target = TRANSITIONS["approve"]
    (source,) = sources
    reviewer = bindparam("reviewer", type_=_CLAIMS.c.reviewed_by_user_id.type)
    now = bindparam("now", type_=_CLAIMS.c.decided_at.type)
    moved = (
        update(_CLAIMS)
        .where(
            _CLAIMS.c.id == any_(bindparam("claim_ids", type_=ARRAY(Integer()))),
            _CLAIMS.c.status == source,
        )
        .values(
            status=target,
            granted_points=_CLAIMS.c.claimed_points,
            decision_comment=None,
            reviewed_by_user_id=reviewer,
            decided_at=now,
            decision_seen_at=None,
            version=_CLAIMS.c.version + 1,
            updated_at=now,
        )
        .returning(
            *(
                _CLAIMS.c[name]
                for name in ("id", "member_id", "branch_id", "period", "standard_id", "item_id")
            ),
            _CLAIMS.c.granted_points,
        )
        .cte("moved")
    )
    ledger = insert(_LEDGER).from_select(
        [
            "member_id",
            "branch_id",
            "year",
            "period",
            "standard_id",
            "item_id",
            "points",
            "source",
            "claim_id",
            "created_by_user_id",
            "created_at",
        ],
        select(
            moved.c.member_id,
            moved.c.branch_id,
            sql_cast(func.substr(moved.c.period, 1, 4), Integer),
            moved.c.period,
            moved.c.standard_id,
            moved.c.item_id,
            moved.c.granted_points,
            literal("claim", type_=_LEDGER.c.source.type),
            moved.c.id,
            reviewer,
            now,
        ).select_from(moved),
    )
    events = audit.events_per_row(
        moved,
        moved.c.id,
        actor_user_id=reviewer,
        entity_type="claim",
        action="approve",
        from_state=source,
        to_state=target,
        # As the claim-by-claim path's {"granted_points": str(points), "bulk": true}: the
        # numeric's text is the Decimal's (both keep the column's one decimal place).
        data=func.json_build_object(
            "granted_points", sql_cast(moved.c.granted_points, Text), "bulk", true()
        ),
        created_at=now,
    )
    return select(moved.c.id).add_cte(ledger.cte("ledger")).add_cte(events.cte("events"))


_PLAIN_APPROVALS = _plain_approvals()


# A bulk review decides its claims this many at a time, letting other requests run in between:
# hundreds of claims in one go held the event loop for tens of milliseconds at a stretch, and
# every member submitting meanwhile waited that long at each of their own queries.
_BULK_CHUNK = 100


async def bulk_review(
    *, session: AsyncSession, principal: Principal, decisions: list[BulkDecision]
) -> BulkReviewResult:
    """Decide up to 500 claims; each gets its own answer and a failure undoes no other."""
    if principal.user is None:
        raise Forbidden("Claims are reviewed by people.", code="users_only")
    # One answer per decision, in the order given.
    results: list[BulkResult | None] = [None] * len(decisions)
    seen: set[int] = set()
    branch_paths: dict[int, str] = {}
    months: dict[tuple[int, str], str] = {}
    for start in range(0, len(decisions), _BULK_CHUNK):
        if start:
            await asyncio.sleep(0)
        await _bulk_chunk(
            session,
            principal,
            list(enumerate(decisions))[start : start + _BULK_CHUNK],
            results=results,
            seen=seen,
            branch_paths=branch_paths,
            months=months,
        )
    ordered = [r for r in results if r is not None]
    succeeded = sum(r.ok for r in ordered)
    return BulkReviewResult(succeeded=succeeded, failed=len(ordered) - succeeded, results=ordered)


async def _bulk_chunk(
    session: AsyncSession,
    principal: Principal,
    chunk: list[tuple[int, BulkDecision]],
    *,
    results: list[BulkResult | None],
    seen: set[int],
    branch_paths: dict[int, str],
    months: dict[tuple[int, str], str],
) -> None:
    """Decides a slice of a bulk review, filling in results at the decisions' positions;
    seen, branch_paths and months carry over from one slice to the next."""
    ids = list(dict.fromkeys(d.claim_id for _, d in chunk))
    by_id = _CLAIMS_BY_ID.on(session)
    claims = {c.id: c for c in (await session.execute(by_id, {"claim_ids": ids})).scalars()}
    unknown = {c.branch_id for c in claims.values()} - branch_paths.keys()
    if unknown:
        found = await session.execute(
            select(col(Organisation.id), col(Organisation.path)).where(
                col(Organisation.id).in_(unknown)
            )
        )
        branch_paths.update((org_id, path) for org_id, path in found if org_id is not None)
    accepted: list[tuple[int, BulkDecision, Claim, dict[str, Any]]] = []
    for position, d in chunk:
        claim = claims.get(d.claim_id)
        try:
            if d.claim_id in seen:
                raise AppError("The claim appears twice in this request.", code="duplicate")
            seen.add(d.claim_id)
            if claim is None:
                raise NotFound(f"Claim {d.claim_id} does not exist.", code="claim_not_found")
            if not principal.can(Action.claim_review, branch_paths[claim.branch_id]):
                raise Forbidden("You may not review claims of this branch.")
            if is_own(principal, claim):
                raise Forbidden("Nobody reviews their own claim.", code="self_review")
            target_state(claim.status, d.decision)
            values = _decision_values(claim, d.decision, d.points, d.comment)
            key = (claim.branch_id, claim.period)
            if key not in months:
                month = await lock_month(session, branch_id=key[0], period=key[1])
                months[key] = month.status
            if months[key] == "locked":
                raise MonthLocked(f"The branch's month {claim.period} is closed.")
            accepted.append((position, d, claim, values))
        except AppError as exc:
            results[position] = BulkResult(
                claim_id=d.claim_id,
                ok=False,
                status=claim.status if claim is not None else None,
                code=exc.code,
                detail=exc.detail,
            )
    if not accepted:
        return
    now = clock.now()
    common = {"reviewed_by_user_id": principal.user_id, "decided_at": now, "decision_seen_at": None}
    # Full approvals without a comment share one statement; the rest go one by one.
    plain = {
        c.id
        for _, d, c, _ in accepted
        if d.decision == "approve" and d.points is None and not d.comment and c.id is not None
    }
    moved: set[int] = set()
    # Claims whose ledger row and audit event are written already (_plain_approvals).
    written: set[int] = set()
    if plain and session.get_bind().dialect.name == "postgresql":
        params = {"claim_ids": sorted(plain), "reviewer": principal.user_id, "now": now}
        written.update((await session.execute(_PLAIN_APPROVALS, params)).scalars())
        moved.update(written)
    elif plain:
        moved.update(
            await _apply(
                session,
                sorted(plain),
                "approve",
                granted_points=col(Claim.claimed_points),
                decision_comment=None,
                **common,
            )
        )
    for _, d, c, v in accepted:
        if c.id in plain:
            continue
        assert c.id is not None
        if await _apply(session, [c.id], d.decision, **v, **common):
            moved.add(c.id)
    ledger: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for position, d, c, v in accepted:
        assert c.id is not None
        if c.id not in moved:
            results[position] = BulkResult(
                claim_id=c.id,
                ok=False,
                code="invalid_transition",
                detail="The claim changed meanwhile.",
            )
            continue
        target = TRANSITIONS[d.decision][1]
        results[position] = BulkResult(claim_id=c.id, ok=True, status=target)
        if c.id in written:
            continue
        granted = v.get("granted_points", c.claimed_points)
        if d.decision == "approve":
            ledger.append(_ledger_row(c, granted, principal))
        events.append(
            audit.row(
                actor=principal,
                entity_type="claim",
                entity_id=c.id,
                action=d.decision,
                from_state=c.status,
                to_state=target,
                comment=d.comment,
                data={"granted_points": str(granted), "bulk": True}
                if d.decision == "approve"
                else {"bulk": True},
            )
        )
    # Plain executemany INSERTs: no unit of work, no identity map for hundreds of rows.
    if ledger:
        await session.execute(_INSERT_LEDGER, ledger)
    await audit.write(session, events)


async def expire_open_claims(
    *, session: AsyncSession, principal: Principal, branch_id: int, period: str
) -> int:
    """At month close, drafts and returned claims of the month become expired."""
    candidates = list(
        (
            await session.execute(
                select(col(Claim.id), col(Claim.status)).where(
                    col(Claim.branch_id) == branch_id,
                    col(Claim.period) == period,
                    col(Claim.status).in_(TRANSITIONS["expire"][0]),
                )
            )
        ).all()
    )
    before = dict(candidates)
    moved = await _apply(session, [k for k in before if k is not None], "expire")
    now = clock.now()
    session.add_all(
        AuditEvent(
            actor_user_id=principal.user_id,
            actor_service_account_id=principal.service_account_id,
            entity_type="claim",
            entity_id=claim_id,
            action="expire",
            from_state=before[claim_id],
            to_state="expired",
            comment="月度审核锁定",
            created_at=now,
        )
        for claim_id in moved
    )
    return len(moved)


# -- reading --------------------------------------------------------------------------------


class ClaimFacts(Protocol):
    """What describe reads of a claim: a Claim, or a row of the claim table's columns."""

    id: int | None
    member_id: int
    branch_id: int
    item_id: int
    period: str
    occurred_on: date
    quantity: int
    description: str
    claimed_points: Decimal
    granted_points: Decimal | None
    status: str
    decision_comment: str | None
    reviewed_by_user_id: int | None
    submitted_at: datetime | None
    decided_at: datetime | None
    decision_seen_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


def visible_claims(principal: Principal) -> Select[Any]:
    """Claims the caller may see: their own, and those of branches where they may read."""
    # The table's columns, not Claim instances: a list is read, never changed, and a page of
    # 200 made into tracked instances took longer than its query.
    stmt = select(*_CLAIMS.c).join(Organisation, col(Organisation.id) == col(Claim.branch_id))
    conditions = []
    if principal.member is not None:
        conditions.append(col(Claim.member_id) == principal.member.id)
    roots = principal.roots(Action.claim_read)
    if roots:
        conditions.append(subtree_filter(roots))
    return stmt.where(or_(*conditions)) if conditions else stmt.where(col(Claim.id).is_(None))


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
    """A page of the claims the caller may see, as rows (see ClaimFacts), and their number."""
    stmt = visible_claims(principal)
    if branch_id is not None:
        branch = await orgs.get(session, branch_id)
        own_branch = principal.member is not None and principal.member.branch_id == branch_id
        if not own_branch and not principal.can(Action.claim_read, branch.path):
            raise Forbidden("You may not see claims of this branch.")
        stmt = stmt.where(col(Claim.branch_id) == branch_id)
    if member_id is not None:
        stmt = stmt.where(col(Claim.member_id) == member_id)
    if period is not None:
        periods.parse_period(period)
        stmt = stmt.where(col(Claim.period) == period)
    if status is not None:
        stmt = stmt.where(col(Claim.status) == status)
    if item_id is not None:
        stmt = stmt.where(col(Claim.item_id) == item_id)
    if unseen is not None:
        decided = col(Claim.decided_at).is_not(None)
        stmt = stmt.where(
            decided & col(Claim.decision_seen_at).is_(None)
            if unseen
            else or_(~decided, col(Claim.decision_seen_at).is_not(None))
        )
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = col(Claim.id).asc() if oldest_first else col(Claim.id).desc()
    rows = await session.execute(
        stmt.order_by(order).offset((page - 1) * page_size).limit(page_size)
    )
    return cast(list[ClaimFacts], list(rows)), total


_CLAIM_LIST = TypeAdapter(list[ClaimPublic])


async def describe(session: AsyncSession, claims: Sequence[ClaimFacts]) -> list[ClaimPublic]:
    """Claims with member, item and reviewer names, in four queries whatever the count."""
    if not claims:
        return []
    names = await lookups.member_names(session, (c.member_id for c in claims))
    items = await lookups.items_by_id(session, (c.item_id for c in claims))
    reviewers = await lookups.user_names(session, (c.reviewed_by_user_id for c in claims))
    counts = dict(
        (
            await session.execute(
                _EVIDENCE_COUNTS.on(session), {"claim_ids": [c.id for c in claims]}
            )
        ).all()
    )
    refs = {item_id: ItemRef.model_validate(item) for item_id, item in items.items()}
    # Plain dicts, validated all at once: pydantic-core checks a page of 200 in well under a
    # millisecond, less than making the models one by one in Python (model_construct) costs.
    return _CLAIM_LIST.validate_python(
        [
            {
                "id": c.id,
                "member": {"id": c.member_id, "name": names.get(c.member_id, "")},
                "branch_id": c.branch_id,
                "item": refs[c.item_id],
                "period": c.period,
                "occurred_on": c.occurred_on,
                "quantity": c.quantity,
                "description": c.description,
                "claimed_points": c.claimed_points,
                "granted_points": c.granted_points,
                "status": c.status,
                "decision_comment": c.decision_comment,
                "reviewed_by": {
                    "id": c.reviewed_by_user_id,
                    "name": reviewers.get(c.reviewed_by_user_id, ""),
                }
                if c.reviewed_by_user_id
                else None,
                "submitted_at": c.submitted_at,
                "decided_at": c.decided_at,
                "decision_seen": c.decision_seen_at is not None,
                "evidence_count": counts.get(c.id, 0) if c.id is not None else 0,
                "version": c.version,
                "created_at": c.created_at,
                "updated_at": c.updated_at,
            }
            for c in claims
        ]
    )


def evidence_public(evidence: ClaimEvidence) -> EvidencePublic:
    assert evidence.id is not None
    return EvidencePublic(
        id=evidence.id,
        claim_id=evidence.claim_id,
        name=evidence.original_name,
        content_type=evidence.content_type,
        size=evidence.size,
        width=evidence.width,
        height=evidence.height,
        url=f"/api/v1/claims/{evidence.claim_id}/evidence/{evidence.id}",
        created_at=evidence.created_at,
    )


async def detail(session: AsyncSession, claim: Claim) -> ClaimDetail:
    (summary,) = await describe(session, [claim])
    files = (
        await session.execute(
            select(ClaimEvidence)
            .where(col(ClaimEvidence.claim_id) == claim.id)
            .order_by(col(ClaimEvidence.id))
        )
    ).scalars()
    standard = await _standard(session, claim.standard_id)
    month = await find_month(session, branch_id=claim.branch_id, period=claim.period)
    return ClaimDetail(
        **summary.model_dump(),
        evidence=[evidence_public(e) for e in files],
        deadline=periods.deadline(
            claim.period, deadline_day=standard.deadline_day, timezone=standard.timezone
        ),
        month_locked=month is not None and month.status == "locked",
    )


async def events_as_timeline(
    session: AsyncSession, events: Sequence[AuditEvent]
) -> list[TimelineEvent]:
    names = await lookups.user_names(session, (e.actor_user_id for e in events))
    return [
        TimelineEvent(
            at=e.created_at,
            actor=PersonRef(id=e.actor_user_id, name=names.get(e.actor_user_id, ""))
            if e.actor_user_id
            else None,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            action=e.action,
            from_state=e.from_state,
            to_state=e.to_state,
            comment=e.comment,
            data=e.data,
        )
        for e in events
    ]


async def timeline(session: AsyncSession, claim: Claim) -> list[TimelineEvent]:
    events = (
        await session.execute(
            select(AuditEvent)
            .where(col(AuditEvent.entity_type) == "claim", col(AuditEvent.entity_id) == claim.id)
            .order_by(col(AuditEvent.created_at), col(AuditEvent.id))
        )
    ).scalars()
    return await events_as_timeline(session, list(events))
