"""Member-management writes never reach an account holding a role the caller does not hold over
the same organisation; service accounts never reset passwords; sign-in names are one namespace."""

import pytest

from tests.factories import PASSWORD, World, login, make_org, make_user
from tests.helpers import service_account_headers


@pytest.fixture
async def tree(world: World, session) -> dict[str, int]:
    """Below the committee: a general branch with two branches and its own org admin; an org
    admin of the committee ("boss") and a second secretary whose member records sit in branches."""
    general = await make_org(session, "机关党总支", "general_branch", world.committee)
    g1 = await make_org(session, "机关第一党支部", "branch", general)
    g2 = await make_org(session, "机关第二党支部", "branch", general)
    await make_user(session, "sub_admin", roles=[("org_admin", general)])
    boss, boss_member = await make_user(
        session, "boss", branch=g1, roles=[("org_admin", world.committee)]
    )
    _, boss_a = await make_user(
        session, "boss_a", branch=world.branch_a, roles=[("org_admin", world.committee)]
    )
    _, fellow = await make_user(
        session, "secretary_a2", branch=world.branch_a, roles=[("secretary", world.branch_a)]
    )
    _, plain_g1 = await make_user(session, "plain_g1", branch=g1)
    ids = {
        "g1": g1.id,
        "g2": g2.id,
        "boss_user": boss.id,
        "boss": boss_member.id,
        "boss_a": boss_a.id,
        "fellow": fellow.id,
        "plain_g1": plain_g1.id,
    }
    await session.commit()
    return ids  # type: ignore[return-value]


async def _signs_in_with_old_password(client, username: str) -> bool:
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    return r.status_code == 200


def _outranked(response) -> bool:
    return response.status_code == 403 and response.json()["code"] == "target_outranks_you"


async def test_secretary_cannot_reset_an_org_admins_password(client, world, tree):
    headers = await login(client, "secretary_a")
    r = await client.post(f"/api/v1/members/{tree['boss_a']}/reset-password", headers=headers)
    assert _outranked(r), r.text
    assert await _signs_in_with_old_password(client, "boss_a")


async def test_secretary_cannot_edit_or_deactivate_an_org_admin_of_their_branch(
    client, world, tree
):
    headers = await login(client, "secretary_a")
    target = tree["boss_a"]
    assert _outranked(
        await client.patch(f"/api/v1/members/{target}", headers=headers, json={"phone": "1360001"})
    )
    assert _outranked(
        await client.post(
            f"/api/v1/members/{target}/deactivate", headers=headers, json={"reason": "x"}
        )
    )
    assert await _signs_in_with_old_password(client, "boss_a")


async def test_secretary_cannot_manage_a_fellow_secretary(client, world, tree):
    headers = await login(client, "secretary_a")
    target = tree["fellow"]
    assert _outranked(
        await client.post(f"/api/v1/members/{target}/reset-password", headers=headers)
    )
    assert _outranked(
        await client.post(
            f"/api/v1/members/{target}/deactivate", headers=headers, json={"reason": "x"}
        )
    )
    # A reviewer of the branch is still theirs to manage.
    reviewer = world.members["reviewer_a"].id
    r = await client.post(f"/api/v1/members/{reviewer}/reset-password", headers=headers)
    assert r.status_code == 200, r.text


async def test_org_admin_cannot_take_over_an_admin_above_it(client, world, tree):
    """sub_admin administers the general branch where boss's member record sits; boss is org
    admin of the committee above."""
    headers = await login(client, "sub_admin")
    boss = tree["boss"]
    assert _outranked(await client.post(f"/api/v1/members/{boss}/reset-password", headers=headers))
    assert _outranked(
        await client.patch(f"/api/v1/members/{boss}", headers=headers, json={"name": "改名"})
    )
    assert _outranked(
        await client.post(
            f"/api/v1/members/{boss}/deactivate", headers=headers, json={"reason": "x"}
        )
    )
    assert _outranked(
        await client.post(
            f"/api/v1/members/{boss}/transfer",
            headers=headers,
            json={"to_branch_id": tree["g2"], "reason": "调动"},
        )
    )
    assert _outranked(
        await client.post(
            "/api/v1/role-assignments",
            headers=headers,
            json={"user_id": tree["boss_user"], "role": "reviewer", "organisation_id": tree["g1"]},
        )
    )
    # The member role of boss on g1 lies in sub_admin's subtree; boss still outranks them.
    roles = await client.get(
        f"/api/v1/organisations/{tree['g1']}/role-assignments", headers=headers
    )
    boss_member_role = next(r for r in roles.json()["items"] if r["user_id"] == tree["boss_user"])
    assert _outranked(
        await client.delete(f"/api/v1/role-assignments/{boss_member_role['id']}", headers=headers)
    )
    assert await _signs_in_with_old_password(client, "boss")
    # A plain member of the subtree is still sub_admin's to manage.
    plain = tree["plain_g1"]
    r = await client.post(f"/api/v1/members/{plain}/reset-password", headers=headers)
    assert r.status_code == 200, r.text


async def test_org_admin_cannot_reactivate_an_admin_above_it(client, world, tree):
    root = await login(client, "root")
    boss = tree["boss"]
    off = await client.post(
        f"/api/v1/members/{boss}/deactivate", headers=root, json={"reason": "x"}
    )
    assert off.status_code == 200, off.text
    headers = await login(client, "sub_admin")
    assert _outranked(
        await client.post(
            f"/api/v1/members/{boss}/reactivate", headers=headers, json={"reason": "x"}
        )
    )


async def test_service_account_never_resets_a_password(client, world, tree):
    admin = await login(client, "admin")
    robot = await service_account_headers(client, admin, world.committee.id, "members:write")
    for name in ("secretary_a", "member_a"):
        r = await client.post(
            f"/api/v1/members/{world.members[name].id}/reset-password", headers=robot
        )
        assert r.status_code == 403 and r.json()["code"] == "users_only", r.text
        assert "initial_password" not in r.text
        assert await _signs_in_with_old_password(client, name)


async def test_service_account_manages_plain_members_only(client, world, tree):
    admin = await login(client, "admin")
    robot = await service_account_headers(client, admin, world.committee.id, "members:write")
    secretary = world.members["secretary_a"].id
    assert _outranked(
        await client.patch(f"/api/v1/members/{secretary}", headers=robot, json={"name": "x"})
    )
    assert _outranked(
        await client.post(
            f"/api/v1/members/{secretary}/deactivate", headers=robot, json={"reason": "x"}
        )
    )
    plain = world.members["member_a"].id
    r = await client.patch(f"/api/v1/members/{plain}", headers=robot, json={"name": "张三"})
    assert r.status_code == 200, r.text


NEW = {"name": "赵六", "category": "new_org", "joined_on": "2018-07-01"}


async def test_a_login_name_cannot_be_another_members_phone(client, world):
    headers = await login(client, "secretary_a")
    body = {**NEW, "phone": "13912345678", "branch_id": world.branch_a.id}
    r = await client.post(
        "/api/v1/members", headers=headers, json={**body, "username": "13800138000"}
    )
    assert r.status_code == 409 and r.json()["code"] == "identifier_taken", r.text
    r = await client.post("/api/v1/members", headers=headers, json={**body, "username": "MEMBER_A"})
    assert r.status_code == 409 and r.json()["code"] == "identifier_taken", r.text
    # Sign-in by that phone still finds its member.
    by_phone = await login(client, "13800138000")
    me = await client.get("/api/v1/me", headers=by_phone)
    assert me.json()["user"]["username"] == "member_a"


async def test_a_phone_cannot_be_another_users_login_name(client, world):
    headers = await login(client, "secretary_a")
    first = await client.post(
        "/api/v1/members",
        headers=headers,
        json={
            **NEW,
            "phone": "13912345678",
            "username": "13700000009",
            "branch_id": world.branch_a.id,
        },
    )
    assert first.status_code == 201, first.text
    second = await client.post(
        "/api/v1/members",
        headers=headers,
        json={**NEW, "name": "钱七", "phone": "13700000009", "branch_id": world.branch_a.id},
    )
    assert second.status_code == 409 and second.json()["code"] == "identifier_taken"
    edit = await client.patch(
        f"/api/v1/members/{world.members['member_a2'].id}",
        headers=headers,
        json={"phone": "13700000009"},
    )
    assert edit.status_code == 409 and edit.json()["code"] == "identifier_taken"


async def test_a_member_keeps_their_own_phone_and_login_name_on_edit(client, world):
    headers = await login(client, "secretary_a")
    created = await client.post(
        "/api/v1/members",
        headers=headers,
        json={**NEW, "phone": "13912345678", "branch_id": world.branch_a.id},
    )
    assert created.json()["account"]["username"] == "13912345678"
    member_id = created.json()["id"]
    same = await client.patch(
        f"/api/v1/members/{member_id}", headers=headers, json={"phone": "13912345678"}
    )
    assert same.status_code == 200, same.text


async def _signed_in(client, username: str) -> tuple[dict[str, str], str]:
    """The access header and refresh token of a fresh sign-in."""
    headers = await login(client, username)
    return headers, client.cookies.get("vp_refresh")


async def _refresh_with(client, token: str) -> int:
    client.cookies.clear()
    client.cookies.set("vp_refresh", token, path="/api/v1/auth")
    return (await client.post("/api/v1/auth/refresh")).status_code


async def test_a_password_reset_ends_the_accounts_refresh_tokens(client, world):
    _, refresh = await _signed_in(client, "member_a2")
    secretary = await login(client, "secretary_a")
    target = world.members["member_a2"].id
    r = await client.post(f"/api/v1/members/{target}/reset-password", headers=secretary)
    assert r.status_code == 200
    assert await _refresh_with(client, refresh) == 401


async def test_a_password_reset_ends_the_accounts_access_tokens(client, world):
    access, _ = await _signed_in(client, "member_a2")
    secretary = await login(client, "secretary_a")
    target = world.members["member_a2"].id
    r = await client.post(f"/api/v1/members/{target}/reset-password", headers=secretary)
    assert r.status_code == 200
    assert (await client.get("/api/v1/me", headers=access)).status_code == 401


async def test_deactivation_ends_the_accounts_sessions(client, world):
    access, refresh = await _signed_in(client, "member_a2")
    secretary = await login(client, "secretary_a")
    target = world.members["member_a2"].id
    r = await client.post(
        f"/api/v1/members/{target}/deactivate", headers=secretary, json={"reason": "去世"}
    )
    assert r.status_code == 200
    assert (await client.get("/api/v1/me", headers=access)).status_code == 401
    assert await _refresh_with(client, refresh) == 401
