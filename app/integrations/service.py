"""Service accounts for other systems: created by org admins with scopes and a subtree."""

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit
from app.access import Action, Principal
from app.errors import Conflict, NotFound
from app.models import Organisation, ServiceAccount
from app.orgs import service as orgs
from app.orgs.service import subtree_filter
from app.security import hash_password_async


async def create(
    *,
    session: AsyncSession,
    principal: Principal,
    name: str,
    organisation_id: int,
    scopes: list[str],
) -> tuple[ServiceAccount, str]:
    org = await orgs.get(session, organisation_id)
    principal.require(Action.service_account_manage, org.path)
    secret = secrets.token_urlsafe(32)
    account = ServiceAccount(
        name=name,
        client_id=f"vp_{secrets.token_hex(8)}",
        secret_hash=await hash_password_async(secret),
        scopes=sorted(set(scopes)),
        organisation_id=organisation_id,
        created_by_user_id=principal.user_id,
    )
    session.add(account)
    await session.flush()
    assert account.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="service_account",
        entity_id=account.id,
        action="created",
        to_state="active",
        data={"scopes": account.scopes},
    )
    await session.flush()
    return account, secret


async def get_managed(
    session: AsyncSession, principal: Principal, account_id: int
) -> ServiceAccount:
    account = await session.get(ServiceAccount, account_id)
    if account is None:
        raise NotFound("No such service account.", code="service_account_not_found")
    org = await orgs.get(session, account.organisation_id)
    principal.require(Action.service_account_manage, org.path)
    return account


async def list_managed(*, session: AsyncSession, principal: Principal) -> list[ServiceAccount]:
    rows = await session.execute(
        select(ServiceAccount)
        .join(Organisation, col(Organisation.id) == col(ServiceAccount.organisation_id))
        .where(subtree_filter(principal.roots(Action.service_account_manage)))
        .order_by(col(ServiceAccount.id))
    )
    return list(rows.scalars())


async def deactivate(
    *, session: AsyncSession, principal: Principal, account: ServiceAccount
) -> ServiceAccount:
    if not account.is_active:
        raise Conflict("The service account is already inactive.", code="already_inactive")
    account.is_active = False
    assert account.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="service_account",
        entity_id=account.id,
        action="deactivated",
        from_state="active",
        to_state="inactive",
    )
    await session.flush()
    return account


async def rotate_secret(
    *, session: AsyncSession, principal: Principal, account: ServiceAccount
) -> str:
    secret = secrets.token_urlsafe(32)
    account.secret_hash = await hash_password_async(secret)
    assert account.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="service_account",
        entity_id=account.id,
        action="secret_rotated",
    )
    await session.flush()
    return secret
