"""Member, transfer and role-assignment payloads."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, field_validator

from app import clock
from app.schemas import Day, Id, InputModel, OutputModel, Phone, Reason

Category = Literal["rural_community", "institution", "new_org", "mobile"]
Gender = Literal["male", "female"]
Name = Annotated[str, Field(min_length=1, max_length=50)]


def _not_future(value: date | None) -> date | None:
    if value is not None and value > clock.now().date():
        raise ValueError("must not be in the future")
    if value is not None and value.year < 1921:
        raise ValueError("must be a real joining date")
    return value


class MemberCreate(InputModel):
    name: Name
    phone: Phone
    branch_id: Id
    category: Category
    joined_on: Day
    is_probationary: bool = False
    gender: Gender | None = None
    username: Annotated[
        str | None, Field(default=None, min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    ] = None

    _joined = field_validator("joined_on")(_not_future)


class MemberUpdate(InputModel):
    name: Name | None = None
    phone: Phone | None = None
    category: Category | None = None
    joined_on: Day | None = None
    is_probationary: bool | None = None
    gender: Gender | None = None

    _joined = field_validator("joined_on")(_not_future)


class MemberTransferRequest(InputModel):
    to_branch_id: Id
    reason: Reason
    transferred_on: Day | None = None

    _on = field_validator("transferred_on")(_not_future)


class DeactivateRequest(InputModel):
    reason: Reason


class MemberPublic(OutputModel):
    id: int
    user_id: int | None
    name: str
    gender: str | None
    phone: str
    category: str
    branch_id: int
    status: str
    joined_on: date
    is_probationary: bool
    created_at: datetime
    updated_at: datetime


class MemberListItem(MemberPublic):
    branch_name: str


class AccountCredentials(OutputModel):
    username: str
    initial_password: str


class MemberCreated(MemberPublic):
    account: AccountCredentials


class TransferPublic(OutputModel):
    id: int
    member_id: int
    from_branch_id: int
    to_branch_id: int
    transferred_on: date
    reason: str
    actor_user_id: int | None
    created_at: datetime


class RoleAssignmentCreate(InputModel):
    user_id: Id
    role: Literal["reviewer", "secretary", "org_admin"]
    organisation_id: Id


class RoleAssignmentPublic(OutputModel):
    id: int
    user_id: int
    role: str
    organisation_id: int
    created_at: datetime


class MemberRolePublic(RoleAssignmentPublic):
    organisation_name: str
    organisation_kind: str
