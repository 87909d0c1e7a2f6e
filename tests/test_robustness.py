"""Bad input gets a 4xx problem+json, never a 500; headers and health endpoints."""

import pytest

from app.config import settings
from tests.factories import login


async def test_nul_byte_in_body_is_422(client, world):
    headers = await login(client, "secretary_a")
    r = await client.post(
        "/api/v1/members",
        headers=headers,
        json={
            "name": "张\x00三",
            "phone": "13700000001",
            "branch_id": world.branch_a.id,
            "category": "institution",
            "joined_on": "2010-07-01",
        },
    )
    assert r.status_code == 422
    r = await client.post("/api/v1/auth/login", json={"username": "a\x00", "password": "x"})
    assert r.status_code == 422


async def test_nul_byte_in_query_is_400(client, world):
    headers = await login(client, "admin")
    r = await client.get("/api/v1/members?q=%00abc", headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "nul_byte"


@pytest.mark.parametrize("value", [2**64, 2**63, -(2**70), 2**31])
async def test_integers_beyond_range_are_422(client, world, value):
    headers = await login(client, "admin")
    r = await client.get(f"/api/v1/members/{value}", headers=headers)
    assert r.status_code == 422
    r = await client.post(
        "/api/v1/members",
        headers=headers,
        json={
            "name": "张三",
            "phone": "13700000001",
            "branch_id": value,
            "category": "institution",
            "joined_on": "2010-07-01",
        },
    )
    assert r.status_code == 422


async def test_ten_megabyte_body_is_413(client, world):
    r = await client.post(
        "/api/v1/auth/login",
        content=b"x" * (10 * 1024 * 1024),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


async def test_streamed_oversized_body_is_413(client, world):
    async def chunks():
        for _ in range(12):
            yield b"a" * (1024 * 1024)

    r = await client.post(
        "/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413


async def test_wrong_content_type_is_4xx(client, world):
    r = await client.post(
        "/api/v1/auth/login",
        content=b"username=a&password=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"] == "application/problem+json"


async def test_malformed_json_is_422(client, world):
    r = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422


async def test_unknown_fields_are_refused(client, world):
    headers = await login(client, "admin")
    r = await client.patch(
        f"/api/v1/members/{world.members['member_a'].id}",
        headers=headers,
        json={"branch_id": world.branch_b.id},
    )
    assert r.status_code == 422


async def test_unknown_api_path_is_problem_404(client):
    r = await client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


async def test_security_headers_on_every_response(client):
    for path in ("/healthz", "/api/v1/nothing-here", "/"):
        r = await client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


async def test_health_ready_openapi_docs_metrics(client, monkeypatch):
    monkeypatch.setattr(settings, "metrics_token", "metrics-token-for-tests")
    metrics = {"Authorization": "Bearer metrics-token-for-tests"}
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ok"}
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert "/api/v1/auth/login" in spec["paths"]
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "/docs/static/swagger-ui-bundle.js" in docs.text
    assert (await client.get("/docs/static/swagger-ui-bundle.js")).status_code == 200
    assert "http_requests" in (await client.get("/metrics", headers=metrics)).text


async def test_metrics_label_requests_with_their_route_template(client, world, monkeypatch):
    """Route names are remembered per path: the same template as before, never a raw path."""
    from tests.factories import login

    monkeypatch.setattr(settings, "metrics_token", "metrics-token-for-tests")

    headers = await login(client, "member_a")
    for claim_id in (987654, 987655, 987654):
        await client.get(f"/api/v1/claims/{claim_id}", headers=headers)
    metrics = {"Authorization": "Bearer metrics-token-for-tests"}
    text = (await client.get("/metrics", headers=metrics)).text
    assert 'handler="/api/v1/claims/{claim_id}"' in text
    assert "987654" not in text and "987655" not in text


async def test_no_free_database_connection_is_a_503_not_a_500(client, world, monkeypatch):
    """Every pooled connection busy past DATABASE_POOL_TIMEOUT: overload, answered as such."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from app import db
    from tests.conftest import TEST_DATABASE_URL

    member = await login(client, "member_a")
    tiny = db.make_engine(TEST_DATABASE_URL, pool_size=1, max_overflow=0, pool_timeout=0.2)
    monkeypatch.setattr(
        db, "SessionFactory", async_sessionmaker(tiny, expire_on_commit=False, class_=AsyncSession)
    )
    try:
        async with tiny.connect() as busy:  # the pool's one connection, in use
            await busy.execute(text("SELECT 1"))
            response = await client.get("/api/v1/me", headers=member)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "database_busy"
        assert response.headers["retry-after"] == "2"
        again = await client.get("/api/v1/me", headers=member)  # freed: answered again
        assert again.status_code == 200, again.text
    finally:
        await tiny.dispose()


def test_no_route_loads_the_caller_twice():
    """current_principal and current_principal_any each load the caller (a query); a route
    that depended on both would load it twice."""
    from fastapi.routing import APIRoute

    from app.deps import current_principal, current_principal_any
    from app.main import app

    def calls(dependant) -> set:
        found = {dependant.call}
        for sub in dependant.dependencies:
            found |= calls(sub)
        return found

    def api_routes(routes) -> list[APIRoute]:
        found = []
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            elif (included := getattr(route, "original_router", None)) is not None:
                found += api_routes(included.routes)  # FastAPI keeps included routers whole
        return found

    routes = api_routes(app.routes)
    assert len(routes) > 40
    both = [
        r.path for r in routes if {current_principal, current_principal_any} <= calls(r.dependant)
    ]
    assert both == []
