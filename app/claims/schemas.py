"""Claim, evidence, review and timeline payloads."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from app.models.claim import ClaimStatus
from app.schemas import Amount, Day, Id, InputModel, ItemRef, OutputModel, PersonRef, Reason

Decision = Literal["approve", "reject", "return"]
Quantity = Annotated[int, Field(ge=1, le=100)]
Description = Annotated[str, Field(min_length=1, max_length=500)]
Comment = Annotated[str, Field(min_length=1, max_length=500)]
GrantedPoints = Annotated[Amount, Field(gt=0, le=1000, max_digits=5, decimal_places=1)]


class ClaimCreate(InputModel):
    item_id: Id
    occurred_on: Day
    quantity: Quantity = 1
    description: Description
    submit: bool = Field(default=False, description="Submit at once instead of keeping a draft.")


class ClaimUpdate(InputModel):
    item_id: Id | None = None
    occurred_on: Day | None = None
    quantity: Quantity | None = None
    description: Description | None = None


class CommentBody(InputModel):
    comment: Comment


class RevertBody(InputModel):
    reason: Reason


class ApproveBody(InputModel):
    points: GrantedPoints | None = Field(
        default=None, description="Points granted; fewer than claimed needs a comment."
    )
    comment: Comment | None = None


class BulkDecision(InputModel):
    claim_id: Id
    decision: Decision
    points: GrantedPoints | None = None
    comment: Comment | None = None


class BulkReview(InputModel):
    decisions: Annotated[list[BulkDecision], Field(min_length=1, max_length=500)]


class BulkResult(OutputModel):
    claim_id: int
    ok: bool
    status: ClaimStatus | None = None
    code: str | None = None
    detail: str | None = None


class BulkReviewResult(OutputModel):
    succeeded: int
    failed: int
    results: list[BulkResult]


class EvidencePublic(OutputModel):
    id: int
    claim_id: int
    name: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    url: str
    created_at: datetime


class ClaimPublic(OutputModel):
    id: int
    member: PersonRef
    branch_id: int
    item: ItemRef
    period: str
    occurred_on: date
    quantity: int
    description: str
    claimed_points: Decimal
    granted_points: Decimal | None
    status: ClaimStatus
    decision_comment: str | None
    reviewed_by: PersonRef | None
    submitted_at: datetime | None
    decided_at: datetime | None
    decision_seen: bool
    evidence_count: int
    version: int
    created_at: datetime
    updated_at: datetime


class ClaimDetail(ClaimPublic):
    evidence: list[EvidencePublic]
    deadline: datetime
    month_locked: bool


class SeenBody(InputModel):
    claim_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]


class SeenResult(OutputModel):
    marked: int
