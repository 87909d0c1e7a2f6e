"""/members/{id}/room: the room a member has left under each item's caps, counted as the submit
check counts it, and whether a month takes claims (its window, the branch's close)."""

from decimal import Decimal

import pytest

from app.scoring.room import item_room
from tests.factories import login
from tests.helpers import new_claim, set_now, shanghai
from tests.months.support import API, decide, items_of, lock_behind_the_api


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


def _url(member_id: int | None) -> str:
    return f"{API}/members/{member_id}/room"


async def _room(client, headers, member_id, period: str | None = "2026-11") -> dict:
    params = {"period": period} if period else {}
    response = await client.get(_url(member_id), params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _item(room: dict, code: str) -> dict:
    (found,) = [i for i in room["items"] if i["code"] == code]
    return found


async def _submit(client, headers, claim_id: int):
    return await client.post(f"{API}/claims/{claim_id}/submit", headers=headers)


async def test_the_room_says_zero_exactly_when_the_next_submit_is_refused(client, world, session):
    items = await items_of(session, world)
    member_id = world.members["member_a"].id
    member = await login(client, "member_a")
    # M05: 0.5 points each, at most 1 point a month (twice), 2 a year; evidence needed.
    room = _item(await _room(client, member, member_id), "M05")
    assert room["max_per_month"] == "1.0" and room["max_per_year"] == "2.0"
    assert (room["month_used"], room["left"], room["times_left"], room["full"]) == (
        "0.0",
        "1.0",
        2,
        False,
    )

    await new_claim(client, member, items["M05"], submit=True)
    # A draft is not counted, by the room as by the check.
    draft = await new_claim(client, member, items["M05"], quantity=2)
    room = _item(await _room(client, member, member_id), "M05")
    assert (room["month_used"], room["month_left"], room["times_left"]) == ("0.5", "0.5", 1)
    # Asking for more occurrences than the room leaves is refused...
    too_many = await _submit(client, member, draft["id"])
    assert too_many.status_code == 409
    assert too_many.json()["code"] == "item_month_limit_reached"

    # ...and the one occurrence left is accepted, after which the room is 0.
    await new_claim(client, member, items["M05"], submit=True)
    room = _item(await _room(client, member, member_id), "M05")
    assert (room["month_used"], room["left"], room["times_left"], room["full"]) == (
        "1.0",
        "0.0",
        0,
        True,
    )
    refused = await _submit(client, member, (await new_claim(client, member, items["M05"]))["id"])
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "item_month_limit_reached"
    # Submitted at once, the same refusal (and nothing is written).
    at_once = await client.post(
        f"{API}/claims",
        json={
            "item_id": items["M09"],
            "occurred_on": "2026-11-10",
            "description": "看望社区孤寡老人",
            "submit": True,
        },
        headers=member,
    )
    assert at_once.status_code == 201
    assert _item(await _room(client, member, member_id), "M09")["full"] is True
    again = await client.post(
        f"{API}/claims",
        json={
            "item_id": items["M09"],
            "occurred_on": "2026-11-11",
            "description": "再次看望社区孤寡老人",
            "submit": True,
        },
        headers=member,
    )
    assert again.status_code == 409 and again.json()["code"] == "item_month_limit_reached"
    # Other members' claims and other months are their own.
    other = _item(
        await _room(client, await login(client, "member_a2"), world.members["member_a2"].id), "M05"
    )
    assert other["times_left"] == 2
    october = _item(await _room(client, member, member_id, "2026-10"), "M05")
    assert (october["month_used"], october["year_used"], october["times_left"]) == ("0.0", "1.0", 2)


async def test_granted_points_are_what_counts(client, world, session):
    items = await items_of(session, world)
    member_id = world.members["member_a"].id
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    claim = await new_claim(client, member, items["M05"], quantity=2, submit=True)
    assert _item(await _room(client, member, member_id), "M05")["full"] is True
    approved = await decide(
        client, reviewer, claim["id"], body={"points": "0.5", "comment": "只认定一次"}
    )
    assert approved.status_code == 200, approved.text
    room = _item(await _room(client, member, member_id), "M05")
    assert (room["month_used"], room["times_left"]) == ("0.5", 1)
    accepted = await new_claim(client, member, items["M05"], submit=True)
    assert accepted["status"] == "submitted"
    assert _item(await _room(client, member, member_id), "M05")["times_left"] == 0


async def test_the_yearly_cap_limits_the_room_of_a_month(client, world, session):
    # No request can reach a year's cap within the two months a window allows, so the
    # arithmetic is checked on its own: the smaller room wins.
    room = item_room(
        points=Decimal("0.5"),
        max_per_month=Decimal("1"),
        max_per_year=Decimal("2"),
        month_used=Decimal("0"),
        year_used=Decimal("1.5"),
    )
    assert (room.month_left, room.year_left, room.left, room.times_left, room.full) == (
        Decimal("1"),
        Decimal("0.5"),
        Decimal("0.5"),
        1,
        False,
    )
    uncapped = item_room(
        points=Decimal("3"),
        max_per_month=None,
        max_per_year=None,
        month_used=Decimal("9"),
        year_used=Decimal("9"),
    )
    assert (uncapped.left, uncapped.times_left, uncapped.full) == (None, None, False)
    over = item_room(
        points=Decimal("1"),
        max_per_month=Decimal("1"),
        max_per_year=None,
        month_used=Decimal("1.5"),
        year_used=Decimal("1.5"),
    )
    assert (over.left, over.times_left, over.full) == (Decimal("0"), 0, True)


async def test_items_are_those_the_member_declares(client, world):
    member = await login(client, "member_a")  # category institution
    codes = {
        i["code"] for i in (await _room(client, member, world.members["member_a"].id))["items"]
    }
    assert {"M05", "C09"} <= codes  # C09 is for institution members
    assert "P10" not in codes  # for mobile members only
    assert "P01" not in codes  # recorded by the branch
    assert not [c for c in codes if c.startswith("K")]  # deductions


async def test_a_closed_month_is_reported_and_refuses_claims(client, world, session, monkeypatch):
    set_now(monkeypatch, shanghai("2026-11-03 10:00:00"))  # October's window lasts to the 5th
    items = await items_of(session, world)
    member_id = world.members["member_a"].id
    member = await login(client, "member_a")
    room = await _room(client, member, member_id, None)
    assert room["period"] == "2026-11"
    assert [(m["period"], m["open"], m["locked"]) for m in room["months"]] == [
        ("2026-10", True, False),
        ("2026-11", True, False),
    ]

    await lock_behind_the_api(world.branch_a.id, "2026-10")
    room = await _room(client, member, member_id, "2026-10")
    assert room["month"] == {**room["month"], "period": "2026-10", "locked": True, "open": False}
    assert room["month"]["window_closed"] is False
    assert [(m["period"], m["open"], m["locked"]) for m in room["months"]] == [
        ("2026-10", False, True),
        ("2026-11", True, False),
    ]
    refused = await client.post(
        f"{API}/claims",
        json={
            "item_id": items["M09"],
            "occurred_on": "2026-10-20",
            "description": "看望社区孤寡老人",
        },
        headers=member,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "month_locked"


async def test_the_window_and_months_not_yet_begun(client, world, monkeypatch):
    member_id = world.members["member_a"].id
    member = await login(client, "member_a")
    december = await _room(client, member, member_id, "2026-12")
    assert december["month"]["started"] is False and december["month"]["open"] is False
    set_now(monkeypatch, shanghai("2026-12-06 00:00:01"))  # November's window has ended
    room = await _room(client, member, member_id, "2026-11")
    assert room["month"]["window_closed"] is True and room["month"]["open"] is False
    assert room["month"]["deadline"].startswith("2026-12-05T23:59:59")
    assert [m["period"] for m in room["months"]] == ["2026-12"]


async def test_dimensions_carry_their_annual_caps(client, world):
    room = await _room(client, await login(client, "member_a"), world.members["member_a"].id)
    caps = {d["dimension"]: d["cap"] for d in room["dimensions"]}
    assert caps == {
        "political": "8.0",
        "discipline": "7.0",
        "morality": "7.0",
        "contribution": "8.0",
    }


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("member_a", 200),
        ("reviewer_a", 200),
        ("admin", 200),
        ("member_a2", 403),
        ("secretary_b", 403),
        ("other_admin", 403),
    ],
)
async def test_who_reads_a_members_room(client, world, username, status):
    response = await client.get(
        _url(world.members["member_a"].id),
        params={"period": "2026-11"},
        headers=await login(client, username),
    )
    assert response.status_code == status, response.text


async def test_bad_input_is_a_problem(client, world):
    member = await login(client, "member_a")
    member_id = world.members["member_a"].id
    assert (await client.get(_url(member_id))).status_code == 401
    for period in ("2026-13", "2026-1", "november", "1999-01", "2027-01"):
        response = await client.get(_url(member_id), params={"period": period}, headers=member)
        assert response.status_code in (409, 422), (period, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    no_standard = await client.get(_url(member_id), params={"period": "2027-01"}, headers=member)
    assert no_standard.json()["code"] == "no_standard_in_force"
    missing = await client.get(_url(999999), params={"period": "2026-11"}, headers=member)
    assert missing.status_code == 404
