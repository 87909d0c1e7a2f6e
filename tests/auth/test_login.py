"""Sign-in, the throttle, and the first-login password change."""

import pytest

from app.auth.throttle import DatabaseThrottle, RedisThrottle
from app.config import settings
from tests.factories import PASSWORD, login


async def test_login_succeeds_and_sets_refresh_cookie(client, world):
    r = await client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    assert body["must_change_password"] is False
    cookie = r.headers["set-cookie"].lower()
    for attribute in ("httponly", "secure", "samesite=strict", "path=/api/v1/auth"):
        assert attribute in cookie


async def test_login_by_phone_number(client, world):
    r = await client.post(
        "/api/v1/auth/login", json={"username": "13800138000", "password": PASSWORD}
    )
    assert r.status_code == 200


async def test_wrong_password_and_unknown_user_get_the_same_answer(client, world):
    wrong = await client.post("/api/v1/auth/login", json={"username": "admin", "password": "x"})
    unknown = await client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["code"] == unknown.json()["code"] == "invalid_credentials"


async def test_a_deactivated_account_does_not_reveal_its_password(client, world):
    """The right password and a wrong one get the same 401: a deactivated account is no
    oracle for the password it had."""
    headers = await login(client, "secretary_a")
    member_id = world.members["member_a"].id
    r = await client.post(
        f"/api/v1/members/{member_id}/deactivate", headers=headers, json={"reason": "迁出"}
    )
    assert r.status_code == 200
    right = await client.post(
        "/api/v1/auth/login", json={"username": "member_a", "password": PASSWORD}
    )
    wrong = await client.post(
        "/api/v1/auth/login", json={"username": "member_a", "password": "not-the-password"}
    )
    assert right.status_code == wrong.status_code == 401
    assert right.json()["code"] == wrong.json()["code"] == "invalid_credentials"
    assert right.json()["detail"] == wrong.json()["detail"]


async def test_repeated_failures_on_one_account_are_throttled(client, world):
    for _ in range(settings.login_max_failures_per_account):
        r = await client.post("/api/v1/auth/login", json={"username": "admin", "password": "bad"})
        assert r.status_code == 401
    r = await client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["code"] == "too_many_attempts"
    assert 0 < int(r.headers["retry-after"]) <= settings.login_lockout_seconds
    # Another account from another address is not affected.
    other = await client.post(
        "/api/v1/auth/login", json={"username": "member_b", "password": PASSWORD}
    )
    assert other.status_code == 200


async def test_repeated_failures_from_one_address_are_throttled(client, world, monkeypatch):
    monkeypatch.setattr(settings, "login_max_failures_per_address", 4)
    for i in range(4):
        r = await client.post(
            "/api/v1/auth/login", json={"username": f"guess{i}", "password": "bad"}
        )
        assert r.status_code == 401
    r = await client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 429


async def test_throttle_counters_are_shared_between_processes(world):
    from app import db

    first = DatabaseThrottle(db.SessionFactory)
    second = DatabaseThrottle(db.SessionFactory)  # as another server process would have
    for _ in range(3):
        await first.fail("acct:shared", limit=3)
    assert await second.locked_for("acct:shared")
    await second.reset("acct:shared")
    assert await first.locked_for("acct:shared") is None


async def test_redis_throttle_locks_after_the_limit():
    import uuid

    store = RedisThrottle("redis://127.0.0.1:6379/15")
    key = f"test:{uuid.uuid4().hex}"
    try:
        for _ in range(2):
            await store.fail(key, limit=3)
        assert await store.locked_for(key) is None
        await store.fail(key, limit=3)
        assert await store.locked_for(key) > 0
    finally:
        await store.reset(key)


async def test_new_account_must_change_password_first(client, world):
    r = await client.post("/api/v1/auth/login", json={"username": "newcomer", "password": PASSWORD})
    assert r.json()["must_change_password"] is True
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json()["user"]["must_change_password"] is True
    blocked = await client.get("/api/v1/organisations", headers=headers)
    assert blocked.status_code == 403 and blocked.json()["code"] == "password_change_required"

    short = await client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert short.status_code == 422
    wrong = await client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": "nope-nope", "new_password": "a-new-pass-1"},
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_password"
    ok = await client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "a-new-pass-1"},
    )
    assert ok.status_code == 204
    # The token from before the change is refused; the new refresh cookie continues the session.
    assert (await client.get("/api/v1/organisations", headers=headers)).status_code == 401
    fresh = await client.post("/api/v1/auth/refresh")
    assert fresh.status_code == 200 and fresh.json()["must_change_password"] is False
    headers = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert (await client.get("/api/v1/organisations", headers=headers)).status_code == 200
    await login(client, "newcomer", "a-new-pass-1")


@pytest.mark.parametrize("body", [{}, {"username": "admin"}, {"username": "", "password": "x"}])
async def test_malformed_login_is_422(client, body):
    r = await client.post("/api/v1/auth/login", json=body)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
