"""Sign-in, token and /me payloads."""

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from app.schemas import InputModel, OutputModel, Password


class LoginRequest(InputModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class PasswordChange(InputModel):
    current_password: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    must_change_password: bool = False


class ServiceTokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str


class MeUser(OutputModel):
    id: int
    username: str
    display_name: str
    must_change_password: bool
    is_superadmin: bool
    locale: str


class MeMember(BaseModel):
    id: int
    name: str
    phone: str
    category: str
    branch_id: int
    branch_name: str
    status: str
    joined_on: date
    is_probationary: bool


class MeRole(BaseModel):
    role: str
    organisation_id: int
    organisation_name: str
    organisation_kind: str


class MeResponse(BaseModel):
    user: MeUser
    member: MeMember | None
    roles: list[MeRole]
