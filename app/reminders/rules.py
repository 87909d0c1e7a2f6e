"""What counts as having declared a month, who a reminder comes from, and the days left."""

from datetime import date, datetime

from app import periods
from app.access import ROLE_ACTIONS, Action, Principal, Role
from app.models import ClaimStatus

# A member has declared a month once a claim of theirs for it has reached the branch: submitted,
# or decided since (approved, rejected), or returned to them for changes. Drafts never left the
# phone and do not count; expired claims are drafts or returned claims the close swept away.
DECLARED_STATES: tuple[str, ...] = (
    ClaimStatus.submitted.value,
    ClaimStatus.approved.value,
    ClaimStatus.returned.value,
    ClaimStatus.rejected.value,
)

_RANK = {Role.reviewer: 1, Role.secretary: 2, Role.org_admin: 3, Role.superadmin: 4}


def sender_role(principal: Principal, branch_path: str) -> str:
    """The highest reviewing role the sender holds over the branch, as the member will read it."""
    if principal.is_superadmin:
        return Role.superadmin.value
    held = [
        g.role
        for g in principal.grants
        if branch_path.startswith(g.organisation_path)
        and g.role in _RANK
        and Action.claim_review in ROLE_ACTIONS[g.role]
    ]
    return max(held, key=_RANK.__getitem__).value if held else Role.reviewer.value


def declaring_period(now: datetime, *, deadline_day: int, timezone: str) -> str:
    """The month members are declaring now: last month until its deadline, then this month."""
    current = periods.current_period(now, timezone)
    last = periods.previous_period(current)
    if now <= periods.deadline(last, deadline_day=deadline_day, timezone=timezone):
        return last
    return current


def days_left(deadline: datetime, now: datetime, timezone: str) -> int | None:
    """Whole days from today to the deadline's day in the zone (0: today is the last day)."""
    if now > deadline:
        return None
    last: date = periods.local_today(deadline, timezone)
    return (last - periods.local_today(now, timezone)).days
