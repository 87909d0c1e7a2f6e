"""The caps hold under concurrency: the cap check and the write are serialised per member and
item, so the points submitted never pass the cap however many requests race."""

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app import db
from app.models import Claim
from tests.factories import login
from tests.helpers import item_ids, new_claim, race_needs_postgres, set_now, shanghai

pytestmark = race_needs_postgres


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


async def _submitted_points(item_id: int) -> Decimal:
    async with db.SessionFactory() as s:
        total = await s.scalar(
            select(func.coalesce(func.sum(col(Claim.claimed_points)), 0)).where(
                col(Claim.item_id) == item_id, col(Claim.status) == "submitted"
            )
        )
    return Decimal(str(total))


async def test_concurrent_submissions_of_drafts_never_pass_the_monthly_cap(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    # D05: 0.5 a claim, capped at 0.5 a month, no evidence needed.
    drafts = [
        await new_claim(client, member, items["D05"], occurred_on=f"2026-11-{day:02d}", photo=False)
        for day in range(1, 16)
    ]
    answers = await asyncio.gather(
        *(client.post(f"/api/v1/claims/{d['id']}/submit", headers=member) for d in drafts)
    )
    codes = sorted(a.status_code for a in answers)
    assert codes.count(200) == 1, [a.text for a in answers if a.status_code != 409][:3]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {
        "item_month_limit_reached"
    }
    assert await _submitted_points(items["D05"]) == Decimal("0.5")


async def test_concurrent_claims_submitted_at_once_never_pass_the_monthly_cap(
    client, world, session
):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    body = {
        "item_id": items["D05"],
        "occurred_on": "2026-11-10",
        "description": "参加社区志愿服务",
        "submit": True,
    }
    await new_claim(client, member, items["C01"], photo=False)  # the month has its row
    answers = await asyncio.gather(
        *(client.post("/api/v1/claims", json=body, headers=member) for _ in range(30))
    )
    assert sorted(a.status_code for a in answers).count(201) == 1
    assert await _submitted_points(items["D05"]) == Decimal("0.5")
