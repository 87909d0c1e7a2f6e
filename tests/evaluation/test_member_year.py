"""A member's year of evaluation (GET /members/{id}/evaluation?year=): each closed quarter's
counts and rate, the year rate (own, else the branch's mean, else 1.0), the points and the
poor share, against figures worked out by hand."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import col

from app.models import StandardVersion as Standard
from app.scoring.caps import quantize
from tests.evaluation.support import (
    API,
    add_members,
    close_round,
    code_ballot,
    issue_codes,
    open_round,
    read,
    refused,
    same,
)
from tests.factories import login
from tests.helpers import set_now, shanghai

# A quarter's window, and a day inside it to run the round on.
QUARTERS = {
    1: ("2026-02-20 10:00:00", "2026-02-16", "2026-03-15"),
    2: ("2026-05-20 10:00:00", "2026-05-16", "2026-06-15"),
    3: ("2026-08-20 10:00:00", "2026-08-16", "2026-09-15"),
    4: ("2026-11-20 10:00:00", "2026-11-16", "2026-12-15"),
}


def year_url(member_id: int, year: int = 2026) -> str:
    return f"{API}/members/{member_id}/evaluation?year={year}"


async def run_round(
    client, monkeypatch, world, quarter: int, given: dict[int, list[str]], *, close=True
) -> int:
    """A branch_a round of the quarter in which each member receives exactly the ratings
    given (one code ballot per position in the lists), closed unless asked otherwise."""
    now, opens_on, closes_on = QUARTERS[quarter]
    set_now(monkeypatch, shanghai(now))
    secretary = await login(client, "secretary_a")
    rnd = await open_round(
        client,
        secretary,
        world.branch_a.id,
        quarter=quarter,
        opens_on=opens_on,
        closes_on=closes_on,
    )
    depth = max(len(v) for v in given.values())
    codes = await issue_codes(client, secretary, rnd["id"], depth)
    for index, code in enumerate(codes):
        pattern = {m: r[index] for m, r in given.items() if index < len(r)}
        response = await code_ballot(client, code, rnd["id"], pattern)
        assert response.status_code == 201, response.text
    if close:
        await close_round(client, secretary, rnd["id"])
    set_now(monkeypatch, shanghai("2026-12-20 10:00:00"))
    return rnd["id"]


def g(good=0, fair=0, poor=0, skip=0) -> list[str]:
    return ["good"] * good + ["fair"] * fair + ["poor"] * poor + ["skip"] * skip


async def year_of(client, member_id, username="secretary_a") -> dict:
    response = await client.get(year_url(member_id), headers=await login(client, username))
    assert response.status_code == 200, response.text
    return response.json()


async def evaluation_max(session, world) -> Decimal:
    [value] = await read(
        session,
        select(col(Standard.evaluation_points)).where(col(Standard.id) == world.standard_id),
    )
    return Decimal(value)


@pytest.fixture
def ids(world):
    return {name: member.id for name, member in world.members.items()}


async def test_the_year_rate_is_the_mean_of_the_qualifying_quarters(
    client, world, session, monkeypatch, ids
):
    a, sec = ids["member_a"], ids["secretary_a"]
    q1 = await run_round(client, monkeypatch, world, 1, {a: g(good=3, fair=1), sec: g(good=3)})
    q2 = await run_round(
        client, monkeypatch, world, 2, {a: g(good=1, fair=1, poor=1, skip=2), sec: g(good=3)}
    )
    # Q3: two ratings only, below min_ratings 3: shown, but it does not count.
    await run_round(client, monkeypatch, world, 3, {a: g(good=2), sec: g(poor=3)})
    body = await year_of(client, a)
    quarters = {q["quarter"]: q for q in body["quarters"]}
    assert sorted(quarters) == [1, 2, 3, 4]
    # By hand: Q1 (3 + 0.5) / 4 = 0.875; Q2 (1 + 0.5) / 3 = 0.5; Q3 n = 2 < 3.
    assert (quarters[1]["round_id"], quarters[2]["round_id"]) == (q1, q2)
    assert (quarters[1]["good"], quarters[1]["fair"], quarters[1]["n"]) == (3, 1, 4)
    assert same(quarters[1]["rate"], Decimal("0.875")) and quarters[1]["qualifies"]
    assert (quarters[2]["poor"], quarters[2]["skip"], quarters[2]["n"]) == (1, 2, 3)
    assert same(quarters[2]["rate"], Decimal("0.5")) and quarters[2]["qualifies"]
    assert (quarters[3]["good"], quarters[3]["n"], quarters[3]["rate"]) == (2, 2, None)
    assert quarters[3]["qualifies"] is False
    assert quarters[4] == {
        "quarter": 4,
        "round_id": None,
        "good": 0,
        "fair": 0,
        "poor": 0,
        "skip": 0,
        "n": 0,
        "rate": None,
        "qualifies": False,
    }
    # Year: (0.875 + 0.5) / 2 = 0.6875.
    assert same(body["rate"], Decimal("0.6875"))
    assert body["rate_source"] == "own"
    maximum = await evaluation_max(session, world)
    assert same(body["evaluation_max"], maximum)
    assert same(body["points"], quantize(maximum * Decimal("0.6875")))
    # Poor share over the qualifying quarters: 1 poor of 7 ratings.
    assert (body["poor"], body["rated"]) == (1, 7)
    assert same(body["poor_share"], Decimal(1) / 7)
    assert body["poor_over_a_third"] is False
    assert body["min_ratings"] == 3
    assert body["member"] == {"id": a, "name": "member_a"}


async def test_a_member_with_no_qualifying_quarter_takes_the_branch_mean(
    client, world, session, monkeypatch, ids
):
    a, a2, sec, rev = ids["member_a"], ids["member_a2"], ids["secretary_a"], ids["reviewer_a"]
    await run_round(
        client,
        monkeypatch,
        world,
        1,
        {a: g(good=3, fair=1), sec: g(good=2, fair=2), a2: g(good=1, skip=3), rev: g(fair=2)},
    )
    await run_round(client, monkeypatch, world, 2, {a: g(good=1, fair=1, poor=1), a2: g(poor=2)})
    # member_a: (0.875 + 0.5) / 2 = 0.6875; secretary_a: 3 / 4 = 0.75; the others none.
    body = await year_of(client, a2)
    branch_mean = (Decimal("0.6875") + Decimal("0.75")) / 2  # 0.71875
    assert same(body["rate"], branch_mean)
    assert body["rate_source"] == "branch_mean"
    assert same(body["points"], quantize(await evaluation_max(session, world) * branch_mean))
    assert (body["poor"], body["rated"], body["poor_share"]) == (0, 0, None)
    assert body["poor_over_a_third"] is False
    assert [q["n"] for q in body["quarters"]] == [1, 2, 0, 0]
    # A member never rated at all takes the same mean.
    newcomer = await year_of(client, ids["newcomer"])
    assert newcomer["rate_source"] == "branch_mean" and same(newcomer["rate"], branch_mean)


async def test_a_member_who_joined_mid_year_is_rated_on_the_quarters_they_had(
    client, world, session, monkeypatch, ids
):
    sec = ids["secretary_a"]
    await run_round(client, monkeypatch, world, 1, {sec: g(good=4)})
    set_now(monkeypatch, shanghai("2026-07-01 10:00:00"))
    [late] = await add_members(session, world, ["李新来"])
    await run_round(client, monkeypatch, world, 3, {sec: g(good=3), late.id: g(good=2, poor=1)})
    body = await year_of(client, late.id)
    # Only Q3 for them: 2 / 3.
    assert same(body["rate"], Decimal(2) / 3) and body["rate_source"] == "own"
    assert [q["qualifies"] for q in body["quarters"]] == [False, False, True, False]
    assert (body["poor"], body["rated"]) == (1, 3)
    assert body["poor_over_a_third"] is False  # exactly a third is not above it


async def test_the_rate_is_one_when_nobody_in_the_branch_qualifies(
    client, world, session, monkeypatch, ids
):
    a, sec = ids["member_a"], ids["secretary_a"]
    await run_round(client, monkeypatch, world, 1, {a: g(poor=2), sec: g(good=1, skip=4)})
    body = await year_of(client, a)
    assert same(body["rate"], Decimal(1)) and body["rate_source"] == "default"
    assert same(body["points"], quantize(await evaluation_max(session, world)))


async def test_a_member_without_any_round_takes_the_default(client, world, session):
    body = await year_of(client, world.members["member_a"].id)
    assert body["rate_source"] == "default" and same(body["rate"], Decimal(1))
    assert all(q["round_id"] is None and q["n"] == 0 for q in body["quarters"])


async def test_an_all_skip_quarter_does_not_qualify_nor_count(client, world, monkeypatch, ids):
    a = ids["member_a"]
    await run_round(client, monkeypatch, world, 1, {a: g(skip=6)})
    await run_round(client, monkeypatch, world, 2, {a: g(good=2, fair=2)})
    body = await year_of(client, a)
    q1 = body["quarters"][0]
    assert (q1["skip"], q1["n"], q1["rate"], q1["qualifies"]) == (6, 0, None, False)
    # Only Q2: (2 + 1) / 4 = 0.75.
    assert same(body["rate"], Decimal("0.75")) and body["rate_source"] == "own"
    assert (body["poor"], body["rated"]) == (0, 4)


async def test_a_poor_share_above_a_third_is_reported(client, world, monkeypatch, ids):
    a = ids["member_a"]
    await run_round(client, monkeypatch, world, 1, {a: g(good=1, poor=2)})
    await run_round(client, monkeypatch, world, 2, {a: g(good=3, fair=1, poor=1)})
    # A poor quarter below min_ratings does not add to the share.
    await run_round(client, monkeypatch, world, 3, {a: g(poor=2)})
    body = await year_of(client, a)
    # Poor 3 of 8 qualifying ratings: above a third.
    assert (body["poor"], body["rated"]) == (3, 8)
    assert same(body["poor_share"], Decimal(3) / 8)
    assert body["poor_over_a_third"] is True
    # Rate: (1/3 + 3.5/5) / 2.
    assert same(body["rate"], (Decimal(1) / 3 + Decimal("0.7")) / 2)


async def test_only_closed_rounds_count(client, world, monkeypatch, ids):
    a = ids["member_a"]
    await run_round(client, monkeypatch, world, 1, {a: g(good=4)})
    open_q4 = await run_round(client, monkeypatch, world, 4, {a: g(poor=5)}, close=False)
    body = await year_of(client, a)
    assert same(body["rate"], Decimal(1))
    assert body["quarters"][3]["round_id"] is None and body["quarters"][3]["n"] == 0
    await close_round(client, await login(client, "secretary_a"), open_q4)
    body = await year_of(client, a)
    assert same(body["rate"], Decimal("0.5"))  # (1 + 0) / 2
    assert body["quarters"][3]["round_id"] == open_q4
    assert body["poor_over_a_third"] is True  # 5 of 9


async def test_another_year_is_separate(client, world, monkeypatch, ids):
    a = ids["member_a"]
    await run_round(client, monkeypatch, world, 1, {a: g(poor=4)})
    response = await client.get(year_url(a, 2025), headers=await login(client, "member_a"))
    assert response.status_code == 200, response.text
    assert all(q["n"] == 0 for q in response.json()["quarters"])


async def test_the_member_and_the_secretary_see_the_year_another_branch_does_not(client, world):
    a = world.members["member_a"].id
    for username in ("member_a", "secretary_a", "admin"):
        response = await client.get(year_url(a), headers=await login(client, username))
        assert response.status_code == 200, (username, response.text)
    for username in ("member_b", "secretary_b", "member_other"):
        refused(await client.get(year_url(a), headers=await login(client, username)), 403)
    refused(await client.get(year_url(a), headers=await login(client, "member_a2")), 403)
    assert (await client.get(year_url(a))).status_code == 401


@pytest.mark.parametrize("year", ["1999", "2101", "x"])
async def test_the_year_must_be_a_plausible_year(client, world, year):
    response = await client.get(
        f"{API}/members/{world.members['member_a'].id}/evaluation?year={year}",
        headers=await login(client, "member_a"),
    )
    assert response.status_code == 422
