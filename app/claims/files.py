"""Evidence use cases: attach, list, serve and remove a claim's photos and PDFs."""

import asyncio
import logging

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlmodel import col

from app import audit, clock
from app.access import Principal
from app.claims import repository
from app.claims.rules import EDITABLE, MAX_EVIDENCE, is_own
from app.errors import AppError, Conflict, Forbidden, InvalidTransition, NotFound
from app.evidence import EvidenceRejected, inspect_async, safe_download_name
from app.models import Claim, ClaimEvidence
from app.months.locks import require_open
from app.storage import get_storage, new_key

log = logging.getLogger(__name__)

_REJECTION_STATUS = {"file_too_large": 413, "unsupported_file_type": 415}


class FileRejected(AppError):
    status = 422
    title = "File refused"


def _require_editable_by_owner(principal: Principal, claim: Claim) -> None:
    if not is_own(principal, claim.member_id):
        raise Forbidden(
            "Only the member who made the claim may change its evidence.", code="not_your_claim"
        )
    if claim.status not in EDITABLE:
        raise InvalidTransition(
            f"Evidence of a {claim.status} claim cannot change.",
            current_state=claim.status,
            action="edit",
        )


async def attach(
    *,
    session: AsyncSession,
    principal: Principal,
    claim: Claim,
    filename: str | None,
    data: bytes,
) -> tuple[ClaimEvidence, bool]:
    """Store a checked file for the claim; the same file sent twice is kept once.

    Returns the evidence and whether it is new.
    """
    _require_editable_by_owner(principal, claim)
    await require_open(session, branch_id=claim.branch_id, period=claim.period)
    try:
        checked = await inspect_async(data)
    except EvidenceRejected as exc:
        rejected = FileRejected(exc.detail, code=exc.code)
        rejected.status = _REJECTION_STATUS.get(exc.code, 422)
        raise rejected from None
    # Decoded outside the lock; from here to the commit the claim's files change one at a time.
    claim = await repository.lock(session, claim)
    _require_editable_by_owner(principal, claim)
    assert claim.id is not None
    existing = (
        await session.execute(
            select(ClaimEvidence).where(
                col(ClaimEvidence.claim_id) == claim.id,
                col(ClaimEvidence.sha256) == checked.sha256,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing, False
    count = await session.scalar(
        select(func.count()).where(col(ClaimEvidence.claim_id) == claim.id)
    )
    if (count or 0) >= MAX_EVIDENCE:
        raise Conflict(
            f"A claim carries at most {MAX_EVIDENCE} files; remove one first.",
            code="evidence_limit",
        )
    key = new_key("evidence", checked.extension)
    evidence = ClaimEvidence(
        claim_id=claim.id,
        storage_key=key,
        original_name=safe_download_name(filename, checked.extension),
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        width=checked.width,
        height=checked.height,
        uploaded_by_user_id=principal.user_id,
        created_at=clock.now(),
    )
    session.add(evidence)
    await session.flush()
    assert evidence.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="claim",
        entity_id=claim.id,
        action="evidence_add",
        from_state=claim.status,
        to_state=claim.status,
        data={"evidence_id": evidence.id, "content_type": checked.content_type},
    )
    await session.flush()
    # The row is written first and the file last, and the file goes again if the transaction
    # rolls back: a refused row never leaves a file, a kept row never lacks one.
    _when_transaction_ends(session).rolled_back.append(key)
    await get_storage().put(key, data)
    return evidence, True


async def get(session: AsyncSession, claim: Claim, evidence_id: int) -> ClaimEvidence:
    evidence = await session.get(ClaimEvidence, evidence_id)
    if evidence is None or evidence.claim_id != claim.id:
        raise NotFound("This claim has no such file.", code="evidence_not_found")
    return evidence


async def read(evidence: ClaimEvidence) -> bytes:
    try:
        return await get_storage().get(evidence.storage_key)
    except FileNotFoundError:
        log.error("evidence file %s is missing from storage", evidence.storage_key)
        raise NotFound("The file is missing from storage.", code="evidence_missing") from None


async def remove(
    *, session: AsyncSession, principal: Principal, claim: Claim, evidence: ClaimEvidence
) -> None:
    _require_editable_by_owner(principal, claim)
    await require_open(session, branch_id=claim.branch_id, period=claim.period)
    claim = await repository.lock(session, claim)
    _require_editable_by_owner(principal, claim)
    assert claim.id is not None
    still_there = await session.scalar(
        select(col(ClaimEvidence.id)).where(col(ClaimEvidence.id) == evidence.id)
    )
    if still_there is None:
        raise NotFound("This claim has no such file.", code="evidence_not_found")
    audit.record(
        session,
        actor=principal,
        entity_type="claim",
        entity_id=claim.id,
        action="evidence_remove",
        from_state=claim.status,
        to_state=claim.status,
        data={"evidence_id": evidence.id},
    )
    await session.delete(evidence)
    await session.flush()
    # The file goes once the row's removal is committed; a rollback keeps both.
    _when_transaction_ends(session).committed.append(evidence.storage_key)


async def remove_files(keys: list[str]) -> None:
    storage = get_storage()
    for key in keys:
        await storage.delete(key)


class _FilesToRemove:
    """Storage keys to remove when the session's transaction commits or rolls back."""

    def __init__(self) -> None:
        self.committed: list[str] = []
        self.rolled_back: list[str] = []

    def end(self, committed: bool) -> None:
        keys = self.committed if committed else self.rolled_back
        self.committed, self.rolled_back = [], []
        if keys:
            # Session events are synchronous; the removal runs on the loop right after.
            task = asyncio.get_running_loop().create_task(_remove_logging_failures(keys))
            _removals.add(task)
            task.add_done_callback(_removals.discard)


_removals: set[asyncio.Task[None]] = set()


async def _remove_logging_failures(keys: list[str]) -> None:
    try:
        await remove_files(keys)
    except Exception:
        log.exception("could not remove evidence files %s", keys)


def _when_transaction_ends(session: AsyncSession) -> _FilesToRemove:
    files: _FilesToRemove | None = session.info.get(_FilesToRemove)
    if files is None:
        files = session.info[_FilesToRemove] = _FilesToRemove()
        sync_session = session.sync_session

        def committed(_session: Session) -> None:
            files.end(committed=True)

        def rolled_back(_session: Session) -> None:
            files.end(committed=False)

        event.listen(sync_session, "after_commit", committed)
        event.listen(sync_session, "after_rollback", rolled_back)
    return files


async def settled() -> None:
    """Wait for the file removals scheduled by ended transactions (for tests)."""
    while _removals:
        pending = set(_removals)
        await asyncio.gather(*pending)
        _removals.difference_update(pending)
