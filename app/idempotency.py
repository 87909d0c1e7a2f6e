"""Idempotency-Key handling for phones that retry: replay the first answer, never act twice.

The key is reserved in its own short transaction, so a duplicate arriving while the first
request runs sees it as running (409). The final answer is stored in the same transaction as
the change it describes, so a stored answer always matches what the database holds.
"""

import hashlib
import json
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock
from app.access import Principal
from app.errors import PROBLEM_JSON, AppError, Conflict, problem
from app.models import IdempotencyRecord

KEEP_FOR = timedelta(hours=24)
# A request that died without answering frees its key for a retry after this long.
LEASE = timedelta(seconds=60)
_KEY_CHARS = frozenset(map(chr, range(0x21, 0x7F)))


_RECORDS = IdempotencyRecord.__table__  # type: ignore[attr-defined]
# Built once (a statement made per request costs more Python time than PostgreSQL takes).
_RESERVE = {
    name: dialect_insert(_RECORDS)
    .on_conflict_do_nothing(index_elements=["caller", "key"])
    .returning(_RECORDS.c.id)
    for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_FINISH = (
    update(_RECORDS)
    .where(_RECORDS.c.id == bindparam("record_id"))
    .values(
        state="done",
        response_status=bindparam("status_code"),
        response_body=bindparam("answer"),
    )
)


class IdempotencyKeyReused(AppError):
    status = 422
    code = "idempotency_key_reused"
    title = "Idempotency key reused"


class IdempotencyInFlight(Conflict):
    code = "idempotency_request_in_flight"
    title = "Request in progress"


def caller_of(principal: Principal) -> str:
    if principal.service_account_id is not None:
        return f"sa:{principal.service_account_id}"
    return f"user:{principal.user_id}"


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """The hash that decides "same request": method, path and the JSON body, key order aside."""
    canonical = b""
    if body.strip():
        try:
            canonical = json.dumps(
                json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
        except ValueError:
            canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


class Idempotency:
    """Runs a use case once per key and commits it together with the stored answer."""

    def __init__(self, request: Request, key: str | None) -> None:
        self.request = request
        self.key = key

    async def run(
        self,
        session: AsyncSession,
        principal: Principal,
        use_case: Callable[[], Awaitable[BaseModel]],
        *,
        status_code: int = 200,
    ) -> Response:
        self.session = session
        self.principal = principal
        if self.key is None:
            result = await use_case()
            await self.session.commit()
            return _json(result.model_dump_json(), status_code)
        if not self.key or not set(self.key) <= _KEY_CHARS:
            raise AppError(
                "Idempotency-Key must be 1 to 200 visible ASCII characters.",
                code="invalid_idempotency_key",
            )
        fingerprint = request_fingerprint(
            self.request.method, self.request.scope["path"], await self.request.body()
        )
        record_id, replay = await self._reserve(fingerprint)
        if replay is not None:
            return replay
        try:
            result = await use_case()
        except AppError as exc:
            await self.session.rollback()
            answer = problem(
                exc.status,
                exc.code,
                exc.title,
                exc.detail,
                instance=self.request.scope["path"],
                headers=exc.headers,
                **exc.extra,
            )
            await self._finish(record_id, exc.status, bytes(answer.body).decode())
            await self.session.commit()
            return answer
        except BaseException:
            await self.session.rollback()
            await self.session.execute(
                delete(IdempotencyRecord).where(col(IdempotencyRecord.id) == record_id)
            )
            await self.session.commit()
            raise
        body = result.model_dump_json()
        await self._finish(record_id, status_code, body)
        await self.session.commit()
        return _json(body, status_code)

    async def _reserve(self, fingerprint: str) -> tuple[int, Response | None]:
        session, caller, now = self.session, caller_of(self.principal), clock.now()
        if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
            await session.execute(
                delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) < now)
            )
        new_id = (
            await session.execute(
                _RESERVE[session.get_bind().dialect.name],
                {
                    "caller": caller,
                    "key": self.key or "",
                    "request_hash": fingerprint,
                    "state": "running",
                    "created_at": now,
                    "lease_until": now + LEASE,
                    "expires_at": now + KEEP_FOR,
                },
            )
        ).scalar()
        if new_id is not None:
            await session.commit()
            return new_id, None
        for _attempt in range(3):
            record = await self._find(caller)
            if record is not None and record.expires_at <= now:
                await session.delete(record)
                await session.flush()
                record = None
            if record is None:
                record = IdempotencyRecord(
                    caller=caller,
                    key=self.key or "",
                    request_hash=fingerprint,
                    lease_until=now + LEASE,
                    expires_at=now + KEEP_FOR,
                )
                session.add(record)
                try:
                    await session.commit()
                except IntegrityError:
                    await session.rollback()
                    continue  # reserved by a concurrent duplicate: look again
                assert record.id is not None
                return record.id, None
            assert record.id is not None
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was already used for a different request."
                )
            if record.state == "done":
                await session.commit()
                return record.id, _replay(record)
            if record.lease_until > now:
                raise IdempotencyInFlight(
                    "A request with this Idempotency-Key is still being processed; "
                    "retry in a moment.",
                    headers={"Retry-After": "1"},
                )
            taken = await session.execute(
                update(IdempotencyRecord)
                .where(
                    col(IdempotencyRecord.id) == record.id,
                    col(IdempotencyRecord.lease_until) == record.lease_until,
                )
                .values(lease_until=now + LEASE)
            )
            await session.commit()
            if getattr(taken, "rowcount", 0) == 1:
                return record.id, None
        raise IdempotencyInFlight(
            "A request with this Idempotency-Key is still being processed; retry in a moment.",
            headers={"Retry-After": "1"},
        )

    async def _find(self, caller: str) -> IdempotencyRecord | None:
        return (
            await self.session.execute(
                select(IdempotencyRecord)
                .where(
                    col(IdempotencyRecord.caller) == caller,
                    col(IdempotencyRecord.key) == self.key,
                )
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()

    async def _finish(self, record_id: int, status: int, body: str) -> None:
        await self.session.execute(
            _FINISH, {"record_id": record_id, "status_code": status, "answer": body}
        )


def _json(body: str, status_code: int) -> Response:
    return Response(body, status_code=status_code, media_type="application/json")


def _replay(record: IdempotencyRecord) -> Response:
    status = record.response_status or 200
    return Response(
        record.response_body or "",
        status_code=status,
        media_type=PROBLEM_JSON if status >= 400 else "application/json",
        headers={"Idempotent-Replayed": "true"},
    )


async def idempotency(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200,
            description="Any unique string (a UUID); a retry with the same key and body "
            "gets the first answer again, and nothing is done twice. Kept 24 hours.",
        ),
    ] = None,
) -> Idempotency:
    # An async function, not the class itself: FastAPI runs a plain callable dependency in
    # its thread pool, a thread hop on every request. The session and the caller are passed
    # to run() by the route, which has them anyway: as sub-dependencies here, FastAPI would
    # walk their whole dependency tree a second time on every request.
    return Idempotency(request, idempotency_key)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
