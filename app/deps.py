"""The caller and access gates as Annotated dependencies, so routes read like sentences."""

from dataclasses import fields
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Table, and_, bindparam, join, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.access import CallerMember, CallerUser, Grant, Principal, Role
from app.db import SessionDep
from app.errors import Forbidden, Unauthorized
from app.models import Member, Organisation, RoleAssignment, ServiceAccount, User
from app.security import TokenError, decode_access_token

bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")

# The user, their member record and their grants (on organisations not archived) in one
# query: a row per grant, or one row with empty grant columns, read as plain values.
_USERS: Table = User.__table__  # type: ignore[attr-defined]
_MEMBERS: Table = Member.__table__  # type: ignore[attr-defined]
_ROLES: Table = RoleAssignment.__table__  # type: ignore[attr-defined]
_ORGS: Table = Organisation.__table__  # type: ignore[attr-defined]
_USER_COLUMNS = tuple(f.name for f in fields(CallerUser))
_MEMBER_COLUMNS = tuple(f.name for f in fields(CallerMember))
_GRANTS = join(
    _ROLES, _ORGS, and_(_ORGS.c.id == _ROLES.c.organisation_id, _ORGS.c.archived_at.is_(None))
)
_USER_MEMBER_GRANTS = (
    select(
        *(_USERS.c[name] for name in _USER_COLUMNS),
        *(_MEMBERS.c[name].label(f"member_{name}") for name in _MEMBER_COLUMNS),
        _ROLES.c.role,
        _ROLES.c.organisation_id,
        _ORGS.c.path,
    )
    .select_from(_USERS)
    .outerjoin(_MEMBERS, _MEMBERS.c.user_id == _USERS.c.id)
    .outerjoin(_GRANTS, _ROLES.c.user_id == _USERS.c.id)
    .where(_USERS.c.id == bindparam("user_id"))
)
_N_USER = len(_USER_COLUMNS)
_N_CALLER = _N_USER + len(_MEMBER_COLUMNS)


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def _load_principal(
    request: Request, session: AsyncSession, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    if credentials is None:
        raise Unauthorized(
            "Sign in first.", code="not_authenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    for token_type in ("access", "service"):
        try:
            payload = decode_access_token(credentials.credentials, token_type=token_type)
            break
        except TokenError:
            continue
    else:
        raise Unauthorized(
            "The access token is invalid or expired.",
            code="invalid_token",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    kind, _, raw_id = str(payload["sub"]).partition(":")
    if not raw_id.isdigit() or len(raw_id) > 10:
        raise Unauthorized("The access token is invalid.", code="invalid_token")
    if kind == "user" and token_type == "access":
        rows = (await session.execute(_USER_MEMBER_GRANTS, {"user_id": int(raw_id)})).all()
        user = CallerUser(*rows[0][:_N_USER]) if rows else None
        if user is None or not user.is_active:
            raise Unauthorized("The account is not active.", code="invalid_token")
        # Signed out everywhere (password changed or reset, sign-out) since the token was made.
        if payload.get("ver", 0) != user.token_version:
            raise Unauthorized(
                "This sign-in has ended; sign in again.",
                code="invalid_token",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        member = None
        if rows[0][_N_USER] is not None:
            member = CallerMember(*rows[0][_N_USER:_N_CALLER])
        grants = [
            Grant(Role(row[_N_CALLER]), row[_N_CALLER + 1], row[_N_CALLER + 2])
            for row in rows
            if row[_N_CALLER] is not None
        ]
        return Principal(user=user, member=member, grants=grants)
    if kind == "sa" and token_type == "service":
        account = await session.get(ServiceAccount, int(raw_id))
        if account is None or not account.is_active:
            raise Unauthorized("The service account is not active.", code="invalid_token")
        org = await session.get(Organisation, account.organisation_id)
        granted = set(str(payload.get("scope", "")).split()) & set(account.scopes)
        return Principal(
            service_account=account,
            scopes=frozenset(granted),
            service_org_path=org.path if org else None,
        )
    raise Unauthorized("The access token is invalid.", code="invalid_token")


async def current_principal_any(
    request: Request, session: SessionDep, credentials: Credentials
) -> Principal:
    """The caller, even one who still has to change the initial password."""
    return await _load_principal(request, session, credentials)


async def current_principal(
    request: Request, session: SessionDep, credentials: Credentials
) -> Principal:
    principal = await _load_principal(request, session, credentials)
    if principal.user is not None and principal.user.must_change_password:
        raise Forbidden(
            "Change your initial password before you continue.", code="password_change_required"
        )
    return principal


async def current_user(
    principal: Annotated[Principal, Depends(current_principal_any)], session: SessionDep
) -> User:
    """The signed-in user's account, as a model instance (for the few routes about it)."""
    if principal.user is None:
        raise Forbidden("This endpoint is for people, not service accounts.", code="users_only")
    user = await session.get(User, principal.user.id)
    if user is None:  # deleted since the caller was loaded, in this very request
        raise Unauthorized("The account is not active.", code="invalid_token")
    return user


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
CurrentPrincipalAny = Annotated[Principal, Depends(current_principal_any)]
CurrentUser = Annotated[User, Depends(current_user)]
