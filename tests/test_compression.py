"""Static files go out gzipped; API answers never are (they sit next to tokens)."""


async def test_static_files_are_gzipped(client):
    response = await client.get(
        "/docs/static/swagger-ui-bundle.js", headers={"Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_api_answers_are_not_compressed(client):
    response = await client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
