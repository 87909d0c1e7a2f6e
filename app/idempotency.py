"""Idempotency-Key for phones that retry: replay the first answer, never act twice.

`Idempotency.run` wraps a use case from outside; the use case does not know about it:

1. claim the key: look up its answer (PostgreSQL: while taking the key's transaction-scoped
   advisory lock, so a duplicate that arrives while the first still runs is told 409);
2. an answer found is replayed (or 422 when the key was used for another request);
3. otherwise run the use case and store its answer in the request's transaction, so the
   answer is kept exactly when the work is committed.

A refusal (an AppError) is stored too, after the work is rolled back, in a transaction of its
own. On SQLite one request writes at a time, so a duplicate simply waits for the first and
replays its answer. On PostgreSQL a duplicate that committed between this request's look-up
and its lock is noticed when the answer cannot be stored: the work is rolled back and the
first answer replayed.
"""

import hashlib
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Insert,
    and_,
    delete,
    func,
    literal,
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
    """The key got its answer from a duplicate while this request ran: replay that one."""

    def __init__(self, keyed: Keyed) -> None:
        self.keyed = keyed


def caller_of(principal: Principal) -> str:
    if principal.service_account_id is not None:
        return f"sa:{principal.service_account_id}"
    return f"user:{principal.user_id}"


def advisory_lock_id(caller: str, key: str) -> int:
    """The 64-bit advisory lock a key takes on PostgreSQL while its request runs."""
    digest = hashlib.sha256(f"idempotency\n{caller}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


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


# -- the statements -----------------------------------------------------------------------


def _look_up(session: AsyncSession, keyed: Keyed) -> Any:
    """The key's unexpired answer, if any, and whether this request holds the key: one row
    (locked, request_hash, response_status, response_body), the answer's columns NULL when
    the key has none. PostgreSQL tries the key's advisory lock in the same statement."""
    locked: ColumnElement[bool] = literal(True)
    if session.get_bind().dialect.name == "postgresql":
        lock_id = advisory_lock_id(keyed.caller, keyed.key)
        locked = func.pg_try_advisory_xact_lock(literal(lock_id, BigInteger), type_=Boolean)
    holder = select(locked.label("locked")).subquery("holder")
    c = _RECORDS.c
    return (
        select(holder.c.locked, c.request_hash, c.response_status, c.response_body)
        .select_from(
            holder.outerjoin(
                _RECORDS,
                and_(
                    c.caller == keyed.caller,
                    c.key == keyed.key,
                    c.expires_at > clock.now(),
                    c.state == "done",
                ),
            )
        )
        .limit(1)
    )


def _store(session: AsyncSession, keyed: Keyed, status: int, body: str) -> Insert:
    """Store the key's answer unless it already has an unexpired one (then no row returns)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = clock.now()
    new = insert(_RECORDS).values(
        caller=keyed.caller,
        key=keyed.key,
        request_hash=keyed.fingerprint,
        state="done",
        response_status=status,
        response_body=body,
        created_at=now,
        lease_until=now,
        expires_at=now + KEEP_FOR,
    )
    replaced = ("request_hash", "state", "response_status", "response_body", "created_at")
    return new.on_conflict_do_update(
        index_elements=["caller", "key"],
        set_={name: new.excluded[name] for name in (*replaced, "lease_until", "expires_at")},
        where=or_(_RECORDS.c.expires_at <= now, _RECORDS.c.state != "done"),
    ).returning(_RECORDS.c.id)


async def _stored(session: AsyncSession, keyed: Keyed, status: int, body: str) -> bool:
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        await session.execute(delete(_RECORDS).where(_RECORDS.c.expires_at < clock.now()))
    return (await session.execute(_store(session, keyed, status, body))).first() is not None


# -- the wrapper ----------------------------------------------------------------------------


class Idempotency:
    """Runs a use case once per key; its answer is stored in the request's transaction."""

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
        found = (await session.execute(_look_up(session, keyed))).one()
        if found.request_hash is not None:
            return _replay(found, keyed)
        if not found.locked:
            raise _in_flight()
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
        found = (await session.execute(_look_up(session, keyed))).one()
    if found.request_hash is None:  # expired meanwhile: let the client try again
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
