"""Writes audit events; every state change in a use case calls record()."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Insert,
    Table,
    bindparam,
    cast,
    insert,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.access import Principal
from app.models import AuditEvent


def row(
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
    """An audit event as the columns of its row, not yet written; write() writes it, or
    insert_with_events() with the new row it is about (entity_id None: filled in there).

    A plain dict, not an AuditEvent: building a table model instance costs more than the
    INSERT of its row."""
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
        **row(
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
_INSERT = insert(_AUDIT)
_EVENT_COLUMNS = tuple(c.name for c in _AUDIT.columns if c.name not in ("id", "entity_id"))


async def write(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Writes rows made by row() with one plain INSERT (no unit of work, nothing to flush)."""
    if rows:
        # Every row has every column (row() makes them so), as one executemany needs.
        await session.execute(_INSERT, list(rows))


async def insert_with_events(
    session: AsyncSession, table: Table, values: dict[str, Any], events: Sequence[dict[str, Any]]
) -> int:
    """Inserts a row (values: every column but its id) and its audit events, made by row()
    with entity_id None; returns the new row's id.

    On PostgreSQL one statement does both (the row's INSERT … RETURNING id as a CTE that the
    events' INSERT … SELECT reads): a round trip less on the busiest path, a claim submitted
    at month end. Elsewhere, two statements."""
    if session.get_bind().dialect.name != "postgresql" or not events:
        returning = _INSERT_RETURNING_ID.get(table.name)
        if returning is None:
            returning = _INSERT_RETURNING_ID[table.name] = insert(table).returning(table.c.id)
        new_id: int = (await session.execute(returning, values)).scalar_one()
        if events:
            await write(session, [{**event, "entity_id": new_id} for event in events])
        return new_id
    key = (table.name, tuple(values), len(events))
    statement = _ROW_AND_EVENTS.get(key)
    if statement is None:
        new_row = new_row_cte(table, tuple(values))
        statement = _ROW_AND_EVENTS[key] = events_of(new_row, len(events)).returning(
            _AUDIT.c.entity_id
        )
    entity_ids: list[int] = list(
        (await session.execute(statement, row_and_event_params(values, events))).scalars()
    )
    return entity_ids[0]


_INSERT_RETURNING_ID: dict[str, Insert] = {}
_ROW_AND_EVENTS: dict[tuple[str, tuple[str, ...], int], Insert] = {}


def new_row_cte(table: Table, columns: tuple[str, ...], *, only_with: CTE | None = None) -> CTE:
    """INSERT INTO table (columns) VALUES (:r_column, …) RETURNING id, as the CTE new_row;
    with only_with, INSERT … SELECT :r_column, … FROM only_with: a row only if that CTE has
    one. Parameters are named by row_and_event_params()."""
    binds = [bindparam(f"r_{name}", type_=table.c[name].type) for name in columns]
    if only_with is None:
        inserted = insert(table).values(dict(zip(columns, binds, strict=True)))
    else:
        inserted = insert(table).from_select(list(columns), select(*binds).select_from(only_with))
    return inserted.returning(table.c.id).cte("new_row")


def events_of(new_row: CTE, n_events: int) -> Insert:
    """INSERT INTO audit_event … SELECT :e0_column, …, new_row.id FROM new_row [UNION ALL …]:
    n events about the row that new_row inserts (see new_row_cte)."""
    selects = [
        select(
            *(
                bindparam(f"e{i}_{name}", type_=_AUDIT.c[name].type).label(name)
                for name in _EVENT_COLUMNS
            ),
            new_row.c.id.label("entity_id"),
        )
        for i in range(n_events)
    ]
    source = selects[0] if n_events == 1 else union_all(*selects)
    return insert(_AUDIT).from_select([*_EVENT_COLUMNS, "entity_id"], source)


def row_and_event_params(
    values: dict[str, Any], events: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The parameters of new_row_cte() and events_of() for a row's values and its events."""
    params = {f"r_{name}": value for name, value in values.items()}
    for i, event in enumerate(events):
        params.update({f"e{i}_{name}": event[name] for name in _EVENT_COLUMNS})
    return params


def events_per_row(source: CTE, entity_id: ColumnElement[Any], **columns: Any) -> Insert:
    """INSERT INTO audit_event … SELECT … FROM source: one event per row of a CTE (rows a
    data-modifying statement returned), about the row whose id is entity_id. columns: the
    event's other columns, as SQL expressions over source or plain values (bound as
    parameters); those not named are NULL."""
    values: dict[str, ColumnElement[Any]] = {}
    for name in _EVENT_COLUMNS:
        value, column_type = columns.get(name), _AUDIT.c[name].type
        if isinstance(value, ColumnElement):
            values[name] = value
        elif value is None:
            values[name] = cast(null(), column_type)
        else:
            values[name] = literal(value, type_=column_type)
    return insert(_AUDIT).from_select(
        [*_EVENT_COLUMNS, "entity_id"],
        select(*(value.label(name) for name, value in values.items()), entity_id).select_from(
            source
        ),
    )
