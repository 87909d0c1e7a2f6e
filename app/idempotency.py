"""Idempotency-Key handling for phones that retry: replay the first answer, never act twice.

The answer is stored in the same transaction as the change it describes, so a stored answer
always matches what the database holds, and the unique (caller, key) constraint makes sure a
key is acted on once. How a duplicate that arrives while the first request still runs is told
so (409) depends on the database:

- PostgreSQL: the request takes a transaction-scoped advisory lock on its key
  (pg_try_advisory_xact_lock) and does everything in one transaction; a duplicate that cannot
  take the lock is in flight. A request that dies rolls back, which frees its key at once.
- SQLite (one writer at a time): the key is first reserved as "running" in a short transaction
  of its own, with a lease after which a retry may take over a key whose request died.
"""

import hashlib
import json
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel
from sqlalchemy import (
    CTE,
    BigInteger,
    Boolean,
    ColumnElement,
    FromClause,
    Insert,
    Text,
    and_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
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
# SQLite's reservation of a key (see _run_reserved).
_RESERVE = (
    sqlite_insert(_RECORDS)
    .on_conflict_do_nothing(index_elements=["caller", "key"])
    .returning(_RECORDS.c.id)
)
_FINISH = (
    update(_RECORDS)
    .where(_RECORDS.c.id == bindparam("record_id"))
    .values(
        state="done",
        response_status=bindparam("status_code"),
        response_body=bindparam("answer"),
    )
)


# PostgreSQL: the key's advisory lock, held until the transaction ends. For a person's request
# it is taken by the statement that loads the caller (app.deps), a round trip less; see
# caller_lock().
TRY_KEY_LOCK = func.pg_try_advisory_xact_lock(
    bindparam("lock", type_=BigInteger), type_=Boolean
).label("locked")
_LOCK = select(TRY_KEY_LOCK)
# PostgreSQL: the key's record, when storing an answer found one already.
_FIND = select(
    _RECORDS.c.id,
    _RECORDS.c.request_hash,
    _RECORDS.c.state,
    _RECORDS.c.response_status,
    _RECORDS.c.response_body,
    _RECORDS.c.lease_until,
    _RECORDS.c.expires_at,
).where(_RECORDS.c.caller == bindparam("caller"), _RECORDS.c.key == bindparam("key"))
# PostgreSQL: store the answer, unless the key already has one that has not expired (then
# nothing is returned and the transaction must not commit). The record's columns are selected
# (INSERT … SELECT) so that answer_cte() can store an answer made from a new row's id.
_ANSWER_COLUMNS = (
    "caller",
    "key",
    "request_hash",
    "state",
    "response_status",
    "response_body",
    "created_at",
    "lease_until",
    "expires_at",
)


def _upsert_answer(body: ColumnElement[str], source: FromClause | None = None) -> Insert:
    """INSERT INTO idempotency_record … SELECT … [FROM source] ON CONFLICT (caller, key) DO
    UPDATE … WHERE the record there has expired, RETURNING id: no row when the key already
    has an answer. body is the answer's JSON; every other value is a parameter."""
    c = _RECORDS.c
    values: dict[str, ColumnElement[Any]] = {
        name: bindparam(name, type_=c[name].type) for name in _ANSWER_COLUMNS
    }
    values["state"] = literal("done", c.state.type)
    values["response_status"] = bindparam("status_code", type_=c.response_status.type)
    values["response_body"] = body
    selected = select(*values.values())
    new = pg_insert(_RECORDS).from_select(
        list(_ANSWER_COLUMNS), selected if source is None else selected.select_from(source)
    )
    return new.on_conflict_do_update(
        index_elements=["caller", "key"],
        set_={name: new.excluded[name] for name in _ANSWER_COLUMNS[2:]},
        where=or_(
            c.expires_at <= new.excluded.created_at,
            and_(c.state == "running", c.lease_until <= new.excluded.created_at),
        ),
    ).returning(c.id)


_STORE_ANSWER = _upsert_answer(bindparam("answer", type_=Text))
# An answer about a row created by the same statement starts with its id (see AnswerSlot).
_ID_HEAD = '{"id":'


def answer_cte(new_row: CTE) -> CTE:
    """The CTE that stores a keyed request's answer in the statement that inserts the row the
    answer is about (new_row: a CTE of INSERT … RETURNING id): the answer is '{"id":', the new
    id and the answer's tail, a parameter made by AnswerSlot.use(). Its column id is the
    record's id, or NULL when the key already has an answer (the statement's work must then
    be rolled back, see AnswerSlot.settle)."""
    body = func.concat(_ID_HEAD, new_row.c.id, bindparam("answer_tail", type_=Text))
    return _upsert_answer(body, new_row).cte("answer")


def advisory_lock_id(caller: str, key: str) -> int:
    """The 64-bit advisory lock a key takes on PostgreSQL while its request runs."""
    digest = hashlib.sha256(f"idempotency\n{caller}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def caller_lock(request: Request, caller: str) -> int | None:
    """The advisory lock of the request's Idempotency-Key, for the statement that loads the
    caller to take at once (PostgreSQL, POST requests with a key); None: nothing to take."""
    key = request.headers.get("idempotency-key")
    if key is None or request.scope["method"] != "POST":
        return None
    return advisory_lock_id(caller, key)


def lock_taken(request: Request, lock: int, taken: bool) -> None:
    """Notes that the statement loading the caller tried the key's lock (see caller_lock)."""
    request.state.idempotency_lock = (lock, taken)


_SLOT = "idempotency_answer_slot"


class AnswerSlot:
    """A keyed request's answer, for the statement that does the request's work to store
    along with it (PostgreSQL): the busiest use case, a claim submitted at month end, then
    writes its row, its audit events and its answer in one statement instead of two.

    The use case renders its answer before the insert, with id 0 (use()), runs the statement
    with answer_cte() and use()'s parameters, and reports what it returned (settle()). A use
    case that does not do so leaves the slot unused, and its answer is stored afterwards."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.body: str | None = None
        self.stored = False
        self._tail: str | None = None

    def use(self, answer_with_id_0: str) -> dict[str, Any] | None:
        """The parameters of answer_cte() for an answer rendered with id 0; None if the
        answer does not begin with its id (then store it the usual way)."""
        head = _ID_HEAD + "0"
        if not answer_with_id_0.startswith(head) or answer_with_id_0[len(head) :][:1] not in (
            ",",
            "}",
        ):
            return None
        self._tail = answer_with_id_0[len(head) :]
        return {**self.params, "answer_tail": self._tail}

    def settle(self, new_id: int, record_id: int | None) -> None:
        """What the statement returned: the new row's id and answer_cte()'s record id."""
        assert self._tail is not None, "use() first"
        self.body = f"{_ID_HEAD}{new_id}{self._tail}"
        self.stored = record_id is not None


def answer_slot(session: AsyncSession) -> AnswerSlot | None:
    """The slot of the keyed request running in this session, if any (PostgreSQL)."""
    slot: AnswerSlot | None = session.info.get(_SLOT)
    return slot


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
        if session.get_bind().dialect.name == "postgresql":
            return await self._run_locked(fingerprint, use_case, status_code)
        return await self._run_reserved(fingerprint, use_case, status_code)

    async def _run_locked(
        self,
        fingerprint: str,
        use_case: Callable[[], Awaitable[BaseModel]],
        status_code: int,
    ) -> Response:
        """PostgreSQL: hold the key's lock, do the work and store its answer, in one
        transaction. The answer is stored without looking for an earlier one first: a retry
        (rare) finds the first answer when it tries to store its own, rolls its work back and
        replays the first answer; everything else saves the look-up's round trip."""
        session, caller, key = self.session, caller_of(self.principal), self.key or ""
        lock = advisory_lock_id(caller, key)
        tried = getattr(self.request.state, "idempotency_lock", None)
        if tried is not None and tried[0] == lock:
            taken = tried[1]
        else:
            taken = (await session.execute(_LOCK, {"lock": lock})).scalar()
        if not taken:
            raise _in_flight()
        now = clock.now()
        if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
            await session.execute(
                delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) < now)
            )
        params = {
            "caller": caller,
            "key": key,
            "request_hash": fingerprint,
            "created_at": now,
            "lease_until": now,
            "expires_at": now + KEEP_FOR,
        }
        slot = session.info[_SLOT] = AnswerSlot({**params, "status_code": status_code})
        try:
            result = await use_case()
        except AppError as exc:
            # A refusal is stored for replay too, in a transaction of its own (the work's is
            # rolled back, and the lock with it); an answer stored first wins.
            await session.rollback()
            refusal = self._problem(exc)
            body = bytes(refusal.body).decode()
            return await self._store_or_replay(params, exc.status, body, refusal, fingerprint)
        except BaseException:
            await session.rollback()
            raise
        finally:
            del session.info[_SLOT]
        if slot.body is not None:  # the use case's statement stored the answer (or found one)
            if slot.stored:
                await session.commit()
                return _json(slot.body, status_code)
            await session.rollback()
            return await self._first_answer(params, fingerprint)
        body = result.model_dump_json()
        return await self._store_or_replay(
            params, status_code, body, _json(body, status_code), fingerprint
        )

    async def _store_or_replay(
        self,
        params: dict[str, Any],
        status_code: int,
        body: str,
        answer: Response,
        fingerprint: str,
    ) -> Response:
        session = self.session
        stored = await session.execute(
            _STORE_ANSWER, {**params, "status_code": status_code, "answer": body}
        )
        if stored.scalar() is not None:
            await session.commit()
            return answer
        # The key has an answer already: this request is a retry, or reuses another
        # request's key. Nothing of its own work is kept.
        await session.rollback()
        return await self._first_answer(params, fingerprint)

    async def _first_answer(self, params: dict[str, Any], fingerprint: str) -> Response:
        """After storing this request's answer found the key's first one (and the work was
        rolled back): that answer again, or the refusal _answer_of() gives."""
        session = self.session
        found: Any = (
            await session.execute(_FIND, {"caller": params["caller"], "key": params["key"]})
        ).one_or_none()
        await session.rollback()
        first = _answer_of(found, fingerprint, params["created_at"]) if found is not None else None
        if first is None:  # gone or taken over meanwhile: let the client try again
            raise _in_flight()
        return first

    async def _run_reserved(
        self,
        fingerprint: str,
        use_case: Callable[[], Awaitable[BaseModel]],
        status_code: int,
    ) -> Response:
        """SQLite: reserve the key in a transaction of its own, then do the work."""
        record_id, replay = await self._reserve(fingerprint)
        if replay is not None:
            return replay
        try:
            result = await use_case()
        except AppError as exc:
            await self.session.rollback()
            answer = self._problem(exc)
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

    def _problem(self, exc: AppError) -> Response:
        return problem(
            exc.status,
            exc.code,
            exc.title,
            exc.detail,
            instance=self.request.scope["path"],
            headers=exc.headers,
            **exc.extra,
        )

    async def _reserve(self, fingerprint: str) -> tuple[int, Response | None]:
        session, caller, now = self.session, caller_of(self.principal), clock.now()
        if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
            await session.execute(
                delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) < now)
            )
        new_id = (
            await session.execute(
                _RESERVE,
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
            answer = _answer_of(record, fingerprint, now)
            if answer is not None:
                await session.commit()
                return record.id, answer
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
        raise _in_flight()

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


def _in_flight() -> IdempotencyInFlight:
    return IdempotencyInFlight(
        "A request with this Idempotency-Key is still being processed; retry in a moment.",
        headers={"Retry-After": "1"},
    )


def _answer_of(
    record: IdempotencyRecord | Row[Any], fingerprint: str, now: datetime
) -> Response | None:
    """What an unexpired record of the key means for this request: the first answer again, a
    refusal (another request's key, or one still running), or None: the request that reserved
    it died and its lease has run out, so this one takes over."""
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused("This Idempotency-Key was already used for a different request.")
    if record.state == "done":
        return _replay(record)
    if record.lease_until > now:
        raise _in_flight()
    return None


def _replay(record: Any) -> Response:
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
