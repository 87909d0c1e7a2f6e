"""The branch or run of a grading route, loaded (404) and checked (403)."""

from typing import Annotated

from fastapi import Depends

from app.access import Action
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.errors import Forbidden
from app.grading import service
from app.models import GradingRun, Organisation
from app.orgs import service as orgs
from app.schemas import IdPath


async def managed_branch(
    org_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> Organisation:
    """A branch whose grading the caller runs: its secretary, or an org admin above."""
    branch = await orgs.get_branch(session, org_id)
    principal.require(Action.grading_manage, branch.path)
    return branch


async def any_run(run_id: IdPath, session: SessionDep, _: CurrentPrincipal) -> GradingRun:
    """A run, to anyone signed in: the use cases and views check who may do or see what."""
    return await service.get_run(session, run_id)


async def managed_run(
    run: Annotated[GradingRun, Depends(any_run)],
    session: SessionDep,
    principal: CurrentPrincipal,
) -> GradingRun:
    """A run the caller manages (see managed_branch)."""
    branch = await orgs.get(session, run.branch_id)
    principal.require(Action.grading_manage, branch.path)
    return run


async def overseen_org(
    org_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> Organisation:
    """An organisation whose subtree's grading the caller oversees (an org admin at or above)."""
    org = await orgs.get(session, org_id)
    if not principal.can(Action.grading_approve, org.path):
        raise Forbidden("Only an organisation admin sees a subtree's grading.", code="forbidden")
    return org


GradingBranch = Annotated[Organisation, Depends(managed_branch)]
AnyRun = Annotated[GradingRun, Depends(any_run)]
ManagedRun = Annotated[GradingRun, Depends(managed_run)]
OverseenOrg = Annotated[Organisation, Depends(overseen_org)]
