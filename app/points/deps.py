"""The member whose points a route shows, loaded (404) and checked (403)."""

from typing import Annotated

from fastapi import Depends

from app.access import Action
from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.members import service as members
from app.models import Member
from app.orgs import service as orgs
from app.schemas import IdPath


async def points_member(
    member_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> Member:
    """The member themself, or those who may read points of the member's branch."""
    member = await members.get(session, member_id)
    if principal.member is None or principal.member.id != member.id:
        branch = await orgs.get(session, member.branch_id)
        principal.require(Action.points_read, branch.path)
    return member


PointsOf = Annotated[Member, Depends(points_member)]
