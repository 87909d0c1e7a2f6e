"""Issue 13: signing keys, trusted proxies, the throttle keyed by account, password rules,
token versions, caching, /metrics and the same-origin check."""

import asyncio
import stat
import threading
from datetime import timedelta

import pytest
from jose import jwt

from app import clock, security
from app.auth.passwords import WeakPassword, check_password_strength
from app.config import Settings, load_or_create_secret_key, settings
from tests.auth.test_tokens import _claims
from tests.factories import PASSWORD, login
from tests.helpers import set_now

PUBLISHED_KEY = "dev-only-secret-change-me-0123456789abcdef"  # the key the source once held


async def _login(client, username: str, password: str = PASSWORD, **kw):
    return await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, **kw
    )


# 1. Keys


async def test_a_token_signed_with_the_once_published_key_is_refused(client, world):
    forged = jwt.encode(_claims(world.users["admin"].id), PUBLISHED_KEY, algorithm="HS256")
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


def test_the_published_key_is_refused_when_configured():
    with pytest.raises(ValueError, match="published"):
        Settings(secret_key=PUBLISHED_KEY)
    with pytest.raises(ValueError, match="at least 32"):
        Settings(secret_key="short")


def test_without_a_configured_key_one_is_made_private_and_kept(tmp_path):
    first = Settings(secret_key="", data_dir=tmp_path).secret_key
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32 and key_file.read_text().strip() == first
    # A restart reads the same key (sessions survive); another installation gets its own.
    assert Settings(secret_key="", data_dir=tmp_path).secret_key == first
    assert Settings(secret_key="", data_dir=tmp_path / "other").secret_key != first


def test_processes_starting_together_agree_on_one_key(tmp_path):
    keys: list[str] = []
    threads = [
        threading.Thread(target=lambda: keys.append(load_or_create_secret_key(tmp_path)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


# 1. The demo accounts on a public address


def test_serving_the_demo_on_a_public_address_needs_the_flag(monkeypatch, caplog):
    from typer.testing import CliRunner

    from app import cli

    served: list[str] = []
    monkeypatch.setattr(settings, "host", "0.0.0.0")
    monkeypatch.setattr(settings, "allow_public_demo", False)
    monkeypatch.setattr(cli, "_migrate", lambda: None)

    async def loaded() -> bool:
        return True

    monkeypatch.setattr(cli, "_load_demo_if_empty", loaded)
    monkeypatch.setattr(cli, "_holds_demo_accounts", loaded)
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: served.append(kw["host"]))
    runner = CliRunner()
    refused = runner.invoke(cli.cli, ["serve", "--demo"])
    assert refused.exit_code == 2 and served == []
    # Demo data already in the database counts as well, --demo or not.
    assert runner.invoke(cli.cli, ["serve"]).exit_code == 2 and served == []
    with caplog.at_level("WARNING", logger="app.cli"):
        allowed = runner.invoke(cli.cli, ["serve", "--demo", "--allow-public-demo"])
    assert allowed.exit_code == 0, allowed.output
    assert served == ["0.0.0.0"] and "published" in caplog.text
    monkeypatch.setattr(settings, "host", "127.0.0.1")
    assert runner.invoke(cli.cli, ["serve", "--demo"]).exit_code == 0


async def test_loading_the_demo_into_a_full_database_leaves_no_connection_behind(
    world, monkeypatch
):
    """serve --demo on a database with data checks it on an event loop of its own, then
    uvicorn serves on another: a pooled connection of the first broke ("Event loop is
    closed") on the second."""
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from app import cli, db
    from tests.conftest import TEST_DATABASE_URL

    engine = db.make_engine(TEST_DATABASE_URL)
    monkeypatch.setattr(db, "engine", engine)
    monkeypatch.setattr(
        db,
        "SessionFactory",
        async_sessionmaker(engine, expire_on_commit=False, class_=AsyncSession),
    )
    try:
        loaded = await asyncio.to_thread(asyncio.run, cli._load_demo_if_empty())
        assert loaded is False
        assert engine.pool.checkedin() == 0, "a connection of a finished event loop is pooled"
    finally:
        await engine.dispose()


# 4. Trusted proxies


async def test_a_made_up_forwarded_for_does_not_move_the_throttled_address(
    client, world, monkeypatch
):
    monkeypatch.setattr(settings, "forwarded_allow_ips", "127.0.0.1")  # not the test client
    monkeypatch.setattr(settings, "login_max_failures_per_address", 3)
    for i in range(3):
        r = await _login(client, f"guess{i}", "bad", headers={"X-Forwarded-For": f"198.51.100.{i}"})
        assert r.status_code == 401
    r = await _login(client, "admin", headers={"X-Forwarded-For": "198.51.100.99"})
    assert r.status_code == 429, "the address throttled is the peer's, not the header's"


async def test_a_trusted_proxy_forwards_the_client_address(client, world, monkeypatch):
    monkeypatch.setattr(settings, "forwarded_allow_ips", "203.0.113.0/24")  # the test client
    monkeypatch.setattr(settings, "login_max_failures_per_address", 3)
    for i in range(3):
        r = await _login(client, f"guess{i}", "bad", headers={"X-Forwarded-For": "198.51.100.1"})
        assert r.status_code == 401
    other = await _login(client, "admin", headers={"X-Forwarded-For": "198.51.100.2"})
    assert other.status_code == 200
    same = await _login(client, "admin", headers={"X-Forwarded-For": "198.51.100.1"})
    assert same.status_code == 429


# 5. Hashing off the loop; client credentials throttled


def test_passwords_are_hashed_at_full_strength_outside_the_test_suite(monkeypatch):
    """Only ENVIRONMENT=test hashes with argon2's smallest parameters; the app's own
    environments keep 64 MiB, three passes and four lanes."""
    for environment in ("development", "production"):
        monkeypatch.setattr(settings, "environment", environment)
        hashed = security._argon2id().hash("correct-horse-9")
        assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    monkeypatch.setattr(settings, "environment", "test")
    assert security._argon2id().hash("correct-horse-9").startswith("$argon2id$v=19$m=8,t=1,p=1$")


async def test_password_hashing_runs_on_the_bounded_hashing_threads(monkeypatch):
    """argon2 runs on the few threads of the hashing pool, never on the event loop's."""
    seen: list[str] = []
    real_hash, real_verify = security.hash_password, security.verify_password

    def hashing(password: str) -> str:
        seen.append(threading.current_thread().name)
        return real_hash(password)

    def verifying(password: str, password_hash: str | None) -> bool:
        seen.append(threading.current_thread().name)
        return real_verify(password, password_hash)

    monkeypatch.setattr(security, "hash_password", hashing)
    monkeypatch.setattr(security, "verify_password", verifying)
    loop_thread = threading.current_thread().name
    hashed = await security.hash_password_async("x" * 12)
    assert await security.verify_password_async("x" * 12, hashed)
    assert not await security.verify_password_async("x" * 12, None)  # unknown: still hashed
    assert len(seen) == 3 and loop_thread not in seen
    assert all(name.startswith("password-hash") for name in seen)
    assert security._hash_pool._max_workers == settings.password_hash_threads


async def test_an_unknown_user_costs_a_hash_too(monkeypatch):
    calls: list[str | None] = []
    real = security.verify_password

    def counting(password: str, password_hash: str | None) -> bool:
        calls.append(password_hash)
        return real(password, password_hash)

    monkeypatch.setattr(security, "verify_password", counting)
    assert await security.verify_password_async("guess", None) is False
    assert calls == [None]


async def _service_account(client, world) -> dict:
    admin = await login(client, "admin")
    created = await client.post(
        "/api/v1/service-accounts",
        headers=admin,
        json={"name": "人事系统", "organisation_id": world.committee.id, "scopes": ["orgs:read"]},
    )
    assert created.status_code == 201
    return created.json()


async def test_client_credentials_are_throttled_per_client(client, world):
    sa = await _service_account(client, world)

    async def token(secret: str):
        return await client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": sa["client_id"],
                "client_secret": secret,
            },
        )

    for _ in range(settings.login_max_failures_per_account):
        assert (await token("wrong-secret")).status_code == 401
    locked = await token(sa["client_secret"])
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0


async def test_client_credentials_are_throttled_per_address(client, world, monkeypatch):
    monkeypatch.setattr(settings, "login_max_failures_per_address", 3)
    sa = await _service_account(client, world)
    for i in range(3):
        r = await client.post(
            "/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": f"c{i}", "client_secret": "x"},
        )
        assert r.status_code == 401
    r = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sa["client_id"],
            "client_secret": sa["client_secret"],
        },
    )
    assert r.status_code == 429


# 8. The lock belongs to the account


async def test_a_locked_account_stays_locked_under_its_phone_number(client, world):
    for _ in range(settings.login_max_failures_per_account):
        assert (await _login(client, "member_a", "wrong-pass")).status_code == 401
    by_phone = await _login(client, "13800138000")
    assert by_phone.status_code == 429
    assert "minute" in by_phone.json()["detail"] and "second" not in by_phone.json()["detail"]


def _move_clock(monkeypatch) -> list[float]:
    """A clock the test moves on by adding seconds to the returned list's one item."""
    from datetime import timedelta

    from app import clock

    base = clock.now()
    offset = [0.0]
    monkeypatch.setattr(clock, "now", lambda: base + timedelta(seconds=offset[0]))
    return offset


async def test_account_waits_grow_and_are_capped(client, world, monkeypatch):
    monkeypatch.setattr(settings, "login_max_failures_per_account_and_address", 100)
    offset = _move_clock(monkeypatch)
    waits = []
    for _ in range(settings.login_max_failures_per_account - 1):
        assert (await _login(client, "member_b", "wrong-pass")).status_code == 401
    for _ in range(6):
        assert (await _login(client, "member_b", "wrong-pass")).status_code == 401
        refused = await _login(client, "member_b")
        assert refused.status_code == 429
        waits.append(int(refused.headers["retry-after"]))
        offset[0] += waits[-1] + 1  # wait it out, then fail again
    assert waits == sorted(waits) and waits[1] > waits[0]
    assert max(waits) <= settings.login_account_max_delay_seconds + 1
    # After the wait the member signs in.
    assert (await _login(client, "member_b")).status_code == 200


async def test_a_stranger_cannot_keep_a_member_out(client, world, monkeypatch):
    """Past a number of failures on one account, an address is locked out of that account and
    its tries no longer renew the account's wait: the member gets in from elsewhere."""
    import httpx

    from app.main import app

    offset = _move_clock(monkeypatch)
    failures = 0
    while failures < settings.login_max_failures_per_account_and_address:
        r = await _login(client, "member_b", "wrong-pass")
        if r.status_code == 429:
            offset[0] += int(r.headers["retry-after"]) + 1
            continue
        failures += 1
    offset[0] += settings.login_account_max_delay_seconds + 1
    for _ in range(3):  # the stranger keeps trying: refused, and nothing is prolonged
        assert (await _login(client, "member_b", "wrong-pass")).status_code == 429
    transport = httpx.ASGITransport(app=app, client=("198.51.100.5", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as phone:
        assert (await _login(phone, "member_b")).status_code == 200


# 10. Password rules, the throttle on /auth/password, token versions


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678", "common"),
        ("aaaaaaaa", "common"),
        ("zzzzzzzzzz", "repetitive"),
        ("abcabcabcabc", "repetitive"),
        ("98765432", "repetitive"),
        ("19861010", "common"),
        ("password123!", "common"),
        ("member_a", "personal"),
        ("member_a-2026", "personal"),
        ("my13800138000", "personal"),
        ("short", "too_short"),
    ],
)
def test_weak_passwords_are_refused(password, reason):
    with pytest.raises(WeakPassword) as refused:
        check_password_strength(password, user_words=["member_a", "13800138000", "王小明"])
    assert refused.value.extra["reason"] == reason


def test_a_strong_password_passes():
    check_password_strength("correct-horse-9", user_words=["member_a", "13800138000"])
    check_password_strength("紅旗飄飄-2026!", user_words=["member_a"])


@pytest.mark.parametrize("weak", ["12345678", "aaaaaaaa", "newcomer", "newcomer1"])
async def test_a_weak_new_password_is_refused_at_first_sign_in(client, world, weak):
    headers = await login(client, "newcomer")
    r = await client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": weak},
    )
    assert r.status_code == 400 and r.json()["code"] == "weak_password", r.text


async def test_guessing_the_current_password_is_throttled(client, world):
    headers = await login(client, "member_a")
    for _ in range(settings.login_max_failures_per_account):
        r = await client.post(
            "/api/v1/auth/password",
            headers=headers,
            json={"current_password": "a-guess-123", "new_password": "brand-new-99"},
        )
        assert r.status_code == 400 and r.json()["code"] == "wrong_password"
    r = await client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "brand-new-99"},
    )
    assert r.status_code == 429 and r.headers["retry-after"]
    # The guesses count against the account: sign-in waits as well.
    assert (await _login(client, "member_a")).status_code == 429


async def test_a_password_change_ends_access_tokens_issued_before(client, world):
    other_device = await login(client, "member_a")
    headers = await login(client, "member_a")
    r = await client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "brand-new-99"},
    )
    assert r.status_code == 204
    for stale in (other_device, headers):
        refused = await client.get("/api/v1/me", headers=stale)
        assert refused.status_code == 401 and refused.json()["code"] == "invalid_token"
    # This device continues with the refresh cookie the change set.
    fresh = await client.post("/api/v1/auth/refresh")
    assert fresh.status_code == 200
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {fresh.json()['access_token']}"}
    )
    assert me.status_code == 200


async def test_sign_out_ends_the_access_token(client, world):
    headers = await login(client, "member_a")
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_a_reused_refresh_token_ends_the_access_tokens_too(client, world, monkeypatch):
    await login(client, "admin")
    stolen = client.cookies.get("vp_refresh")
    rotated = await client.post("/api/v1/auth/refresh")
    assert rotated.status_code == 200
    thief = {"Authorization": f"Bearer {rotated.json()['access_token']}"}
    # Past the grace for concurrent tabs (test_refresh_grace.py): this is reuse.
    set_now(monkeypatch, clock.now() + timedelta(seconds=settings.refresh_grace_seconds + 1))
    client.cookies.set("vp_refresh", stolen, path="/api/v1/auth")
    assert (await client.post("/api/v1/auth/refresh")).status_code == 401
    assert (await client.get("/api/v1/me", headers=thief)).status_code == 401


async def test_revoke_sessions_ends_every_token_of_the_user(client, world, session):
    from app.auth.service import revoke_sessions
    from app.models import User

    headers = await login(client, "member_a")
    refresh = client.cookies.get("vp_refresh")
    user = await session.get(User, world.users["member_a"].id)
    await revoke_sessions(session, user)
    await session.commit()
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    client.cookies.set("vp_refresh", refresh, path="/api/v1/auth")
    assert (await client.post("/api/v1/auth/refresh")).status_code == 401


# Info items


async def test_answers_with_tokens_are_not_cached(client, world):
    r = await _login(client, "admin")
    assert r.headers["cache-control"] == "no-store"
    assert (await client.post("/api/v1/auth/refresh")).headers["cache-control"] == "no-store"
    secretary = await login(client, "secretary_a")
    reset = await client.post(
        f"/api/v1/members/{world.members['member_a'].id}/reset-password", headers=secretary
    )
    assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"


async def test_metrics_are_not_public(client, monkeypatch):
    monkeypatch.setattr(settings, "metrics_token", "")
    assert (await client.get("/metrics")).status_code == 404
    monkeypatch.setattr(settings, "metrics_token", "a-long-metrics-token")
    assert (await client.get("/metrics")).status_code == 401
    wrong = {"Authorization": "Bearer another-token"}
    assert (await client.get("/metrics", headers=wrong)).status_code == 401
    right = {"Authorization": "Bearer a-long-metrics-token"}
    ok = await client.get("/metrics", headers=right)
    assert ok.status_code == 200 and "http_requests" in ok.text


async def test_cookie_endpoints_refuse_another_sites_origin(client, world, monkeypatch):
    await login(client, "admin")
    evil = {"Origin": "https://evil.example"}
    for path in ("/api/v1/auth/refresh", "/api/v1/auth/logout"):
        r = await client.post(path, headers=evil)
        assert r.status_code == 403 and r.json()["code"] == "cross_origin"
    assert (
        await client.post("/api/v1/auth/refresh", headers={"Origin": "null"})
    ).status_code == 403
    own = await client.post("/api/v1/auth/refresh", headers={"Origin": "https://testserver"})
    assert own.status_code == 200
    monkeypatch.setattr(settings, "allowed_origins", "https://app.example.org")
    listed = await client.post(
        "/api/v1/auth/refresh", headers={"Origin": "https://app.example.org"}
    )
    assert listed.status_code == 200
    # No Origin at all: not a browser's cross-site call.
    assert (await client.post("/api/v1/auth/refresh")).status_code == 200
