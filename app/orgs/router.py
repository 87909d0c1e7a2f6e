"""/organisations routes."""

from fastapi import APIRouter, status

from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.orgs import service
from app.orgs.deps import ManagedOrganisation, ReadableOrganisation
from app.orgs.schemas import (
    OrganisationCreate,
    OrganisationListItem,
    OrganisationMove,
    OrganisationPublic,
    OrganisationRename,
    OrgKind,
)
from app.schemas import Page, PageQuery, PageSizeQuery

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get("", response_model=Page[OrganisationListItem])
async def list_organisations(
    session: SessionDep,
    principal: CurrentPrincipal,
    include_archived: bool = False,
    kind: OrgKind | None = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 200,
) -> Page[OrganisationListItem]:
    """The organisation tree the caller may read (of one kind, if given), ordered so parents
    precede children, each with its subtree's active members."""
    orgs, total = await service.list_visible(
        session=session,
        principal=principal,
        include_archived=include_archived,
        kind=kind,
        page=page,
        page_size=page_size,
    )
    counts = await service.member_counts(session=session, principal=principal, orgs=orgs)
    return Page(
        items=[
            OrganisationListItem(
                **OrganisationPublic.model_validate(o).model_dump(),
                member_count=counts.get(o.id or 0, 0),
            )
            for o in orgs
        ],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.post("", response_model=OrganisationPublic, status_code=status.HTTP_201_CREATED)
async def create_organisation(
    body: OrganisationCreate, session: SessionDep, principal: CurrentPrincipal
) -> OrganisationPublic:
    org = await service.create(
        session=session,
        principal=principal,
        name=body.name,
        kind=body.kind,
        parent_id=body.parent_id,
    )
    return OrganisationPublic.model_validate(org)


@router.get("/{org_id}", response_model=OrganisationPublic)
async def read_organisation(org: ReadableOrganisation) -> OrganisationPublic:
    return OrganisationPublic.model_validate(org)


@router.patch("/{org_id}", response_model=OrganisationPublic)
async def rename_organisation(
    body: OrganisationRename,
    org: ManagedOrganisation,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> OrganisationPublic:
    org = await service.rename(session=session, principal=principal, org=org, name=body.name)
    return OrganisationPublic.model_validate(org)


@router.post("/{org_id}/move", response_model=OrganisationPublic)
async def move_organisation(
    body: OrganisationMove,
    org: ManagedOrganisation,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> OrganisationPublic:
    org = await service.move(
        session=session, principal=principal, org=org, parent_id=body.parent_id
    )
    return OrganisationPublic.model_validate(org)


@router.post("/{org_id}/archive", response_model=OrganisationPublic)
async def archive_organisation(
    org: ManagedOrganisation, session: SessionDep, principal: CurrentPrincipal
) -> OrganisationPublic:
    org = await service.archive(session=session, principal=principal, org=org)
    return OrganisationPublic.model_validate(org)
