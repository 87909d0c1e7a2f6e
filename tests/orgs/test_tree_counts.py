"""The organisation list carries each subtree's active members (the admin tree's counts)."""

from tests.factories import login


async def test_list_counts_active_members_of_each_subtree(client, world):
    headers = await login(client, "admin")
    items = (await client.get("/api/v1/organisations", headers=headers)).json()["items"]
    counts = {o["id"]: o["member_count"] for o in items}
    # branch_a: secretary_a, reviewer_a, member_a, member_a2, newcomer; branch_b: two.
    assert counts[world.branch_a.id] == 5
    assert counts[world.branch_b.id] == 2
    assert counts[world.committee.id] == 7
    assert world.other_committee.id not in counts


async def test_counts_leave_out_deactivated_members(client, world):
    headers = await login(client, "admin")
    member = world.members["member_b"].id
    r = await client.post(
        f"/api/v1/members/{member}/deactivate", headers=headers, json={"reason": "迁出"}
    )
    assert r.status_code == 200
    items = (await client.get("/api/v1/organisations", headers=headers)).json()["items"]
    counts = {o["id"]: o["member_count"] for o in items}
    assert counts[world.branch_b.id] == 1 and counts[world.committee.id] == 6


async def test_counts_follow_a_moved_subtree(client, world):
    headers = await login(client, "admin")
    general = (
        await client.post(
            "/api/v1/organisations",
            headers=headers,
            json={"name": "党总支", "kind": "general_branch", "parent_id": world.committee.id},
        )
    ).json()
    assert (
        await client.post(
            f"/api/v1/organisations/{world.branch_a.id}/move",
            headers=headers,
            json={"parent_id": general["id"]},
        )
    ).status_code == 200
    items = (await client.get("/api/v1/organisations", headers=headers)).json()["items"]
    counts = {o["id"]: o["member_count"] for o in items}
    assert counts[general["id"]] == 5 and counts[world.committee.id] == 7


async def test_a_secretary_sees_only_their_branch_counted(client, world):
    headers = await login(client, "secretary_a")
    items = (await client.get("/api/v1/organisations", headers=headers)).json()["items"]
    assert [(o["id"], o["member_count"]) for o in items] == [(world.branch_a.id, 5)]
