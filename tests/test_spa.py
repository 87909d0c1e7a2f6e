"""The built app's files: hashed assets cached for good, fixed names (the service worker, the
manifest) revalidated each time, any other path the app shell."""

import httpx
import pytest

from app.config import settings
from app.main import create_app


@pytest.fixture
async def spa(tmp_path, monkeypatch):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>shell</title>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    for name in ("sw.js", "registerSW.js", "manifest.webmanifest"):
        (tmp_path / name).write_text("{}")
    monkeypatch.setattr(settings, "frontend_dist", tmp_path)
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


async def test_hashed_assets_are_cached_for_good(spa):
    r = await spa.get("/assets/index-abc123.js")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("name", ["sw.js", "registerSW.js", "manifest.webmanifest"])
async def test_fixed_names_are_revalidated(spa, name):
    r = await spa.get(f"/{name}")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-cache"


async def test_other_paths_get_the_shell(spa):
    r = await spa.get("/branch/gradings/2")
    assert r.status_code == 200
    assert "shell" in r.text and r.headers["cache-control"] == "no-cache"
