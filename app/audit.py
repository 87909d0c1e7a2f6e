"""Writes audit events; every state change in a use case calls record()."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.access import Principal
from app.models import AuditEvent


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
    event = AuditEvent(
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
    session.add(event)
    return event
