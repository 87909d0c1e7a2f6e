"""Password hashing (argon2id) and JWT access tokens with the algorithm pinned."""

import asyncio
import hashlib
import hmac
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from jose import JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.config import settings


def _argon2id() -> Argon2Hasher:
    """argon2id with argon2-cffi's parameters (RFC 9106's second recommendation: 64 MiB, three
    passes, four lanes). Under ENVIRONMENT=test alone, the smallest parameters: the test suite
    signs in thousands of times, and at full strength that was half of its time."""
    if settings.environment == "test":
        return Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)
    return Argon2Hasher()


password_hasher = PasswordHash((_argon2id(),))
# Verified against when the username is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = password_hasher.hash("dummy-password-for-timing")


# Hashing runs on a few threads of its own (argon2 releases the GIL): the event loop stays
# free, and a flood of sign-ins queues here instead of taking every core and all the memory.
_hash_pool = ThreadPoolExecutor(
    max_workers=settings.password_hash_threads, thread_name_prefix="password-hash"
)


class TokenError(Exception):
    pass


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        password_hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return password_hasher.verify(password, password_hash)
    except Exception:
        return False


async def hash_password_async(password: str) -> str:
    """hash_password off the event loop, on the bounded hashing pool."""
    return await asyncio.get_running_loop().run_in_executor(_hash_pool, hash_password, password)


async def verify_password_async(password: str, password_hash: str | None) -> bool:
    """verify_password off the event loop; with no hash it still costs one verification."""
    return await asyncio.get_running_loop().run_in_executor(
        _hash_pool, verify_password, password, password_hash
    )


def generate_password() -> str:
    """An initial password for a new account: readable, 12 characters, no look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def create_access_token(
    subject: str,
    *,
    token_type: str = "access",  # noqa: S107 - a token kind, not a secret
    minutes: int | None = None,
    **claims: Any,
) -> tuple[str, int]:
    ttl = minutes if minutes is not None else settings.access_token_minutes
    # Real time, not app.clock: the token library checks expiry against the real clock.
    now = datetime.now(UTC)
    payload = {
        "sub": subject,
        "typ": token_type,
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=ttl)).timestamp()),
        "jti": uuid.uuid4().hex,
        **claims,
    }
    token = jwt.encode(payload, settings.secret_key, algorithm=settings.jwt_algorithm)
    return token, ttl * 60


# Tokens verified by this process, with their claims: a client sends the same access token
# with every request for 15 minutes, and verifying it (parsing, HMAC, claims) cost a fifth of
# an authenticated request's own work. Keyed by the signing key and the whole token, so a hit
# is a token this process has verified with that key; its expiry is checked again on each hit.
_verified: dict[tuple[str, str], dict[str, Any]] = {}
_VERIFIED_MAX = 20_000


def _epoch() -> float:
    return time.time()


def decode_access_token(token: str, *, token_type: str) -> dict[str, Any]:
    cache_key = (settings.secret_key, token)
    payload = _verified.get(cache_key)
    if payload is None:
        payload = _verify(token)
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[cache_key] = payload
    elif payload["exp"] <= _epoch():
        _verified.pop(cache_key, None)
        raise TokenError("expired")
    if payload.get("typ") != token_type:
        raise TokenError("wrong token type")
    return dict(payload)


def _verify(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as exc:
        raise TokenError("malformed token") from exc
    if header.get("alg") != settings.jwt_algorithm:
        raise TokenError("unexpected algorithm")
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require_exp": True, "require_sub": True, "require_aud": True},
        )
    except JWTError as exc:
        raise TokenError(str(exc)) from exc
    return payload


def new_opaque_token() -> tuple[str, str]:
    """A random token for the client and the hash we keep."""
    token = secrets.token_urlsafe(32)
    return token, hash_opaque_token(token)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_digest(purpose: bytes, value: str) -> bytes:
    """HMAC-SHA256 of value keyed with the app's secret key, separated by purpose: what only
    this server can derive from a value (a refresh token's successor, an evaluation code's
    stored hash)."""
    return hmac.new(settings.secret_key.encode(), purpose + value.encode(), hashlib.sha256).digest()
