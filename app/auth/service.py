"""Sign-in, refresh-token rotation with reuse detection, password change, service tokens."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit
from app.access import Principal
from app.auth.throttle import ThrottleStore
from app.config import settings
from app.errors import AppError, Forbidden, TooManyRequests, Unauthorized
from app.models import Member, Organisation, RefreshToken, RoleAssignment, ServiceAccount, User
from app.security import (
    create_access_token,
    hash_opaque_token,
    hash_password,
    new_opaque_token,
    verify_password,
)


class WrongPassword(AppError):
    status = 400
    code = "wrong_password"
    title = "Wrong password"


async def _find_user(session: AsyncSession, username: str) -> User | None:
    """A user by login name, or by the phone number of their member record."""
    name = username.strip()
    stmt = (
        select(User)
        .outerjoin(Member, col(Member.user_id) == col(User.id))
        .where(or_(func.lower(col(User.username)) == name.lower(), col(Member.phone) == name))
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def _issue_refresh(session: AsyncSession, *, user_id: int, family_id: str) -> str:
    token, digest = new_opaque_token()
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family_id,
            token_hash=digest,
            expires_at=datetime.now(UTC) + timedelta(days=settings.refresh_token_days),
        )
    )
    return token


def _access_for(user: User) -> tuple[str, int]:
    return create_access_token(f"user:{user.id}")


async def login(
    *, session: AsyncSession, throttle: ThrottleStore, username: str, password: str, address: str
) -> tuple[User, str, int, str]:
    """Check the password under the throttle; return the user, access token and refresh token."""
    account_key = f"acct:{username.strip().lower()}"
    address_key = f"addr:{address}"
    for key in (account_key, address_key):
        wait = await throttle.locked_for(key)
        if wait:
            raise TooManyRequests(
                f"Too many failed sign-ins. Try again in {wait} seconds.",
                headers={"Retry-After": str(wait)},
                retry_after=wait,
            )
    user = await _find_user(session, username)
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None:
        await session.rollback()
        await throttle.fail(account_key, limit=settings.login_max_failures_per_account)
        await throttle.fail(address_key, limit=settings.login_max_failures_per_address)
        raise Unauthorized("Wrong username or password.", code="invalid_credentials")
    if not user.is_active:
        await session.rollback()
        raise Forbidden("This account has been deactivated.", code="account_inactive")
    user.last_login_at = datetime.now(UTC)
    assert user.id is not None
    refresh = await _issue_refresh(session, user_id=user.id, family_id=str(uuid.uuid4()))
    await session.commit()
    # After the commit: on SQLite the throttle's own connection would wait for our write lock.
    await throttle.reset(account_key)
    access, ttl = _access_for(user)
    return user, access, ttl, refresh


async def refresh(*, session: AsyncSession, token: str | None) -> tuple[User, str, int, str]:
    """Rotate a refresh token; a token presented twice revokes its whole family."""
    if not token or len(token) > 200:
        raise Unauthorized("Sign in again.", code="invalid_refresh_token")
    now = datetime.now(UTC)
    row = (
        await session.execute(
            select(RefreshToken).where(col(RefreshToken.token_hash) == hash_opaque_token(token))
        )
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized("Sign in again.", code="invalid_refresh_token")
    # Claim the token atomically: of two concurrent uses, only one sees used_at empty.
    claimed = await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.id) == row.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await _revoke_family(session, row.family_id, now)
        await session.commit()
        raise Unauthorized(
            "This sign-in was used elsewhere; all its sessions are signed out.",
            code="refresh_token_reused",
        )
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        await session.commit()
        raise Unauthorized("Sign in again.", code="invalid_refresh_token")
    new_token = await _issue_refresh(session, user_id=row.user_id, family_id=row.family_id)
    await session.commit()
    access, ttl = _access_for(user)
    return user, access, ttl, new_token


async def _revoke_family(session: AsyncSession, family_id: str, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


async def revoke_all_for_user(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def logout(*, session: AsyncSession, token: str | None) -> None:
    """Revoke the family of the presented refresh token (this device's sign-in)."""
    if not token or len(token) > 200:
        return
    row = (
        await session.execute(
            select(RefreshToken).where(col(RefreshToken.token_hash) == hash_opaque_token(token))
        )
    ).scalar_one_or_none()
    if row is not None:
        await _revoke_family(session, row.family_id, datetime.now(UTC))
        await session.commit()


async def change_password(
    *, session: AsyncSession, principal: Principal, user: User, current: str, new: str
) -> None:
    """Set a new password of the caller's account (user); other sign-ins are revoked."""
    assert user.id is not None and user.id == principal.user_id
    if not verify_password(current, user.password_hash):
        raise WrongPassword("The current password is wrong.")
    if current == new:
        raise WrongPassword(
            "The new password must differ from the current one.", code="password_unchanged"
        )
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = datetime.now(UTC)
    await revoke_all_for_user(session, user.id)
    audit.record(
        session, actor=principal, entity_type="user", entity_id=user.id, action="password_changed"
    )
    await session.commit()


async def me(*, session: AsyncSession, user: User) -> dict[str, object]:
    """The user, their member record with branch name, and their role assignments."""
    member_row = (
        await session.execute(
            select(Member, col(Organisation.name))
            .join(Organisation, col(Organisation.id) == col(Member.branch_id))
            .where(col(Member.user_id) == user.id)
        )
    ).first()
    roles = (
        await session.execute(
            select(
                col(RoleAssignment.role),
                col(Organisation.id),
                col(Organisation.name),
                col(Organisation.kind),
            )
            .join(Organisation, col(Organisation.id) == col(RoleAssignment.organisation_id))
            .where(col(RoleAssignment.user_id) == user.id)
            .order_by(col(Organisation.path), col(RoleAssignment.role))
        )
    ).all()
    member = None
    if member_row is not None:
        m, branch_name = member_row
        member = {**m.model_dump(), "branch_name": branch_name}
    return {
        "user": user,
        "member": member,
        "roles": [
            {"role": r, "organisation_id": oid, "organisation_name": n, "organisation_kind": k}
            for r, oid, n, k in roles
        ],
    }


async def service_token(
    *, session: AsyncSession, client_id: str, client_secret: str, scope: str | None
) -> tuple[str, int, str]:
    """OAuth2 client credentials: a short-lived token carrying the granted scopes."""
    account = (
        await session.execute(
            select(ServiceAccount).where(col(ServiceAccount.client_id) == client_id)
        )
    ).scalar_one_or_none()
    ok = verify_password(client_secret, account.secret_hash if account else None)
    if account is None or not ok or not account.is_active:
        raise Unauthorized(
            "Unknown client or wrong secret.", code="invalid_client", error="invalid_client"
        )
    requested = set(scope.split()) if scope else set(account.scopes)
    if not requested <= set(account.scopes):
        raise AppError(
            "A requested scope is not granted to this client.",
            code="invalid_scope",
            error="invalid_scope",
        )
    account.last_used_at = datetime.now(UTC)
    await session.commit()
    granted = " ".join(sorted(requested))
    token, ttl = create_access_token(
        f"sa:{account.id}",
        token_type="service",
        minutes=settings.service_token_minutes,
        scope=granted,
    )
    return token, ttl, granted
