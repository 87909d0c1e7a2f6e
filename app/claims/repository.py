"""The statements about claims: loads, conditional state changes, cap sums, ledger rows, lists.

Two PostgreSQL-only paths are kept for month end, each in one function beside the portable
path that gives the same rows (tested so): a claim submitted at once, and a bulk review's
plain approvals, each in one statement. The statements of those paths are built once, with
bind parameters: building one costs as much Python time as running it (docs/PERFORMANCE.md).
"""

from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from typing import Any

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
    or_,
    select,
    true,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, clock, periods
from app.access import Action, Principal
from app.claims.rules import COUNTED, TRANSITIONS
from app.errors import NotFound
from app.lookups import among
from app.models import AuditEvent, Claim, ClaimEvidence, ClaimStatus, LedgerEntry, Organisation
from app.orgs.service import subtree_filter

CLAIMS: Table = Claim.__table__  # type: ignore[attr-defined]
LEDGER: Table = LedgerEntry.__table__  # type: ignore[attr-defined]


async def get(session: AsyncSession, claim_id: int) -> Claim:
    claim = await session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"Claim {claim_id} does not exist.", code="claim_not_found")
    return claim


async def lock(session: AsyncSession, claim: Claim) -> Claim:
    """The claim's row, locked until the transaction ends (PostgreSQL; SQLite serialises every
    writer already), and read again: a concurrent request may have changed it meanwhile."""
    locked = (
        await session.execute(
            select(Claim)
            .where(col(Claim.id) == claim.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if locked is None:
        raise NotFound(f"Claim {claim.id} does not exist.", code="claim_not_found")
    return locked


async def by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Claim]:
    found = await session.execute(
        select(Claim)
        .where(among(session, col(Claim.id), ids))
        .execution_options(populate_existing=True)
    )
    return {claim.id: claim for claim in found.scalars() if claim.id is not None}


async def add(session: AsyncSession, values: dict[str, Any]) -> int:
    """A new claim's row; returns its id."""
    new_id: int = (
        await session.execute(insert(CLAIMS).values(values).returning(CLAIMS.c.id))
    ).scalar_one()
    return new_id


async def move(
    session: AsyncSession, claim_ids: Sequence[int], action: str, **values: Any
) -> set[int]:
    """Moves claims along action with one conditional UPDATE; returns the ids that moved.

    The WHERE on the current state is what makes two concurrent reviewers safe: the row lock
    lets one update through and the other finds the state changed and moves nothing."""
    if not claim_ids:
        return set()
    sources, target = TRANSITIONS[action]
    rows = await session.execute(
        update(CLAIMS)
        .where(CLAIMS.c.id.in_(claim_ids), CLAIMS.c.status.in_([s.value for s in sources]))
        .values(status=target.value, version=CLAIMS.c.version + 1, updated_at=clock.now(), **values)
        .returning(CLAIMS.c.id)
    )
    return set(rows.scalars())


async def status_of(session: AsyncSession, claim_id: int) -> str | None:
    return await session.scalar(select(CLAIMS.c.status).where(CLAIMS.c.id == claim_id))


def caps_pair(member_id: int, item_id: int) -> tuple[int, int]:
    """What a request holds (months.locks.require_open's holding) while it checks and writes
    the caps of an item for a member, so that two requests never both read the sums before
    either writes."""
    return member_id, item_id


def _used_points(except_claim: bool, by_item: bool = False) -> Select[Any]:
    """The month's and the year's counted points of a member's item (by_item: of each item,
    with its id first), as the caps check reads them."""
    c = CLAIMS.c
    counted = func.coalesce(c.granted_points, c.claimed_points)
    sums = (
        func.coalesce(func.sum(case((c.period == bindparam("period"), counted), else_=0)), 0),
        func.coalesce(func.sum(counted), 0),
    )
    where = (
        c.member_id == bindparam("member_id"),
        c.status.in_([literal(s.value) for s in COUNTED]),
        c.period.startswith(bindparam("year")),
    )
    if by_item:
        return select(c.item_id, *sums).where(*where).group_by(c.item_id)
    stmt = select(*sums).where(where[0], c.item_id == bindparam("item_id"), *where[1:])
    return stmt.where(c.id != bindparam("except_claim")) if except_claim else stmt


_USED_POINTS = {False: _used_points(False), True: _used_points(True)}
_USED_POINTS_BY_ITEM = _used_points(False, by_item=True)


async def used_points(
    session: AsyncSession,
    *,
    member_id: int,
    item_id: int,
    period: str,
    except_claim: int | None = None,
) -> tuple[Decimal, Decimal]:
    """Points of the member's submitted and approved claims of an item: that month, that year."""
    params = _used_points_params(member_id, item_id, period)
    if except_claim is not None:
        params["except_claim"] = except_claim
    found = await session.execute(_USED_POINTS[except_claim is not None], params)
    month_used, year_used = found.one()
    return Decimal(str(month_used)), Decimal(str(year_used))


async def used_points_by_item(
    session: AsyncSession, *, member_id: int, period: str
) -> dict[int, tuple[Decimal, Decimal]]:
    """used_points() of every item the member has counted claims of that year, by item id."""
    params = _used_points_params(member_id, 0, period)
    del params["item_id"]
    found = await session.execute(_USED_POINTS_BY_ITEM, params)
    return {
        item_id: (Decimal(str(month_used)), Decimal(str(year_used)))
        for item_id, month_used, year_used in found.all()
    }


def _used_points_params(member_id: int, item_id: int, period: str) -> dict[str, Any]:
    year = f"{periods.year_of(period):04d}-"
    return {"member_id": member_id, "item_id": item_id, "period": period, "year": year}


async def add_submitted(
    session: AsyncSession, values: dict[str, Any], events: Sequence[dict[str, Any]]
) -> tuple[int, Decimal, Decimal]:
    """Writes a claim submitted at once and its audit events (made by audit.event() with
    entity_id None); returns its id and the points of the member's other counted claims of
    the item that month and year, read before it was written, for the caps check (a refusal
    then rolls the request back). Call with the caps held (caps_pair)."""
    if session.get_bind().dialect.name != "postgresql":
        return await add_submitted_portable(session, values, events)
    params = _used_points_params(values["member_id"], values["item_id"], values["period"])
    for name, value in values.items():
        params[f"c_{name}"] = value
    for i, e in enumerate(events):
        params.update({f"e{i}_{name}": value for name, value in e.items()})
    found = (await session.execute(_submitted_pg(tuple(values), len(events)), params)).one()
    return found[0], Decimal(str(found[1])), Decimal(str(found[2]))


async def add_submitted_portable(
    session: AsyncSession, values: dict[str, Any], events: Sequence[dict[str, Any]]
) -> tuple[int, Decimal, Decimal]:
    """add_submitted() without the PostgreSQL statement."""
    month_used, year_used = await used_points(
        session, member_id=values["member_id"], item_id=values["item_id"], period=values["period"]
    )
    new_id = await add(session, values)
    await audit.write(session, [{**e, "entity_id": new_id} for e in events])
    return new_id, month_used, year_used


@cache
def _submitted_pg(columns: tuple[str, ...], n_events: int) -> Any:
    """The claim's INSERT … RETURNING id as a CTE that the events' INSERT … SELECT read,
    selected with the caps' sums (of the statement's snapshot: the new claim not in it)."""
    new_claim = (
        insert(CLAIMS)
        .values({name: bindparam(f"c_{name}", type_=CLAIMS.c[name].type) for name in columns})
        .returning(CLAIMS.c.id)
        .cte("new_claim")
    )
    sums = _USED_POINTS[False].subquery("sums")
    statement = select(new_claim.c.id, *sums.c).select_from(new_claim.join(sums, true()))
    events = audit.events_per_row(
        new_claim,
        new_claim.c.id,
        *(
            {name: bindparam(f"e{i}_{name}", type_=t) for name, t in audit.EVENT_TYPES.items()}
            for i in range(n_events)
        ),
    )
    statement = statement.add_cte(events.cte("events"))
    return statement


async def evidence_count(session: AsyncSession, claim_id: int) -> int:
    return (
        await session.scalar(select(func.count()).where(col(ClaimEvidence.claim_id) == claim_id))
        or 0
    )


async def evidence_keys(session: AsyncSession, claim_id: int) -> list[str]:
    rows = await session.execute(
        select(col(ClaimEvidence.storage_key)).where(col(ClaimEvidence.claim_id) == claim_id)
    )
    return list(rows.scalars())


async def evidence_counts(session: AsyncSession, claim_ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(col(ClaimEvidence.claim_id), func.count())
        .where(among(session, col(ClaimEvidence.claim_id), claim_ids))
        .group_by(col(ClaimEvidence.claim_id))
    )
    return {claim_id: n for claim_id, n in rows.all()}


async def evidence_of(session: AsyncSession, claim_id: int) -> list[ClaimEvidence]:
    rows = await session.execute(
        select(ClaimEvidence)
        .where(col(ClaimEvidence.claim_id) == claim_id)
        .order_by(col(ClaimEvidence.id))
    )
    return list(rows.scalars())


async def branch_paths(session: AsyncSession, branch_ids: set[int]) -> dict[int, str]:
    rows = await session.execute(
        select(col(Organisation.id), col(Organisation.path)).where(
            col(Organisation.id).in_(branch_ids)
        )
    )
    return {org_id: path for org_id, path in rows.all() if org_id is not None}


def ledger_row(claim: Claim, points: Decimal, actor: Principal) -> dict[str, Any]:
    """The ledger row an approval writes."""
    return {
        "member_id": claim.member_id,
        "branch_id": claim.branch_id,
        "year": periods.year_of(claim.period),
        "period": claim.period,
        "standard_id": claim.standard_id,
        "item_id": claim.item_id,
        "points": points,
        "source": "claim",
        "claim_id": claim.id,
        "claim_round": claim.decision_round,
        "created_by_user_id": actor.user_id,
        "created_at": clock.now(),
    }


async def live_approval(session: AsyncSession, claim: Claim) -> LedgerEntry | None:
    """The ledger row of the claim's approval in its current decision round, if any."""
    found = await session.execute(
        select(LedgerEntry).where(
            col(LedgerEntry.claim_id) == claim.id,
            col(LedgerEntry.claim_round) == claim.decision_round,
            col(LedgerEntry.reverses_id).is_(None),
        )
    )
    return found.scalar_one_or_none()


def reversal_row(
    row: LedgerEntry, actor: Principal, reason: str | None, **values: Any
) -> dict[str, Any]:
    """The row that cancels a ledger row: its negative points, naming it in reverses_id."""
    return {
        "member_id": row.member_id,
        "branch_id": row.branch_id,
        "year": row.year,
        "period": row.period,
        "standard_id": row.standard_id,
        "item_id": row.item_id,
        "points": -row.points,
        "source": row.source,
        "claim_id": row.claim_id,
        "claim_round": row.claim_round,
        "entry_id": row.entry_id,
        "reverses_id": row.id,
        "reason": reason,
        "created_by_user_id": actor.user_id,
        "created_at": clock.now(),
        **values,
    }


async def add_ledger_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(LEDGER), list(rows))


async def approve_plainly(
    session: AsyncSession, claim_ids: Sequence[int], reviewer: Principal
) -> set[int]:
    """Approves claims granting every point claimed, without a comment, and writes their
    ledger rows and audit events; returns the ids that moved (the others changed meanwhile).

    On PostgreSQL in one statement (the bulk review's hot path at month end); elsewhere
    claim by claim through the same writers as a single approval."""
    if not claim_ids:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        params = {"claim_ids": list(claim_ids), "reviewer": reviewer.user_id, "now": clock.now()}
        return set((await session.execute(_plain_approvals_pg(), params)).scalars())
    return await approve_plainly_portable(session, claim_ids, reviewer)


async def approve_plainly_portable(
    session: AsyncSession, claim_ids: Sequence[int], reviewer: Principal
) -> set[int]:
    """approve_plainly() without the PostgreSQL statement."""
    now = clock.now()
    moved = await move(
        session,
        claim_ids,
        "approve",
        granted_points=CLAIMS.c.claimed_points,
        decision_comment=None,
        reviewed_by_user_id=reviewer.user_id,
        decided_at=now,
        decision_seen_at=None,
    )
    claims = await by_ids(session, sorted(moved))
    ledger, events = [], []
    for claim in claims.values():
        assert claim.id is not None and claim.granted_points is not None
        ledger.append(ledger_row(claim, claim.granted_points, reviewer))
        events.append(
            audit.event(
                actor=reviewer,
                entity_type="claim",
                entity_id=claim.id,
                action="approve",
                from_state=ClaimStatus.submitted.value,
                to_state=ClaimStatus.approved.value,
                data={"granted_points": str(claim.granted_points), "bulk": True},
            )
        )
    await add_ledger_rows(session, ledger)
    await audit.write(session, events)
    return moved


@cache
def _plain_approvals_pg() -> Any:
    """The conditional UPDATE of move() as a CTE whose returned rows feed the ledger's
    INSERT … SELECT and the audit events' INSERT … SELECT; selects the ids that moved."""
    sources, target = TRANSITIONS["approve"]
    (source,) = sources
    reviewer_id = bindparam("reviewer", type_=CLAIMS.c.reviewed_by_user_id.type)
    now = bindparam("now", type_=CLAIMS.c.decided_at.type)
    moved = (
        update(CLAIMS)
        .where(
            CLAIMS.c.id == any_(bindparam("claim_ids", type_=ARRAY(Integer()))),
            CLAIMS.c.status == source.value,
        )
        .values(
            status=target.value,
            granted_points=CLAIMS.c.claimed_points,
            decision_comment=None,
            reviewed_by_user_id=reviewer_id,
            decided_at=now,
            decision_seen_at=None,
            version=CLAIMS.c.version + 1,
            updated_at=now,
        )
        .returning(
            *(
                CLAIMS.c[name]
                for name in (
                    "id",
                    "member_id",
                    "branch_id",
                    "period",
                    "standard_id",
                    "item_id",
                    "decision_round",
                )
            ),
            CLAIMS.c.granted_points,
        )
        .cte("moved")
    )
    ledger = insert(LEDGER).from_select(
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
            "claim_round",
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
            literal("claim", type_=LEDGER.c.source.type),
            moved.c.id,
            moved.c.decision_round,
            reviewer_id,
            now,
        ).select_from(moved),
    )
    events = audit.events_per_row(
        moved,
        moved.c.id,
        {
            "actor_user_id": reviewer_id,
            "entity_type": "claim",
            "action": "approve",
            "from_state": source.value,
            "to_state": target.value,
            # As the portable path's {"granted_points": str(points), "bulk": true}.
            "data": func.json_build_object(
                "granted_points", sql_cast(moved.c.granted_points, Text), "bulk", true()
            ),
            "created_at": now,
        },
    )
    return select(moved.c.id).add_cte(ledger.cte("ledger")).add_cte(events.cte("events"))


async def expirable(session: AsyncSession, branch_id: int, period: str) -> dict[int, str]:
    """The month's claims that expire at its close, with their states."""
    rows = await session.execute(
        select(CLAIMS.c.id, CLAIMS.c.status).where(
            CLAIMS.c.branch_id == branch_id,
            CLAIMS.c.period == period,
            CLAIMS.c.status.in_([s.value for s in TRANSITIONS["expire"][0]]),
        )
    )
    return {claim_id: status for claim_id, status in rows.all()}


def visible(principal: Principal) -> Select[Any]:
    """Claims the caller may see, as rows: their own, and those of branches they may read."""
    stmt = select(*CLAIMS.c).join(Organisation, col(Organisation.id) == CLAIMS.c.branch_id)
    conditions = []
    if principal.member is not None:
        conditions.append(CLAIMS.c.member_id == principal.member.id)
    roots = principal.roots(Action.claim_read)
    if roots:
        conditions.append(subtree_filter(roots))
    return stmt.where(or_(*conditions)) if conditions else stmt.where(CLAIMS.c.id.is_(None))


async def page(
    session: AsyncSession, stmt: Select[Any], *, oldest_first: bool, page: int, page_size: int
) -> tuple[list[Any], int]:
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = CLAIMS.c.id.asc() if oldest_first else CLAIMS.c.id.desc()
    rows = await session.execute(
        stmt.order_by(order).offset((page - 1) * page_size).limit(page_size)
    )
    return list(rows), total


async def events_of(session: AsyncSession, claim_id: int) -> list[AuditEvent]:
    rows = await session.execute(
        select(AuditEvent)
        .where(col(AuditEvent.entity_type) == "claim", col(AuditEvent.entity_id) == claim_id)
        .order_by(col(AuditEvent.created_at), col(AuditEvent.id))
    )
    return list(rows.scalars())
