"""The annual grading (年度定级): a branch's run through its steps, each member's result, the
democratic vote, objections during the public notice, and the follow-ups once approved.

The vote is anonymous by the tables' shape, as the evaluation's ratings are: a vote names the
run, the member voted on and the grade, never the voter; its id is random; it carries no time.
Who has voted is a receipt in another table with nothing to join on.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import ts_column, utcnow
from app.models.standard import POINTS

GRADE_VALUES = "('excellent','qualified','basically_qualified','unqualified')"


class GradingRun(SQLModel, table=True):
    """One branch's grading of one year. A correction after approval is a new run naming the
    run it corrects and why; the approved run itself never changes."""

    __tablename__ = "grading_run"
    __table_args__ = (
        sa.CheckConstraint(
            "status in ('draft','self_assessment','review','publicity','finalized','approved')",
            name="status",
        ),
        sa.Index("ix_grading_run_branch_year", "branch_id", "year"),
        # One first run per branch and year; the others are corrections, each of another run.
        sa.Index(
            "uq_grading_run_first",
            "branch_id",
            "year",
            unique=True,
            sqlite_where=sa.text("corrects_run_id IS NULL"),
            postgresql_where=sa.text("corrects_run_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="organisation.id")
    year: int
    status: str = Field(default="draft", max_length=20)
    standard_id: int | None = Field(default=None, foreign_key="standard_version.id")
    excellent_slots: int = Field(default=0)
    graded_count: int = Field(default=0)
    computed_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    publicity_days: int = Field(default=5)
    publicity_starts_on: date | None = None
    publicity_ends_on: date | None = None
    corrects_run_id: int | None = Field(default=None, foreign_key="grading_run.id", unique=True)
    correction_reason: str | None = Field(default=None, max_length=500)
    sent_back_reason: str | None = Field(default=None, max_length=500)
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    approved_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    approved_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class GradingResult(SQLModel, table=True):
    """A member's line in a run: the computed score and grade with its reasons, the member's
    self-assessment, and the branch's final grade (with a reason where it departs)."""

    __tablename__ = "grading_result"
    __table_args__ = (
        sa.CheckConstraint(
            f"computed_grade is null or computed_grade in {GRADE_VALUES}", name="computed"
        ),
        sa.CheckConstraint(f"final_grade is null or final_grade in {GRADE_VALUES}", name="final"),
        sa.CheckConstraint(f"self_grade is null or self_grade in {GRADE_VALUES}", name="self"),
    )

    run_id: int = Field(foreign_key="grading_run.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    graded: bool
    total: Decimal = Field(sa_column=sa.Column(POINTS, nullable=False))
    computed_grade: str | None = Field(default=None, max_length=20)
    tie: bool = Field(default=False)
    # The score's breakdown, the reasons and the sentence, as computed (app/scoring).
    detail: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    self_grade: str | None = Field(default=None, max_length=20)
    self_assessment: str | None = Field(default=None, max_length=2000)
    self_assessed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    final_grade: str | None = Field(default=None, max_length=20)
    final_reason: str | None = Field(default=None, max_length=500)
    decided_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")


class GradingVoter(SQLModel, table=True):
    """That a member has cast their vote in a run; nothing about what it said."""

    __tablename__ = "grading_voter"

    run_id: int = Field(foreign_key="grading_run.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)


class GradingVote(SQLModel, table=True):
    """One grade for one member in the democratic vote (民主测评), by someone nobody can tell:
    random id, no rowid on SQLite, no time; rewritten in random order when the vote ends."""

    __tablename__ = "grading_vote"
    __table_args__ = (
        sa.CheckConstraint(f"grade in {GRADE_VALUES}", name="grade"),
        sa.Index("ix_grading_vote_run_member", "run_id", "member_id"),
        {"sqlite_with_rowid": False},
    )

    id: str = Field(primary_key=True, max_length=32)
    run_id: int = Field(foreign_key="grading_run.id")
    member_id: int = Field(foreign_key="member.id")
    grade: str = Field(max_length=20)


class GradingObjection(SQLModel, table=True):
    """An objection (异议) to a result during the public notice, and the branch's answer."""

    __tablename__ = "grading_objection"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="grading_run.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    filed_by_member_id: int = Field(foreign_key="member.id")
    text: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    answer: str | None = Field(default=None, max_length=1000)
    answered_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    answered_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class GradingFollowUp(SQLModel, table=True):
    """What follows an approved grade: commendation (excellent), a mentor (结对帮扶, basically
    qualified) or a disposal record (处置, unqualified)."""

    __tablename__ = "grading_follow_up"
    __table_args__ = (
        sa.CheckConstraint("kind in ('commendation','mentor','disposal')", name="kind"),
        sa.CheckConstraint("status in ('open','in_progress','done')", name="status"),
    )

    run_id: int = Field(foreign_key="grading_run.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    kind: str = Field(max_length=20)
    mentor_member_id: int | None = Field(default=None, foreign_key="member.id")
    measure: str | None = Field(default=None, max_length=200)
    status: str = Field(default="open", max_length=20)
    notes: str | None = Field(default=None, max_length=2000)
    updated_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


__all__ = [
    "GradingFollowUp",
    "GradingObjection",
    "GradingResult",
    "GradingRun",
    "GradingVote",
    "GradingVoter",
]
