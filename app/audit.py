"""Audit events: every state change in a use case records one (record() for one, write()
for many); timeline() shows them."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Insert,
    Table,
    cast,
    insert,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock, lookups
from app.access import Principal
from app.models import AuditEvent
from app.schemas import PersonRef, TimelineEvent


def event(
    *,
    actor: Principal | None,
    entity_type: str,
    entity_id: int | None,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit event as the columns of its row, for write()."""
    return {
        "actor_user_id": actor.user_id if actor else None,
        "actor_service_account_id": actor.service_account_id if actor else None,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "comment": comment,
        "data": data,
        "created_at": clock.now(),
    }


def record(
    session: AsyncSession,
    *,
    actor: Principal | None,
    entity_type: str,
    entity_id: int,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Adds an audit event to the session; it is written with the next flush."""
    new = AuditEvent(
        **event(
            actor=actor,
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            comment=comment,
            data=data,
        )
    )
    session.add(new)
    return new


_AUDIT: Table = AuditEvent.__table__  # type: ignore[attr-defined]
_EVENT_COLUMNS = tuple(c.name for c in _AUDIT.columns if c.name not in ("id", "entity_id"))
# The columns an event names (event() makes them all but entity_id), with their SQL types.
EVENT_TYPES = {name: _AUDIT.c[name].type for name in _EVENT_COLUMNS}


async def write(session: AsyncSession, events: Sequence[dict[str, Any]]) -> None:
    """Writes events made by event() at once, with one INSERT of many rows."""
    if events:
        await session.execute(insert(_AUDIT), list(events))


def events_per_row(source: CTE, entity_id: ColumnElement[Any], *events: dict[str, Any]) -> Insert:
    """INSERT INTO audit_event … SELECT … FROM source: for each row of a CTE (rows a
    data-modifying statement returned), the events given, in their order; for a set-based
    change that writes its events in the same statement. An event's columns: SQL
    expressions over source, or plain values; those not named are NULL."""
    selects = []
    for columns in events:
        values: list[ColumnElement[Any]] = []
        for name in _EVENT_COLUMNS:
            value, column_type = columns.get(name), _AUDIT.c[name].type
            if not isinstance(value, ColumnElement):
                value = cast(null(), column_type) if value is None else literal(value, column_type)
            values.append(value.label(name))
        selects.append(select(*values, entity_id.label("entity_id")).select_from(source))
    rows = selects[0] if len(selects) == 1 else union_all(*selects)
    return insert(_AUDIT).from_select([*_EVENT_COLUMNS, "entity_id"], rows)


async def timeline(session: AsyncSession, events: Sequence[AuditEvent]) -> list[TimelineEvent]:
    """Events as a history to show, with the actors' names."""
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
