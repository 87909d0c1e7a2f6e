"""The grading run's steps and what each allows (DESIGN.md §6; the four steps of the field:
自评 → 民主测评 → 支部评议 → 公示).

    draft ──start-self-assessment──▶ self_assessment ──start-review──▶ review
      ▲ recompute                    (自评, 民主测评)                    (支部评议: final grades)
                                                                          │ start-publicity
    approved ◀──approve── finalized ◀──finalize── publicity (公示, objections answered, term over)
                              └──send-back (with a reason)──▶ review

Each step is one endpoint; a step out of order is a 409 `grading_step` naming the current step.
An approved run never changes: a correction is a new run naming the run it corrects and why.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Literal

from app.errors import Conflict, RuleViolation
from app.scoring.grade import EXCELLENT, GRADE_ZH, GRADES

Step = Literal["draft", "self_assessment", "review", "publicity", "finalized", "approved"]
STEPS: tuple[Step, ...] = (
    "draft",
    "self_assessment",
    "review",
    "publicity",
    "finalized",
    "approved",
)
STEP_ZH: dict[str, str] = {
    "draft": "草稿",
    "self_assessment": "自评和民主测评",
    "review": "支部评议",
    "publicity": "公示",
    "finalized": "已定稿",
    "approved": "已审批",
}
DEFAULT_PUBLICITY_DAYS = 5
LONGEST_PUBLICITY_DAYS = 30


def require_step(current: str, *allowed: Step) -> None:
    """Refuses an action the run's current step does not allow."""
    if current not in allowed:
        wanted = " or ".join(allowed)
        raise Conflict(
            f"The grading run is at the step {current!r}; this needs {wanted}.",
            code="grading_step",
            step=current,
            allowed=list(allowed),
        )


def check_new_run(*, existing: str | None, correction_reason: str | None) -> None:
    """One run per branch and year; after approval, another only as a correction with a reason."""
    if existing is None:
        return
    if existing != "approved":
        raise Conflict(
            "The branch already has a grading run for this year in progress.",
            code="grading_exists",
            step=existing,
        )
    if not (correction_reason or "").strip():
        raise RuleViolation(
            "The year's grading is approved; a new run corrects it and needs a reason.",
            code="correction_reason_required",
        )


def check_grade(value: str) -> None:
    if value not in GRADES:
        raise RuleViolation(f"Unknown grade {value!r}.", code="unknown_grade")


def check_final(*, final: str, computed: str | None, reason: str | None) -> None:
    """A final grade that departs from the computed one needs a written reason."""
    check_grade(final)
    if final != computed and not (reason or "").strip():
        raise RuleViolation(
            f"The final grade {GRADE_ZH[final]} departs from the computed grade; give a reason.",
            code="reason_required",
        )


def check_quota(finals: Iterable[str | None], *, slots: int) -> None:
    """The excellent quota holds for the final grades too."""
    excellent = sum(1 for g in finals if g == EXCELLENT)
    if excellent > slots:
        raise RuleViolation(
            f"{excellent} members graded excellent; the branch has {slots} places.",
            code="quota_exceeded",
            excellent=excellent,
            slots=slots,
        )


def check_publicity_days(days: int) -> None:
    if not 1 <= days <= LONGEST_PUBLICITY_DAYS:
        raise RuleViolation(
            f"The public notice lasts 1 to {LONGEST_PUBLICITY_DAYS} days.",
            code="publicity_days_invalid",
        )


def publicity_ends_on(starts_on: date, days: int) -> date:
    """The last day of a notice of `days` days beginning on starts_on."""
    return starts_on + timedelta(days=days - 1)


def check_finalize(*, today: date, ends_on: date | None, unanswered: int) -> None:
    """Finalizing needs the notice's term over and every objection answered."""
    if ends_on is not None and today <= ends_on:
        raise Conflict(
            f"The public notice runs until {ends_on.isoformat()}.",
            code="publicity_not_over",
            ends_on=ends_on.isoformat(),
        )
    if unanswered:
        raise Conflict(
            f"{unanswered} objection(s) still need an answer.",
            code="objections_unanswered",
            unanswered=unanswered,
        )


def follow_up_kind(final_grade: str | None) -> str | None:
    """What an approved grade leads to: commendation, a mentor, a disposal record; or nothing."""
    return {
        "excellent": "commendation",
        "basically_qualified": "mentor",
        "unqualified": "disposal",
    }.get(final_grade or "")
