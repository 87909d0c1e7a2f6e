"""Reviewing claims: separation of duties, bulk review, the concurrent-approval race, access."""

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app import db
from app.models import AuditEvent, Claim, LedgerEntry
from tests.factories import login, make_user
from tests.helpers import item_ids, new_claim, service_account_headers, set_now, shanghai


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


async def test_nobody_approves_their_own_claim(client, world, session):
    items = await item_ids(session, world.standard_id)
    secretary = await login(client, "secretary_a")
    claim = await new_claim(client, secretary, items["C01"], submit=True)
    own = await client.post(f"/api/v1/claims/{claim['id']}/approve", headers=secretary)
    assert own.status_code == 403
    assert own.json()["code"] == "self_review"
    bulk = await client.post(
        "/api/v1/claims/bulk-review",
        json={"decisions": [{"claim_id": claim["id"], "decision": "approve"}]},
        headers=secretary,
    )
    assert bulk.json()["results"][0]["code"] == "self_review"
    # Another reviewer of the branch, or an org admin above, decides it.
    reviewer = await login(client, "reviewer_a")
    approved = await client.post(f"/api/v1/claims/{claim['id']}/approve", headers=reviewer)
    assert approved.status_code == 200
    assert approved.json()["reviewed_by"]["name"] == "reviewer_a"


async def test_org_admin_above_may_review(client, world, session):
    items = await item_ids(session, world.standard_id)
    secretary = await login(client, "secretary_a")
    claim = await new_claim(client, secretary, items["C01"], submit=True)
    admin = await login(client, "admin")
    response = await client.post(f"/api/v1/claims/{claim['id']}/approve", headers=admin)
    assert response.status_code == 200


async def test_reviewer_of_another_branch_cannot_review_or_see(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    other = await login(client, "secretary_b")
    assert (await client.get(f"/api/v1/claims/{claim['id']}", headers=other)).status_code == 403
    response = await client.post(f"/api/v1/claims/{claim['id']}/approve", headers=other)
    assert response.status_code == 403
    queue = await client.get(
        f"/api/v1/claims?status=submitted&branch={world.branch_a.id}", headers=other
    )
    assert queue.status_code == 403


async def test_member_of_another_branch_cannot_see_the_claim_or_its_evidence(
    client, world, session
):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"])
    detail = (await client.get(f"/api/v1/claims/{claim['id']}", headers=member)).json()
    evidence_url = detail["evidence"][0]["url"]
    assert (await client.get(evidence_url, headers=member)).status_code == 200
    for username in ("member_b", "member_a2", "member_other", "secretary_b"):
        outsider = await login(client, username)
        assert (
            await client.get(f"/api/v1/claims/{claim['id']}", headers=outsider)
        ).status_code == 403
        assert (await client.get(evidence_url, headers=outsider)).status_code == 403
        timeline = await client.get(f"/api/v1/claims/{claim['id']}/timeline", headers=outsider)
        assert timeline.status_code == 403
        listed = await client.get("/api/v1/claims", headers=outsider)
        assert claim["id"] not in [c["id"] for c in listed.json()["items"]]


async def test_review_queue_lists_the_branch_pending_claims(client, world, session):
    items = await item_ids(session, world.standard_id)
    a = await login(client, "member_a")
    a2 = await login(client, "member_a2")
    first = await new_claim(client, a, items["C01"], submit=True)
    second = await new_claim(client, a2, items["C01"], submit=True)
    await new_claim(client, a2, items["C01"], occurred_on="2026-11-11")  # a draft
    reviewer = await login(client, "reviewer_a")
    queue = await client.get(
        f"/api/v1/claims?status=submitted&branch={world.branch_a.id}&order=oldest",
        headers=reviewer,
    )
    assert queue.status_code == 200
    assert [c["id"] for c in queue.json()["items"]] == [first["id"], second["id"]]
    by_member = await client.get(
        f"/api/v1/claims?status=submitted&member={world.members['member_a2'].id}",
        headers=reviewer,
    )
    assert [c["id"] for c in by_member.json()["items"]] == [second["id"]]
    own = await client.get("/api/v1/claims", headers=a)
    assert [c["id"] for c in own.json()["items"]] == [first["id"]]


async def _submitted_claims(session, world, count: int) -> list[int]:
    """count submitted claims spread over extra members of branch A, inserted directly."""
    items = await item_ids(session, world.standard_id)
    members = []
    for i in range(count // 10 + 1):
        _, member = await make_user(session, f"bulk{i}", branch=world.branch_a)
        members.append(member)
    await session.flush()
    claims = [
        Claim(
            member_id=members[i // 10].id,
            branch_id=world.branch_a.id,
            standard_id=world.standard_id,
            item_id=items["C01"],
            period="2026-11",
            occurred_on=date(2026, 11, 1 + i % 10),
            quantity=1,
            description="批量测试",
            claimed_points=Decimal("0.5"),
            status="submitted",
        )
        for i in range(count)
    ]
    session.add_all(claims)
    await session.commit()
    return [c.id for c in claims]


async def test_bulk_review_of_500_answers_per_claim(client, world, session):
    ids = await _submitted_claims(session, world, 498)
    reviewer = await login(client, "reviewer_a")
    decisions = [{"claim_id": i, "decision": "approve"} for i in ids[:490]]
    decisions += [{"claim_id": ids[490], "decision": "return", "comment": "照片不清楚"}]
    decisions += [{"claim_id": ids[491], "decision": "reject"}]  # no comment: invalid
    decisions += [{"claim_id": ids[492], "decision": "approve", "points": "0.3"}]  # no reason
    decisions += [{"claim_id": 2_000_000_000, "decision": "approve"}]  # does not exist
    decisions += [{"claim_id": ids[0], "decision": "approve"}]  # twice in one request
    decisions += [{"claim_id": ids[493], "decision": "approve", "points": "0.2", "comment": "部分"}]
    decisions += [{"claim_id": i, "decision": "reject", "comment": "重复申报"} for i in ids[494:]]
    assert len(decisions) == 500
    response = await client.post(
        "/api/v1/claims/bulk-review", json={"decisions": decisions}, headers=reviewer
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["succeeded"] == 496 and body["failed"] == 4
    assert [r["claim_id"] for r in body["results"]] == [d["claim_id"] for d in decisions]
    assert body["results"][494]["code"] == "duplicate"  # the second mention of ids[0]
    by_id = {r["claim_id"]: r for i, r in enumerate(body["results"]) if i != 494}
    assert by_id[ids[491]]["code"] == "comment_required"
    assert by_id[ids[492]]["code"] == "comment_required"
    assert by_id[2_000_000_000]["code"] == "claim_not_found"
    assert by_id[ids[490]]["status"] == "returned"
    assert by_id[ids[493]]["status"] == "approved"
    async with db.SessionFactory() as check:
        approved = await check.scalar(select(func.count()).where(col(Claim.status) == "approved"))
        ledger = await check.execute(select(func.count(), func.sum(col(LedgerEntry.points))))
        still = await check.scalar(select(col(Claim.status)).where(col(Claim.id) == ids[491]))
    assert approved == 491
    count, total = ledger.one()
    assert count == 491 and Decimal(total) == Decimal("0.5") * 490 + Decimal("0.2")
    assert still == "submitted"


async def test_bulk_approval_writes_what_a_single_approval_writes(client, world, session):
    """Plain approvals in bulk take their own statement (one for all on PostgreSQL): the
    claim, its ledger row and its audit event come out as approve writes them one by one."""
    one, other = await _submitted_claims(session, world, 2)
    reviewer = await login(client, "reviewer_a")
    single = await client.post(f"/api/v1/claims/{one}/approve", headers=reviewer)
    assert single.status_code == 200, single.text
    bulk = await client.post(
        "/api/v1/claims/bulk-review",
        json={"decisions": [{"claim_id": other, "decision": "approve"}]},
        headers=reviewer,
    )
    assert bulk.json()["succeeded"] == 1

    def claim_fields(c: Claim) -> tuple:
        return (c.status, c.granted_points, c.decision_comment, c.reviewed_by_user_id, c.version)

    def ledger_fields(e: LedgerEntry) -> tuple:
        return (
            e.member_id,
            e.branch_id,
            e.year,
            e.period,
            e.standard_id,
            e.item_id,
            e.points,
            e.source,
            e.entry_id,
            e.reason,
            e.created_by_user_id,
        )

    async with db.SessionFactory() as check:
        claims = {c.id: c for c in (await check.scalars(select(Claim))).all()}
        ledger = {e.claim_id: e for e in (await check.scalars(select(LedgerEntry))).all()}
        events = {
            e.entity_id: e
            for e in (
                await check.scalars(
                    select(AuditEvent).where(
                        col(AuditEvent.entity_type) == "claim", col(AuditEvent.action) == "approve"
                    )
                )
            ).all()
        }
    assert claim_fields(claims[other]) == claim_fields(claims[one])
    assert claims[other].decided_at is not None and claims[other].decision_seen_at is None
    assert ledger_fields(ledger[other]) == ledger_fields(ledger[one])
    assert ledger[other].member_id == claims[other].member_id
    assert ledger[other].created_at is not None
    assert (events[other].actor_user_id, events[other].from_state, events[other].to_state) == (
        events[one].actor_user_id,
        "submitted",
        "approved",
    )
    assert events[other].actor_service_account_id is None and events[other].comment is None
    assert events[one].data == {"granted_points": "0.5"}
    assert events[other].data == {"granted_points": "0.5", "bulk": True}


async def test_bulk_review_refuses_more_than_500(client, world):
    reviewer = await login(client, "reviewer_a")
    decisions = [{"claim_id": i, "decision": "approve"} for i in range(1, 502)]
    response = await client.post(
        "/api/v1/claims/bulk-review", json={"decisions": decisions}, headers=reviewer
    )
    assert response.status_code == 422


async def test_concurrent_approvals_exactly_one_wins(client, world, session):
    items = await item_ids(session, world.standard_id)
    async with db.SessionFactory() as setup:
        await make_user(setup, "reviewer_a2", roles=[("reviewer", world.branch_a)])
        await setup.commit()
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    first = await login(client, "reviewer_a")
    second = await login(client, "reviewer_a2")
    url = f"/api/v1/claims/{claim['id']}"
    responses = await asyncio.gather(
        client.post(f"{url}/approve", headers=first),
        client.post(f"{url}/reject", json={"comment": "不符合"}, headers=second),
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] == "invalid_transition"
    assert loser.json()["current_state"] in ("approved", "rejected")
    async with db.SessionFactory() as check:
        rows = await check.scalar(select(func.count()).select_from(LedgerEntry))
    winner = next(r for r in responses if r.status_code == 200).json()["status"]
    assert rows == (1 if winner == "approved" else 0)


async def test_many_concurrent_approvals_of_one_claim_write_one_ledger_row(client, world, session):
    items = await item_ids(session, world.standard_id)
    async with db.SessionFactory() as setup:
        for i in range(4):
            await make_user(setup, f"extra_reviewer{i}", roles=[("reviewer", world.branch_a)])
        await setup.commit()
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    reviewers = [await login(client, f"extra_reviewer{i}") for i in range(4)]
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/claims/{claim['id']}/approve", headers=h) for h in reviewers)
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    async with db.SessionFactory() as check:
        rows = await check.scalar(select(func.count()).select_from(LedgerEntry))
    assert rows == 1


async def test_concurrent_bulk_reviews_decide_each_claim_once(client, world, session):
    """Two reviewers bulk-approving the same 150 claims at once: every claim is approved by
    exactly one of them, with one ledger row and one audit event; the other answers
    invalid_transition for it."""
    ids = await _submitted_claims(session, world, 150)
    async with db.SessionFactory() as setup:
        for i in range(2):
            await make_user(setup, f"bulk_reviewer{i}", roles=[("reviewer", world.branch_a)])
        await setup.commit()
    reviewers = [await login(client, f"bulk_reviewer{i}") for i in range(2)]
    body = {"decisions": [{"claim_id": i, "decision": "approve"} for i in ids]}
    responses = await asyncio.gather(
        *(client.post("/api/v1/claims/bulk-review", json=body, headers=h) for h in reviewers)
    )
    assert [r.status_code for r in responses] == [200, 200]
    results = [r for response in responses for r in response.json()["results"]]
    assert sorted(r["claim_id"] for r in results if r["ok"]) == sorted(ids)
    assert {r["code"] for r in results if not r["ok"]} == {"invalid_transition"}
    async with db.SessionFactory() as check:
        ledger = await check.scalar(select(func.count()).select_from(LedgerEntry))
        events = await check.scalar(
            select(func.count()).where(
                col(AuditEvent.entity_type) == "claim", col(AuditEvent.action) == "approve"
            )
        )
        approved = await check.scalar(select(func.count()).where(col(Claim.status) == "approved"))
    assert ledger == events == approved == len(ids)


async def test_service_account_with_claims_read_lists_claims_of_its_subtree(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    admin = await login(client, "admin")
    headers = await service_account_headers(client, admin, world.committee.id, "claims:read")
    listed = await client.get(f"/api/v1/claims?branch={world.branch_a.id}", headers=headers)
    assert [c["id"] for c in listed.json()["items"]] == [claim["id"]]
    refused = await client.post(f"/api/v1/claims/{claim['id']}/approve", headers=headers)
    assert refused.status_code == 403


@pytest.mark.skipif(
    db.engine.dialect.name != "postgresql",
    reason="SQLite serialises writers before they reach the update; the race needs PostgreSQL",
)
async def test_race_both_reviewers_pass_the_checks_and_still_only_one_wins(
    client, world, session, monkeypatch
):
    """Both requests are held until each has read the claim as submitted, then released
    together, so the database's conditional update alone decides the winner."""
    from app.claims import repository

    items = await item_ids(session, world.standard_id)
    async with db.SessionFactory() as setup:
        await make_user(setup, "reviewer_a2", roles=[("reviewer", world.branch_a)])
        await setup.commit()
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    first = await login(client, "reviewer_a")
    second = await login(client, "reviewer_a2")
    barrier = asyncio.Barrier(2)
    original = repository.move

    async def held(session, claim_ids, action, **values):
        if action in ("approve", "reject"):
            await asyncio.wait_for(barrier.wait(), timeout=10)
        return await original(session, claim_ids, action, **values)

    monkeypatch.setattr(repository, "move", held)
    url = f"/api/v1/claims/{claim['id']}"
    responses = await asyncio.gather(
        client.post(f"{url}/approve", headers=first),
        client.post(f"{url}/reject", json={"comment": "不符合"}, headers=second),
    )
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    async with db.SessionFactory() as check:
        events = await check.scalar(
            select(func.count()).where(
                col(AuditEvent.entity_id) == claim["id"],
                col(AuditEvent.action).in_(("approve", "reject")),
            )
        )
    assert events == 1


@pytest.mark.skipif(
    db.engine.dialect.name != "postgresql", reason="the one-statement path is PostgreSQL's"
)
async def test_plain_approvals_write_the_same_rows_on_both_paths(client, world, session):
    """repository.approve_plainly's PostgreSQL statement against its portable twin."""
    from app.access import CallerUser, Principal
    from app.claims import repository

    fast, portable = await _submitted_claims(session, world, 2)
    user = world.users["reviewer_a"]
    reviewer = Principal(
        user=CallerUser(id=user.id, is_active=True, is_superadmin=False, must_change_password=False)
    )
    async with db.unit_of_work() as s:
        assert await repository.approve_plainly(s, [fast], reviewer) == {fast}
        assert await repository.approve_plainly_portable(s, [portable], reviewer) == {portable}
        assert await repository.approve_plainly(s, [fast], reviewer) == set()  # moved already

    async with db.SessionFactory() as check:
        claims = {c.id: c for c in (await check.scalars(select(Claim))).all()}
        ledger = {e.claim_id: e for e in (await check.scalars(select(LedgerEntry))).all()}
        events = {e.entity_id: e for e in (await check.scalars(select(AuditEvent))).all()}

    def claim_row(c: Claim) -> tuple:
        return (
            c.status,
            c.granted_points,
            c.decision_comment,
            c.reviewed_by_user_id,
            c.version,
            c.decision_seen_at,
        )

    def ledger_row(e: LedgerEntry) -> tuple:
        return (e.year, e.period, e.points, e.source, e.created_by_user_id, e.item_id)

    def event_row(e: AuditEvent) -> tuple:
        return (e.actor_user_id, e.action, e.from_state, e.to_state, e.comment, e.data)

    assert claim_row(claims[fast]) == claim_row(claims[portable])
    assert ledger_row(ledger[fast]) == ledger_row(ledger[portable])
    assert event_row(events[fast]) == event_row(events[portable])
    assert events[fast].data == {"granted_points": "0.5", "bulk": True}
