"""Load-or-404 organisation dependencies with the access check, reused by routes."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from app.access import Action
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.models import Organisation
from app.orgs import service
from app.schemas import IdPath


def organisation_for(action: Action) -> Callable[..., Awaitable[Organisation]]:
    async def dependency(
        org_id: IdPath, session: SessionDep, principal: CurrentPrincipal
    ) -> Organisation:
        org = await service.get(session, org_id)
        principal.require(action, org.path)
        return org

    return dependency


ReadableOrganisation = Annotated[Organisation, Depends(organisation_for(Action.org_read))]
ManagedOrganisation = Annotated[Organisation, Depends(organisation_for(Action.org_manage))]
