"""Idempotency-Key: a retried post is done once; a reused key with another body is refused."""

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock, db
from app.claims import service
from app.idempotency import caller_of, request_fingerprint
from app.models import Claim, IdempotencyRecord
from tests.factories import login
from tests.helpers import item_ids, new_claim, service_account_headers, set_now, shanghai

NOW = shanghai("2026-11-20 10:00:00")


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, NOW)


def _body(item_id: int, description: str = "社区志愿服务") -> dict:
    return {"item_id": item_id, "occurred_on": "2026-11-10", "description": description}


async def _claim_count() -> int:
    async with db.SessionFactory() as s:
        return await s.scalar(select(func.count()).select_from(Claim)) or 0


# Both ways a claim is created: a draft, and a claim submitted at once of an item with caps
# (on PostgreSQL one statement then writes the claim, its events and the key's answer).
BOTH_WAYS = pytest.mark.parametrize(
    ("code", "submit"), [("C01", False), ("D05", True)], ids=["draft", "submitted-at-once"]
)


@BOTH_WAYS
async def test_same_key_and_body_replays_the_first_response(client, world, session, code, submit):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    headers = {**member, "Idempotency-Key": "3f1c2a9e-0b7d-4c55-9a1e-claim-1"}
    body = {**_body(items[code]), "submit": submit}
    first = await client.post("/api/v1/claims", json=body, headers=headers)
    second = await client.post("/api/v1/claims", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["status"] == ("submitted" if submit else "draft")
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert await _claim_count() == 1
    async with db.SessionFactory() as s:
        record = await s.scalar(select(IdempotencyRecord))
    assert record is not None
    assert (record.state, record.response_status) == ("done", 201)
    assert json.loads(record.response_body or "") == first.json()


async def test_a_retry_that_passes_the_rules_is_rolled_back_and_replayed(
    client, world, session, monkeypatch
):
    """A retry of a claim submitted at once that gets past every rule (here the caps are
    lifted) finds the key's first answer when storing its own: its claim is not kept and the
    first answer comes back."""
    monkeypatch.setattr(service.rules, "check_caps", lambda *args, **kwargs: None)
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    headers = {**member, "Idempotency-Key": "retry-within-caps"}
    body = {**_body(items["D05"]), "submit": True}
    first = await client.post("/api/v1/claims", json=body, headers=headers)
    second = await client.post("/api/v1/claims", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert await _claim_count() == 1
    other = await client.post(
        "/api/v1/claims", json={**body, "description": "另一次活动"}, headers=headers
    )
    assert other.status_code == 422
    assert await _claim_count() == 1


async def test_key_order_in_the_body_does_not_matter(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    headers = {**member, "Idempotency-Key": "order-key", "Content-Type": "application/json"}
    body = _body(items["C01"])
    await client.post("/api/v1/claims", json=body, headers=headers)
    reordered = json.dumps(
        {
            "description": body["description"],
            "occurred_on": "2026-11-10",
            "item_id": body["item_id"],
        },
        ensure_ascii=False,
    )
    again = await client.post("/api/v1/claims", content=reordered.encode(), headers=headers)
    assert again.status_code == 201
    assert await _claim_count() == 1


@BOTH_WAYS
async def test_same_key_with_a_different_body_is_refused(client, world, session, code, submit):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    headers = {**member, "Idempotency-Key": "key-reused"}
    first = await client.post(
        "/api/v1/claims", json={**_body(items[code]), "submit": submit}, headers=headers
    )
    assert first.status_code == 201
    other = await client.post(
        "/api/v1/claims",
        json={**_body(items[code], "另一次活动"), "submit": submit},
        headers=headers,
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert await _claim_count() == 1


async def test_a_duplicate_sent_while_the_first_runs_waits_and_replays(
    client, world, session, monkeypatch
):
    """Truly concurrent: the first request is held inside its use case while the duplicate
    arrives; the duplicate's answer waits for the first's (the key's unique constraint) and
    is the first answer again, and one claim is made."""
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    headers = {**member, "Idempotency-Key": "slow-network"}
    entered, release = asyncio.Event(), asyncio.Event()
    create = service.create

    async def held(**kwargs):
        entered.set()
        await release.wait()
        return await create(**kwargs)

    monkeypatch.setattr(service, "create", held)
    first = asyncio.create_task(
        client.post("/api/v1/claims", json=_body(items["C01"]), headers=headers)
    )
    await asyncio.wait_for(entered.wait(), 10)
    duplicate = asyncio.create_task(
        client.post("/api/v1/claims", json=_body(items["C01"]), headers=headers)
    )
    await asyncio.sleep(0.2)
    release.set()
    answers = await asyncio.wait_for(asyncio.gather(first, duplicate), 20)
    assert [a.status_code for a in answers] == [201, 201]
    # Whichever stored its answer first, the other replays it.
    assert sorted("idempotent-replayed" in a.headers for a in answers) == [False, True]
    assert answers[1].json() == answers[0].json()
    assert await _claim_count() == 1


async def test_a_key_left_running_by_an_earlier_version_is_taken_over(
    client, world, session, monkeypatch
):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    body = _body(items["C01"])
    async with db.SessionFactory() as s:
        s.add(
            IdempotencyRecord(
                caller=f"user:{world.users['member_a'].id}",
                key="abandoned",
                request_hash=request_fingerprint(
                    "POST", "/api/v1/claims", json.dumps(body).encode()
                ),
                lease_until=NOW - timedelta(seconds=1),
                expires_at=NOW + timedelta(hours=24),
            )
        )
        await s.commit()
    response = await client.post(
        "/api/v1/claims", json=body, headers={**member, "Idempotency-Key": "abandoned"}
    )
    assert response.status_code == 201
    assert await _claim_count() == 1


@pytest.mark.skipif(
    db.engine.dialect.name != "postgresql",
    reason="SQLite serialises the two requests; PostgreSQL runs them at the same time",
)
async def test_concurrent_duplicates_create_one_claim(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    headers = {**member, "Idempotency-Key": "double-tap"}
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/claims", json=_body(items["C01"]), headers=headers)
            for _ in range(5)
        )
    )
    assert [r.status_code for r in responses] == [201] * 5
    assert len({r.content for r in responses}) == 1
    assert sum("idempotent-replayed" in r.headers for r in responses) == 4
    assert await _claim_count() == 1


async def test_keys_are_scoped_to_the_caller(client, world, session):
    items = await item_ids(session, world.standard_id)
    a = await login(client, "member_a")
    a2 = await login(client, "member_a2")
    first = await client.post(
        "/api/v1/claims", json=_body(items["C01"]), headers={**a, "Idempotency-Key": "same"}
    )
    second = await client.post(
        "/api/v1/claims", json=_body(items["C01"]), headers={**a2, "Idempotency-Key": "same"}
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert first.json()["member"]["id"] != second.json()["member"]["id"]


async def test_keys_expire_after_24_hours(client, world, session, monkeypatch):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    headers = {**member, "Idempotency-Key": "day-old"}
    await client.post("/api/v1/claims", json=_body(items["C01"]), headers=headers)
    set_now(monkeypatch, NOW + timedelta(hours=23, minutes=59))
    replay = await client.post("/api/v1/claims", json=_body(items["C01"]), headers=headers)
    assert replay.headers.get("idempotent-replayed") == "true"
    set_now(monkeypatch, NOW + timedelta(hours=24, seconds=1))
    fresh = await client.post("/api/v1/claims", json=_body(items["C01"]), headers=headers)
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers
    assert await _claim_count() == 2


async def test_a_refusal_is_replayed_too(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    headers = {**member, "Idempotency-Key": "refused"}
    body = {**_body(items["P01"])}  # branch-recorded: refused
    first = await client.post("/api/v1/claims", json=body, headers=headers)
    second = await client.post("/api/v1/claims", json=body, headers=headers)
    assert first.status_code == second.status_code == 422
    assert second.json() == first.json()
    assert second.headers["content-type"].startswith("application/problem+json")


async def test_review_actions_accept_a_key(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    reviewer = await login(client, "reviewer_a")
    headers = {**reviewer, "Idempotency-Key": "approve-once"}
    url = f"/api/v1/claims/{claim['id']}/approve"
    first = await client.post(url, headers=headers)
    second = await client.post(url, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json()["status"] == "approved"
    without_key = await client.post(url, headers=reviewer)
    assert without_key.status_code == 409


async def test_an_invalid_key_is_refused(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    response = await client.post(
        "/api/v1/claims",
        json=_body(items["C01"]),
        headers={**member, "Idempotency-Key": "has space"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"


def test_caller_scope_names_user_or_service_account():
    from app.access import CallerUser, Principal
    from app.models import ServiceAccount

    person = CallerUser(id=5, is_active=True, is_superadmin=False, must_change_password=False)
    assert caller_of(Principal(user=person)) == "user:5"
    account = ServiceAccount(id=3, name="s", client_id="c", secret_hash="x", organisation_id=1)
    assert caller_of(Principal(service_account=account)) == "sa:3"
    assert clock.now() == NOW


async def test_a_service_accounts_refusal_by_access_is_not_stored(client, world, session):
    """Who may act is decided before the key is looked at: a refused caller's key keeps no
    answer, and the same refusal comes back whatever the body."""
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    admin = await login(client, "admin")
    headers = {
        **await service_account_headers(client, admin, world.committee.id, "claims:read"),
        "Idempotency-Key": "sa-approve",
    }
    url = f"/api/v1/claims/{claim['id']}/approve"
    first = await client.post(url, headers=headers)
    again = await client.post(url, headers=headers)
    assert first.status_code == again.status_code == 403
    assert "idempotent-replayed" not in again.headers
    other_body = await client.post(url, json={"comment": "x"}, headers=headers)
    assert other_body.status_code == 403
    async with db.SessionFactory() as s:
        assert await s.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
