"""Member import payloads."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from app.schemas import InputModel, OutputModel, Password

ImportStatus = Literal["dry_run", "applying", "applied", "failed"]
RowAction = Literal["create", "update", "unchanged", "refuse"]


class RowReason(BaseModel):
    code: str
    field: str
    message: str


class ImportCounts(BaseModel):
    create: int
    update: int
    unchanged: int
    refuse: int


class ImportProgress(BaseModel):
    done: int
    total: int


class ImportRowPublic(OutputModel):
    row: int
    action: RowAction
    member_id: int | None
    name: str | None
    phone: str | None
    branch_id: int | None
    category: str | None
    joined_on: date | None
    is_probationary: bool | None
    gender: str | None
    cells: dict[str, Any]
    reasons: list[RowReason]


class ImportPublic(BaseModel):
    id: int
    status: ImportStatus
    filename: str
    file_format: str
    counts: ImportCounts
    progress: ImportProgress
    error: str | None
    created_at: datetime
    applied_at: datetime | None
    credentials_available: bool
    rows: list[ImportRowPublic]
    rows_total: int


class ActivationRequest(InputModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    code: Annotated[str, Field(min_length=1, max_length=40)]
    new_password: Password
