"""Failure counters for sign-in and client credentials, shared by every server process: in the
database, or Redis if set.

A key is either locked for a fixed time after `limit` failures in the window (an address), or
progressive: after `limit` failures each further failure asks for a wait that doubles, up to a
cap, and the count fades after a window with no failure (an account, a client id)."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Annotated, Protocol

from fastapi import Depends
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock
from app.config import settings
from app.models import AuthThrottle

log = logging.getLogger(__name__)


def lock_seconds(failures: int, limit: int, *, progressive: bool) -> int:
    """How long a key is locked after its failures-th failure (0: not locked)."""
    if failures < limit:
        return 0
    if not progressive:
        return settings.login_lockout_seconds
    delay = settings.login_account_delay_seconds * 2 ** min(failures - limit, 30)
    return min(delay, settings.login_account_max_delay_seconds)


class ThrottleStore(Protocol):
    async def locked_for(self, key: str, *, session: AsyncSession | None = None) -> int | None:
        """Seconds the key is still locked for, or None."""
        ...

    async def fail(self, key: str, *, limit: int, progressive: bool = False) -> None: ...
    async def reset(self, key: str) -> None: ...


class DatabaseThrottle:
    """Counters in the auth_throttle table; each write runs in its own short transaction."""

    def __init__(self, session_factory: object) -> None:
        self._factory = session_factory

    async def locked_for(self, key: str, *, session: AsyncSession | None = None) -> int | None:
        stmt = select(col(AuthThrottle.locked_until)).where(col(AuthThrottle.key) == key)
        if session is not None:
            # Read in the caller's transaction: on SQLite another connection would wait for
            # the write lock that transaction holds.
            locked_until = await session.scalar(stmt)
        else:
            async with self._factory() as own:  # type: ignore[operator]
                locked_until = await own.scalar(stmt)
        now = clock.now()
        if locked_until and locked_until > now:
            return max(1, int((locked_until - now).total_seconds()) + 1)
        return None

    async def fail(self, key: str, *, limit: int, progressive: bool = False) -> None:
        async with self._factory() as session:  # type: ignore[operator]
            await self._fail(session, key, limit, progressive)
            await session.commit()  # the throttle's own unit of work: it outlives the refusal

    async def _fail(self, session: AsyncSession, key: str, limit: int, progressive: bool) -> None:
        now = clock.now()
        window = timedelta(seconds=settings.login_window_seconds)
        row = (
            await session.execute(
                select(AuthThrottle).where(col(AuthThrottle.key) == key).with_for_update()
            )
        ).scalar_one_or_none()
        if row is None:
            row = AuthThrottle(key=key, failures=0, window_started_at=now)
            session.add(row)
        if row.window_started_at + window < now:
            row.failures = 0
            row.window_started_at = now
        row.failures += 1
        if progressive:
            row.window_started_at = now  # the count fades a window after the last failure
        seconds = lock_seconds(row.failures, limit, progressive=progressive)
        if seconds:
            row.locked_until = now + timedelta(seconds=seconds)
            if not progressive:
                row.failures = 0
                row.window_started_at = now

    async def reset(self, key: str) -> None:
        async with self._factory() as session:  # type: ignore[operator]
            await session.execute(delete(AuthThrottle).where(col(AuthThrottle.key) == key))
            await session.commit()


class RedisThrottle:
    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)

    async def locked_for(self, key: str, *, session: AsyncSession | None = None) -> int | None:
        ttl = await self._redis.ttl(f"vp:lock:{key}")
        return int(ttl) if ttl and ttl > 0 else None

    async def fail(self, key: str, *, limit: int, progressive: bool = False) -> None:
        count_key = f"vp:fail:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(count_key)
            if progressive:
                pipe.expire(count_key, settings.login_window_seconds)
            else:
                pipe.expire(count_key, settings.login_window_seconds, nx=True)
            count, _ = await pipe.execute()
        seconds = lock_seconds(int(count), limit, progressive=progressive)
        if seconds:
            await self._redis.set(f"vp:lock:{key}", 1, ex=seconds)
            if not progressive:
                await self._redis.delete(count_key)

    async def reset(self, key: str) -> None:
        await self._redis.delete(f"vp:fail:{key}", f"vp:lock:{key}")


def make_throttle() -> ThrottleStore:
    if settings.redis_url:
        return RedisThrottle(settings.redis_url)
    from app import db

    # Resolved at call time so tests that point app.db at another database are honoured.
    class _Factory:
        def __call__(self) -> AsyncSession:
            return db.SessionFactory()

    return DatabaseThrottle(_Factory())


_store: ThrottleStore | None = None


def get_throttle() -> ThrottleStore:
    global _store
    if _store is None:
        _store = make_throttle()
    return _store


@dataclass
class Attempts:
    """A request's view of the throttle: locks are read at once; failures, resets and other
    writes that must outlive a refusal run after the request's own transaction has ended
    (committed or rolled back), so they survive it and never wait for its locks."""

    store: ThrottleStore
    _pending: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def locked_for(self, *keys: str, session: AsyncSession) -> int | None:
        waits = [await self.store.locked_for(key, session=session) for key in keys]
        return max((w for w in waits if w), default=None)

    def fail(self, key: str, *, limit: int, progressive: bool = False) -> None:
        self._pending.append(partial(self.store.fail, key, limit=limit, progressive=progressive))

    def reset(self, key: str) -> None:
        self._pending.append(partial(self.store.reset, key))

    def outlive(self, write: Callable[[AsyncSession], Awaitable[None]]) -> None:
        """Run write in a unit of work of its own once the request's transaction is over."""

        async def run() -> None:
            from app import db

            async with db.unit_of_work() as session:
                await write(session)

        self._pending.append(run)

    async def flush(self) -> None:
        pending, self._pending = self._pending, []
        for write in pending:
            await write()


async def request_attempts(
    store: Annotated[ThrottleStore, Depends(get_throttle)],
) -> AsyncIterator[Attempts]:
    attempts = Attempts(store)
    try:
        yield attempts
    finally:
        # Request scope: runs after SessionDep (function scope) has ended its transaction.
        try:
            await attempts.flush()
        except Exception:
            log.exception("could not record the outcome of a sign-in attempt")


AttemptsDep = Annotated[Attempts, Depends(request_attempts)]
