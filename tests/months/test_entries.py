"""Branch entries (one meeting, many attendees), deductions, and adjustments after the close."""

from decimal import Decimal

import pytest

from tests.factories import login, make_user
from tests.helpers import set_now, shanghai
from tests.months.support import API, close, items_of, ledger_of_entry, month_url, record


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


async def _points(client, headers, member_id) -> dict:
    response = await client.get(
        f"{API}/members/{member_id}/points", params={"year": 2026}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def _november_of(summary: dict) -> dict:
    (month,) = [m for m in summary["months"] if m["period"] == "2026-11"]
    return month


async def test_one_meeting_gives_every_attendee_a_ledger_row_and_points(client, world, session):
    extra = []
    for n in range(22):
        _, member = await make_user(session, f"attendee_{n:02d}", branch=world.branch_a)
        extra.append(member.id)
    await session.commit()
    items = await items_of(session, world)
    attendees = [
        world.members["member_a"].id,
        world.members["member_a2"].id,
        world.members["secretary_a"].id,
        *extra,
    ]
    assert len(attendees) == 25
    reviewer = await login(client, "reviewer_a")

    response = await record(
        client, reviewer, world.branch_a.id, items["D01"], attendees, occurred_on="2026-11-12"
    )
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["kind"] == "entry"
    assert entry["item"]["code"] == "D01"
    assert entry["period"] == "2026-11"
    assert Decimal(entry["points_each"]) == Decimal("0.5")
    assert entry["member_count"] == 25
    assert sorted(m["id"] for m in entry["members"]) == sorted(attendees)
    assert entry["created_by"]["id"] == world.users["reviewer_a"].id

    rows = await ledger_of_entry(entry["id"])
    assert sorted(r.member_id for r in rows) == sorted(attendees)
    assert {(r.source, r.points, r.period, r.branch_id) for r in rows} == {
        ("entry", Decimal("0.5"), "2026-11", world.branch_a.id)
    }

    for member_id in (attendees[0], attendees[-1]):
        month = _november_of(await _points(client, reviewer, member_id))
        assert Decimal(month["bonus"]) == Decimal("0.5")
    absent = _november_of(await _points(client, reviewer, world.members["reviewer_a"].id))
    assert Decimal(absent["bonus"]) == 0

    listed = await client.get(
        f"{API}/branches/{world.branch_a.id}/entries", params={"month": "2026-11"}, headers=reviewer
    )
    assert listed.json()["total"] == 1
    assert listed.json()["items"][0]["member_count"] == 25
    one = await client.get(
        f"{API}/branches/{world.branch_a.id}/entries/{entry['id']}", headers=reviewer
    )
    assert one.status_code == 200
    assert len(one.json()["members"]) == 25
    view = await client.get(month_url(world.branch_a.id), headers=reviewer)
    assert view.json()["entries"] == 1
    assert Decimal(view.json()["approved_points"]) == Decimal("12.5")


async def test_an_attendee_listed_twice_counts_once(client, world, session):
    items = await items_of(session, world)
    member_id = world.members["member_a"].id
    response = await record(
        client,
        await login(client, "reviewer_a"),
        world.branch_a.id,
        items["P01"],
        [member_id, member_id, world.members["member_a2"].id],
    )
    assert response.status_code == 201, response.text
    assert response.json()["member_count"] == 2
    assert len(await ledger_of_entry(response.json()["id"])) == 2


async def test_a_deduction_needs_a_reason(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    member_id = world.members["member_a"].id
    refused = await record(client, reviewer, world.branch_a.id, items["X01"], [member_id])
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "reason_required"
    assert (await _points(client, reviewer, member_id))["deduction_total"] in ("0", "0.0")

    recorded = await record(
        client,
        reviewer,
        world.branch_a.id,
        items["X01"],
        [member_id],
        reason="无故缺席11月党员大会",
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["reason"] == "无故缺席11月党员大会"
    summary = await _points(client, reviewer, member_id)
    assert Decimal(summary["deduction_total"]) == Decimal("2")
    assert Decimal(_november_of(summary)["net"]) == Decimal("-2")


async def test_a_self_declared_item_cannot_be_recorded_by_the_branch(client, world, session):
    items = await items_of(session, world)
    response = await record(
        client,
        await login(client, "reviewer_a"),
        world.branch_a.id,
        items["C01"],
        [world.members["member_a"].id],
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "item_self_declared"


async def test_a_member_of_another_branch_is_refused(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    outsider = world.members["member_b"].id
    response = await record(
        client,
        reviewer,
        world.branch_a.id,
        items["P01"],
        [world.members["member_a"].id, outsider],
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "members_not_in_branch"
    assert response.json()["member_ids"] == [outsider]
    listed = await client.get(f"{API}/branches/{world.branch_a.id}/entries", headers=reviewer)
    assert listed.json()["total"] == 0


async def test_points_of_an_entry_come_from_the_standard_on_an_open_month(client, world, session):
    items = await items_of(session, world)
    response = await record(
        client,
        await login(client, "admin"),
        world.branch_a.id,
        items["P01"],
        [world.members["member_a"].id],
        points="3",
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "points_only_for_adjustments"


async def test_an_entry_for_a_future_day_is_refused(client, world, session):
    items = await items_of(session, world)
    response = await record(
        client,
        await login(client, "reviewer_a"),
        world.branch_a.id,
        items["P01"],
        [world.members["member_a"].id],
        occurred_on="2026-11-21",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "occurred_in_future"


@pytest.mark.parametrize("username", ["secretary_b", "member_a", "other_admin"])
async def test_only_the_branch_reviewers_and_admins_above_record(client, world, session, username):
    items = await items_of(session, world)
    response = await record(
        client,
        await login(client, username),
        world.branch_a.id,
        items["P01"],
        [world.members["member_a"].id],
    )
    assert response.status_code == 403, response.text
    listed = await client.get(
        f"{API}/branches/{world.branch_a.id}/entries", headers=await login(client, "admin")
    )
    assert listed.json()["total"] == 0


async def test_admin_adjusts_a_locked_month_up_and_down(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    admin = await login(client, "admin")
    member_id = world.members["member_a"].id
    assert (await record(client, reviewer, world.branch_a.id, items["P01"], [member_id])).is_success
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success

    down = await record(
        client,
        admin,
        world.branch_a.id,
        items["P01"],
        [member_id],
        reason="该党员当日请假，误记出席",
        points="-0.5",
    )
    assert down.status_code == 201, down.text
    assert down.json()["kind"] == "adjustment"
    assert Decimal(down.json()["points_each"]) == Decimal("-0.5")
    assert Decimal(_november_of(await _points(client, admin, member_id))["bonus"]) == 0

    up = await record(
        client,
        admin,
        world.branch_a.id,
        items["C04"],
        [member_id],
        reason="县级表彰文件迟到，补记",
        points="2",
    )
    assert up.status_code == 201, up.text
    assert up.json()["kind"] == "adjustment"
    assert Decimal(_november_of(await _points(client, admin, member_id))["bonus"]) == Decimal("2")
    rows = await ledger_of_entry(up.json()["id"])
    assert [(r.source, r.points, r.reason) for r in rows] == [
        ("adjustment", Decimal("2"), "县级表彰文件迟到，补记")
    ]
    view = await client.get(month_url(world.branch_a.id), headers=admin)
    assert view.json()["status"] == "locked"


async def test_an_adjustment_without_points_takes_the_items_points(client, world, session):
    items = await items_of(session, world)
    admin = await login(client, "admin")
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    response = await record(
        client,
        admin,
        world.branch_a.id,
        items["D01"],
        [world.members["member_a"].id],
        reason="补记11月党员大会出席",
    )
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "adjustment"
    assert Decimal(response.json()["points_each"]) == Decimal("0.5")


async def test_an_adjustment_needs_a_reason(client, world, session):
    items = await items_of(session, world)
    admin = await login(client, "admin")
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    response = await record(
        client,
        admin,
        world.branch_a.id,
        items["P01"],
        [world.members["member_a"].id],
        points="-0.5",
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "reason_required"
    listed = await client.get(f"{API}/branches/{world.branch_a.id}/entries", headers=admin)
    assert listed.json()["total"] == 0


async def test_an_adjustment_of_zero_is_refused(client, world, session):
    items = await items_of(session, world)
    admin = await login(client, "admin")
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    response = await record(
        client,
        admin,
        world.branch_a.id,
        items["P01"],
        [world.members["member_a"].id],
        points="0",
        reason="无",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "zero_points"


async def test_after_the_close_a_reviewer_cannot_record(client, world, session):
    items = await items_of(session, world)
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    for extra in ({}, {"reason": "补记", "points": "0.5"}):
        response = await record(
            client,
            await login(client, "reviewer_a"),
            world.branch_a.id,
            items["P01"],
            [world.members["member_a"].id],
            **extra,
        )
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "month_locked"


async def test_an_adjustment_still_refuses_members_of_other_branches(client, world, session):
    items = await items_of(session, world)
    admin = await login(client, "admin")
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    response = await record(
        client,
        admin,
        world.branch_a.id,
        items["P01"],
        [world.members["member_b"].id],
        points="0.5",
        reason="补记",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "members_not_in_branch"


async def test_a_retried_entry_with_the_same_idempotency_key_is_recorded_once(
    client, world, session
):
    items = await items_of(session, world)
    attendees = [world.members["member_a"].id, world.members["member_a2"].id]
    reviewer = await login(client, "reviewer_a")
    headers = {**reviewer, "Idempotency-Key": "entry-meeting-2026-11-12"}

    first = await record(client, headers, world.branch_a.id, items["D01"], attendees)
    assert first.status_code == 201, first.text
    again = await record(client, headers, world.branch_a.id, items["D01"], attendees)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()

    rows = await ledger_of_entry(first.json()["id"])
    assert sorted(r.member_id for r in rows) == sorted(attendees)
    listed = await client.get(
        f"{API}/branches/{world.branch_a.id}/entries", params={"month": "2026-11"}, headers=reviewer
    )
    assert listed.json()["total"] == 1

    other = await record(client, headers, world.branch_a.id, items["D01"], attendees[:1])
    assert other.status_code == 422, other.text
