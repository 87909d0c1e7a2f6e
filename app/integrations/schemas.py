"""Service account payloads."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from app.schemas import Id, InputModel, OutputModel, Text100

Scope = Literal[
    "orgs:read",
    "orgs:write",
    "members:read",
    "members:write",
    "standards:read",
    "standards:write",
    "claims:read",
    "points:read",
]


class ServiceAccountCreate(InputModel):
    name: Text100
    organisation_id: Id
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=20)]


class ServiceAccountPublic(OutputModel):
    id: int
    name: str
    client_id: str
    scopes: list[str]
    organisation_id: int
    is_active: bool
    created_at: datetime
    last_used_at: datetime | None


class ServiceAccountCreated(ServiceAccountPublic):
    client_secret: str
