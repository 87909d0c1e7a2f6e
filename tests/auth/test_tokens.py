"""Access tokens (expiry, tampering, alg=none, audience, type) and refresh-token rotation."""

import base64
import json
import time
from datetime import timedelta

from jose import jwt

from app import clock, security
from app.config import settings
from app.security import create_access_token
from tests.factories import PASSWORD, login
from tests.helpers import set_now


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(user_id: int, **over) -> dict:
    now = int(time.time())
    return {
        "sub": f"user:{user_id}",
        "typ": "access",
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        **over,
    }


async def _me(client, token: str):
    return await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


async def test_valid_token_is_accepted(client, world):
    token = jwt.encode(_claims(world.users["admin"].id), settings.secret_key, algorithm="HS256")
    assert (await _me(client, token)).status_code == 200


async def test_expired_token_is_refused(client, world):
    claims = _claims(world.users["admin"].id, exp=int(time.time()) - 5)
    token = jwt.encode(claims, settings.secret_key, algorithm="HS256")
    r = await _me(client, token)
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


async def test_tampered_token_is_refused(client, world):
    token, _ = create_access_token(f"user:{world.users['member_a'].id}")
    header, _payload, signature = token.split(".")
    forged = _b64(_claims(world.users["admin"].id))
    assert (await _me(client, f"{header}.{forged}.{signature}")).status_code == 401


async def test_alg_none_token_is_refused(client, world):
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(world.users['admin'].id))}."
    assert (await _me(client, token)).status_code == 401


async def test_token_signed_with_another_key_is_refused(client, world):
    token = jwt.encode(_claims(world.users["admin"].id), "another-key" * 4, algorithm="HS256")
    assert (await _me(client, token)).status_code == 401


async def test_token_for_another_audience_is_refused(client, world):
    token = jwt.encode(
        _claims(world.users["admin"].id, aud="someone-else"), settings.secret_key, algorithm="HS256"
    )
    assert (await _me(client, token)).status_code == 401


async def test_service_token_cannot_pose_as_user_token(client, world):
    token = jwt.encode(
        _claims(world.users["admin"].id, typ="service"), settings.secret_key, algorithm="HS256"
    )
    assert (await _me(client, token)).status_code == 401


async def test_missing_token_is_401(client, world):
    r = await client.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


async def test_refresh_rotates_the_cookie(client, world):
    await login(client, "admin")
    first = client.cookies.get("vp_refresh")
    r = await client.post("/api/v1/auth/refresh")
    assert r.status_code == 200 and r.json()["access_token"]
    second = client.cookies.get("vp_refresh")
    assert second and second != first
    assert (await _me(client, r.json()["access_token"])).status_code == 200


async def test_reused_refresh_token_revokes_the_family(client, world, monkeypatch):
    await login(client, "admin")
    stolen = client.cookies.get("vp_refresh")
    assert (await client.post("/api/v1/auth/refresh")).status_code == 200
    current = client.cookies.get("vp_refresh")
    # Past the grace for concurrent tabs (test_refresh_grace.py): this is reuse.
    set_now(monkeypatch, clock.now() + timedelta(seconds=settings.refresh_grace_seconds + 1))
    client.cookies.set("vp_refresh", stolen, path="/api/v1/auth")
    reuse = await client.post("/api/v1/auth/refresh")
    assert reuse.status_code == 401 and reuse.json()["code"] == "refresh_token_reused"
    client.cookies.clear()
    client.cookies.set("vp_refresh", current, path="/api/v1/auth")
    r = await client.post("/api/v1/auth/refresh")
    assert r.status_code == 401, "the legitimate holder's token must die with the family"


async def test_logout_revokes_the_refresh_token(client, world):
    await login(client, "admin")
    token = client.cookies.get("vp_refresh")
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
    client.cookies.set("vp_refresh", token, path="/api/v1/auth")
    assert (await client.post("/api/v1/auth/refresh")).status_code == 401


async def test_refresh_without_cookie_is_401(client, world):
    r = await client.post("/api/v1/auth/refresh")
    assert r.status_code == 401 and r.json()["code"] == "invalid_refresh_token"


async def test_password_change_signs_out_other_sessions(client, world):
    await login(client, "member_a")
    old_cookie = client.cookies.get("vp_refresh")
    headers = await login(client, "member_a")
    r = await client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "brand-new-99"},
    )
    assert r.status_code == 204
    client.cookies.set("vp_refresh", old_cookie, path="/api/v1/auth")
    assert (await client.post("/api/v1/auth/refresh")).status_code == 401


async def test_service_account_client_credentials(client, world):
    admin = await login(client, "admin")
    created = await client.post(
        "/api/v1/service-accounts",
        headers=admin,
        json={
            "name": "人事系统",
            "organisation_id": world.committee.id,
            "scopes": ["members:read", "orgs:read"],
        },
    )
    assert created.status_code == 201
    sa = created.json()
    r = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sa["client_id"],
            "client_secret": sa["client_secret"],
            "scope": "members:read",
        },
    )
    assert r.status_code == 200 and r.json()["scope"] == "members:read"
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    listed = await client.get("/api/v1/members", headers=headers)
    assert listed.status_code == 200 and listed.json()["total"] >= 5
    # Outside its subtree and outside its scopes it is refused.
    outside = await client.get(
        f"/api/v1/members/{world.members['member_other'].id}", headers=headers
    )
    assert outside.status_code == 403
    write = await client.patch(
        f"/api/v1/members/{world.members['member_a'].id}", headers=headers, json={"name": "改名"}
    )
    assert write.status_code == 403
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 403

    bad = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sa["client_id"],
            "client_secret": "wrong",
        },
    )
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_client"
    scope = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sa["client_id"],
            "client_secret": sa["client_secret"],
            "scope": "members:write",
        },
    )
    assert scope.status_code == 400 and scope.json()["code"] == "invalid_scope"
    off = await client.post(f"/api/v1/service-accounts/{sa['id']}/deactivate", headers=admin)
    assert off.status_code == 200
    assert (await client.get("/api/v1/members", headers=headers)).status_code == 401


async def test_a_verified_token_is_refused_once_it_expires(client, world, monkeypatch):
    """Verified tokens are remembered by the process; their expiry still counts on every use."""
    token = jwt.encode(
        _claims(world.users["admin"].id, exp=int(time.time()) + 60),
        settings.secret_key,
        algorithm="HS256",
    )
    assert (await _me(client, token)).status_code == 200
    later = time.time() + 61
    monkeypatch.setattr(security, "_epoch", lambda: later)
    r = await _me(client, token)
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


async def test_a_verified_token_is_refused_after_the_key_changes(client, world, monkeypatch):
    token = jwt.encode(_claims(world.users["admin"].id), settings.secret_key, algorithm="HS256")
    assert (await _me(client, token)).status_code == 200
    monkeypatch.setattr(settings, "secret_key", "another-key-" + "x" * 40)
    assert (await _me(client, token)).status_code == 401


async def test_a_verified_access_token_is_still_not_a_service_token(client, world):
    """The remembered claims keep their type: an access token never passes as another type."""
    from app.security import TokenError, decode_access_token

    token, _ = create_access_token(f"user:{world.users['admin'].id}")
    assert (await _me(client, token)).status_code == 200
    try:
        decode_access_token(token, token_type="service")
    except TokenError:
        pass
    else:  # pragma: no cover - the assertion below reports it
        raise AssertionError("an access token was accepted as a service token")


async def test_a_deactivated_members_token_stops_working_at_once(client, world):
    """The caller is loaded with every request: an access token still unexpired is refused as
    soon as the account is deactivated, on every endpoint."""
    member = await login(client, "member_a")
    assert (await client.get("/api/v1/claims", headers=member)).status_code == 200
    secretary = await login(client, "secretary_a")
    r = await client.post(
        f"/api/v1/members/{world.members['member_a'].id}/deactivate",
        headers=secretary,
        json={"reason": "迁出"},
    )
    assert r.status_code == 200
    for response in (
        await client.get("/api/v1/claims", headers=member),
        await client.get("/api/v1/me", headers=member),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"
