"""Members: create with an account, search, edit, deactivate, transfer with history."""

from sqlalchemy import select

from app.models import AuditEvent, RoleAssignment
from tests.factories import login

NEW = {
    "name": "赵六",
    "phone": "13912345678",
    "category": "new_org",
    "joined_on": "2018-07-01",
    "gender": "female",
}


async def test_secretary_creates_member_who_must_change_password(client, world):
    headers = await login(client, "secretary_a")
    r = await client.post(
        "/api/v1/members", headers=headers, json={**NEW, "branch_id": world.branch_a.id}
    )
    assert r.status_code == 201, r.text
    account = r.json()["account"]
    assert account["username"] == "13912345678" and len(account["initial_password"]) >= 8
    login_r = await client.post(
        "/api/v1/auth/login",
        json={"username": account["username"], "password": account["initial_password"]},
    )
    assert login_r.json()["must_change_password"] is True


async def test_duplicate_phone_is_409(client, world):
    headers = await login(client, "secretary_a")
    r = await client.post(
        "/api/v1/members",
        headers=headers,
        json={**NEW, "phone": "13800138000", "branch_id": world.branch_a.id},
    )
    assert r.status_code == 409 and r.json()["code"] == "identifier_taken"


async def test_future_joining_date_is_422(client, world):
    headers = await login(client, "secretary_a")
    r = await client.post(
        "/api/v1/members",
        headers=headers,
        json={**NEW, "joined_on": "2999-01-01", "branch_id": world.branch_a.id},
    )
    assert r.status_code == 422


async def test_search_by_name_or_phone_with_pagination(client, world):
    headers = await login(client, "admin")
    r = await client.get("/api/v1/members", headers=headers, params={"q": "13800138"})
    assert [m["phone"] for m in r.json()["items"]] == ["13800138000"]
    r = await client.get("/api/v1/members", headers=headers, params={"q": "secretary"})
    assert r.json()["total"] == 2
    page1 = (
        await client.get("/api/v1/members", headers=headers, params={"page_size": 3, "page": 1})
    ).json()
    page2 = (
        await client.get("/api/v1/members", headers=headers, params={"page_size": 3, "page": 2})
    ).json()
    assert page1["total"] == page2["total"] == 7
    assert not {m["id"] for m in page1["items"]} & {m["id"] for m in page2["items"]}
    bad = await client.get("/api/v1/members", headers=headers, params={"page_size": 1000})
    assert bad.status_code == 422


async def test_update_member(client, world):
    headers = await login(client, "secretary_a")
    target = world.members["member_a"].id
    r = await client.patch(
        f"/api/v1/members/{target}",
        headers=headers,
        json={"category": "mobile", "is_probationary": True},
    )
    assert r.status_code == 200
    assert r.json()["category"] == "mobile" and r.json()["is_probationary"] is True
    r = await client.patch(
        f"/api/v1/members/{target}", headers=headers, json={"category": "astronaut"}
    )
    assert r.status_code == 422


async def test_transfer_keeps_history_and_moves_roles(client, world, session):
    headers = await login(client, "admin")
    secretary = world.members["secretary_a"]
    r = await client.post(
        f"/api/v1/members/{secretary.id}/transfer",
        headers=headers,
        json={"to_branch_id": world.branch_b.id, "reason": "工作调动"},
    )
    assert r.status_code == 200
    assert r.json()["from_branch_id"] == world.branch_a.id
    history = await client.get(f"/api/v1/members/{secretary.id}/transfers", headers=headers)
    assert [(t["from_branch_id"], t["to_branch_id"]) for t in history.json()] == [
        (world.branch_a.id, world.branch_b.id)
    ]
    again = await client.post(
        f"/api/v1/members/{secretary.id}/transfer",
        headers=headers,
        json={"to_branch_id": world.branch_b.id, "reason": "再调"},
    )
    assert again.status_code == 409 and again.json()["code"] == "same_branch"
    # The test's own session reads last: on SQLite its transaction holds the write lock.
    roles = (
        await session.execute(
            select(RoleAssignment.role, RoleAssignment.organisation_id).where(
                RoleAssignment.user_id == secretary.user_id
            )
        )
    ).all()
    assert sorted(roles) == [("member", world.branch_b.id)]
    actions = (
        await session.execute(
            select(AuditEvent.action).where(
                AuditEvent.entity_type == "member", AuditEvent.entity_id == secretary.id
            )
        )
    ).scalars()
    assert "transferred" in list(actions)


async def test_secretary_cannot_transfer(client, world):
    headers = await login(client, "secretary_a")
    r = await client.post(
        f"/api/v1/members/{world.members['member_a'].id}/transfer",
        headers=headers,
        json={"to_branch_id": world.branch_b.id, "reason": "x"},
    )
    assert r.status_code == 403


async def test_deactivate_twice_is_409_and_reset_password(client, world):
    headers = await login(client, "secretary_a")
    target = world.members["member_a2"].id
    r = await client.post(
        f"/api/v1/members/{target}/deactivate", headers=headers, json={"reason": "去世"}
    )
    assert r.status_code == 200 and r.json()["status"] == "inactive"
    r = await client.post(
        f"/api/v1/members/{target}/deactivate", headers=headers, json={"reason": "again"}
    )
    assert r.status_code == 409
    r = await client.post(
        f"/api/v1/members/{target}/reactivate", headers=headers, json={"reason": "误操作"}
    )
    assert r.status_code == 200
    reset = await client.post(f"/api/v1/members/{target}/reset-password", headers=headers)
    assert reset.status_code == 200
    creds = reset.json()
    r = await client.post(
        "/api/v1/auth/login",
        json={"username": creds["username"], "password": creds["initial_password"]},
    )
    assert r.json()["must_change_password"] is True


async def test_nobody_resets_their_own_password_or_deactivates_themselves(client, world):
    """A reset answers with a new password and needs no current one: on one's own account it
    would turn a stolen access token into the account. The secretary's session goes on."""
    headers = await login(client, "secretary_a")
    me = (await client.get("/api/v1/me", headers=headers)).json()
    own = me["member"]["id"]
    reset = await client.post(f"/api/v1/members/{own}/reset-password", headers=headers)
    assert reset.status_code == 409 and reset.json()["code"] == "own_password"
    off = await client.post(
        f"/api/v1/members/{own}/deactivate", headers=headers, json={"reason": "离开"}
    )
    assert off.status_code == 409 and off.json()["code"] == "own_account"
    after = await client.get("/api/v1/me", headers=headers)
    assert after.status_code == 200
    assert after.json()["user"]["must_change_password"] is False
    assert after.json()["member"]["status"] == "active"
    # Other members of the branch are still theirs to reset.
    other = world.members["member_a2"].id
    assert (
        await client.post(f"/api/v1/members/{other}/reset-password", headers=headers)
    ).status_code == 200


async def test_role_assignment_on_branch_only(client, world):
    headers = await login(client, "admin")
    user_id = world.users["member_a"].id
    r = await client.post(
        "/api/v1/role-assignments",
        headers=headers,
        json={"user_id": user_id, "role": "reviewer", "organisation_id": world.committee.id},
    )
    assert r.status_code == 409 and r.json()["code"] == "not_a_branch"
    r = await client.post(
        "/api/v1/role-assignments",
        headers=headers,
        json={"user_id": user_id, "role": "reviewer", "organisation_id": world.branch_a.id},
    )
    assert r.status_code == 201
    me = await client.get("/api/v1/me", headers=await login(client, "member_a"))
    assert {r["role"] for r in me.json()["roles"]} == {"member", "reviewer"}
    r2 = await client.delete(f"/api/v1/role-assignments/{r.json()['id']}", headers=headers)
    assert r2.status_code == 204


async def test_role_assignments_are_paginated_by_id(client, world, session):
    branch_a, committee = world.branch_a.id, world.committee.id
    rows = await session.execute(
        select(RoleAssignment.id)
        .where(RoleAssignment.organisation_id == branch_a)
        .order_by(RoleAssignment.id)
    )
    expected = rows.scalars().all()
    await session.rollback()  # end the read before the API writes (SQLite locks)
    admin = await login(client, "admin")
    url = f"/api/v1/organisations/{branch_a}/role-assignments"
    whole = (await client.get(url, headers=admin)).json()
    assert [r["id"] for r in whole["items"]] == list(expected)
    assert whole["total"] == len(expected) == 7 and whole["page"] == 1
    pages = [
        (await client.get(url, headers=admin, params={"page": n, "page_size": 3})).json()
        for n in (1, 2, 3)
    ]
    assert [p["total"] for p in pages] == [7, 7, 7]
    assert [len(p["items"]) for p in pages] == [3, 3, 1]
    assert [r["id"] for p in pages for r in p["items"]] == list(expected)
    # The committee's list covers its branches below it.
    r = await client.get(f"/api/v1/organisations/{committee}/role-assignments", headers=admin)
    assert r.json()["total"] == 7 + 3 + 1  # branch A, branch B, the committee's admin
    r = await client.get(url, headers=await login(client, "other_admin"))
    assert r.status_code == 403
