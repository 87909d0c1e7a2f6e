"""The audit trail's query: every event placed in the organisation it belongs to, in one
statement, newest first.

An audit event names its entity (entity_type, entity_id), not an organisation. Where it belongs
is found in SQL, for a whole page at once: a LEFT JOIN per entity type onto the entity's table
(a claim, a branch's month or entry, an evaluation round, a reminder → its branch; a standard,
a role assignment, a service account → its organisation; an organisation → itself; a member →
their branch), and for the kinds whose row may say nothing (a user: their member record's
branch, else their highest-placed role; a revoked role assignment, whose row is gone: the
organisation its 'granted' event named; a member import: its importer's organisation, found as
a user's is) a correlated sub-select that runs only for those rows; last, an organisation_id or
branch_id the event's data names. An event none of these places (a failed sign-in with an
unknown name, a superadmin's sign-in without any role) has no organisation, and only
superadmins see it."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    AuditEvent,
    BranchEntry,
    BranchMonth,
    Claim,
    EvaluationRound,
    Member,
    Organisation,
    Reminder,
    RoleAssignment,
    ServiceAccount,
    StandardVersion,
    User,
)

LOCAL = ZoneInfo("Asia/Shanghai")


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


_E = _table(AuditEvent)
_ORGS = _table(Organisation)

# entity_type → (its table, the column naming the organisation it belongs to).
_PLACED_BY_ROW: dict[str, tuple[Table, str]] = {
    "claim": (_table(Claim), "branch_id"),
    "branch_month": (_table(BranchMonth), "branch_id"),
    "branch_entry": (_table(BranchEntry), "branch_id"),
    "evaluation_round": (_table(EvaluationRound), "branch_id"),
    "reminder": (_table(Reminder), "branch_id"),
    "organisation": (_ORGS, "id"),
    "standard": (_table(StandardVersion), "organisation_id"),
    "member": (_table(Member), "branch_id"),
    "role_assignment": (_table(RoleAssignment), "organisation_id"),
    "service_account": (_table(ServiceAccount), "organisation_id"),
}
# Evaluation ballots: shown with the day only (see service.py).
BALLOT_ACTIONS = frozenset({"peer_ballot", "code_ballot"})


@dataclass(frozen=True)
class Filters:
    organisation_paths: list[str]  # the subtrees to show; [""]: everything, unplaced included
    actor_user_id: int | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    action: str | None = None
    from_day: date | None = None
    to_day: date | None = None


def _user_home(user_id: ColumnElement[Any]) -> ColumnElement[Any]:
    """A user's organisation: their member record's branch, else their highest-placed role's
    organisation (shortest path, then lowest id)."""
    members, roles = _table(Member).alias("u_member"), _table(RoleAssignment).alias("u_role")
    orgs = _ORGS.alias("u_org")
    branch = select(members.c.branch_id).where(members.c.user_id == user_id).scalar_subquery()
    role = (
        select(roles.c.organisation_id)
        .join(orgs, orgs.c.id == roles.c.organisation_id)
        .where(roles.c.user_id == user_id)
        .order_by(func.length(orgs.c.path), orgs.c.id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(branch, role)


def _granted_organisation() -> ColumnElement[Any]:
    """For a role assignment's event: the organisation its latest earlier 'granted' event
    named (a revoked assignment's row is deleted)."""
    granted = _E.alias("granted")
    return (
        select(granted.c.data["organisation_id"].as_integer())
        .where(
            granted.c.entity_type == "role_assignment",
            granted.c.entity_id == _E.c.entity_id,
            granted.c.action == "granted",
            granted.c.id <= _E.c.id,
        )
        .order_by(granted.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _events_select() -> tuple[Select[Any], Any]:
    """SELECT … FROM audit_event with its placement, actor names; and the placed organisation."""
    place_terms: list[ColumnElement[Any]] = []
    source: Any = _E
    for entity_type, (table, column) in _PLACED_BY_ROW.items():
        alias = table.alias(f"p_{entity_type}")
        source = source.outerjoin(
            alias, and_(_E.c.entity_type == entity_type, alias.c.id == _E.c.entity_id)
        )
        place_terms.append(alias.c[column])
    place_terms.append(case((_E.c.entity_type == "user", _user_home(_E.c.entity_id))))
    place_terms.append(case((_E.c.entity_type == "role_assignment", _granted_organisation())))
    place_terms.append(case((_E.c.entity_type == "member_import", _user_home(_E.c.actor_user_id))))
    place_terms.append(_E.c.data["organisation_id"].as_integer())
    place_terms.append(_E.c.data["branch_id"].as_integer())
    place = _ORGS.alias("place")
    actor_user = _table(User).alias("actor_user")
    actor_sa = _table(ServiceAccount).alias("actor_sa")
    source = (
        source.outerjoin(place, place.c.id == func.coalesce(*place_terms))
        .outerjoin(actor_user, actor_user.c.id == _E.c.actor_user_id)
        .outerjoin(actor_sa, actor_sa.c.id == _E.c.actor_service_account_id)
    )
    stmt = select(
        _E.c.id,
        _E.c.created_at,
        _E.c.actor_user_id,
        actor_user.c.display_name.label("actor_user_name"),
        _E.c.actor_service_account_id,
        actor_sa.c.name.label("actor_sa_name"),
        place.c.id.label("organisation_id"),
        place.c.name.label("organisation_name"),
        _E.c.entity_type,
        _E.c.entity_id,
        _E.c.action,
        _E.c.from_state,
        _E.c.to_state,
        _E.c.comment,
        _E.c.data,
    ).select_from(source)
    return stmt, place


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL)


def filtered(filters: Filters) -> Select[Any]:
    """The events the filters select, newest first, unpaged."""
    stmt, place = _events_select()
    roots = filters.organisation_paths
    if "" not in roots:
        stmt = stmt.where(
            or_(*(place.c.path.startswith(r) for r in roots)) if roots else literal(False)
        )
    if filters.actor_user_id is not None:
        stmt = stmt.where(_E.c.actor_user_id == filters.actor_user_id)
    if filters.entity_type is not None:
        stmt = stmt.where(_E.c.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        stmt = stmt.where(_E.c.entity_id == filters.entity_id)
    if filters.action is not None:
        stmt = stmt.where(_E.c.action == filters.action)
    if filters.from_day is not None:
        stmt = stmt.where(_E.c.created_at >= _local_midnight(filters.from_day))
    if filters.to_day is not None:
        stmt = stmt.where(_E.c.created_at < _local_midnight(filters.to_day + timedelta(days=1)))
    return stmt.order_by(_E.c.created_at.desc(), _E.c.id.desc())


def after(stmt: Select[Any], position: tuple[datetime, int] | None) -> Select[Any]:
    """Only the events after position (created_at, id) in the newest-first order."""
    if position is None:
        return stmt
    at, event_id = position
    return stmt.where(or_(_E.c.created_at < at, and_(_E.c.created_at == at, _E.c.id < event_id)))


async def page(
    session: AsyncSession, filters: Filters, position: tuple[datetime, int] | None, limit: int
) -> list[Any]:
    """Up to limit events after position."""
    return list((await session.execute(after(filtered(filters), position).limit(limit))).all())


async def position_of(
    session: AsyncSession, event_id: int, organisation_paths: list[str]
) -> tuple[datetime, int] | None:
    """Where an event the caller may see stands in the order; None if it is not there or
    belongs to a subtree they do not see (a cursor tells nothing about other subtrees)."""
    stmt = filtered(Filters(organisation_paths=organisation_paths)).where(_E.c.id == event_id)
    row = (await session.execute(stmt.limit(1))).first()
    return (row.created_at, row.id) if row is not None else None
