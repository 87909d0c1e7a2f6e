"""The branch of a month route, loaded (404) and checked (403) by what the caller may do there."""

from typing import Annotated

from fastapi import Depends, Path

from app.access import Action, Principal
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.errors import Forbidden
from app.models import Organisation
from app.orgs import service as orgs
from app.periods import PERIOD_PATTERN
from app.schemas import IdPath


async def branch_of_month(org_id: IdPath, session: SessionDep, _: CurrentPrincipal) -> Organisation:
    return await orgs.get_branch(session, org_id)


Branch = Annotated[Organisation, Depends(branch_of_month)]
PeriodPath = Annotated[str, Path(pattern=PERIOD_PATTERN, description="YYYY-MM, e.g. 2026-11")]


def _allowed(action: Action, *, members_too: bool = False) -> object:
    async def check(branch: Branch, principal: CurrentPrincipal) -> Organisation:
        if not (members_too and _is_member_of(principal, branch)):
            principal.require(action, branch.path)
        return branch

    return check


def _is_member_of(principal: Principal, branch: Organisation) -> bool:
    return principal.member is not None and principal.member.branch_id == branch.id


async def entry_recorder(branch: Branch, principal: CurrentPrincipal) -> Organisation:
    if not principal.can(Action.entry_record, branch.path):
        raise Forbidden("You may not record points for this branch.")
    if principal.user is None:
        raise Forbidden("Points are recorded by people.", code="users_only")
    return branch


# The branch, to someone who may: see its month (its members too), read its records,
# close its month, reopen it, record its entries.
MonthReader = Annotated[Organisation, Depends(_allowed(Action.month_read, members_too=True))]
BranchReader = Annotated[Organisation, Depends(_allowed(Action.month_read))]
MonthCloser = Annotated[Organisation, Depends(_allowed(Action.month_close))]
MonthReopener = Annotated[Organisation, Depends(_allowed(Action.month_reopen))]
EntryRecorder = Annotated[Organisation, Depends(entry_recorder)]


async def months_admin(
    org_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> Organisation:
    """An organisation whose branches' months the caller administers (an org admin at or
    above it: reopening, adjustments)."""
    org = await orgs.get(session, org_id)
    if not principal.can(Action.month_reopen, org.path):
        raise Forbidden("Only an organisation admin at or above it sees its months.")
    return org


# An organisation whose subtree's months the caller (an org admin above) oversees.
MonthsAdmin = Annotated[Organisation, Depends(months_admin)]
