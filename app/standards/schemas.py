"""Standard version and item payloads."""

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from app.schemas import Amount, Id, InputModel, OutputModel
from app.standards import rules

Dimension = Literal["political", "discipline", "morality", "contribution", "deduction"]
BONUS_DIMENSIONS = ("political", "discipline", "morality", "contribution")
Category = Literal["rural_community", "institution", "new_org", "mobile"]
Grade = Literal["qualified", "basically_qualified", "unqualified"]
Points = Annotated[Amount, Field(gt=0, le=1000, max_digits=5, decimal_places=1)]
Score = Annotated[Amount, Field(ge=0, le=1000, max_digits=5, decimal_places=1)]


def parse_quota(value: str) -> Fraction:
    try:
        quota = Fraction(value.strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError("must be a fraction such as 1/3 or a decimal such as 0.3") from exc
    if not 0 <= quota <= 1:
        raise ValueError("must be between 0 and 1")
    return quota


class StandardSettings(InputModel):
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    base_score: Score | None = None
    dimension_caps: (
        dict[Literal["political", "discipline", "morality", "contribution"], Score] | None
    ) = None
    evaluation_points: Score | None = None
    threshold_excellent: Score | None = None
    threshold_qualified: Score | None = None
    threshold_basically_qualified: Score | None = None
    excellent_quota: Annotated[str, Field(max_length=16)] | None = None
    deadline_day: Annotated[int, Field(ge=1, le=28)] | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    min_ratings: Annotated[int, Field(ge=1, le=1000)] | None = None

    @field_validator("excellent_quota")
    @classmethod
    def _quota(cls, value: str | None) -> str | None:
        if value is not None:
            parse_quota(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        if value is not None:
            from zoneinfo import ZoneInfo, available_timezones

            if value not in available_timezones():
                raise ValueError("unknown time zone")
            ZoneInfo(value)
        return value

    @field_validator("dimension_caps")
    @classmethod
    def _caps(cls, value: dict[str, Decimal] | None) -> dict[str, Decimal] | None:
        if value is not None and set(value) != set(BONUS_DIMENSIONS):
            raise ValueError("give a cap for each of the four dimensions")
        return value


class StandardCreate(StandardSettings):
    organisation_id: Id
    year: Annotated[int, Field(ge=2000, le=2100)]
    based_on_id: Id | None = None


class ItemFields(InputModel):
    dimension: Dimension | None = None
    title: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    description: Annotated[str, Field(max_length=1000)] | None = None
    kind: Literal["bonus", "deduction"] | None = None
    points: Points | None = None
    max_per_month: Points | None = None
    max_per_year: Points | None = None
    source: Literal["self", "branch"] | None = None
    requires_evidence: bool | None = None
    categories: Annotated[list[Category], Field(min_length=1, max_length=4)] | None = None
    grade_ceiling: Grade | None = None
    ceiling_trigger_count: Annotated[int, Field(ge=1, le=100)] | None = None
    position: Annotated[int, Field(ge=0, le=10_000)] | None = None


class ItemCreate(ItemFields):
    code: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Z]{1,3}[0-9]{1,3}$")]
    dimension: Dimension
    title: Annotated[str, Field(min_length=1, max_length=100)]
    kind: Literal["bonus", "deduction"]
    points: Points
    source: Literal["self", "branch"] = "self"

    @model_validator(mode="after")
    def _coherent(self) -> "ItemCreate":
        validate_item(self.model_dump())
        return self


class ItemUpdate(ItemFields):
    pass


def validate_item(item: dict[str, object]) -> None:
    """The rules that define what an item is, raised as ValueError (a 422 from pydantic, a 409
    later). Caps are checked by the standard's validation (rules.py) and block publishing only,
    so a draft may hold them while it is being edited."""
    for problem in rules.item_shape_problems(item):
        raise ValueError(problem.message)


class ItemPublic(OutputModel):
    id: int
    code: str
    dimension: str
    title: str
    description: str
    kind: str
    points: Decimal
    max_per_month: Decimal | None
    max_per_year: Decimal | None
    source: str
    requires_evidence: bool
    categories: list[str] | None
    grade_ceiling: str | None
    ceiling_trigger_count: int
    position: int


class StandardSummary(OutputModel):
    id: int
    organisation_id: int
    year: int
    name: str
    status: str
    base_score: Decimal
    dimension_caps: dict[str, Decimal]
    evaluation_points: Decimal
    threshold_excellent: Decimal
    threshold_qualified: Decimal
    threshold_basically_qualified: Decimal
    excellent_quota: str
    deadline_day: int
    timezone: str
    min_ratings: int
    based_on_id: int | None
    created_at: datetime
    published_at: datetime | None


class StandardPublic(StandardSummary):
    items: list[ItemPublic]


class ProblemPublic(OutputModel):
    """One problem of a version: errors block publishing, warnings do not."""

    code: str
    severity: Literal["error", "warning"]
    message: str
    field: str | None
    item_id: int | None
    item_code: str | None
    params: dict[str, str]


class StandardValidation(OutputModel):
    standard_id: int
    publishable: bool
    errors: int
    warnings: int
    max_score: Decimal
    problems: list[ProblemPublic]


class FieldChangePublic(OutputModel):
    """A setting or an item field before and after; numbers as decimal strings."""

    field: str
    before: str | int | bool | list[str] | None
    after: str | int | bool | list[str] | None


class ItemChangePublic(OutputModel):
    code: str
    title: str
    item_id: int | None
    changes: list[FieldChangePublic]


class StandardDiff(OutputModel):
    """The differences of a version from `against` (the version it replaces), items by code;
    against is null when nothing is in force to compare with."""

    standard_id: int
    against: StandardSummary | None
    settings: list[FieldChangePublic]
    added: list[ItemPublic]
    removed: list[ItemPublic]
    changed: list[ItemChangePublic]
    unchanged: int
