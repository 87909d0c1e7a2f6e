"""Claims as the API shows them: lists with names, the detail, evidence, the timeline."""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from app import audit, lookups, periods
from app.claims import repository
from app.claims.schemas import ClaimDetail, ClaimPublic, EvidencePublic
from app.models import Claim, ClaimEvidence, StandardVersion
from app.months.locks import find_month
from app.schemas import ItemRef, TimelineEvent


class ClaimFacts(Protocol):
    """What describe() reads of a claim: a Claim, or a row of the claim table."""

    id: int | None
    member_id: int
    branch_id: int
    item_id: int
    period: str
    occurred_on: date
    quantity: int
    description: str
    claimed_points: Decimal
    granted_points: Decimal | None
    status: str
    decision_comment: str | None
    reviewed_by_user_id: int | None
    submitted_at: datetime | None
    decided_at: datetime | None
    decision_seen_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


_CLAIM_LIST = TypeAdapter(list[ClaimPublic])


async def describe(session: AsyncSession, claims: Sequence[ClaimFacts]) -> list[ClaimPublic]:
    """Claims with member, item and reviewer names, in four queries whatever the count."""
    if not claims:
        return []
    names = await lookups.member_names(session, (c.member_id for c in claims))
    items = await lookups.items_by_id(session, (c.item_id for c in claims))
    reviewers = await lookups.user_names(session, (c.reviewed_by_user_id for c in claims))
    counts = await repository.evidence_counts(session, [c.id for c in claims if c.id])
    refs = {item_id: ItemRef.model_validate(item) for item_id, item in items.items()}
    return _CLAIM_LIST.validate_python(
        [
            {
                "id": c.id,
                "member": {"id": c.member_id, "name": names.get(c.member_id, "")},
                "branch_id": c.branch_id,
                "item": refs[c.item_id],
                "period": c.period,
                "occurred_on": c.occurred_on,
                "quantity": c.quantity,
                "description": c.description,
                "claimed_points": c.claimed_points,
                "granted_points": c.granted_points,
                "status": c.status,
                "decision_comment": c.decision_comment,
                "reviewed_by": {
                    "id": c.reviewed_by_user_id,
                    "name": reviewers.get(c.reviewed_by_user_id, ""),
                }
                if c.reviewed_by_user_id
                else None,
                "submitted_at": c.submitted_at,
                "decided_at": c.decided_at,
                "decision_seen": c.decision_seen_at is not None,
                "evidence_count": counts.get(c.id, 0) if c.id is not None else 0,
                "version": c.version,
                "created_at": c.created_at,
                "updated_at": c.updated_at,
            }
            for c in claims
        ]
    )


def evidence_public(evidence: ClaimEvidence) -> EvidencePublic:
    assert evidence.id is not None
    return EvidencePublic(
        id=evidence.id,
        claim_id=evidence.claim_id,
        name=evidence.original_name,
        content_type=evidence.content_type,
        size=evidence.size,
        width=evidence.width,
        height=evidence.height,
        url=f"/api/v1/claims/{evidence.claim_id}/evidence/{evidence.id}",
        created_at=evidence.created_at,
    )


async def detail(session: AsyncSession, claim: Claim) -> ClaimDetail:
    (summary,) = await describe(session, [claim])
    files = await repository.evidence_of(session, claim.id or 0)
    standard = await session.get(StandardVersion, claim.standard_id)
    assert standard is not None
    month = await find_month(session, branch_id=claim.branch_id, period=claim.period)
    return ClaimDetail(
        **summary.model_dump(),
        evidence=[evidence_public(e) for e in files],
        deadline=periods.deadline(
            claim.period, deadline_day=standard.deadline_day, timezone=standard.timezone
        ),
        month_locked=month is not None and month.status == "locked",
    )


async def timeline(session: AsyncSession, claim: Claim) -> list[TimelineEvent]:
    return await audit.timeline(session, await repository.events_of(session, claim.id or 0))
