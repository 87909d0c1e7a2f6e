"""Claims loaded for a route, with the check of who may do what to them (404, then 403)."""

from typing import Annotated

from fastapi import Depends

from app.access import Action
from app.claims import repository, rules
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.errors import Forbidden
from app.models import Claim
from app.orgs import service as orgs
from app.schemas import IdPath


async def readable_claim(
    claim_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> Claim:
    """The claimant, and those who may read claims of the claim's branch."""
    claim = await repository.get(session, claim_id)
    if not rules.is_own(principal, claim.member_id):
        branch = await orgs.get(session, claim.branch_id)
        if not principal.can(Action.claim_read, branch.path):
            raise Forbidden("You may not see this claim.", code="forbidden")
    return claim


ReadableClaim = Annotated[Claim, Depends(readable_claim)]


async def own_claim(claim: ReadableClaim, principal: CurrentPrincipal) -> Claim:
    """Only the member who made the claim edits, submits, withdraws or deletes it."""
    rules.require_own(principal, claim.member_id)
    return claim


OwnClaim = Annotated[Claim, Depends(own_claim)]


async def reviewable_claim(
    claim: ReadableClaim, session: SessionDep, principal: CurrentPrincipal
) -> Claim:
    """A reviewer of the claim's branch (or an admin above) decides it; never the claimant."""
    branch = await orgs.get(session, claim.branch_id)
    if not principal.can(Action.claim_review, branch.path) or principal.user is None:
        raise Forbidden("You may not review claims of this branch.", code="forbidden")
    rules.require_not_own(principal, claim.member_id)
    return claim


ReviewableClaim = Annotated[Claim, Depends(reviewable_claim)]
