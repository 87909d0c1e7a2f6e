"""The rules of a claim (DESIGN.md §4, docs/MONTHLY-CYCLE.md): its state machine and the checks
of its content, caps and decisions. Pure functions of plain values; the use cases in
service.py call them, and nothing else decides these questions."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

from app.access import CallerMember, Principal
from app.errors import Conflict, Forbidden, InvalidTransition, RuleViolation
from app.models import ClaimStatus, StandardItem

S = ClaimStatus

# The state machine: action -> (states it may start from, state it leads to).
TRANSITIONS: dict[str, tuple[frozenset[ClaimStatus], ClaimStatus]] = {
    "submit": (frozenset({S.draft, S.returned}), S.submitted),
    "withdraw": (frozenset({S.submitted}), S.draft),
    "approve": (frozenset({S.submitted}), S.approved),
    "reject": (frozenset({S.submitted}), S.rejected),
    "return": (frozenset({S.submitted}), S.returned),
    "expire": (frozenset({S.draft, S.returned}), S.expired),
    # A reviewer undoes a decision while the month is open: the claim awaits a new one.
    "revert": (frozenset({S.approved, S.rejected, S.returned}), S.submitted),
}
EDITABLE = frozenset({S.draft, S.returned})
DELETABLE = frozenset({S.draft})
# States whose points count against an item's caps.
COUNTED = (S.submitted, S.approved)
MAX_EVIDENCE = 3

_PAST = {
    "submit": "submitted",
    "withdraw": "withdrawn",
    "approve": "approved",
    "reject": "rejected",
    "return": "returned",
    "expire": "expired",
    "revert": "reverted",
    "edit": "edited",
    "delete": "deleted",
}


def target_state(status: str, action: str) -> ClaimStatus:
    """The state action leads to from status, or a 409 naming the current state."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        refuse(status, action)
    return target


def require_state(status: str, allowed: frozenset[ClaimStatus], action: str) -> None:
    """Edits and deletions are allowed only in some states (EDITABLE, DELETABLE)."""
    if status not in allowed:
        refuse(status, action)


def refuse(status: str, action: str) -> NoReturn:
    raise InvalidTransition(
        f"A claim that is {status} cannot be {_PAST.get(action, action)}.",
        current_state=status,
        action=action,
    )


# -- who may act ----------------------------------------------------------------------------


def is_own(principal: Principal, member_id: int) -> bool:
    return principal.member is not None and principal.member.id == member_id


def claimant(principal: Principal) -> CallerMember:
    """The caller as a member who may make claims."""
    member = principal.member
    if member is None or principal.user is None:
        raise Forbidden("Only party members make claims.", code="not_a_member")
    if member.status != "active":
        raise Forbidden("Inactive members cannot make claims.", code="member_inactive")
    return member


def require_own(principal: Principal, member_id: int) -> None:
    if not is_own(principal, member_id):
        raise Forbidden("Only the member who made the claim may do this.", code="not_your_claim")


def require_not_own(principal: Principal, member_id: int) -> None:
    """Nobody reviews their own claim."""
    if is_own(principal, member_id):
        raise Forbidden(
            "Nobody reviews their own claim; another reviewer of the branch or an "
            "organisation admin above decides it.",
            code="self_review",
        )


# -- the content of a claim -----------------------------------------------------------------


def check_item(
    item: StandardItem | None,
    *,
    standard_id: int | None,
    category: str,
    occurred_on: date,
    today: date,
) -> StandardItem:
    """The item a member declares must be in the standard in force, self-declared, and for
    the member's category; the day must not be in the future."""
    if occurred_on > today:
        raise RuleViolation("occurred_on is in the future.", code="occurred_in_future")
    if item is None or item.standard_id != standard_id:
        raise RuleViolation(
            "The item is not part of the standard in force for this member and year.",
            code="item_not_in_standard",
        )
    if item.source != "self":
        raise RuleViolation(
            f"{item.code} is recorded by the branch, not declared by members.",
            code="item_not_self_declared",
        )
    if item.categories and category not in item.categories:
        raise RuleViolation(
            f"{item.code} does not apply to members of category {category}.",
            code="item_not_for_category",
        )
    return item


def check_window(period: str, deadline: datetime, now: datetime) -> None:
    """Submissions for a month close at the end of the deadline day of the next month."""
    if now > deadline:
        raise Conflict(
            f"Claims for {period} closed at {deadline.isoformat()}.",
            code="claim_window_closed",
            deadline=deadline.isoformat(),
        )


def check_quantity(item: StandardItem, claimed: Decimal) -> None:
    if item.max_per_month is not None and claimed > item.max_per_month:
        raise RuleViolation(
            f"{item.code} counts at most {item.max_per_month} points a month; "
            f"this claim asks for {claimed}.",
            code="quantity_over_limit",
            max_per_month=str(item.max_per_month),
        )


def check_evidence(item: StandardItem, files: int) -> None:
    if item.requires_evidence and not files:
        raise Conflict(
            f"{item.code} needs evidence: attach a photo or PDF before submitting.",
            code="evidence_required",
        )


def has_caps(item: StandardItem) -> bool:
    return item.max_per_month is not None or item.max_per_year is not None


def check_caps(item: StandardItem, claimed: Decimal, *, month_used: Any, year_used: Any) -> None:
    """Submitted and approved claims of an item may not pass its monthly and yearly caps."""
    for scope, limit, used_raw in (
        ("month", item.max_per_month, month_used),
        ("year", item.max_per_year, year_used),
    ):
        if limit is None:
            continue
        used = Decimal(str(used_raw or 0))
        if used + claimed > limit:
            raise Conflict(
                f"{item.code} counts at most {limit} points a {scope}; {used} are already "
                f"submitted or approved.",
                code=f"item_{scope}_limit_reached",
                limit=str(limit),
                used=str(used),
            )


# -- decisions ------------------------------------------------------------------------------


def decision_values(
    claimed: Decimal, decision: str, points: Decimal | None, comment: str | None
) -> dict[str, Any]:
    """Checks a decision's payload; returns the claim's columns it sets."""
    if decision != "approve":
        if points is not None:
            raise RuleViolation(
                "Points are granted only when approving.", code="points_only_on_approve"
            )
        if not comment:
            raise RuleViolation(
                f"A comment is required to {decision} a claim.", code="comment_required"
            )
        return {"decision_comment": comment}
    granted = claimed if points is None else points
    if granted > claimed:
        raise RuleViolation(
            f"At most the {claimed} points claimed can be granted.", code="points_over_claimed"
        )
    if granted < claimed and not comment:
        raise RuleViolation(
            "Granting fewer points than claimed needs a comment giving the reason.",
            code="comment_required",
        )
    return {"granted_points": granted, "decision_comment": comment}
