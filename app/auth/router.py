"""/auth and /me routes."""

from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Form, Response, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from app.auth import service
from app.auth.deps import ClientAddress, SameOrigin
from app.auth.schemas import (
    LoginRequest,
    MeResponse,
    PasswordChange,
    ServiceTokenResponse,
    TokenResponse,
)
from app.auth.throttle import AttemptsDep
from app.config import settings
from app.db import SessionDep
from app.deps import CurrentPrincipalAny, CurrentUser
from app.errors import AppError

router = APIRouter(tags=["auth"])
REFRESH_COOKIE = "vp_refresh"
REFRESH_PATH = "/api/v1/auth"
RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE, include_in_schema=False)]


def _set_refresh(response: Response, token: str) -> None:
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=settings.refresh_token_days * 86400,
        path=REFRESH_PATH,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
    )


@router.post("/auth/login", response_model=TokenResponse)
async def login(
    body: LoginRequest,
    address: ClientAddress,
    response: Response,
    session: SessionDep,
    attempts: AttemptsDep,
) -> TokenResponse:
    """Sign in with a login name or phone number; sets the refresh cookie."""
    user, access, ttl, refresh = await service.login(
        session=session,
        attempts=attempts,
        username=body.username,
        password=body.password,
        address=address,
    )
    _set_refresh(response, refresh)
    return TokenResponse(
        access_token=access, expires_in=ttl, must_change_password=user.must_change_password
    )


@router.post("/auth/refresh", response_model=TokenResponse, dependencies=[SameOrigin])
async def refresh(
    response: Response,
    session: SessionDep,
    attempts: AttemptsDep,
    token: RefreshCookie = None,
) -> TokenResponse:
    """Exchange the refresh cookie for a new access token and a new refresh cookie."""
    user, access, ttl, new_refresh = await service.refresh(
        session=session, attempts=attempts, token=token
    )
    _set_refresh(response, new_refresh)
    return TokenResponse(
        access_token=access, expires_in=ttl, must_change_password=user.must_change_password
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, dependencies=[SameOrigin])
async def logout(session: SessionDep, token: RefreshCookie = None) -> Response:
    """Sign this device out; access tokens issued so far stop working."""
    await service.logout(session=session, token=token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(
        REFRESH_COOKIE,
        path=REFRESH_PATH,
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChange,
    principal: CurrentPrincipalAny,
    session: SessionDep,
    user: CurrentUser,
    attempts: AttemptsDep,
    response: Response,
) -> None:
    """Change one's own password (required after the first sign-in of a new account). Every
    session ends; this device gets a new refresh cookie (POST /auth/refresh continues it)."""
    new_refresh = await service.change_password(
        session=session,
        attempts=attempts,
        principal=principal,
        user=user,
        current=body.current_password,
        new=body.new_password,
    )
    _set_refresh(response, new_refresh)


basic = HTTPBasic(auto_error=False)


@router.post("/auth/token", response_model=ServiceTokenResponse)
async def token(
    session: SessionDep,
    attempts: AttemptsDep,
    address: ClientAddress,
    grant_type: Annotated[str, Form(max_length=40)],
    credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)],
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=128)] = None,
    scope: Annotated[str | None, Form(max_length=500)] = None,
) -> ServiceTokenResponse:
    """OAuth2 client-credentials grant for service accounts (form body or HTTP Basic)."""
    if grant_type != "client_credentials":
        raise AppError(
            "Only client_credentials is supported.",
            code="unsupported_grant_type",
            error="unsupported_grant_type",
        )
    cid = credentials.username if credentials else client_id
    secret = credentials.password if credentials else client_secret
    if not cid or not secret:
        raise AppError(
            "client_id and client_secret are required.",
            code="invalid_request",
            error="invalid_request",
        )
    access, ttl, granted = await service.service_token(
        session=session,
        attempts=attempts,
        client_id=cid,
        client_secret=secret,
        scope=scope,
        address=address,
    )
    return ServiceTokenResponse(access_token=access, expires_in=ttl, scope=granted)


@router.get("/me", response_model=MeResponse)
async def me(user: CurrentUser, session: SessionDep) -> dict[str, object]:
    """The signed-in user, their member record and role assignments."""
    return await service.me(session=session, user=user)
