"""Payloads of the annual score and grading: the score's breakdown, the projected grade and its
reasons, the grading run and its members' results, votes, objections and follow-ups."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from app.grading.rules import Step
from app.schemas import Id, InputModel, OutputModel, PersonRef

GradeName = Literal["excellent", "qualified", "basically_qualified", "unqualified"]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
NextBlock = Literal["top", "ceiling_item", "ceiling_poor_share", "quota", "not_graded"]
Reason500 = Annotated[str, Field(max_length=500)]


# -- the score -----------------------------------------------------------------------------------


class ItemBreakdown(OutputModel):
    code: str
    dimension: str
    kind: str
    approved: Decimal = Field(description="Approved points of the year")
    counted: Decimal = Field(description="What counts after the item's monthly and yearly caps")
    over_month_cap: Decimal
    over_year_cap: Decimal


class DimensionBreakdown(OutputModel):
    dimension: str
    cap: Decimal | None
    earned: Decimal = Field(description="The items' counted points")
    scaled: Decimal | None = Field(description="earned × 12 / m for a member here m < 12 months")
    counted: Decimal = Field(description="What goes into the score, after the dimension's cap")
    over_cap: Decimal
    remaining: Decimal | None = Field(description="Points still open under the dimension's cap")
    items: list[ItemBreakdown]


class CappedAway(OutputModel):
    cap: Literal["per_month", "per_year", "dimension"]
    dimension: str
    item_code: str | None
    points: Decimal


class ScoreBreakdown(OutputModel):
    base_score: Decimal
    dimensions: list[DimensionBreakdown]
    bonus_total: Decimal
    evaluation_points: Decimal
    deductions: list[ItemBreakdown]
    deduction_total: Decimal
    total: Decimal
    membership_months: int = Field(description="m: months of the year here (12: all year)")
    capped_away: list[CappedAway]


class ReasonOut(OutputModel):
    code: str = Field(
        description="threshold, ceiling_item, ceiling_poor_share, quota_cut, quota_tie, "
        "joined_mid_year, not_graded_probationary, not_graded_short_membership"
    )
    grade: GradeName | None = None
    line: Decimal | None = None
    item_code: str | None = None
    item_title: str | None = None
    count: int | None = None
    trigger_count: int | None = None
    slots: int | None = None
    months: int | None = None
    tied_with: int | None = None


class Projection(OutputModel):
    """The grade the rules propose, why, and what stands before the next grade."""

    graded: bool
    threshold_grade: GradeName | None
    ceiling: GradeName | None
    grade: GradeName | None
    tie: bool
    reasons: list[ReasonOut]
    sentence: str = Field(description="The reasons in a sentence a member understands (zh-CN)")
    next_grade: GradeName | None
    points_to_next: Decimal | None
    next_blocked_by: (
        Literal["top", "ceiling_item", "ceiling_poor_share", "quota", "not_graded"] | None
    )
    next_sentence: str


class EvaluationPart(OutputModel):
    rate: Decimal
    rate_source: Literal["own", "branch_mean", "default"]
    points: Decimal
    poor_share: Decimal | None
    poor_over_a_third: bool


class MemberScore(OutputModel):
    member: PersonRef
    year: int
    standard_id: int | None
    excellent_slots: int = Field(description="The branch's excellent places as it stands")
    score: ScoreBreakdown
    evaluation: EvaluationPart
    projection: Projection


# -- the run -------------------------------------------------------------------------------------


class GradingCreate(InputModel):
    year: Annotated[int, Field(ge=2000, le=2100)]
    correction_reason: Reason500 | None = Field(
        default=None, description="Required when the year's grading is approved: why it is redone"
    )


class PublicityStart(InputModel):
    days: Annotated[int, Field(ge=1, le=30)] = 5


class SendBack(InputModel):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class SelfAssessmentIn(InputModel):
    grade: GradeName
    text: Text


class VoteIn(InputModel):
    member_id: Id
    grade: GradeName


class BallotIn(InputModel):
    votes: Annotated[list[VoteIn], Field(min_length=1, max_length=500)]


class VoteAccepted(OutputModel):
    run_id: int
    votes: int


class FinalGradeIn(InputModel):
    grade: GradeName
    reason: Reason500 | None = None


class ObjectionIn(InputModel):
    member_id: Id = Field(description="The member whose result the objection is about")
    text: Annotated[str, Field(min_length=1, max_length=1000)]


class AnswerIn(InputModel):
    answer: Annotated[str, Field(min_length=1, max_length=1000)]


class FollowUpIn(InputModel):
    mentor_member_id: Id | None = None
    measure: Annotated[str, Field(max_length=200)] | None = None
    status: Literal["open", "in_progress", "done"] | None = None
    notes: Annotated[str, Field(max_length=2000)] | None = None


class Tally(OutputModel):
    excellent: int = 0
    qualified: int = 0
    basically_qualified: int = 0
    unqualified: int = 0


class ResultOut(OutputModel):
    member: PersonRef
    graded: bool
    total: Decimal
    computed_grade: GradeName | None
    tie: bool
    reasons: list[ReasonOut]
    sentence: str
    score: ScoreBreakdown | None = Field(description="Shown to the branch committee and above")
    self_grade: GradeName | None
    self_assessment: str | None
    votes: Tally | None = Field(description="The democratic vote, from the review step on")
    final_grade: GradeName | None
    final_reason: str | None


class ObjectionOut(OutputModel):
    id: int
    member: PersonRef
    text: str
    created_at: datetime
    answer: str | None
    answered_at: datetime | None
    mine: bool = Field(default=False, description="Filed by the caller")


class FollowUpOut(OutputModel):
    member: PersonRef
    kind: Literal["commendation", "mentor", "disposal"]
    mentor: PersonRef | None
    measure: str | None
    status: Literal["open", "in_progress", "done"]
    notes: str | None
    updated_at: datetime


class RunSummary(OutputModel):
    id: int
    branch: PersonRef
    year: int
    status: Step
    graded_count: int
    excellent_slots: int
    publicity_starts_on: date | None
    publicity_ends_on: date | None
    corrects_run_id: int | None
    correction_reason: str | None
    sent_back_reason: str | None
    created_at: datetime
    computed_at: datetime
    approved_at: datetime | None


class RunOut(RunSummary):
    """The run and its members' results; what a caller sees depends on who they are and the step."""

    voters: int = Field(description="Members who have cast their vote")
    eligible_voters: int = Field(description="Full members of the run, who vote")
    results: list[ResultOut]
    objections: list[ObjectionOut]
    follow_ups: list[FollowUpOut]
    can_manage: bool
    can_approve: bool


class MyGrading(OutputModel):
    """A member's part in their branch's current run."""

    run: RunSummary
    self_grade: GradeName | None
    self_assessment: str | None
    voted: bool
    peers: list[PersonRef] = Field(description="Whom the member votes on (their branch but them)")
    final_grade: GradeName | None
    final_reason: str | None
    sentence: str | None


class BranchGradeSummary(OutputModel):
    branch: PersonRef
    run_id: int | None
    status: Step | None
    members: int
    excellent: int
    qualified: int
    basically_qualified: int
    unqualified: int
    not_graded: int
    excellent_share: Decimal | None


class SubtreeSummary(OutputModel):
    organisation: PersonRef
    year: int
    branches: list[BranchGradeSummary]
    not_approved: int = Field(description="Branches whose run is missing or not yet approved")
