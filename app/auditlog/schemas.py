"""Payloads of /audit-events."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from app.schemas import OutputModel


class ActorRef(OutputModel):
    """Who acted: a user (display name) or a service account (its name)."""

    id: int
    name: str


class OrganisationRef(OutputModel):
    id: int
    name: str


class AuditEventOut(OutputModel):
    id: int
    # When it happened; for evaluation ballots (peer_ballot, code_ballot) only the day, given
    # as that day's midnight in Asia/Shanghai (at_precision "day").
    at: datetime
    at_precision: Literal["second", "day"] = "second"
    actor: ActorRef | None
    actor_kind: Literal["user", "service_account", "none"]
    # The organisation the event belongs to (a claim's branch, a standard's committee, a user's
    # branch…); null for events that cannot be placed (shown to superadmins only).
    organisation: OrganisationRef | None
    entity_type: str
    entity_id: int
    action: str
    from_state: str | None
    to_state: str | None
    comment: str | None
    data: dict[str, object] | None = None


class AuditPage(BaseModel):
    """A page, newest first (created_at desc, id desc); next_cursor fetches the next one and is
    null on the last page."""

    items: list[AuditEventOut]
    next_cursor: str | None
