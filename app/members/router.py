"""/members and /role-assignments routes."""

from typing import Literal

from fastapi import APIRouter, Response, status

from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.members import service
from app.members.deps import ManagedMember, ReadableMember
from app.members.schemas import (
    AccountCredentials,
    DeactivateRequest,
    MemberCreate,
    MemberCreated,
    MemberListItem,
    MemberPublic,
    MemberRolePublic,
    MemberTransferRequest,
    MemberUpdate,
    RoleAssignmentCreate,
    RoleAssignmentPublic,
    TransferPublic,
)
from app.schemas import IdPath, IdQuery, Page, PageQuery, PageSizeQuery, SearchQuery

router = APIRouter(tags=["members"])


@router.get("/members", response_model=Page[MemberListItem])
async def list_members(
    session: SessionDep,
    principal: CurrentPrincipal,
    organisation_id: IdQuery = None,
    q: SearchQuery = None,
    status: Literal["active", "inactive"] | None = None,
    category: Literal["rural_community", "institution", "new_org", "mobile"] | None = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> Page[MemberListItem]:
    """Members of the caller's subtree (or of organisation_id), searchable by name or phone."""
    items, total = await service.search(
        session=session,
        principal=principal,
        organisation_id=organisation_id,
        q=q,
        status=status,
        category=category,
        page=page,
        page_size=page_size,
    )
    return Page(
        items=[
            MemberListItem(**MemberPublic.model_validate(m).model_dump(), branch_name=name)
            for m, name in items
        ],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.post("/members", response_model=MemberCreated, status_code=status.HTTP_201_CREATED)
async def create_member(
    body: MemberCreate, session: SessionDep, principal: CurrentPrincipal
) -> MemberCreated:
    """Create a member and their account; the initial password is shown once."""
    member, username, password = await service.create(
        session=session, principal=principal, data=body.model_dump()
    )
    return MemberCreated(
        **MemberPublic.model_validate(member).model_dump(),
        account=AccountCredentials(username=username, initial_password=password),
    )


@router.get("/members/{member_id}", response_model=MemberPublic)
async def read_member(member: ReadableMember) -> MemberPublic:
    return MemberPublic.model_validate(member)


@router.patch("/members/{member_id}", response_model=MemberPublic)
async def update_member(
    body: MemberUpdate, member: ManagedMember, session: SessionDep, principal: CurrentPrincipal
) -> MemberPublic:
    changes = {
        k: v
        for k, v in body.model_dump(exclude_unset=True).items()
        if v is not None or k == "gender"
    }
    member = await service.update(
        session=session, principal=principal, member=member, changes=changes
    )
    return MemberPublic.model_validate(member)


@router.post("/members/{member_id}/deactivate", response_model=MemberPublic)
async def deactivate_member(
    body: DeactivateRequest, member: ManagedMember, session: SessionDep, principal: CurrentPrincipal
) -> MemberPublic:
    member = await service.set_active(
        session=session, principal=principal, member=member, active=False, reason=body.reason
    )
    return MemberPublic.model_validate(member)


@router.post("/members/{member_id}/reactivate", response_model=MemberPublic)
async def reactivate_member(
    body: DeactivateRequest, member: ManagedMember, session: SessionDep, principal: CurrentPrincipal
) -> MemberPublic:
    member = await service.set_active(
        session=session, principal=principal, member=member, active=True, reason=body.reason
    )
    return MemberPublic.model_validate(member)


@router.post("/members/{member_id}/transfer", response_model=TransferPublic)
async def transfer_member(
    body: MemberTransferRequest,
    member: ReadableMember,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> TransferPublic:
    """Move a member to another branch (org admins over both branches)."""
    record = await service.transfer(
        session=session,
        principal=principal,
        member=member,
        to_branch_id=body.to_branch_id,
        reason=body.reason,
        transferred_on=body.transferred_on,
    )
    return TransferPublic.model_validate(record)


@router.get("/members/{member_id}/transfers", response_model=list[TransferPublic])
async def member_transfers(member: ReadableMember, session: SessionDep) -> list[TransferPublic]:
    return [
        TransferPublic.model_validate(t)
        for t in await service.transfers(session=session, member=member)
    ]


@router.get("/members/{member_id}/roles", response_model=Page[MemberRolePublic])
async def member_roles(
    member: ReadableMember,
    session: SessionDep,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> Page[MemberRolePublic]:
    """The roles the member's account holds, where, by id."""
    rows, total = await service.member_roles(
        session=session, member=member, page=page, page_size=page_size
    )
    return Page(
        items=[
            MemberRolePublic(
                **RoleAssignmentPublic.model_validate(r).model_dump(),
                organisation_name=name,
                organisation_kind=kind,
            )
            for r, name, kind in rows
        ],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.post("/members/{member_id}/reset-password", response_model=AccountCredentials)
async def reset_password(
    member: ManagedMember, session: SessionDep, principal: CurrentPrincipal
) -> AccountCredentials:
    username, password = await service.reset_password(
        session=session, principal=principal, member=member
    )
    return AccountCredentials(username=username, initial_password=password)


@router.get("/organisations/{org_id}/role-assignments", response_model=Page[RoleAssignmentPublic])
async def list_roles(
    org_id: IdPath,
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> Page[RoleAssignmentPublic]:
    """Role assignments on the organisation and below it, by id."""
    rows, total = await service.roles_on(
        session=session,
        principal=principal,
        organisation_id=org_id,
        page=page,
        page_size=page_size,
    )
    return Page(
        items=[RoleAssignmentPublic.model_validate(r) for r in rows],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.post(
    "/role-assignments", response_model=RoleAssignmentPublic, status_code=status.HTTP_201_CREATED
)
async def assign_role(
    body: RoleAssignmentCreate, session: SessionDep, principal: CurrentPrincipal
) -> RoleAssignmentPublic:
    row = await service.assign_role(
        session=session,
        principal=principal,
        user_id=body.user_id,
        role=body.role,
        organisation_id=body.organisation_id,
    )
    return RoleAssignmentPublic.model_validate(row)


@router.delete("/role-assignments/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_role(
    assignment_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    await service.revoke_role(session=session, principal=principal, assignment_id=assignment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
