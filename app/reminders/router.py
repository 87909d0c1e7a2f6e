"""/branches/{org_id}/months/{YYYY-MM}/undeclared and /reminders; /me/reminders and /me/todo."""

from fastapi import APIRouter

from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.months.deps import PeriodPath
from app.reminders import service
from app.reminders.deps import BranchFollower, ReminderSender
from app.reminders.schemas import (
    ReminderPublic,
    ReminderSend,
    ReminderSendResult,
    Todo,
    UndeclaredMember,
)
from app.schemas import IdPath, Page, PageQuery, PageSizeQuery

router = APIRouter(tags=["reminders"])


@router.get("/branches/{org_id}/months/{period}/undeclared", response_model=Page[UndeclaredMember])
async def list_undeclared(
    branch: BranchFollower,
    period: PeriodPath,
    session: SessionDep,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> Page[UndeclaredMember]:
    """Active members with no claim submitted, decided or returned for the month (drafts do
    not count), with the reminders they were sent for it."""
    items, total = await service.list_undeclared(
        session=session, branch=branch, period=period, page=page, page_size=page_size
    )
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.post("/branches/{org_id}/months/{period}/reminders", response_model=ReminderSendResult)
async def send_reminders(
    body: ReminderSend,
    branch: ReminderSender,
    period: PeriodPath,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ReminderSendResult:
    """Remind some members (member_ids) or all who have not declared (all: true), each at
    most once a day for the month: those left out are counted and named, not refused."""
    return await service.send(
        session=session, principal=principal, branch=branch, period=period, data=body
    )


@router.get("/me/reminders", response_model=Page[ReminderPublic])
async def my_reminders(
    session: SessionDep,
    principal: CurrentPrincipal,
    unread: bool = False,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> Page[ReminderPublic]:
    """The caller's reminders, unread first; `?unread=true` for the unread ones only."""
    items, total = await service.list_mine(
        session=session, principal=principal, unread=unread, page=page, page_size=page_size
    )
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.post("/me/reminders/{reminder_id}/read", response_model=ReminderPublic)
async def read_reminder(
    reminder_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> ReminderPublic:
    """Mark one of the caller's reminders read (dismissed)."""
    return await service.mark_read(session=session, principal=principal, reminder_id=reminder_id)


@router.get("/me/todo", response_model=Todo)
async def my_todo(session: SessionDep, principal: CurrentPrincipal) -> Todo:
    """For each branch the caller reviews: claims waiting, members who have not declared the
    month being declared, and the days to its deadline."""
    return await service.todo(session=session, principal=principal)
