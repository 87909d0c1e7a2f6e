"""When a round takes ballots, and who may cast and be rated (DESIGN.md §5).

A round is open from its creation until it is closed; it takes ballots only between its two
days, inclusive, counted in the standard's timezone. Nothing changes a closed round.

    phase:  scheduled (before opens_on) → open (taking ballots) → ended (after closes_on)
            → closed (by the secretary, at any time)
"""

from collections.abc import Iterable
from datetime import date
from typing import Literal

from app.errors import AppError, Conflict, Forbidden, RuleViolation

RoundPhase = Literal["scheduled", "open", "ended", "closed"]
# The longest window a round may have: a quarter.
LONGEST_WINDOW_DAYS = 92


def phase(*, status: str, opens_on: date, closes_on: date, today: date) -> RoundPhase:
    if status == "closed":
        return "closed"
    if today < opens_on:
        return "scheduled"
    if today > closes_on:
        return "ended"
    return "open"


def refusal_to_vote(current: RoundPhase, *, opens_on: date) -> AppError | None:
    """Why a round in this phase takes no ballot, or None when it takes one."""
    if current == "closed":
        return Conflict("This evaluation round is closed.", code="round_closed")
    if current == "ended":
        return Conflict("This evaluation round's window has ended.", code="round_ended")
    if current == "scheduled":
        return Conflict(
            f"This evaluation round takes ballots from {opens_on.isoformat()}.",
            code="round_not_started",
            opens_on=opens_on.isoformat(),
        )
    return None


def check_window(*, opens_on: date, closes_on: date, today: date) -> None:
    """A window must end no earlier than today and last at most a quarter."""
    if opens_on > closes_on:
        raise RuleViolation("The window must not end before it opens.", code="window_invalid")
    if closes_on < today:
        raise RuleViolation("The window must not end in the past.", code="window_passed")
    if (closes_on - opens_on).days >= LONGEST_WINDOW_DAYS:
        raise RuleViolation(
            f"A window lasts at most {LONGEST_WINDOW_DAYS} days.", code="window_too_long"
        )


def check_open(status: str) -> None:
    """Nothing changes a closed round."""
    if status == "closed":
        raise Conflict("This evaluation round is closed.", code="round_closed")


def check_ratings(
    rated: Iterable[int], *, rateable: set[int], voter_member_id: int | None = None
) -> None:
    """Each member at most once, only the round's members, and nobody themselves."""
    seen: set[int] = set()
    for member_id in rated:
        if member_id in seen:
            raise RuleViolation(
                "A ballot rates each member once.", code="duplicate_rating", member_id=member_id
            )
        seen.add(member_id)
        if member_id == voter_member_id:
            raise Forbidden("Nobody rates themselves.", code="self_rating")
        if member_id not in rateable:
            raise Conflict(
                "That member is not rated in this round.",
                code="not_rateable",
                member_id=member_id,
            )
