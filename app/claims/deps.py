"""Load-or-404 claim dependency with the object-level read check."""

from typing import Annotated

from fastapi import Depends

from app.claims import service
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.models import Claim
from app.schemas import IdPath


async def readable_claim(
    claim_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> Claim:
    claim = await service.get(session, claim_id)
    await service.require_read(session, principal, claim)
    return claim


ReadableClaim = Annotated[Claim, Depends(readable_claim)]
