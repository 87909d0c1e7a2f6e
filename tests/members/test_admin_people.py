"""What the admin's people screens read: member search with branch names, a member's roles,
and the audit trail of a revoked role."""

from sqlalchemy import select

from app.models import AuditEvent
from tests.factories import login


async def test_search_items_carry_the_branch_name(client, world):
    headers = await login(client, "admin")
    r = await client.get(
        "/api/v1/members",
        headers=headers,
        params={"q": "member", "organisation_id": world.branch_b.id},
    )
    assert [(m["name"], m["branch_name"]) for m in r.json()["items"]] == [
        ("member_b", world.branch_b.name)
    ]


async def test_search_by_category_across_the_subtree(client, world):
    headers = await login(client, "admin")
    r = await client.get("/api/v1/members", headers=headers, params={"category": "institution"})
    body = r.json()
    assert body["total"] == 7
    assert {m["branch_id"] for m in body["items"]} == {world.branch_a.id, world.branch_b.id}
    r = await client.get("/api/v1/members", headers=headers, params={"category": "mobile"})
    assert r.json()["total"] == 0


async def test_search_pages_are_stable_and_disjoint(client, world):
    headers = await login(client, "admin")
    seen: list[int] = []
    for page in (1, 2, 3, 4):
        r = await client.get(
            "/api/v1/members", headers=headers, params={"page": page, "page_size": 2}
        )
        seen += [m["id"] for m in r.json()["items"]]
    assert len(seen) == len(set(seen)) == 7
    again = await client.get("/api/v1/members", headers=headers, params={"page_size": 2})
    assert [m["id"] for m in again.json()["items"]] == seen[:2]


async def test_member_roles_name_the_organisation(client, world):
    headers = await login(client, "admin")
    member = world.members["secretary_a"].id
    r = await client.get(f"/api/v1/members/{member}/roles", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2
    assert sorted((i["role"], i["organisation_name"]) for i in body["items"]) == [
        ("member", world.branch_a.name),
        ("secretary", world.branch_a.name),
    ]


async def test_member_reads_own_roles_but_not_others(client, world):
    headers = await login(client, "member_a")
    own = world.members["member_a"].id
    assert (await client.get(f"/api/v1/members/{own}/roles", headers=headers)).status_code == 200
    other = world.members["member_b"].id
    r = await client.get(f"/api/v1/members/{other}/roles", headers=headers)
    assert r.status_code == 403


async def test_assigned_reviewer_role_appears_and_revoke_is_audited_with_organisation(
    client, world, session
):
    headers = await login(client, "admin")
    member = world.members["member_a"]
    r = await client.post(
        "/api/v1/role-assignments",
        headers=headers,
        json={
            "user_id": member.user_id,
            "role": "reviewer",
            "organisation_id": world.branch_a.id,
        },
    )
    assert r.status_code == 201
    assignment = r.json()["id"]
    roles = (await client.get(f"/api/v1/members/{member.id}/roles", headers=headers)).json()
    assert "reviewer" in {i["role"] for i in roles["items"]}
    r = await client.delete(f"/api/v1/role-assignments/{assignment}", headers=headers)
    assert r.status_code == 204
    data = await session.scalar(
        select(AuditEvent.data).where(
            AuditEvent.entity_type == "role_assignment",
            AuditEvent.entity_id == assignment,
            AuditEvent.action == "revoked",
        )
    )
    assert data == {"user_id": member.user_id, "organisation_id": world.branch_a.id}


async def test_reviewer_role_on_a_committee_is_refused(client, world):
    headers = await login(client, "admin")
    member = world.members["member_a"]
    r = await client.post(
        "/api/v1/role-assignments",
        headers=headers,
        json={
            "user_id": member.user_id,
            "role": "reviewer",
            "organisation_id": world.committee.id,
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "not_a_branch"


async def test_secretary_cannot_assign_roles(client, world):
    headers = await login(client, "secretary_a")
    member = world.members["member_a"]
    r = await client.post(
        "/api/v1/role-assignments",
        headers=headers,
        json={
            "user_id": member.user_id,
            "role": "reviewer",
            "organisation_id": world.branch_a.id,
        },
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
