"""Reverting a decision while the month is open: the claim is submitted again, an approval's
points are taken back by a reversing ledger row, and approving again writes a new row."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app import db
from app.models import AuditEvent, LedgerEntry
from tests.factories import login
from tests.helpers import item_ids, new_claim, set_now, shanghai
from tests.months.support import API, close, decide, month_url

REASON = "误点了通过，证明材料不是本人的"


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


def _revert(client, headers, claim_id, reason: object = REASON):
    body = {} if reason is None else {"reason": reason}
    return client.post(f"{API}/claims/{claim_id}/revert", json=body, headers=headers)


async def _ledger(claim_id: int) -> list[LedgerEntry]:
    async with db.SessionFactory() as s:
        rows = await s.execute(
            select(LedgerEntry)
            .where(col(LedgerEntry.claim_id) == claim_id)
            .order_by(col(LedgerEntry.id))
        )
        found = list(rows.scalars())
        s.expunge_all()
        return found


async def _november_points(client, headers, member_id) -> dict:
    response = await client.get(
        f"{API}/members/{member_id}/points", params={"year": 2026}, headers=headers
    )
    assert response.status_code == 200, response.text
    (month,) = [m for m in response.json()["months"] if m["period"] == "2026-11"]
    return month


async def _ranking_net(client, headers, branch_id, member_id) -> Decimal:
    response = await client.get(f"{month_url(branch_id)}/ranking", headers=headers)
    assert response.status_code == 200, response.text
    (row,) = [r for r in response.json()["rows"] if r["member"]["id"] == member_id]
    return Decimal(row["net"])


async def test_reverting_an_approval_reverses_its_points_and_a_new_approval_counts(
    client, world, session
):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    member_id, branch = world.members["member_a"].id, world.branch_a.id
    claim = await new_claim(client, member, items["C04"], submit=True)
    assert (await decide(client, reviewer, claim["id"])).status_code == 200
    assert Decimal((await _november_points(client, reviewer, member_id))["net"]) == 2

    response = await _revert(client, reviewer, claim["id"])
    assert response.status_code == 200, response.text
    reverted = response.json()
    assert reverted["status"] == "submitted"
    assert reverted["granted_points"] is None
    assert reverted["decided_at"] is None
    approval, reversal = await _ledger(claim["id"])
    assert reversal.reverses_id == approval.id
    assert reversal.points == -approval.points == Decimal("-2")
    assert reversal.reason == REASON
    month = await _november_points(client, reviewer, member_id)
    assert Decimal(month["net"]) == 0
    assert Decimal(month["pending"]) == 2
    assert await _ranking_net(client, reviewer, branch, member_id) == 0

    again = await decide(
        client, reviewer, claim["id"], body={"points": "1", "comment": "只认可一次活动"}
    )
    assert again.status_code == 200, again.text
    rows = await _ledger(claim["id"])
    assert [r.points for r in rows] == [Decimal(2), Decimal(-2), Decimal(1)]
    assert [r.claim_round for r in rows] == [0, 0, 1]
    assert Decimal((await _november_points(client, reviewer, member_id))["net"]) == 1
    assert await _ranking_net(client, reviewer, branch, member_id) == 1
    view = (await client.get(month_url(branch), headers=reviewer)).json()
    assert Decimal(view["approved_points"]) == 1

    timeline = (await client.get(f"{API}/claims/{claim['id']}/timeline", headers=member)).json()
    revert_event = next(e for e in timeline if e["action"] == "revert")
    assert (revert_event["from_state"], revert_event["to_state"]) == ("approved", "submitted")
    assert revert_event["comment"] == REASON
    assert revert_event["data"]["reversed_points"] == "2.0"


async def test_bulk_approval_after_a_revert_writes_the_new_rounds_row(client, world, session):
    """The bulk review's plain approvals (one statement on PostgreSQL) carry the round."""
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    claim = await new_claim(client, member, items["C04"], submit=True)
    bulk = {"decisions": [{"claim_id": claim["id"], "decision": "approve"}]}
    for _ in range(2):
        response = await client.post(f"{API}/claims/bulk-review", json=bulk, headers=reviewer)
        assert response.json()["succeeded"] == 1, response.text
        assert (await _revert(client, reviewer, claim["id"])).status_code == 200
    response = await client.post(f"{API}/claims/bulk-review", json=bulk, headers=reviewer)
    assert response.json()["succeeded"] == 1
    rows = await _ledger(claim["id"])
    assert [(r.points, r.claim_round, r.reverses_id is not None) for r in rows] == [
        (Decimal(2), 0, False),
        (Decimal(-2), 0, True),
        (Decimal(2), 1, False),
        (Decimal(-2), 1, True),
        (Decimal(2), 2, False),
    ]
    member_id = world.members["member_a"].id
    assert Decimal((await _november_points(client, reviewer, member_id))["net"]) == 2


async def test_the_ledger_refuses_two_live_approvals_of_one_round(client, world, session):
    items = await item_ids(session, world.standard_id)
    claim = await new_claim(client, await login(client, "member_a"), items["C04"], submit=True)
    assert (await decide(client, await login(client, "reviewer_a"), claim["id"])).status_code == 200
    (approval,) = await _ledger(claim["id"])
    copy = approval.model_dump(exclude={"id"})
    async with db.SessionFactory() as s:
        s.add(LedgerEntry(**copy))
        with pytest.raises(IntegrityError):
            await s.flush()
        await s.rollback()
    async with db.SessionFactory() as s:
        reversal = {**copy, "points": -approval.points, "reverses_id": approval.id}
        s.add_all([LedgerEntry(**reversal), LedgerEntry(**reversal)])
        with pytest.raises(IntegrityError):
            await s.flush()
        await s.rollback()


@pytest.mark.parametrize("decision", ["reject", "return"])
async def test_reverting_a_rejection_or_return_sends_the_claim_back_to_review(
    client, world, session, decision
):
    items = await item_ids(session, world.standard_id)
    reviewer = await login(client, "reviewer_a")
    claim = await new_claim(client, await login(client, "member_a"), items["C04"], submit=True)
    assert (await decide(client, reviewer, claim["id"], decision)).status_code == 200
    response = await _revert(client, reviewer, claim["id"])
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "submitted"
    assert response.json()["decision_comment"] is None
    assert await _ledger(claim["id"]) == []
    assert (await decide(client, reviewer, claim["id"])).status_code == 200
    assert [r.points for r in await _ledger(claim["id"])] == [Decimal(2)]


async def test_a_reverted_rejection_must_fit_the_items_caps(client, world, session):
    """C01 counts at most 1 point a month: the rejected claim's place was taken meanwhile."""
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    first = await new_claim(client, member, items["C01"], quantity=2, submit=True)
    assert (await decide(client, reviewer, first["id"], "reject")).status_code == 200
    await new_claim(client, member, items["C01"], quantity=2, submit=True)
    response = await _revert(client, reviewer, first["id"])
    assert response.status_code == 409
    assert response.json()["code"] == "item_month_limit_reached"
    detail = (await client.get(f"{API}/claims/{first['id']}", headers=reviewer)).json()
    assert detail["status"] == "rejected"


@pytest.mark.parametrize("reason", [None, "", "x" * 501])
async def test_reverting_needs_a_reason(client, world, session, reason):
    items = await item_ids(session, world.standard_id)
    reviewer = await login(client, "reviewer_a")
    claim = await new_claim(client, await login(client, "member_a"), items["C04"], submit=True)
    assert (await decide(client, reviewer, claim["id"])).status_code == 200
    response = await _revert(client, reviewer, claim["id"], reason)
    assert response.status_code == 422, response.text
    assert len(await _ledger(claim["id"])) == 1


async def test_only_a_decided_claim_is_reverted(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    draft = await new_claim(client, member, items["C04"])
    submitted = await new_claim(client, member, items["C04"], submit=True)
    for claim in (draft, submitted):
        response = await _revert(client, reviewer, claim["id"])
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"
    assert (await decide(client, reviewer, submitted["id"])).status_code == 200
    assert (await _revert(client, reviewer, submitted["id"])).status_code == 200
    twice = await _revert(client, reviewer, submitted["id"])
    assert twice.status_code == 409
    assert len(await _ledger(submitted["id"])) == 2


async def test_a_closed_month_refuses_reverting(client, world, session):
    items = await item_ids(session, world.standard_id)
    reviewer = await login(client, "reviewer_a")
    claim = await new_claim(client, await login(client, "member_a"), items["C04"], submit=True)
    assert (await decide(client, reviewer, claim["id"])).status_code == 200
    closed = await close(client, await login(client, "secretary_a"), world.branch_a.id)
    assert closed.status_code == 200, closed.text
    response = await _revert(client, reviewer, claim["id"])
    assert response.status_code == 409
    assert response.json()["code"] == "month_locked"
    assert len(await _ledger(claim["id"])) == 1


@pytest.mark.parametrize(
    ("username", "code"),
    [("member_a", "forbidden"), ("member_a2", "forbidden"), ("secretary_b", "forbidden")],
)
async def test_only_a_reviewer_of_the_branch_reverts(client, world, session, username, code):
    items = await item_ids(session, world.standard_id)
    claim = await new_claim(client, await login(client, "member_a"), items["C04"], submit=True)
    assert (await decide(client, await login(client, "reviewer_a"), claim["id"])).status_code == 200
    response = await _revert(client, await login(client, username), claim["id"])
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert len(await _ledger(claim["id"])) == 1


async def test_nobody_reverts_a_decision_on_their_own_claim(client, world, session):
    items = await item_ids(session, world.standard_id)
    secretary = await login(client, "secretary_a")
    claim = await new_claim(client, secretary, items["C04"], submit=True)
    assert (await decide(client, await login(client, "reviewer_a"), claim["id"])).status_code == 200
    response = await _revert(client, secretary, claim["id"])
    assert response.status_code == 403
    assert response.json()["code"] == "self_review"
    admin = await login(client, "admin")
    assert (await _revert(client, admin, claim["id"])).status_code == 200
    async with db.SessionFactory() as s:
        actions = (
            await s.execute(
                select(col(AuditEvent.action)).where(
                    col(AuditEvent.entity_type) == "claim", col(AuditEvent.entity_id) == claim["id"]
                )
            )
        ).scalars()
        assert list(actions)[-1] == "revert"
