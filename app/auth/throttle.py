"""Sign-in failure counters shared by every server process: in the database, or Redis if set."""

from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.config import settings
from app.models import AuthThrottle


class ThrottleStore(Protocol):
    async def locked_for(self, key: str) -> int | None: ...
    async def fail(self, key: str, *, limit: int) -> None: ...
    async def reset(self, key: str) -> None: ...


class DatabaseThrottle:
    """Counters in the auth_throttle table; each call runs in its own short transaction."""

    def __init__(self, session_factory: object) -> None:
        self._factory = session_factory

    async def locked_for(self, key: str) -> int | None:
        async with self._factory() as session:  # type: ignore[operator]
            locked_until = await session.scalar(
                select(col(AuthThrottle.locked_until)).where(col(AuthThrottle.key) == key)
            )
            await session.rollback()
        now = datetime.now(UTC)
        if locked_until and locked_until > now:
            return max(1, int((locked_until - now).total_seconds()) + 1)
        return None

    async def fail(self, key: str, *, limit: int) -> None:
        async with self._factory() as session:  # type: ignore[operator]
            await self._fail(session, key, limit)
            await session.commit()

    async def _fail(self, session: AsyncSession, key: str, limit: int) -> None:
        now = datetime.now(UTC)
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
        if row.failures >= limit:
            row.locked_until = now + timedelta(seconds=settings.login_lockout_seconds)
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

    async def locked_for(self, key: str) -> int | None:
        ttl = await self._redis.ttl(f"vp:lock:{key}")
        return int(ttl) if ttl and ttl > 0 else None

    async def fail(self, key: str, *, limit: int) -> None:
        count_key = f"vp:fail:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(count_key)
            pipe.expire(count_key, settings.login_window_seconds, nx=True)
            count, _ = await pipe.execute()
        if int(count) >= limit:
            await self._redis.set(f"vp:lock:{key}", 1, ex=settings.login_lockout_seconds)
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
