"""The PostgreSQL paths of app/claims/repository.py write what their portable twins write."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import col

from app import audit, clock, db
from app.access import CallerUser, Principal
from app.claims import repository
from app.models import AuditEvent, Claim
from tests.helpers import item_ids

pytestmark = pytest.mark.skipif(
    db.engine.dialect.name != "postgresql", reason="the one-statement paths are PostgreSQL's"
)


async def test_a_claim_submitted_at_once_is_written_alike_on_both_paths(world, session):
    items = await item_ids(session, world.standard_id)
    member = world.members["member_a"]
    user = world.users["member_a"]
    actor = Principal(
        user=CallerUser(id=user.id, is_active=True, is_superadmin=False, must_change_password=False)
    )
    now = clock.now()

    def values(day: int) -> dict:
        return {
            "member_id": member.id,
            "branch_id": world.branch_a.id,
            "standard_id": world.standard_id,
            "item_id": items["D05"],
            "period": "2026-11",
            "occurred_on": date(2026, 11, day),
            "quantity": 1,
            "description": "参加社区志愿服务",
            "claimed_points": Decimal("0.5"),
            "status": "submitted",
            "created_by_user_id": user.id,
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "submitted_at": now,
        }

    new = {"actor": actor, "entity_type": "claim", "entity_id": None}
    events = [
        audit.event(**new, action="create", to_state="draft"),
        audit.event(**new, action="submit", from_state="draft", to_state="submitted"),
    ]
    async with db.unit_of_work() as s:
        fast = await repository.add_submitted(s, values(1), events)
        portable = await repository.add_submitted_portable(s, values(1), events)
    # Each read the points counted before it was written: the second saw the first.
    assert fast[1:] == (Decimal("0"), Decimal("0"))
    assert portable[1:] == (Decimal("0.5"), Decimal("0.5"))

    async with db.SessionFactory() as check:
        claims = {c.id: c for c in (await check.scalars(select(Claim))).all()}
        trail = {
            claim_id: [
                (e.actor_user_id, e.action, e.from_state, e.to_state, e.comment, e.data)
                for e in (
                    await check.scalars(
                        select(AuditEvent)
                        .where(
                            col(AuditEvent.entity_type) == "claim",
                            col(AuditEvent.entity_id) == claim_id,
                        )
                        .order_by(col(AuditEvent.id))
                    )
                ).all()
            ]
            for claim_id in (fast[0], portable[0])
        }

    def row(c: Claim) -> dict:
        return {k: v for k, v in c.model_dump().items() if k != "id"}

    assert row(claims[fast[0]]) == row(claims[portable[0]])
    assert trail[fast[0]] == trail[portable[0]]
    assert [t[1] for t in trail[fast[0]]] == ["create", "submit"]
