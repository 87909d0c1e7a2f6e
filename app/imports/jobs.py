"""The background apply of a member import: one transaction, in chunks, with progress.

Progress lives in this process (the apply's transaction is invisible until it commits), and so
does the knowledge of which applies are running: the app runs as one process (see the
Dockerfile). An import found `applying` that no task of this process runs was cut off by a
restart; its transaction never committed, so nothing was written, and reading it marks it
failed (see service.get)."""

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from app import audit, clock, db
from app.access import Principal
from app.imports import repository, rules
from app.models import MemberImport

log = logging.getLogger(__name__)

# Apply works in chunks of this many sheet rows (progress moves once per chunk).
CHUNK = 2000

# The applies this process owns: import id → rows done. An id is entered when the apply is
# started (before its request commits) and removed when the task ends.
progress: dict[int, int] = {}
_tasks: set[asyncio.Task[None]] = set()


def claim(import_id: int) -> None:
    """This process will run the import's apply (see start_apply)."""
    progress[import_id] = 0


def release(import_id: int) -> None:
    progress.pop(import_id, None)


def is_running_here(import_id: int) -> bool:
    return import_id in progress


async def schedule_apply(import_id: int, principal: Principal) -> None:
    """Run the apply as a task of this process (called once the request has committed)."""
    claim(import_id)
    task = asyncio.create_task(run_apply(import_id, principal))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def run_apply(import_id: int, principal: Principal) -> None:
    """Apply in one transaction; on any failure, mark the import failed in another."""
    try:
        async with db.unit_of_work() as session:
            await _apply(session, principal, import_id)
    except Exception as exc:
        log.exception("member import %s failed", import_id)
        async with db.unit_of_work() as session:
            await mark_failed(session, principal, import_id, rules.failure_text(exc))
    finally:
        release(import_id)


async def mark_failed(
    session: AsyncSession, actor: Principal | None, import_id: int, error: str
) -> bool:
    """applying → failed, with the reason and an audit event; False if it was not applying."""
    if not await repository.set_status(
        session, import_id, expected="applying", status="failed", error=error
    ):
        return False
    audit.record(
        session,
        actor=actor,
        entity_type="member_import",
        entity_id=import_id,
        action="failed",
        from_state="applying",
        to_state="failed",
        comment=error,
    )
    return True


async def _apply(session: AsyncSession, principal: Principal, import_id: int) -> None:
    job = await session.get(MemberImport, import_id)
    assert job is not None
    if job.status != "applying":  # marked failed meanwhile: nothing to do
        return
    now = clock.now()
    last = await repository.last_row_no(session, import_id)
    done = 0
    for low in range(0, last + 1, CHUNK):
        await repository.apply_chunk(session, principal, import_id, low, low + CHUNK, now)
        done += await repository.count_rows(session, import_id, low, low + CHUNK)
        progress[import_id] = done
    job.status = "applied"
    job.applied_at = now
    audit.record(
        session,
        actor=principal,
        entity_type="member_import",
        entity_id=import_id,
        action="applied",
        from_state="applying",
        to_state="applied",
        data=rules.counts(job),
    )
