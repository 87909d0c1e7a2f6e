"""Corrections of branch entries while the month is open: a likely duplicate needs confirming,
and a voided entry's points are taken back by reversing ledger rows, never by editing them."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import col

from app import db
from app.models import AuditEvent
from tests.factories import login
from tests.helpers import set_now, shanghai
from tests.months.support import (
    API,
    close,
    items_of,
    ledger_of_entry,
    month_url,
    record,
    reopen,
)

REASON = "录入错了会议日期"


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


def _void(client, headers, branch_id, entry_id, reason: object = REASON):
    body = {} if reason is None else {"reason": reason}
    return client.post(
        f"{API}/branches/{branch_id}/entries/{entry_id}/void", json=body, headers=headers
    )


async def _november_net(client, headers, member_id) -> Decimal:
    response = await client.get(
        f"{API}/members/{member_id}/points", params={"year": 2026}, headers=headers
    )
    assert response.status_code == 200, response.text
    (month,) = [m for m in response.json()["months"] if m["period"] == "2026-11"]
    return Decimal(month["net"])


async def _ranking_nets(client, headers, branch_id) -> dict[int, Decimal]:
    response = await client.get(f"{month_url(branch_id)}/ranking", headers=headers)
    assert response.status_code == 200, response.text
    return {row["member"]["id"]: Decimal(row["net"]) for row in response.json()["rows"]}


async def _events(entity_type: str, entity_id: int) -> list[AuditEvent]:
    async with db.SessionFactory() as s:
        rows = await s.execute(
            select(AuditEvent)
            .where(
                col(AuditEvent.entity_type) == entity_type, col(AuditEvent.entity_id) == entity_id
            )
            .order_by(col(AuditEvent.id))
        )
        events = list(rows.scalars())
        s.expunge_all()
        return events


async def test_a_likely_duplicate_needs_confirming(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    branch = world.branch_a.id
    a, a2, sec = (world.members[u].id for u in ("member_a", "member_a2", "secretary_a"))
    first = await record(client, reviewer, branch, items["D07"], [a, a2])
    assert first.status_code == 201, first.text

    again = await record(client, reviewer, branch, items["D07"], [a2, sec])
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")
    problem = again.json()
    assert problem["code"] == "likely_duplicate"
    assert problem["entry_ids"] == [first.json()["id"]]
    assert problem["member_ids"] == [a2]
    assert problem["members"] == [{"id": a2, "name": "member_a2"}]
    listed = await client.get(f"{API}/branches/{branch}/entries", headers=reviewer)
    assert listed.json()["total"] == 1

    # Another day, or another item, is no duplicate.
    other_day = await record(client, reviewer, branch, items["D07"], [a2], occurred_on="2026-11-13")
    assert other_day.status_code == 201, other_day.text
    other_item = await record(client, reviewer, branch, items["D06"], [a2])
    assert other_item.status_code == 201, other_item.text

    confirmed = await record(
        client, reviewer, branch, items["D07"], [a2, sec], confirm_duplicate=True
    )
    assert confirmed.status_code == 201, confirmed.text
    (event,) = await _events("branch_entry", confirmed.json()["id"])
    assert event.data is not None
    assert event.data["confirmed_duplicate_of"] == [first.json()["id"]]


async def test_a_voided_entry_is_no_longer_a_duplicate(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    branch = world.branch_a.id
    a = world.members["member_a"].id
    first = (await record(client, reviewer, branch, items["D07"], [a])).json()
    assert (await _void(client, reviewer, branch, first["id"])).status_code == 200
    again = await record(client, reviewer, branch, items["D07"], [a])
    assert again.status_code == 201, again.text


async def test_an_idempotent_retry_replays_and_is_not_a_duplicate(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    keyed = {**reviewer, "Idempotency-Key": "entry-d07-1112"}
    a = world.members["member_a"].id
    first = await record(client, keyed, world.branch_a.id, items["D07"], [a])
    retry = await record(client, keyed, world.branch_a.id, items["D07"], [a])
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers.get("idempotent-replayed") == "true"
    assert len(await ledger_of_entry(first.json()["id"])) == 1


async def test_voiding_writes_reversing_rows_and_the_sums_follow(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    branch = world.branch_a.id
    a, a2 = world.members["member_a"].id, world.members["member_a2"].id
    meeting = (await record(client, reviewer, branch, items["D07"], [a, a2])).json()
    study = (await record(client, reviewer, branch, items["P02"], [a])).json()
    assert await _november_net(client, reviewer, a) == Decimal("1.3")
    assert (await _ranking_nets(client, reviewer, branch))[a] == Decimal("1.3")

    response = await _void(client, reviewer, branch, meeting["id"])
    assert response.status_code == 200, response.text
    voided = response.json()
    assert voided["voided_at"] is not None
    assert voided["void_reason"] == REASON
    assert voided["voided_by"]["id"] == world.users["reviewer_a"].id
    # The entry still names whom it was recorded for.
    assert sorted(m["id"] for m in voided["members"]) == [a, a2]

    rows = await ledger_of_entry(meeting["id"])
    originals = [r for r in rows if r.reverses_id is None]
    reversals = [r for r in rows if r.reverses_id is not None]
    assert len(originals) == len(reversals) == 2
    by_id = {r.id: r for r in originals}
    for reversal in reversals:
        original = by_id[reversal.reverses_id]
        assert reversal.points == -original.points == Decimal("-1")
        assert reversal.member_id == original.member_id
        assert reversal.entry_id == meeting["id"]
        assert reversal.reason == REASON
    assert sum(r.points for r in rows) == 0

    assert await _november_net(client, reviewer, a) == Decimal("0.3")
    assert await _november_net(client, reviewer, a2) == 0
    nets = await _ranking_nets(client, reviewer, branch)
    assert nets[a] == Decimal("0.3")
    assert nets[a2] == 0
    month = (await client.get(month_url(branch), headers=reviewer)).json()
    assert Decimal(month["approved_points"]) == Decimal("0.3")
    assert month["entries"] == 1  # the voided meeting is left out

    listed = (await client.get(f"{API}/branches/{branch}/entries", headers=reviewer)).json()
    shown = {e["id"]: e for e in listed["items"]}
    assert shown[meeting["id"]]["void_reason"] == REASON
    assert shown[study["id"]]["voided_at"] is None
    events = await _events("branch_entry", meeting["id"])
    assert [(e.action, e.from_state, e.to_state, e.comment) for e in events][-1] == (
        "void",
        "recorded",
        "voided",
        REASON,
    )


async def test_voiding_a_deduction_gives_the_points_back(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    branch = world.branch_a.id
    a = world.members["member_a"].id
    deduction = await record(client, reviewer, branch, items["X01"], [a], reason="无故缺席组织生活")
    assert await _november_net(client, reviewer, a) == Decimal("-2")
    assert (await _void(client, reviewer, branch, deduction.json()["id"])).status_code == 200
    assert await _november_net(client, reviewer, a) == 0
    assert (await _ranking_nets(client, reviewer, branch))[a] == 0


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 501])
async def test_voiding_needs_a_reason(client, world, session, reason):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    a = world.members["member_a"].id
    entry = (await record(client, reviewer, world.branch_a.id, items["D07"], [a])).json()
    response = await _void(client, reviewer, world.branch_a.id, entry["id"], reason)
    assert response.status_code == 422, response.text
    assert len(await ledger_of_entry(entry["id"])) == 1


async def test_an_entry_is_voided_once(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    a = world.members["member_a"].id
    entry = (await record(client, reviewer, world.branch_a.id, items["D07"], [a])).json()
    assert (await _void(client, reviewer, world.branch_a.id, entry["id"])).status_code == 200
    again = await _void(client, await login(client, "secretary_a"), world.branch_a.id, entry["id"])
    assert again.status_code == 409
    assert again.json()["code"] == "entry_voided"
    assert len(await ledger_of_entry(entry["id"])) == 2


async def test_a_closed_month_refuses_voiding(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    a = world.members["member_a"].id
    entry = (await record(client, reviewer, world.branch_a.id, items["D07"], [a])).json()
    closed = await close(client, await login(client, "secretary_a"), world.branch_a.id)
    assert closed.status_code == 200, closed.text
    response = await _void(client, reviewer, world.branch_a.id, entry["id"])
    assert response.status_code == 409
    assert response.json()["code"] == "month_locked"
    assert len(await ledger_of_entry(entry["id"])) == 1


async def test_an_adjustment_is_not_voided(client, world, session):
    items = await items_of(session, world)
    admin = await login(client, "admin")
    a = world.members["member_a"].id
    assert (await close(client, admin, world.branch_a.id)).status_code == 200
    adjustment = await record(
        client, admin, world.branch_a.id, items["D07"], [a], reason="补录漏记的会议"
    )
    assert adjustment.status_code == 201, adjustment.text
    assert (await reopen(client, admin, world.branch_a.id)).status_code == 200
    response = await _void(client, admin, world.branch_a.id, adjustment.json()["id"])
    assert response.status_code == 409
    assert response.json()["code"] == "adjustment_not_voidable"


@pytest.mark.parametrize("username", ["member_a", "secretary_b", "member_b"])
async def test_only_the_branchs_reviewers_void(client, world, session, username):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    a = world.members["member_a"].id
    entry = (await record(client, reviewer, world.branch_a.id, items["D07"], [a])).json()
    outsider = await login(client, username)
    response = await _void(client, outsider, world.branch_a.id, entry["id"])
    assert response.status_code == 403
    # Nor through their own branch's address.
    through = await _void(client, outsider, world.branch_b.id, entry["id"])
    assert through.status_code in (403, 404)
    assert len(await ledger_of_entry(entry["id"])) == 1


async def test_an_entry_of_another_branch_is_not_found(client, world, session):
    items = await items_of(session, world)
    a = world.members["member_a"].id
    entry = (
        await record(
            client, await login(client, "reviewer_a"), world.branch_a.id, items["D07"], [a]
        )
    ).json()
    response = await _void(
        client, await login(client, "secretary_b"), world.branch_b.id, entry["id"]
    )
    assert response.status_code == 404
    assert response.json()["code"] == "entry_not_found"
