"""Organisation tree: create, rename, move, archive."""

from sqlalchemy import select

from app.models import AuditEvent
from tests.factories import login


async def test_create_rename_and_list(client, world, session):
    headers = await login(client, "admin")
    r = await client.post(
        "/api/v1/organisations",
        headers=headers,
        json={"name": "机关党总支", "kind": "general_branch", "parent_id": world.committee.id},
    )
    assert r.status_code == 201
    general = r.json()
    assert general["path"] == f"{world.committee.path}{general['id']}/"
    r = await client.patch(
        f"/api/v1/organisations/{general['id']}", headers=headers, json={"name": "机关第一党总支"}
    )
    assert r.status_code == 200 and r.json()["name"] == "机关第一党总支"
    tree = await client.get("/api/v1/organisations", headers=headers)
    paths = [o["path"] for o in tree.json()["items"]]
    assert paths == sorted(paths) and len(paths) == 4 and tree.json()["total"] == 4
    events = await session.execute(
        select(AuditEvent.action).where(
            AuditEvent.entity_type == "organisation", AuditEvent.entity_id == general["id"]
        )
    )
    assert sorted(events.scalars()) == ["created", "renamed"]


async def test_branch_cannot_contain_organisations(client, world):
    headers = await login(client, "admin")
    r = await client.post(
        "/api/v1/organisations",
        headers=headers,
        json={"name": "小组", "kind": "branch", "parent_id": world.branch_a.id},
    )
    assert r.status_code == 409 and r.json()["code"] == "branch_cannot_have_children"


async def test_move_carries_the_subtree(client, world):
    headers = await login(client, "admin")
    general = (
        await client.post(
            "/api/v1/organisations",
            headers=headers,
            json={"name": "党总支", "kind": "general_branch", "parent_id": world.committee.id},
        )
    ).json()
    r = await client.post(
        f"/api/v1/organisations/{world.branch_a.id}/move",
        headers=headers,
        json={"parent_id": general["id"]},
    )
    assert r.status_code == 200
    assert r.json()["path"] == f"{general['path']}{world.branch_a.id}/"
    # The secretary of the moved branch still reaches their members.
    sec = await login(client, "secretary_a")
    member = world.members["member_a"].id
    assert (await client.get(f"/api/v1/members/{member}", headers=sec)).status_code == 200


async def test_move_into_own_subtree_is_refused(client, world):
    headers = await login(client, "admin")
    general = (
        await client.post(
            "/api/v1/organisations",
            headers=headers,
            json={"name": "党总支", "kind": "general_branch", "parent_id": world.committee.id},
        )
    ).json()
    inner = (
        await client.post(
            "/api/v1/organisations",
            headers=headers,
            json={"name": "下级总支", "kind": "general_branch", "parent_id": general["id"]},
        )
    ).json()
    r = await client.post(
        f"/api/v1/organisations/{general['id']}/move",
        headers=headers,
        json={"parent_id": inner["id"]},
    )
    assert r.status_code == 409 and r.json()["code"] == "move_into_own_subtree"


async def test_archive_refused_while_members_remain(client, world):
    headers = await login(client, "admin")
    r = await client.post(f"/api/v1/organisations/{world.branch_b.id}/archive", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "organisation_not_empty"
    empty = (
        await client.post(
            "/api/v1/organisations",
            headers=headers,
            json={"name": "空支部", "kind": "branch", "parent_id": world.committee.id},
        )
    ).json()
    r = await client.post(f"/api/v1/organisations/{empty['id']}/archive", headers=headers)
    assert r.status_code == 200 and r.json()["archived_at"]
    r = await client.post(
        "/api/v1/members",
        headers=headers,
        json={
            "name": "王五",
            "phone": "13700000001",
            "branch_id": empty["id"],
            "category": "institution",
            "joined_on": "2010-07-01",
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "not_a_branch"


async def test_list_is_paginated_in_tree_order(client, world):
    root = await login(client, "root")
    whole = (await client.get("/api/v1/organisations", headers=root)).json()
    assert whole["total"] == 5 and whole["page"] == 1 and len(whole["items"]) == 5
    paths = [o["path"] for o in whole["items"]]
    assert paths == sorted(paths)
    pages = [
        (
            await client.get(
                "/api/v1/organisations", headers=root, params={"page": n, "page_size": 2}
            )
        ).json()
        for n in (1, 2, 3, 4)
    ]
    assert [p["total"] for p in pages] == [5, 5, 5, 5]
    assert [p["page_size"] for p in pages] == [2, 2, 2, 2]
    assert [o["path"] for p in pages for o in p["items"]] == paths
    assert pages[3]["items"] == []
    # The count is of what the caller may read, archived organisations only when asked.
    admin = await login(client, "admin")
    r = await client.get("/api/v1/organisations", headers=admin, params={"page_size": 1})
    assert r.json()["total"] == 3 and len(r.json()["items"]) == 1
    r = await client.post(f"/api/v1/organisations/{world.branch_b.id}/archive", headers=admin)
    assert r.status_code == 409  # members still there: archive an empty one instead
    empty = (
        await client.post(
            "/api/v1/organisations",
            headers=admin,
            json={"name": "空支部", "kind": "branch", "parent_id": world.committee.id},
        )
    ).json()
    await client.post(f"/api/v1/organisations/{empty['id']}/archive", headers=admin)
    r = await client.get("/api/v1/organisations", headers=admin)
    assert r.json()["total"] == 3
    r = await client.get("/api/v1/organisations", headers=admin, params={"include_archived": True})
    assert r.json()["total"] == 4 and len(r.json()["items"]) == 4
    for bad in ({"page": 0}, {"page_size": 0}, {"page_size": 201}):
        r = await client.get("/api/v1/organisations", headers=admin, params=bad)
        assert r.status_code == 422


async def test_list_filters_by_kind(client, world):
    admin = await login(client, "admin")
    r = await client.get("/api/v1/organisations", headers=admin, params={"kind": "branch"})
    assert r.status_code == 200, r.text
    names = {o["name"] for o in r.json()["items"]}
    assert names == {world.branch_a.name, world.branch_b.name}
    assert r.json()["total"] == 2
    bad = await client.get("/api/v1/organisations", headers=admin, params={"kind": "club"})
    assert bad.status_code == 422
