"""The branch's monthly report (亮分): order, ties, caps, deductions, and who may see it."""

from decimal import Decimal

import pytest

from tests.factories import login
from tests.helpers import new_claim, set_now, shanghai
from tests.months.support import close, decide, items_of, month_url, record


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


async def _ranking(client, headers, branch_id, period="2026-11"):
    return await client.get(f"{month_url(branch_id, period)}/ranking", headers=headers)


def _by_member(body: dict) -> dict[int, dict]:
    return {row["member"]["id"]: row for row in body["rows"]}


async def test_ranking_orders_by_net_points_and_ties_share_a_rank(client, world, session):
    items = await items_of(session, world)
    m = {name: world.members[name].id for name in world.members}
    reviewer = await login(client, "reviewer_a")
    branch = world.branch_a.id
    p01 = [m["member_a"], m["member_a2"], m["secretary_a"]]
    assert (await record(client, reviewer, branch, items["P01"], p01)).status_code == 201
    d01 = [m["member_a"], m["member_a2"]]
    assert (await record(client, reviewer, branch, items["D01"], d01)).status_code == 201
    x01 = await record(client, reviewer, branch, items["X01"], [m["newcomer"]], reason="无故缺席")
    assert x01.status_code == 201

    response = await _ranking(client, reviewer, branch)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["branch_id"] == branch
    assert body["period"] == "2026-11"
    assert body["locked"] is False
    ranked = [(row["rank"], row["member"]["id"], Decimal(row["net"])) for row in body["rows"]]
    assert ranked == [
        (1, m["member_a"], Decimal("1.0")),
        (1, m["member_a2"], Decimal("1.0")),
        (3, m["secretary_a"], Decimal("0.5")),
        (4, m["reviewer_a"], Decimal("0")),
        (5, m["newcomer"], Decimal("-2")),
    ]
    assert m["member_b"] not in _by_member(body)


async def test_ranking_counts_only_approved_points_of_that_month(client, world, session):
    items = await items_of(session, world)
    member_a = world.members["member_a"].id
    member_a2 = world.members["member_a2"].id
    reviewer = await login(client, "reviewer_a")
    branch = world.branch_a.id
    # October's entry and a pending November claim do not count in November.
    october = await record(
        client, reviewer, branch, items["D01"], [member_a], occurred_on="2026-10-20"
    )
    assert october.status_code == 201
    await new_claim(client, await login(client, "member_a"), items["C01"], submit=True)
    approved = await new_claim(client, await login(client, "member_a2"), items["C01"], submit=True)
    assert (await decide(client, reviewer, approved["id"])).status_code == 200

    rows = _by_member((await _ranking(client, reviewer, branch)).json())
    assert Decimal(rows[member_a]["net"]) == 0
    assert Decimal(rows[member_a2]["net"]) == Decimal("0.5")
    assert rows[member_a2]["rank"] == 1
    oct_rows = _by_member((await _ranking(client, reviewer, branch, "2026-10")).json())
    assert Decimal(oct_rows[member_a]["net"]) == Decimal("0.5")


async def test_ranking_applies_the_items_monthly_cap(client, world, session):
    items = await items_of(session, world)
    member_a = world.members["member_a"].id
    member_a2 = world.members["member_a2"].id
    reviewer = await login(client, "reviewer_a")
    branch = world.branch_a.id
    # D01 参加支部党员大会: 0.5 points, at most 0.5 a month.
    first = await record(client, reviewer, branch, items["D01"], [member_a, member_a2])
    second = await record(
        client, reviewer, branch, items["D01"], [member_a], occurred_on="2026-11-19"
    )
    assert first.status_code == second.status_code == 201

    rows = _by_member((await _ranking(client, reviewer, branch)).json())
    assert Decimal(rows[member_a]["bonus"]) == Decimal("0.5")
    assert Decimal(rows[member_a]["net"]) == Decimal("0.5")
    assert rows[member_a]["rank"] == rows[member_a2]["rank"] == 1


async def test_a_deduction_lowers_the_net(client, world, session):
    items = await items_of(session, world)
    member_a = world.members["member_a"].id
    reviewer = await login(client, "reviewer_a")
    branch = world.branch_a.id
    assert (await record(client, reviewer, branch, items["P01"], [member_a])).status_code == 201
    deduction = await record(
        client, reviewer, branch, items["X01"], [member_a], reason="无故缺席主题党日"
    )
    assert deduction.status_code == 201

    body = (await _ranking(client, reviewer, branch)).json()
    row = _by_member(body)[member_a]
    assert Decimal(row["bonus"]) == Decimal("0.5")
    assert Decimal(row["deduction"]) == Decimal("2")
    assert Decimal(row["net"]) == Decimal("-1.5")
    assert body["rows"][-1]["member"]["id"] == member_a


async def test_an_adjustment_after_the_close_changes_the_published_ranking(client, world, session):
    items = await items_of(session, world)
    member_a = world.members["member_a"].id
    reviewer = await login(client, "reviewer_a")
    branch = world.branch_a.id
    assert (await record(client, reviewer, branch, items["P01"], [member_a])).status_code == 201
    assert (await close(client, await login(client, "secretary_a"), branch)).status_code == 200
    adjusted = await record(
        client,
        await login(client, "admin"),
        branch,
        items["P01"],
        [member_a],
        points="-0.5",
        reason="误记出席",
    )
    assert adjusted.status_code == 201
    body = (await _ranking(client, await login(client, "member_a2"), branch)).json()
    assert body["locked"] is True
    assert Decimal(_by_member(body)[member_a]["net"]) == 0


@pytest.mark.parametrize("username", ["reviewer_a", "secretary_a", "admin"])
async def test_reviewers_and_admins_see_the_ranking_before_the_close(
    client, world, session, username
):
    response = await _ranking(client, await login(client, username), world.branch_a.id)
    assert response.status_code == 200, response.text
    assert response.json()["locked"] is False


async def test_members_see_the_ranking_only_once_the_month_is_closed(client, world, session):
    member = await login(client, "member_a")
    before = await _ranking(client, member, world.branch_a.id)
    assert before.status_code == 403
    assert before.json()["code"] == "ranking_not_published"

    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    after = await _ranking(client, member, world.branch_a.id)
    assert after.status_code == 200, after.text
    assert after.json()["locked"] is True
    assert world.members["member_a"].id in _by_member(after.json())


@pytest.mark.parametrize("username", ["member_b", "secretary_b", "member_other", "other_admin"])
async def test_other_branches_never_see_the_ranking(client, world, session, username):
    headers = await login(client, username)
    assert (await _ranking(client, headers, world.branch_a.id)).status_code == 403
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    after = await _ranking(client, headers, world.branch_a.id)
    assert after.status_code == 403
    assert after.json()["code"] != "ranking_not_published"
