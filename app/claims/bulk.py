"""Bulk review (批量审核): up to 500 decisions in one request, each with its own answer; plain
approvals are written set-wise (repository.approve_plainly), the others as review() writes them."""

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import audit, clock
from app.access import Action, Principal
from app.claims import repository, rules
from app.claims.schemas import BulkDecision, BulkResult, BulkReviewResult
from app.errors import AppError, Forbidden, NotFound
from app.models import Claim
from app.months.locks import MonthLocked, lock_month

# A bulk review decides this many claims at a time and lets other requests run in between,
# so members submitting at month end do not wait behind hundreds of decisions.
BULK_SLICE = 100


async def bulk_review(
    *, session: AsyncSession, principal: Principal, decisions: list[BulkDecision]
) -> BulkReviewResult:
    """Decide up to 500 claims; each gets its own answer and a failure undoes no other."""
    if principal.user is None:
        raise Forbidden("Claims are reviewed by people.", code="users_only")
    results: list[BulkResult | None] = [None] * len(decisions)
    run = _BulkRun(session, principal, results)
    numbered = list(enumerate(decisions))
    for start in range(0, len(numbered), BULK_SLICE):
        if start:
            await asyncio.sleep(0)
        await run.decide(numbered[start : start + BULK_SLICE])
    ordered = [r for r in results if r is not None]
    succeeded = sum(r.ok for r in ordered)
    return BulkReviewResult(succeeded=succeeded, failed=len(ordered) - succeeded, results=ordered)


class _BulkRun:
    """A bulk review, slice by slice; what one slice learns (branches, months, claims seen)
    carries over to the next."""

    def __init__(
        self, session: AsyncSession, principal: Principal, results: list[BulkResult | None]
    ) -> None:
        self.session, self.principal, self.results = session, principal, results
        self.seen: set[int] = set()
        self.branch_paths: dict[int, str] = {}
        self.months: dict[tuple[int, str], str] = {}

    async def decide(self, chunk: list[tuple[int, BulkDecision]]) -> None:
        session = self.session
        claims = await repository.by_ids(session, list({d.claim_id for _, d in chunk}))
        unknown = {c.branch_id for c in claims.values()} - self.branch_paths.keys()
        if unknown:
            self.branch_paths.update(await repository.branch_paths(session, unknown))
        accepted: list[tuple[int, BulkDecision, Claim, dict[str, Any]]] = []
        for position, d in chunk:
            claim = claims.get(d.claim_id)
            try:
                values = await self._check(d, claim)
                assert claim is not None
                accepted.append((position, d, claim, values))
            except AppError as exc:
                self.results[position] = BulkResult(
                    claim_id=d.claim_id,
                    ok=False,
                    status=claim.status if claim is not None else None,
                    code=exc.code,
                    detail=exc.detail,
                )
        plain = [c.id for _, d, c, _ in accepted if _is_plain(d) and c.id is not None]
        moved = await repository.approve_plainly(session, plain, self.principal)
        for position, d, c, v in accepted:
            assert c.id is not None
            if c.id not in plain and await self._decide_one(d, c, v):
                moved.add(c.id)
            if c.id in moved:
                target = rules.TRANSITIONS[d.decision][1]
                self.results[position] = BulkResult(claim_id=c.id, ok=True, status=target)
            else:
                self.results[position] = BulkResult(
                    claim_id=c.id,
                    ok=False,
                    code="invalid_transition",
                    detail="The claim changed meanwhile.",
                )

    async def _check(self, d: BulkDecision, claim: Claim | None) -> dict[str, Any]:
        """The decision's rules, as review() and the ReviewableClaim dependency check them."""
        if d.claim_id in self.seen:
            raise AppError("The claim appears twice in this request.", code="duplicate")
        self.seen.add(d.claim_id)
        if claim is None:
            raise NotFound(f"Claim {d.claim_id} does not exist.", code="claim_not_found")
        if not self.principal.can(Action.claim_review, self.branch_paths[claim.branch_id]):
            raise Forbidden("You may not review claims of this branch.")
        rules.require_not_own(self.principal, claim.member_id)
        rules.target_state(claim.status, d.decision)
        values = rules.decision_values(claim.claimed_points, d.decision, d.points, d.comment)
        key = (claim.branch_id, claim.period)
        if key not in self.months:
            month = await lock_month(self.session, branch_id=key[0], period=key[1])
            self.months[key] = month.status
        if self.months[key] == "locked":
            raise MonthLocked(f"The branch's month {claim.period} is closed.")
        return values

    async def _decide_one(self, d: BulkDecision, claim: Claim, values: dict[str, Any]) -> bool:
        """A decision other than a plain approval, written as review() writes it."""
        assert claim.id is not None
        before = claim.status
        moved = await repository.move(
            self.session,
            [claim.id],
            d.decision,
            reviewed_by_user_id=self.principal.user_id,
            decided_at=clock.now(),
            decision_seen_at=None,
            **values,
        )
        if not moved:
            return False
        approved = d.decision == "approve"
        if approved:
            row = repository.ledger_row(claim, values["granted_points"], self.principal)
            await repository.add_ledger_rows(self.session, [row])
        audit.record(
            self.session,
            actor=self.principal,
            entity_type="claim",
            entity_id=claim.id,
            action=d.decision,
            from_state=before,
            to_state=rules.TRANSITIONS[d.decision][1],
            comment=d.comment,
            data={"granted_points": str(values["granted_points"]), "bulk": True}
            if approved
            else {"bulk": True},
        )
        return True


def _is_plain(d: BulkDecision) -> bool:
    """Every point claimed granted, no comment: the month-end case, decided set-wise."""
    return d.decision == "approve" and d.points is None and not d.comment
