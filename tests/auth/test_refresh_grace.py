"""Several tabs refreshing at once with the same refresh cookie: a concurrent use of a token
rotated moments ago gets the family's current token; a later reuse still revokes the whole
sign-in."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from app.config import settings
from tests.factories import login
from tests.helpers import race_needs_postgres, set_now

REFRESH = "/api/v1/auth/refresh"


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    client.cookies.clear()
    return await client.post(REFRESH, headers={"Cookie": f"vp_refresh={token}"})


def _cookie(response: httpx.Response) -> str:
    value = response.cookies.get("vp_refresh")
    assert value, response.headers
    return value


async def _me(client: httpx.AsyncClient, response: httpx.Response) -> int:
    token = response.json()["access_token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return me.status_code


async def _signed_in(client: httpx.AsyncClient, monkeypatch, at: datetime) -> str:
    set_now(monkeypatch, at)
    await login(client, "member_a")
    token = client.cookies.get("vp_refresh")
    assert token
    return token


async def test_a_concurrent_use_within_the_grace_gets_the_same_successor(
    client, world, monkeypatch
):
    start = datetime.now(UTC)
    first = await _signed_in(client, monkeypatch, start)
    winner = await _refresh(client, first)
    assert winner.status_code == 200
    successor = _cookie(winner)
    assert successor != first

    set_now(monkeypatch, start + timedelta(seconds=1))
    late_tab = await _refresh(client, first)
    assert late_tab.status_code == 200, late_tab.text
    assert _cookie(late_tab) == successor, "the other tab is handed the same successor"
    assert late_tab.json()["access_token"]
    assert await _me(client, late_tab) == 200

    # The sign-in lives on: the successor rotates as usual.
    nxt = await _refresh(client, successor)
    assert nxt.status_code == 200
    assert _cookie(nxt) not in (first, successor)
    assert await _me(client, nxt) == 200


async def test_a_reuse_after_the_grace_revokes_the_family(client, world, monkeypatch):
    start = datetime.now(UTC)
    first = await _signed_in(client, monkeypatch, start)
    successor = _cookie(await _refresh(client, first))

    set_now(monkeypatch, start + timedelta(seconds=settings.refresh_grace_seconds + 1))
    reuse = await _refresh(client, first)
    assert reuse.status_code == 401 and reuse.json()["code"] == "refresh_token_reused"
    holder = await _refresh(client, successor)
    assert holder.status_code == 401, "the successor dies with the family"


async def test_a_tab_behind_two_rotations_within_the_grace_gets_the_current_token(
    client, world, monkeypatch
):
    """Three tabs: the first rotates the cookie, the third opens with the successor and rotates
    it too, and the second tab's request, sent with the first cookie, arrives last."""
    start = datetime.now(UTC)
    first = await _signed_in(client, monkeypatch, start)
    second = _cookie(await _refresh(client, first))
    third = _cookie(await _refresh(client, second))

    set_now(monkeypatch, start + timedelta(seconds=1))
    late_tab = await _refresh(client, first)
    assert late_tab.status_code == 200, late_tab.text
    assert _cookie(late_tab) == third, "the late tab is handed the family's current token"
    assert await _me(client, late_tab) == 200
    assert (await _refresh(client, third)).status_code == 200, "the sign-in lives on"


async def test_a_reuse_of_the_grandparent_after_the_grace_revokes_the_family(
    client, world, monkeypatch
):
    start = datetime.now(UTC)
    first = await _signed_in(client, monkeypatch, start)
    second = _cookie(await _refresh(client, first))
    set_now(monkeypatch, start + timedelta(seconds=settings.refresh_grace_seconds - 1))
    third = _cookie(await _refresh(client, second))

    # Past the grace of the first token's rotation, though within that of the second's.
    set_now(monkeypatch, start + timedelta(seconds=settings.refresh_grace_seconds + 1))
    reuse = await _refresh(client, first)
    assert reuse.status_code == 401 and reuse.json()["code"] == "refresh_token_reused"
    assert (await _refresh(client, third)).status_code == 401
    assert (await _refresh(client, second)).status_code == 401


async def test_the_grace_answer_cannot_outlive_a_sign_out(client, world, monkeypatch):
    """After a sign-out, the just-rotated token gets nothing, not even within the grace."""
    start = datetime.now(UTC)
    first = await _signed_in(client, monkeypatch, start)
    successor = _cookie(await _refresh(client, first))
    client.cookies.clear()
    out = await client.post("/api/v1/auth/logout", headers={"Cookie": f"vp_refresh={successor}"})
    assert out.status_code == 204
    assert (await _refresh(client, first)).status_code == 401


async def test_the_grace_can_be_turned_off(client, world, monkeypatch):
    monkeypatch.setattr(settings, "refresh_grace_seconds", 0)
    start = datetime.now(UTC)
    first = await _signed_in(client, monkeypatch, start)
    successor = _cookie(await _refresh(client, first))
    set_now(monkeypatch, start + timedelta(seconds=1))
    assert (await _refresh(client, first)).json()["code"] == "refresh_token_reused"
    assert (await _refresh(client, successor)).status_code == 401


@race_needs_postgres
async def test_tabs_refreshing_at_the_same_instant_share_one_successor(client, world):
    await login(client, "member_a")
    first = client.cookies.get("vp_refresh")
    assert first
    client.cookies.clear()
    transport = httpx.ASGITransport(app=client._transport.app, client=("203.0.113.7", 40000))  # type: ignore[attr-defined]

    async def tab() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as own:
            return await own.post(REFRESH, headers={"Cookie": f"vp_refresh={first}"})

    for _ in range(3):
        answers = await asyncio.gather(*(tab() for _ in range(6)))
        assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
        successors = {_cookie(a) for a in answers}
        assert len(successors) == 1, "every tab gets the same successor"
        for answer in answers:
            assert await _me(client, answer) == 200
        first = successors.pop()
    # The family is alive: the last successor rotates as usual.
    assert (await _refresh(client, first)).status_code == 200
