"""The branch or round of an evaluation route, loaded (404) and checked (403)."""

from typing import Annotated

from fastapi import Depends

from app.access import Action
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.evaluation import service
from app.models import EvaluationRound, Organisation
from app.orgs import service as orgs
from app.schemas import IdPath


async def managed_branch(
    org_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> Organisation:
    """A branch whose evaluation the caller runs: its secretary, or an org admin above."""
    branch = await orgs.get_branch(session, org_id)
    principal.require(Action.evaluation_manage, branch.path)
    return branch


async def any_round(round_id: IdPath, session: SessionDep, _: CurrentPrincipal) -> EvaluationRound:
    """A round, to anyone signed in: the ballot use cases check who votes."""
    return await service.get_round(session, round_id)


async def managed_round(
    rnd: Annotated[EvaluationRound, Depends(any_round)],
    session: SessionDep,
    principal: CurrentPrincipal,
) -> EvaluationRound:
    """A round the caller runs (see managed_branch)."""
    branch = await orgs.get(session, rnd.branch_id)
    principal.require(Action.evaluation_manage, branch.path)
    return rnd


EvaluationBranch = Annotated[Organisation, Depends(managed_branch)]
RoundOfBranch = Annotated[EvaluationRound, Depends(any_round)]
ManagedRound = Annotated[EvaluationRound, Depends(managed_round)]
