"""Shared schema building blocks: strict strings, bounded ids, pagination, references."""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    model_validator,
)

MAX_ID = 2**31 - 1

T = TypeVar("T")


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if isinstance(value, dict):
        for v in value.values():
            _no_nul(v)
    if isinstance(value, list):
        for v in value:
            _no_nul(v)
    return value


class InputModel(BaseModel):
    """Base of every request body: strict types (no true for 1, no number for a day), unknown
    fields refused, strings stripped, NUL bytes refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        return _no_nul(data)


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _iso_day(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DAY.fullmatch(value):
        return value
    raise ValueError("must be a day written YYYY-MM-DD")


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A day in a request body: YYYY-MM-DD only (not a timestamp, not a date-time).
Day = Annotated[date, Strict(False), BeforeValidator(_iso_day)]
# Points in a request body: a JSON number or a decimal string (never true or false).
Amount = Annotated[Decimal, Strict(False)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
PageQuery = Annotated[int, Query(ge=1, le=100_000)]
PageSizeQuery = Annotated[int, Query(ge=1, le=200)]
SearchQuery = Annotated[str | None, Query(max_length=50)]
Text100 = Annotated[str, Field(min_length=1, max_length=100)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
Password = Annotated[str, Field(min_length=8, max_length=128)]


def _phone(value: str) -> str:
    digits = value.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 6 <= len(digits) <= 15:
        raise ValueError("must be a phone number of 6 to 15 digits")
    return digits


Phone = Annotated[str, Field(max_length=20), AfterValidator(_phone)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


class PersonRef(OutputModel):
    id: int
    name: str


class ItemRef(OutputModel):
    id: int
    code: str
    title: str
    dimension: str
    kind: str
    points: Decimal
    requires_evidence: bool


class TimelineEvent(OutputModel):
    at: datetime
    actor: PersonRef | None
    entity_type: str
    entity_id: int
    action: str
    from_state: str | None
    to_state: str | None
    comment: str | None
    data: dict[str, object] | None = None
