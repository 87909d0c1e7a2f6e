"""/members/{id}/room: what a member may still claim in a month, and whether it takes claims."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.periods import PERIOD_PATTERN
from app.points.deps import PointsOf
from app.room import service
from app.room.schemas import MemberRoom

router = APIRouter(prefix="/members/{member_id}", tags=["claims"])


@router.get("/room", response_model=MemberRoom)
async def member_room(
    member: PointsOf,
    session: SessionDep,
    period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None,
) -> MemberRoom:
    """Each declarable item's caps as the submit check counts them (points used and left,
    occurrences left), the month's state for claims (window, close), and the open months."""
    return await service.room(session=session, member=member, period=period)
