"""Writes audit events; every state change in a use case calls record()."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.access import Principal
from app.models import AuditEvent


def row(
    *,
    actor: Principal | None,
    entity_type: str,
    entity_id: int,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit event as the columns of its row, not yet written; write() writes it.

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


_INSERT = insert(AuditEvent.__table__)  # type: ignore[attr-defined]


async def write(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Writes rows made by row() with one plain INSERT (no unit of work, nothing to flush)."""
    if rows:
        # Every row has every column (row() makes them so), as one executemany needs.
        await session.execute(_INSERT, list(rows))
