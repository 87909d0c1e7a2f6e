"""Audit events: who changed what, when, from which state to which."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import ts_column, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity_type", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor_service_account_id: int | None = Field(default=None, foreign_key="service_account.id")
    entity_type: str = Field(max_length=40)
    entity_id: int
    action: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=40)
    to_state: str | None = Field(default=None, max_length=40)
    comment: str | None = Field(default=None, max_length=1000)
    data: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(index=True))
