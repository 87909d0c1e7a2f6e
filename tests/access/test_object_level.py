"""Object-level refusals: each role is confined to its own data and organisation subtree."""

from tests.factories import login


async def test_member_reads_self_but_not_another_member(client, world):
    headers = await login(client, "member_a")
    me = world.members["member_a"].id
    assert (await client.get(f"/api/v1/members/{me}", headers=headers)).status_code == 200
    other = world.members["member_a2"].id
    r = await client.get(f"/api/v1/members/{other}", headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert (await client.get("/api/v1/members", headers=headers)).status_code == 403


async def test_member_cannot_edit_self(client, world):
    headers = await login(client, "member_a")
    me = world.members["member_a"].id
    r = await client.patch(f"/api/v1/members/{me}", headers=headers, json={"name": "新名字"})
    assert r.status_code == 403


async def test_secretary_of_branch_a_cannot_touch_branch_b(client, world):
    headers = await login(client, "secretary_a")
    b_member = world.members["member_b"].id
    assert (await client.get(f"/api/v1/members/{b_member}", headers=headers)).status_code == 403
    r = await client.patch(f"/api/v1/members/{b_member}", headers=headers, json={"name": "x"})
    assert r.status_code == 403
    r = await client.get(
        "/api/v1/members", headers=headers, params={"organisation_id": world.branch_b.id}
    )
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/members",
        headers=headers,
        json={
            "name": "王五",
            "phone": "13700000001",
            "branch_id": world.branch_b.id,
            "category": "institution",
            "joined_on": "2010-07-01",
        },
    )
    assert r.status_code == 403
    # Their own branch works, and lists only branch A.
    own = await client.get("/api/v1/members", headers=headers)
    assert own.status_code == 200
    assert {m["branch_id"] for m in own.json()["items"]} == {world.branch_a.id}


async def test_reviewer_reads_but_does_not_manage_members(client, world):
    headers = await login(client, "reviewer_a")
    target = world.members["member_a"].id
    assert (await client.get(f"/api/v1/members/{target}", headers=headers)).status_code == 200
    r = await client.patch(f"/api/v1/members/{target}", headers=headers, json={"name": "x"})
    assert r.status_code == 403


async def test_org_admin_outside_subtree_is_refused(client, world):
    headers = await login(client, "other_admin")
    target = world.members["member_a"].id
    assert (await client.get(f"/api/v1/members/{target}", headers=headers)).status_code == 403
    r = await client.patch(
        f"/api/v1/organisations/{world.committee.id}", headers=headers, json={"name": "夺取"}
    )
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/organisations",
        headers=headers,
        json={"name": "新支部", "kind": "branch", "parent_id": world.committee.id},
    )
    assert r.status_code == 403
    r = await client.patch(
        f"/api/v1/standards/{world.standard_id}", headers=headers, json={"name": "x"}
    )
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/service-accounts",
        headers=headers,
        json={"name": "x", "organisation_id": world.committee.id, "scopes": ["members:read"]},
    )
    assert r.status_code == 403
    tree = await client.get("/api/v1/organisations", headers=headers)
    assert {o["id"] for o in tree.json()["items"]} == {
        world.other_committee.id,
        world.other_branch.id,
    }


async def test_org_admin_cannot_transfer_into_a_foreign_branch(client, world):
    headers = await login(client, "admin")
    r = await client.post(
        f"/api/v1/members/{world.members['member_a'].id}/transfer",
        headers=headers,
        json={"to_branch_id": world.other_branch.id, "reason": "调动"},
    )
    assert r.status_code == 403


async def test_only_superadmin_creates_top_level_organisations(client, world):
    headers = await login(client, "admin")
    r = await client.post(
        "/api/v1/organisations", headers=headers, json={"name": "新党委", "kind": "committee"}
    )
    assert r.status_code == 403
    root = await login(client, "root")
    r = await client.post(
        "/api/v1/organisations", headers=root, json={"name": "新党委", "kind": "committee"}
    )
    assert r.status_code == 201


async def test_missing_objects_are_404(client, world):
    headers = await login(client, "admin")
    for path in (
        "/api/v1/members/999999",
        "/api/v1/organisations/999999",
        "/api/v1/standards/999999",
    ):
        r = await client.get(path, headers=headers)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
