"""Sign-in, refresh-token rotation with reuse detection, password change, service tokens."""

import base64
import math
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, clock
from app.access import CallerUser, Principal
from app.auth.passwords import check_password_strength, user_words
from app.auth.throttle import Attempts
from app.config import settings
from app.errors import AppError, TooManyRequests, Unauthorized
from app.models import Member, Organisation, RefreshToken, RoleAssignment, ServiceAccount, User
from app.security import (
    create_access_token,
    hash_opaque_token,
    hash_password_async,
    keyed_digest,
    new_opaque_token,
    verify_password_async,
)


class WrongPassword(AppError):
    status = 400
    code = "wrong_password"
    title = "Wrong password"


def too_many_attempts(wait: int) -> TooManyRequests:
    """429 with Retry-After in seconds and the wait in whole minutes for people."""
    minutes = max(1, math.ceil(wait / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return TooManyRequests(
        f"Too many failed attempts. Try again in {minutes} {unit}.",
        headers={"Retry-After": str(wait)},
        retry_after=wait,
    )


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


def _verifiable_hash(user: User | None) -> str | None:
    """The hash to check a password against; None (a dummy verification of the same cost, so
    the answer takes as long as a wrong password's) for no account or an account with no
    password yet: a hash starting with "!" is a marker no password matches (an imported account
    awaiting activation)."""
    if user is None or user.password_hash.startswith("!"):
        return None
    return user.password_hash


def account_key(user_id: int) -> str:
    """The throttle key of an account, whatever identifier was typed to reach it."""
    return f"acct:{user_id}"


async def _issue_refresh(
    session: AsyncSession, *, user_id: int, family_id: str, token: str | None = None
) -> str:
    """Keep the hash of a refresh token (a new random one unless given) and return the token."""
    if token is None:
        token, digest = new_opaque_token()
    else:
        digest = hash_opaque_token(token)
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family_id,
            token_hash=digest,
            expires_at=clock.now() + timedelta(days=settings.refresh_token_days),
        )
    )
    return token


def _successor_of(token: str) -> str:
    """The refresh token that replaces `token` when it is rotated: derived from it with the
    secret key, so the server can hand the same successor out again while keeping only hashes."""
    digest = keyed_digest(b"refresh-successor:", token)
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _access_for(user: User) -> tuple[str, int]:
    # ver: refused by the caller's dependency once the account's token_version moves on.
    return create_access_token(f"user:{user.id}", ver=user.token_version)


def _as_actor(user: User) -> Principal:
    assert user.id is not None
    return Principal(
        user=CallerUser(
            id=user.id,
            is_active=user.is_active,
            is_superadmin=user.is_superadmin,
            must_change_password=user.must_change_password,
        )
    )


def _record_failed_sign_in(
    attempts: Attempts, user: User | None, username: str, address: str
) -> None:
    """An audit event for a refused sign-in, written after the request's transaction (which
    the refusal rolls back), with the time of the attempt. No actor: the name typed (never
    the password) and the address say who tried; entity_id 0 when no account has that name.
    Attempts refused by a lock (429) are not recorded: the throttle bounds how many of these
    rows an address can cause."""
    if user is None:
        reason = "unknown_user"
    elif not user.is_active:
        reason = "inactive"
    else:
        reason = "wrong_password"
    event = audit.event(
        actor=None,
        entity_type="user",
        entity_id=user.id if user is not None else 0,
        action="sign_in_failed",
        data={"username": username.strip()[:64], "address": address, "reason": reason},
    )

    async def write(session: AsyncSession) -> None:
        await audit.write(session, [event])

    attempts.outlive(write)


async def login(
    *, session: AsyncSession, attempts: Attempts, username: str, password: str, address: str
) -> tuple[User, str, int, str]:
    """Check the password under the throttle; return the user, access token and refresh token."""
    user = await _find_user(session, username)
    # The lock belongs to the account, however it was named; an unknown name gets one too, so
    # a lock does not tell which accounts exist.
    account = account_key(user.id) if user and user.id else f"name:{username.strip().lower()}"
    address_key = f"addr:{address}"
    pair_key = f"pair:{account}:{address}"
    wait = await attempts.locked_for(pair_key, address_key, account, session=session)
    if wait:
        raise too_many_attempts(wait)
    ok = await verify_password_async(password, _verifiable_hash(user))
    # A deactivated account answers as a wrong password does: the right one is not revealed.
    if not ok or user is None or not user.is_active:
        attempts.fail(account, limit=settings.login_max_failures_per_account, progressive=True)
        attempts.fail(pair_key, limit=settings.login_max_failures_per_account_and_address)
        attempts.fail(address_key, limit=settings.login_max_failures_per_address)
        _record_failed_sign_in(attempts, user, username, address)
        raise Unauthorized("Wrong username or password.", code="invalid_credentials")
    user.last_login_at = clock.now()
    assert user.id is not None
    audit.record(
        session,
        actor=_as_actor(user),
        entity_type="user",
        entity_id=user.id,
        action="sign_in",
        data={"address": address},
    )
    refresh = await _issue_refresh(session, user_id=user.id, family_id=str(uuid.uuid4()))
    attempts.reset(account)
    attempts.reset(pair_key)
    access, ttl = _access_for(user)
    return user, access, ttl, refresh


async def refresh(
    *, session: AsyncSession, attempts: Attempts, token: str | None
) -> tuple[User, str, int, str]:
    """Rotate a refresh token. A token presented twice revokes its whole family, except a
    concurrent use (several tabs at once): within refresh_grace_seconds of its rotation it is
    answered with the family's current token, the end of its chain of successors."""
    if not token or len(token) > 200:
        raise Unauthorized("Sign in again.", code="invalid_refresh_token")
    now = clock.now()
    row = (
        await session.execute(
            select(RefreshToken).where(col(RefreshToken.token_hash) == hash_opaque_token(token))
        )
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized("Sign in again.", code="invalid_refresh_token")
    # Claim the token atomically: of two concurrent uses, only one sees used_at empty. On
    # PostgreSQL the other waits for the first one's row lock, so once it goes on, the
    # successor the first one wrote is committed and visible to it.
    claimed = await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.id) == row.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        answer = _successor_of(token)
        await _issue_refresh(session, user_id=row.user_id, family_id=row.family_id, token=answer)
    elif (current := await _current_after_moments_ago(session, row, token, now)) is not None:
        answer = current
    else:
        family_id, user_id = row.family_id, row.user_id

        async def end_family(own: AsyncSession) -> None:
            await _revoke_family(own, family_id, now)
            await _bump_token_version(own, user_id)  # the thief's access token dies too

        attempts.outlive(end_family)
        raise Unauthorized(
            "This sign-in was used elsewhere; all its sessions are signed out.",
            code="refresh_token_reused",
        )
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("Sign in again.", code="invalid_refresh_token")
    access, ttl = _access_for(user)
    return user, access, ttl, answer


# How many rotations a token used moments ago may be behind the family's current one: tabs
# opening together rotate a few times within the grace, never this often.
_GRACE_CHAIN = 8


async def _current_after_moments_ago(
    session: AsyncSession, row: RefreshToken, token: str, now: datetime
) -> str | None:
    """The token was rotated within the grace period: this is a concurrent use (another tab
    sent the cookie it had while a first tab rotated it, and perhaps a third rotated the
    successor), not a replay. Its answer is the family's current token, found by following
    the successors; None when the token is older, or the chain ends revoked or expired.
    Read afresh, not from `row`."""
    rotated_at = (
        await session.execute(
            select(col(RefreshToken.used_at)).where(col(RefreshToken.id) == row.id)
        )
    ).scalar_one()
    if rotated_at is None or now - rotated_at >= timedelta(seconds=settings.refresh_grace_seconds):
        return None
    chain = [token]
    for _ in range(_GRACE_CHAIN):
        chain.append(_successor_of(chain[-1]))
    hashes = [hash_opaque_token(t) for t in chain[1:]]
    rows = {
        r.token_hash: r
        for r in (
            await session.execute(
                select(RefreshToken).where(
                    col(RefreshToken.family_id) == row.family_id,
                    col(RefreshToken.token_hash).in_(hashes),
                )
            )
        ).scalars()
    }
    for candidate, digest in zip(chain[1:], hashes, strict=True):
        link = rows.get(digest)
        if link is None or link.revoked_at is not None or link.expires_at <= now:
            return None
        if link.used_at is None:
            return candidate
    return None


async def _revoke_family(session: AsyncSession, family_id: str, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


async def _bump_token_version(session: AsyncSession, user_id: int) -> None:
    """Every access token issued to the user so far is refused from now on."""
    await session.execute(
        update(User)
        .where(col(User.id) == user_id)
        .values(token_version=col(User.token_version) + 1)
    )


async def revoke_all_for_user(session: AsyncSession, user_id: int) -> None:
    """Revoke every refresh token of the user (see revoke_sessions for access tokens too)."""
    await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=clock.now())
    )


async def revoke_sessions(session: AsyncSession, user: User) -> None:
    """Sign the user out everywhere: refresh tokens revoked, access tokens already issued
    refused (token_version). For password resets, deactivation and password changes."""
    assert user.id is not None
    user.token_version = (user.token_version or 0) + 1
    await revoke_all_for_user(session, user.id)
    await session.flush()


async def logout(*, session: AsyncSession, token: str | None) -> None:
    """Revoke the family of the presented refresh token (this device's sign-in) and the access
    tokens issued so far (other devices get new ones from their refresh tokens)."""
    if not token or len(token) > 200:
        return
    row = (
        await session.execute(
            select(RefreshToken).where(col(RefreshToken.token_hash) == hash_opaque_token(token))
        )
    ).scalar_one_or_none()
    if row is not None:
        await _revoke_family(session, row.family_id, clock.now())
        await _bump_token_version(session, row.user_id)


async def change_password(
    *,
    session: AsyncSession,
    attempts: Attempts,
    principal: Principal,
    user: User,
    current: str,
    new: str,
) -> str:
    """Set a new password of the caller's account (user); every sign-in is revoked and this
    device gets a new refresh token, which is returned."""
    assert user.id is not None and user.id == principal.user_id
    key = account_key(user.id)
    wait = await attempts.locked_for(key, session=session)
    if wait:
        raise too_many_attempts(wait)
    if not await verify_password_async(current, user.password_hash):
        # Guessing the current password with a stolen token counts as for sign-in.
        attempts.fail(key, limit=settings.login_max_failures_per_account, progressive=True)
        raise WrongPassword("The current password is wrong.")
    if current == new:
        raise WrongPassword(
            "The new password must differ from the current one.", code="password_unchanged"
        )
    check_password_strength(new, user_words=await user_words(session, user))
    user.password_hash = await hash_password_async(new)
    user.must_change_password = False
    user.password_changed_at = clock.now()
    await revoke_sessions(session, user)
    audit.record(
        session, actor=principal, entity_type="user", entity_id=user.id, action="password_changed"
    )
    attempts.reset(key)
    return await _issue_refresh(session, user_id=user.id, family_id=str(uuid.uuid4()))


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
    *,
    session: AsyncSession,
    attempts: Attempts,
    client_id: str,
    client_secret: str,
    scope: str | None,
    address: str,
) -> tuple[str, int, str]:
    """OAuth2 client credentials: a short-lived token carrying the granted scopes."""
    client_key = f"client:{client_id}"
    address_key = f"addr:{address}"
    wait = await attempts.locked_for(client_key, address_key, session=session)
    if wait:
        raise too_many_attempts(wait)
    account = (
        await session.execute(
            select(ServiceAccount).where(col(ServiceAccount.client_id) == client_id)
        )
    ).scalar_one_or_none()
    ok = await verify_password_async(client_secret, account.secret_hash if account else None)
    if account is None or not ok or not account.is_active:
        attempts.fail(client_key, limit=settings.login_max_failures_per_account, progressive=True)
        attempts.fail(address_key, limit=settings.login_max_failures_per_address)
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
    account.last_used_at = clock.now()
    attempts.reset(client_key)
    granted = " ".join(sorted(requested))
    token, ttl = create_access_token(
        f"sa:{account.id}",
        token_type="service",
        minutes=settings.service_token_minutes,
        scope=granted,
    )
    return token, ttl, granted
