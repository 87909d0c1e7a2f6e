"""/standards routes."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.errors import NotFound
from app.models import StandardVersion
from app.schemas import IdPath, IdQuery, Page, PageQuery, PageSizeQuery
from app.standards import rules, service
from app.standards.schemas import (
    FieldChangePublic,
    ItemChangePublic,
    ItemCreate,
    ItemPublic,
    ItemUpdate,
    ProblemPublic,
    StandardCreate,
    StandardDiff,
    StandardPublic,
    StandardSettings,
    StandardSummary,
    StandardValidation,
)

router = APIRouter(prefix="/standards", tags=["standards"])
YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]


async def readable_standard(
    standard_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> StandardVersion:
    standard = await service.get(session, standard_id)
    await service.require_read(session, principal, standard)
    return standard


async def managed_standard(
    standard_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> StandardVersion:
    standard = await service.get(session, standard_id)
    await service.require_manage(session, principal, standard)
    return standard


ReadableStandard = Annotated[StandardVersion, Depends(readable_standard)]
ManagedStandard = Annotated[StandardVersion, Depends(managed_standard)]


async def _full(session: SessionDep, standard: StandardVersion) -> StandardPublic:
    items = await service.items_of(session, standard.id)  # type: ignore[arg-type]
    return StandardPublic(
        **StandardSummary.model_validate(standard).model_dump(),
        items=[ItemPublic.model_validate(i) for i in items],
    )


@router.get("", response_model=Page[StandardSummary])
async def list_standards(
    session: SessionDep,
    principal: CurrentPrincipal,
    year: YearQuery = None,
    organisation_id: IdQuery = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> Page[StandardSummary]:
    """Versions by year; for an organisation, its own and those it inherits from above."""
    rows, total = await service.list_versions(
        session=session,
        principal=principal,
        year=year,
        organisation_id=organisation_id,
        page=page,
        page_size=page_size,
    )
    return Page(
        items=[StandardSummary.model_validate(s) for s in rows],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.get("/in-force", response_model=StandardPublic)
async def standard_in_force(
    session: SessionDep,
    principal: CurrentPrincipal,
    organisation_id: Annotated[int, Query(ge=1, le=2**31 - 1)],
    year: Annotated[int, Query(ge=2000, le=2100)],
) -> StandardPublic:
    """The published standard that applies to an organisation in a year."""
    standard = await service.in_force(session, organisation_id=organisation_id, year=year)
    if standard is None:
        raise NotFound(
            "No standard is published for that organisation and year.", code="no_standard_in_force"
        )
    await service.require_read(session, principal, standard)
    return await _full(session, standard)


@router.post("", response_model=StandardPublic, status_code=status.HTTP_201_CREATED)
async def create_standard(
    body: StandardCreate, session: SessionDep, principal: CurrentPrincipal
) -> StandardPublic:
    """A new draft, copied from based_on_id or from the shipped default standard."""
    settings = body.model_dump(
        exclude={"organisation_id", "year", "based_on_id"}, exclude_none=True
    )
    standard = await service.create_draft(
        session=session,
        principal=principal,
        organisation_id=body.organisation_id,
        year=body.year,
        based_on_id=body.based_on_id,
        settings=settings,
    )
    await session.flush()
    return await _full(session, standard)


@router.get("/{standard_id}", response_model=StandardPublic)
async def read_standard(standard: ReadableStandard, session: SessionDep) -> StandardPublic:
    return await _full(session, standard)


@router.patch("/{standard_id}", response_model=StandardPublic)
async def update_standard(
    body: StandardSettings,
    standard: ManagedStandard,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> StandardPublic:
    standard = await service.update_settings(
        session=session,
        principal=principal,
        standard=standard,
        changes=body.model_dump(exclude_unset=True),
    )
    return await _full(session, standard)


@router.post("/{standard_id}/publish", response_model=StandardPublic)
async def publish_standard(
    standard: ManagedStandard, session: SessionDep, principal: CurrentPrincipal
) -> StandardPublic:
    standard = await service.publish(session=session, principal=principal, standard=standard)
    return await _full(session, standard)


@router.get("/{standard_id}/validation", response_model=StandardValidation)
async def validate_standard(standard: ManagedStandard, session: SessionDep) -> StandardValidation:
    """What is wrong with a version: errors block publishing, warnings do not."""
    problems = await service.validation(session, standard)
    errors = len(rules.errors_of(problems))
    return StandardValidation(
        standard_id=standard.id,
        publishable=standard.status == "draft" and errors == 0,
        errors=errors,
        warnings=len(problems) - errors,
        max_score=rules.max_score(standard.model_dump()),
        problems=[ProblemPublic.model_validate(asdict(p)) for p in problems],
    )


@router.get("/{standard_id}/diff", response_model=StandardDiff)
async def diff_standard(
    standard: ManagedStandard,
    session: SessionDep,
    principal: CurrentPrincipal,
    against_id: IdQuery = None,
) -> StandardDiff:
    """Differences from against_id, by default from the version in force (for the version's
    year, else the latest earlier year): settings, and items added, removed or changed."""
    against, found = await service.diff(session, principal, standard, against_id)
    return StandardDiff(
        standard_id=standard.id,
        against=StandardSummary.model_validate(against) if against is not None else None,
        settings=[FieldChangePublic.model_validate(asdict(c)) for c in found.settings],
        added=[ItemPublic.model_validate(i) for i in found.added],
        removed=[ItemPublic.model_validate(i) for i in found.removed],
        changed=[ItemChangePublic.model_validate(asdict(c)) for c in found.changed],
        unchanged=found.unchanged,
    )


@router.post("/{standard_id}/items", response_model=ItemPublic, status_code=status.HTTP_201_CREATED)
async def add_item(
    body: ItemCreate, standard: ManagedStandard, session: SessionDep, principal: CurrentPrincipal
) -> ItemPublic:
    item = await service.add_item(
        session=session, principal=principal, standard=standard, data=body.model_dump()
    )
    return ItemPublic.model_validate(item)


@router.patch("/{standard_id}/items/{item_id}", response_model=ItemPublic)
async def update_item(
    item_id: IdPath,
    body: ItemUpdate,
    standard: ManagedStandard,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ItemPublic:
    item = await service.get_item(session, standard, item_id)
    item = await service.update_item(
        session=session,
        principal=principal,
        standard=standard,
        item=item,
        changes=body.model_dump(exclude_unset=True),
    )
    return ItemPublic.model_validate(item)


@router.delete("/{standard_id}/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_item(
    item_id: IdPath, standard: ManagedStandard, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    item = await service.get_item(session, standard, item_id)
    await service.delete_item(session=session, principal=principal, standard=standard, item=item)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
