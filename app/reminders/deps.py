"""The branch of an undeclared-list or reminder route, for someone who reviews its claims."""

from typing import Annotated

from fastapi import Depends

from app.access import Action
from app.deps import CurrentPrincipal
from app.errors import Forbidden
from app.models import Organisation
from app.months.deps import Branch


async def branch_follower(branch: Branch, principal: CurrentPrincipal) -> Organisation:
    """A reviewer or secretary of the branch (or an admin above) follows up its declarations."""
    if not principal.can(Action.claim_review, branch.path):
        raise Forbidden("You may not follow up this branch's members.", code="forbidden")
    return branch


async def reminder_sender(
    branch: Annotated[Organisation, Depends(branch_follower)], principal: CurrentPrincipal
) -> Organisation:
    if principal.user is None:
        raise Forbidden("Reminders are sent by people.", code="users_only")
    return branch


BranchFollower = Annotated[Organisation, Depends(branch_follower)]
ReminderSender = Annotated[Organisation, Depends(reminder_sender)]
