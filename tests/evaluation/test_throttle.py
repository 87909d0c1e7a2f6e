"""Guessing codes: look-ups of codes that do not exist count against the address; after
settings.evaluation_code_max_failures_per_address of them the address is refused (429 with
Retry-After) for a while, even with a good code. Other addresses, malformed input and spent
codes are not counted."""

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from app.config import settings
from app.evaluation.codes import new_code
from app.main import app
from tests.evaluation.support import (
    code_ballot,
    issue_codes,
    lookup,
    open_round,
    refused,
    set_november,
)
from tests.factories import login
from tests.helpers import set_now, shanghai

LIMIT = 4


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_november(monkeypatch)


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(settings, "evaluation_code_max_failures_per_address", LIMIT)
    return LIMIT


@pytest.fixture
async def elsewhere() -> AsyncIterator[httpx.AsyncClient]:
    """A phone on another network."""
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


async def _codes(client, world, count=2):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(client, secretary, world.branch_a.id)
    return rnd, await issue_codes(client, secretary, rnd["id"], count)


async def _guess(client, times: int) -> None:
    for _ in range(times):
        refused(await lookup(client, new_code()), 404, "code_unknown")


def _locked(response: httpx.Response) -> None:
    body = refused(response, 429, "too_many_attempts")
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= settings.login_lockout_seconds + 1
    assert body["retry_after"] == wait


async def test_unknown_codes_from_one_address_lock_it_after_the_limit(client, world, small_limit):
    await _codes(client, world)
    await _guess(client, small_limit)
    _locked(await lookup(client, new_code()))


async def test_the_default_limit_applies_as_configured(client, world):
    await _codes(client, world)
    await _guess(client, settings.evaluation_code_max_failures_per_address)
    _locked(await lookup(client, new_code()))


async def test_a_locked_address_is_refused_even_a_valid_code(client, world, small_limit):
    rnd, [code, _] = await _codes(client, world)
    await _guess(client, small_limit)
    _locked(await lookup(client, code))
    _locked(await code_ballot(client, code, rnd["id"], {world.members["member_a"].id: "good"}))
    # And the refusal did not spend the code.
    secretary = await login(client, "secretary_a")
    progress = await client.get(f"/api/v1/evaluation-rounds/{rnd['id']}", headers=secretary)
    assert progress.json()["codes_spent"] == 0


async def test_ballots_with_unknown_codes_count_like_look_ups(client, world, small_limit):
    rnd, _ = await _codes(client, world)
    pattern = {world.members["member_a"].id: "good"}
    for _ in range(small_limit):
        refused(await code_ballot(client, new_code(), rnd["id"], pattern), 404, "code_unknown")
    _locked(await lookup(client, new_code()))


async def test_another_address_is_unaffected(client, elsewhere, world, small_limit):
    rnd, [code, _] = await _codes(client, world)
    await _guess(client, small_limit)
    _locked(await lookup(client, code))
    opened = await lookup(elsewhere, code)
    assert opened.status_code == 200, opened.text
    pattern = {world.members["member_a"].id: "good"}
    assert (await code_ballot(elsewhere, code, rnd["id"], pattern)).status_code == 201


async def test_malformed_and_spent_codes_do_not_count(client, world, small_limit):
    rnd, [code, _] = await _codes(client, world)
    assert (
        await code_ballot(client, code, rnd["id"], {world.members["member_a"].id: "good"})
    ).status_code == 201
    for _ in range(3 * small_limit):
        refused(await lookup(client, "not-a-code"), 422, "code_malformed")
        refused(await lookup(client, code), 409, "code_spent")
    # Still a full allowance of guesses before the lock.
    await _guess(client, small_limit)
    _locked(await lookup(client, new_code()))


async def test_refusals_of_a_real_code_do_not_count(client, world, small_limit, monkeypatch):
    _rnd, [code, _] = await _codes(client, world)
    set_now(monkeypatch, shanghai("2026-12-16 10:00:00"))
    for _ in range(2 * small_limit):
        refused(await lookup(client, code), 409, "round_ended")
    await _guess(client, small_limit - 1)
    refused(await lookup(client, code), 409, "round_ended")  # not locked yet


async def test_the_lock_ends_after_its_time(client, world, small_limit, monkeypatch):
    _rnd, [code, _] = await _codes(client, world)
    await _guess(client, small_limit)
    _locked(await lookup(client, code))
    later = shanghai("2026-11-20 10:00:00") + timedelta(seconds=settings.login_lockout_seconds + 5)
    set_now(monkeypatch, later)
    assert (await lookup(client, code)).status_code == 200


async def test_guesses_spread_beyond_the_window_fade(client, world, small_limit, monkeypatch):
    await _codes(client, world)
    await _guess(client, small_limit - 1)
    later = shanghai("2026-11-20 10:00:00") + timedelta(seconds=settings.login_window_seconds + 5)
    set_now(monkeypatch, later)
    await _guess(client, small_limit - 1)
    refused(await lookup(client, new_code()), 404, "code_unknown")
