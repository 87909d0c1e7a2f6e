"""/service-accounts routes."""

from fastapi import APIRouter, status

from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.integrations import service
from app.integrations.schemas import (
    ServiceAccountCreate,
    ServiceAccountCreated,
    ServiceAccountPublic,
)
from app.schemas import IdPath

router = APIRouter(prefix="/service-accounts", tags=["integrations"])


@router.get("", response_model=list[ServiceAccountPublic])
async def list_service_accounts(
    session: SessionDep, principal: CurrentPrincipal
) -> list[ServiceAccountPublic]:
    rows = await service.list_managed(session=session, principal=principal)
    return [ServiceAccountPublic.model_validate(r) for r in rows]


@router.post("", response_model=ServiceAccountCreated, status_code=status.HTTP_201_CREATED)
async def create_service_account(
    body: ServiceAccountCreate, session: SessionDep, principal: CurrentPrincipal
) -> ServiceAccountCreated:
    """Create a client for another system; the secret is shown once."""
    account, secret = await service.create(
        session=session,
        principal=principal,
        name=body.name,
        organisation_id=body.organisation_id,
        scopes=list(body.scopes),
    )
    return ServiceAccountCreated(
        **ServiceAccountPublic.model_validate(account).model_dump(), client_secret=secret
    )


@router.post("/{account_id}/deactivate", response_model=ServiceAccountPublic)
async def deactivate_service_account(
    account_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> ServiceAccountPublic:
    account = await service.get_managed(session, principal, account_id)
    account = await service.deactivate(session=session, principal=principal, account=account)
    return ServiceAccountPublic.model_validate(account)


@router.post("/{account_id}/rotate-secret", response_model=ServiceAccountCreated)
async def rotate_service_account_secret(
    account_id: IdPath, session: SessionDep, principal: CurrentPrincipal
) -> ServiceAccountCreated:
    account = await service.get_managed(session, principal, account_id)
    secret = await service.rotate_secret(session=session, principal=principal, account=account)
    return ServiceAccountCreated(
        **ServiceAccountPublic.model_validate(account).model_dump(), client_secret=secret
    )
