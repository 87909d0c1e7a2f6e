"""Payloads of the quarterly evaluation: rounds, codes, ballots, results, a member's year."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from app.evaluation.rules import RoundPhase
from app.schemas import Day, Id, InputModel, OutputModel, PersonRef

Rating = Literal["good", "fair", "poor", "skip"]
RateSource = Literal["own", "branch_mean", "default"]
MAX_CODES_PER_BATCH = 1000
Comment = Annotated[str, Field(max_length=200)]


class RoundCreate(InputModel):
    year: Annotated[int, Field(ge=2000, le=2100)]
    quarter: Annotated[int, Field(ge=1, le=4)]
    opens_on: Day
    closes_on: Day

    @model_validator(mode="after")
    def _window(self) -> "RoundCreate":
        if self.opens_on > self.closes_on:
            raise ValueError("opens_on must not be after closes_on")
        return self


class RoundUpdate(InputModel):
    """A new window for a round still open, e.g. a few more days for the masses."""

    opens_on: Day | None = None
    closes_on: Day | None = None


class RoundPublic(OutputModel):
    id: int
    branch: PersonRef = Field(description="The branch (id and name)")
    year: int
    quarter: int
    opens_on: date
    closes_on: date
    status: Literal["open", "closed"]
    phase: RoundPhase = Field(
        description="scheduled (before its window), open (taking ballots), ended (window over, "
        "not yet closed) or closed"
    )
    min_ratings: int
    created_at: datetime
    closed_at: datetime | None


class MemberProgress(OutputModel):
    member: PersonRef
    rated: int = Field(description="Ratings so far, 不了解 (skip) included")
    under_min: bool = Field(description="Fewer than min_ratings ratings other than skip so far")


class RoundProgress(RoundPublic):
    codes_issued: int
    codes_spent: int
    batches: int = Field(description="Batches of codes issued so far (the sheets printed)")
    peer_ballots: int
    peers: int = Field(description="Active members of the branch, who may each cast a ballot")
    members: list[MemberProgress]
    under_min: int = Field(description="Members with fewer than min_ratings ratings so far")


class CodesIssue(InputModel):
    count: Annotated[int, Field(ge=1, le=MAX_CODES_PER_BATCH)]


class RatingIn(InputModel):
    member_id: Id
    rating: Rating
    comment: Comment | None = None


Ratings = Annotated[list[RatingIn], Field(min_length=1, max_length=500)]


class PeerBallot(InputModel):
    ratings: Ratings


class CodeLookup(InputModel):
    code: Annotated[str, Field(min_length=1, max_length=64)]


class CodeBallot(InputModel):
    code: Annotated[str, Field(min_length=1, max_length=64)]
    round_id: Id = Field(description="The round whose page was filled in (from the look-up)")
    ratings: Ratings


class BallotForm(OutputModel):
    """What a voter sees: the round and the members to rate, by name only."""

    round_id: int
    branch_name: str
    year: int
    quarter: int
    closes_on: date
    members: list[PersonRef]
    voted: bool = False


class BallotAccepted(OutputModel):
    round_id: int
    ratings: int


class MyRound(OutputModel):
    """An open round of the caller's branch, for the card on the member's home."""

    id: int
    year: int
    quarter: int
    closes_on: date
    voted: bool


class MemberResult(OutputModel):
    member: PersonRef
    good: int
    fair: int
    poor: int
    skip: int
    n: int
    rate: Decimal | None = Field(description="(good + 0.5 × fair) / n; null below min_ratings")
    qualifies: bool


class ResultComment(OutputModel):
    member: PersonRef
    comment: str


class RoundResults(OutputModel):
    round: RoundPublic
    ballots: int = Field(description="Ballots cast: codes spent and peer ballots")
    members: list[MemberResult]
    comments: list[ResultComment] = Field(
        description="Unattributed, ordered by member, then in an order unrelated to submission"
    )


class QuarterEvaluation(OutputModel):
    quarter: int
    round_id: int | None = Field(description="The branch's closed round of the quarter, if any")
    good: int
    fair: int
    poor: int
    skip: int
    n: int
    rate: Decimal | None
    qualifies: bool


class MemberEvaluation(OutputModel):
    member: PersonRef
    year: int
    min_ratings: int
    quarters: list[QuarterEvaluation]
    rate: Decimal
    rate_source: RateSource = Field(
        description="own (mean of qualifying quarters), branch_mean (none qualifies) or default"
    )
    evaluation_max: Decimal
    points: Decimal
    poor: int
    rated: int
    poor_share: Decimal | None
    poor_over_a_third: bool
