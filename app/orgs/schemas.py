"""Organisation payloads."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.schemas import Id, InputModel, OutputModel, Text100

OrgKind = Literal["committee", "general_branch", "branch"]


class OrganisationCreate(InputModel):
    name: Text100
    kind: OrgKind
    parent_id: Id | None = None


class OrganisationRename(InputModel):
    name: Text100


class OrganisationMove(InputModel):
    parent_id: Id


class OrganisationPublic(OutputModel):
    id: int
    name: str
    kind: str
    parent_id: int | None
    path: str
    depth: int
    archived_at: datetime | None
    created_at: datetime


class OrganisationListItem(OrganisationPublic):
    member_count: int = Field(
        description="Active members of the organisation and every branch below it"
    )
