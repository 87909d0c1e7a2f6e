"""Load-or-404 member dependencies with the object-level access check."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from app.access import Action
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.members import service
from app.models import Member
from app.schemas import IdPath


def member_for(action: Action) -> Callable[..., Awaitable[Member]]:
    async def dependency(
        member_id: IdPath, session: SessionDep, principal: CurrentPrincipal
    ) -> Member:
        member = await service.get(session, member_id)
        await service.require_on_member(session, principal, member, action)
        return member

    return dependency


ReadableMember = Annotated[Member, Depends(member_for(Action.member_read))]
ManagedMember = Annotated[Member, Depends(member_for(Action.member_manage))]
