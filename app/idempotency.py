"""Idempotency-Key for phones that retry: replay the first answer, never act twice.

`Idempotency.run` wraps a use case from outside; the use case does not know about it. It runs
the use case and stores its answer under the key in the request's own transaction, so the
answer is kept exactly when the work is. Most keyed requests are first tries, so the key is
not looked up first: when the answer cannot be stored because the key already has one (a
retry, or a duplicate that ran at the same time and committed first), the unit of work rolls
this request's work back and the first answer is replayed (422 when the key was first used
for another request). A refusal (an AppError) is stored too, after the work is rolled back,
in a transaction of its own. The unique (caller, key) constraint makes a duplicate running
at the same time wait for the first to finish.
"""

import hashlib
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from pydantic import BaseModel
from sqlalchemy import (
    Insert,
    Select,
    bindparam,
    delete,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock, db
from app.access import Principal
from app.errors import PROBLEM_JSON, AppError, Conflict, problem_of
from app.models import IdempotencyRecord

KEEP_FOR = timedelta(hours=24)
_KEY_CHARS = frozenset(map(chr, range(0x21, 0x7F)))
_RECORDS = IdempotencyRecord.__table__  # type: ignore[attr-defined]


class IdempotencyKeyReused(AppError):
    status = 422
    code = "idempotency_key_reused"
    title = "Idempotency key reused"


class IdempotencyInFlight(Conflict):
    code = "idempotency_request_in_flight"
    title = "Request in progress"


@dataclass(frozen=True)
class Keyed:
    """A request that carries an Idempotency-Key."""

    caller: str
    key: str
    fingerprint: str


class _Refused(Exception):
    """A keyed use case refused: its work is rolled back, then its answer stored."""

    def __init__(self, keyed: Keyed, error: AppError) -> None:
        self.keyed, self.error = keyed, error


class _AnsweredMeanwhile(Exception):
    """The key already has an answer: this request's work is rolled back, and that answer
    replayed."""

    def __init__(self, keyed: Keyed) -> None:
        self.keyed = keyed


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


# -- the statements (built once per kind of database, with bind parameters) -----------------


@cache
def _look_up() -> Select[Any]:
    """The key's unexpired answer."""
    c = _RECORDS.c
    return select(c.request_hash, c.response_status, c.response_body).where(
        c.caller == bindparam("caller"),
        c.key == bindparam("key"),
        c.expires_at > bindparam("now", type_=c.expires_at.type),
        c.state == "done",
    )


@cache
def _store(dialect: str) -> Insert:
    """Store the key's answer unless it already has an unexpired one (then no row returns)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    c = _RECORDS.c
    now = bindparam("now", type_=c.created_at.type)
    new = insert(_RECORDS).values(
        caller=bindparam("caller"),
        key=bindparam("key"),
        request_hash=bindparam("request_hash"),
        state="done",
        response_status=bindparam("status"),
        response_body=bindparam("body"),
        created_at=now,
        lease_until=now,
        expires_at=bindparam("expires_at", type_=c.expires_at.type),
    )
    replaced = ("request_hash", "state", "response_status", "response_body", "created_at")
    return new.on_conflict_do_update(
        index_elements=["caller", "key"],
        set_={name: new.excluded[name] for name in (*replaced, "lease_until", "expires_at")},
        where=or_(c.expires_at <= new.excluded.created_at, c.state != "done"),
    ).returning(c.id)


async def _find(session: AsyncSession, keyed: Keyed) -> Any:
    params = {"caller": keyed.caller, "key": keyed.key, "now": clock.now()}
    return (await session.execute(_look_up(), params)).one_or_none()


async def _stored(session: AsyncSession, keyed: Keyed, status: int, body: str) -> bool:
    now = clock.now()
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        await session.execute(delete(_RECORDS).where(_RECORDS.c.expires_at < now))
    params = {
        "caller": keyed.caller,
        "key": keyed.key,
        "request_hash": keyed.fingerprint,
        "status": status,
        "body": body,
        "now": now,
        "expires_at": now + KEEP_FOR,
    }
    stored = await session.execute(_store(session.get_bind().dialect.name), params)
    return stored.first() is not None


# -- the wrapper ----------------------------------------------------------------------------


class Idempotency:
    """Runs a use case under a key; its answer is stored in the request's transaction."""

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
        if self.key is None:
            return _json((await use_case()).model_dump_json(), status_code)
        if not self.key or not set(self.key) <= _KEY_CHARS:
            raise AppError(
                "Idempotency-Key must be 1 to 200 visible ASCII characters.",
                code="invalid_idempotency_key",
            )
        body = await self.request.body()
        keyed = Keyed(
            caller_of(principal),
            self.key,
            request_fingerprint(self.request.method, self.request.scope["path"], body),
        )
        try:
            result = await use_case()
        except AppError as exc:
            raise _Refused(keyed, exc) from exc
        answer = result.model_dump_json()
        if not await _stored(session, keyed, status_code, answer):
            raise _AnsweredMeanwhile(keyed)
        return _json(answer, status_code)


async def _first_answer(keyed: Keyed) -> Response:
    async with db.unit_of_work() as session:
        found = await _find(session, keyed)
    if found is None:  # expired meanwhile: let the client try again
        raise _in_flight()
    return _replay(found, keyed)


def install(app: FastAPI) -> None:
    """The handlers that finish a keyed request after its work was rolled back."""

    @app.exception_handler(_Refused)
    async def _store_refusal(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, _Refused)
        refusal = problem_of(exc.error, request.url.path)
        async with db.unit_of_work() as session:
            stored = await _stored(
                session, exc.keyed, exc.error.status, bytes(refusal.body).decode()
            )
        return refusal if stored else await _first_answer(exc.keyed)

    @app.exception_handler(_AnsweredMeanwhile)
    async def _replay_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, _AnsweredMeanwhile)
        return await _first_answer(exc.keyed)


def _json(body: str, status_code: int) -> Response:
    return Response(body, status_code=status_code, media_type="application/json")


def _in_flight() -> IdempotencyInFlight:
    return IdempotencyInFlight(
        "A request with this Idempotency-Key is still being processed; retry in a moment.",
        headers={"Retry-After": "1"},
    )


def _replay(found: Any, keyed: Keyed) -> Response:
    if found.request_hash != keyed.fingerprint:
        raise IdempotencyKeyReused("This Idempotency-Key was already used for a different request.")
    status = found.response_status or 200
    return Response(
        found.response_body or "",
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
    return Idempotency(request, idempotency_key)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
