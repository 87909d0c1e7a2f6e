"""Writes audit events; every state change in a use case calls record()."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.access import Principal
from app.models import AuditEvent


def event(
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
    """An audit event, not yet written; record() or write() writes it."""
    return AuditEvent(
        actor_user_id=actor.user_id if actor else None,
        actor_service_account_id=actor.service_account_id if actor else None,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data,
        created_at=clock.now(),
    )


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
    new = event(
        actor=actor,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data,
    )
    session.add(new)
    return new


async def write(session: AsyncSession, events: Sequence[AuditEvent]) -> None:
    """Writes events at once with one plain INSERT (no unit of work, nothing to flush)."""
    if events:
        # render_nulls: one statement for all, even when rows leave different columns empty.
        await session.execute(
            insert(AuditEvent).execution_options(render_nulls=True),
            [e.model_dump(exclude={"id"}) for e in events],
        )
