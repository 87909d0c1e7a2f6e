"""A branch's evaluation rounds: who opens them, their windows, the list, the close, and the
progress a secretary watches (codes issued and spent, peer ballots, ratings per member)."""

import pytest

from tests.evaluation.support import (
    close_round,
    code_ballot,
    issue_codes,
    member_ids,
    open_round,
    peer_ballot,
    refused,
    round_url,
    rounds_url,
    set_november,
)
from tests.factories import login
from tests.helpers import set_now, shanghai

OPENS_, CLOSES_ = "2026-11-15", "2026-12-15"


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_november(monkeypatch)


# -- opening a round ----------------------------------------------------------------------------


async def test_a_secretary_opens_a_round_of_their_branch(client, world):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(client, secretary, world.branch_a.id)
    assert rnd["branch"] == {"id": world.branch_a.id, "name": world.branch_a.name}
    assert (rnd["year"], rnd["quarter"]) == (2026, 4)
    assert (rnd["opens_on"], rnd["closes_on"]) == ("2026-11-15", "2026-12-15")
    assert (rnd["status"], rnd["phase"]) == ("open", "open")
    assert rnd["min_ratings"] == 3  # the 2026 standard's
    assert rnd["closed_at"] is None


async def test_the_org_admin_above_opens_a_round_of_a_branch(client, world):
    admin = await login(client, "admin")
    rnd = await open_round(client, admin, world.branch_b.id)
    assert rnd["branch"]["id"] == world.branch_b.id


async def test_a_window_not_yet_begun_makes_a_scheduled_round(client, world):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(client, secretary, world.branch_a.id, opens_on="2026-12-01")
    assert rnd["phase"] == "scheduled"


async def test_a_second_round_for_the_same_branch_and_quarter_is_refused(client, world):
    secretary = await login(client, "secretary_a")
    await open_round(client, secretary, world.branch_a.id)
    response = await client.post(
        rounds_url(world.branch_a.id),
        json={"year": 2026, "quarter": 4, "opens_on": "2026-11-20", "closes_on": "2026-11-30"},
        headers=await login(client, "admin"),
    )
    refused(response, 409, "round_exists")
    # Another quarter, or another branch's same quarter, is fine.
    await open_round(client, secretary, world.branch_a.id, quarter=3)
    await open_round(client, await login(client, "secretary_b"), world.branch_b.id)


async def test_a_window_that_has_already_ended_is_refused(client, world):
    response = await client.post(
        rounds_url(world.branch_a.id),
        json={"year": 2026, "quarter": 4, "opens_on": "2026-11-01", "closes_on": "2026-11-19"},
        headers=await login(client, "secretary_a"),
    )
    refused(response, 422, "window_passed")


async def test_a_window_ending_today_is_accepted(client, world):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(
        client, secretary, world.branch_a.id, opens_on="2026-11-01", closes_on="2026-11-20"
    )
    assert rnd["phase"] == "open"


async def test_a_window_longer_than_a_quarter_is_refused(client, world):
    response = await client.post(
        rounds_url(world.branch_a.id),
        json={"year": 2026, "quarter": 4, "opens_on": "2026-11-15", "closes_on": "2027-02-15"},
        headers=await login(client, "secretary_a"),
    )
    refused(response, 422, "window_too_long")


async def test_a_window_that_opens_after_it_closes_is_refused(client, world):
    response = await client.post(
        rounds_url(world.branch_a.id),
        json={"year": 2026, "quarter": 4, "opens_on": "2026-12-10", "closes_on": "2026-12-01"},
        headers=await login(client, "secretary_a"),
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("quarter", [0, 5])
async def test_a_quarter_outside_one_to_four_is_refused(client, world, quarter):
    response = await client.post(
        rounds_url(world.branch_a.id),
        json={"year": 2026, "quarter": quarter, "opens_on": OPENS_, "closes_on": CLOSES_},
        headers=await login(client, "secretary_a"),
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("username", ["reviewer_a", "member_a", "secretary_b", "other_admin"])
async def test_only_the_secretary_or_an_admin_above_opens_a_round(client, world, username):
    response = await client.post(
        rounds_url(world.branch_a.id),
        json={"year": 2026, "quarter": 4, "opens_on": OPENS_, "closes_on": CLOSES_},
        headers=await login(client, username),
    )
    refused(response, 403)


@pytest.mark.parametrize("username", ["reviewer_a", "member_a", "secretary_b"])
async def test_only_those_who_run_the_round_see_it_list_it_and_change_it(client, world, username):
    rnd = await open_round(client, await login(client, "secretary_a"), world.branch_a.id)
    headers = await login(client, username)
    refused(await client.get(rounds_url(world.branch_a.id), headers=headers), 403)
    refused(await client.get(round_url(rnd["id"]), headers=headers), 403)
    refused(
        await client.patch(round_url(rnd["id"]), json={"closes_on": "2026-12-20"}, headers=headers),
        403,
    )
    refused(
        await client.post(round_url(rnd["id"], "/codes"), json={"count": 1}, headers=headers),
        403,
    )
    refused(await client.post(round_url(rnd["id"], "/close"), headers=headers), 403)
    refused(await client.get(round_url(rnd["id"], "/results"), headers=headers), 403)


async def test_a_round_that_does_not_exist_is_404(client, world):
    response = await client.get(round_url(999_999), headers=await login(client, "secretary_a"))
    refused(response, 404, "round_not_found")


async def test_rounds_need_a_sign_in(client, world):
    assert (await client.get(rounds_url(world.branch_a.id))).status_code == 401


# -- the list -----------------------------------------------------------------------------------


async def test_the_list_is_paginated_latest_quarter_first(client, world):
    secretary = await login(client, "secretary_a")
    for year, quarter in [(2026, 2), (2025, 4), (2026, 4), (2026, 1), (2026, 3)]:
        await open_round(client, secretary, world.branch_a.id, year=year, quarter=quarter)
    await open_round(client, await login(client, "secretary_b"), world.branch_b.id)
    seen = []
    for page in (1, 2, 3):
        response = await client.get(
            rounds_url(world.branch_a.id), params={"page": page, "page_size": 2}, headers=secretary
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["total"], body["page"], body["page_size"]) == (5, page, 2)
        seen += [(r["year"], r["quarter"]) for r in body["items"]]
    assert seen == [(2026, 4), (2026, 3), (2026, 2), (2026, 1), (2025, 4)]


# -- the window and the close -------------------------------------------------------------------


async def test_the_window_of_an_open_round_can_be_moved(client, world):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(client, secretary, world.branch_a.id)
    response = await client.patch(
        round_url(rnd["id"]), json={"closes_on": "2026-12-31"}, headers=secretary
    )
    assert response.status_code == 200, response.text
    assert (response.json()["opens_on"], response.json()["closes_on"]) == (
        "2026-11-15",
        "2026-12-31",
    )
    again = await client.get(round_url(rnd["id"]), headers=secretary)
    assert again.json()["closes_on"] == "2026-12-31"


async def test_a_moved_window_follows_the_same_rules(client, world):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(client, secretary, world.branch_a.id)
    url = round_url(rnd["id"])
    refused(await client.patch(url, json={"closes_on": "2026-11-19"}, headers=secretary), 422)
    refused(
        await client.patch(url, json={"closes_on": "2027-03-01"}, headers=secretary),
        422,
        "window_too_long",
    )
    refused(await client.patch(url, json={"opens_on": "2026-12-20"}, headers=secretary), 422)
    unchanged = (await client.get(url, headers=secretary)).json()
    assert (unchanged["opens_on"], unchanged["closes_on"]) == ("2026-11-15", "2026-12-15")


async def test_closing_a_round_ends_it(client, world):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(client, secretary, world.branch_a.id)
    closed = await close_round(client, secretary, rnd["id"])
    assert (closed["status"], closed["phase"]) == ("closed", "closed")
    assert closed["closed_at"] is not None
    listed = await client.get(rounds_url(world.branch_a.id), headers=secretary)
    assert listed.json()["items"][0]["status"] == "closed"


async def test_the_admin_above_closes_a_round(client, world):
    rnd = await open_round(client, await login(client, "secretary_a"), world.branch_a.id)
    closed = await close_round(client, await login(client, "admin"), rnd["id"])
    assert closed["status"] == "closed"


async def test_nothing_changes_a_closed_round(client, world):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(client, secretary, world.branch_a.id)
    await close_round(client, secretary, rnd["id"])
    url = round_url(rnd["id"])
    refused(
        await client.patch(url, json={"closes_on": "2026-12-31"}, headers=secretary),
        409,
        "round_closed",
    )
    refused(
        await client.post(f"{url}/codes", json={"count": 5}, headers=secretary),
        409,
        "round_closed",
    )
    refused(await client.post(f"{url}/close", headers=secretary), 409, "round_closed")
    after = (await client.get(url, headers=secretary)).json()
    assert (after["closes_on"], after["codes_issued"], after["status"]) == (
        "2026-12-15",
        0,
        "closed",
    )


async def test_a_closed_round_still_blocks_a_second_round_of_its_quarter(client, world):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(client, secretary, world.branch_a.id)
    await close_round(client, secretary, rnd["id"])
    await open_round(client, secretary, world.branch_a.id, expect=409)


async def test_a_round_past_its_window_is_ended_until_closed(client, world, monkeypatch):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(client, secretary, world.branch_a.id)
    set_now(monkeypatch, shanghai("2026-12-16 00:00:01"))
    assert (await client.get(round_url(rnd["id"]), headers=secretary)).json()["phase"] == "ended"
    refused(
        await client.post(round_url(rnd["id"], "/codes"), json={"count": 1}, headers=secretary),
        409,
        "round_ended",
    )
    assert (await close_round(client, secretary, rnd["id"]))["phase"] == "closed"


# -- progress -----------------------------------------------------------------------------------


async def test_progress_counts_codes_ballots_and_ratings_per_member(client, world):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(client, secretary, world.branch_a.id)
    sec, rev, mem, mem2, new = member_ids(
        world, "secretary_a", "reviewer_a", "member_a", "member_a2", "newcomer"
    )
    codes = await issue_codes(client, secretary, rnd["id"], 4)
    codes += await issue_codes(client, secretary, rnd["id"], 2)
    # Two code ballots, two peer ballots.
    for code, pattern in [
        (codes[0], {sec: "good", rev: "good", mem: "fair", mem2: "skip"}),
        (codes[1], {sec: "poor", mem: "good", mem2: "skip", new: "skip"}),
    ]:
        assert (await code_ballot(client, code, rnd["id"], pattern)).status_code == 201
    for voter, pattern in [
        ("member_a", {sec: "good", rev: "fair", mem2: "skip"}),
        ("reviewer_a", {sec: "good", mem: "poor"}),
    ]:
        response = await peer_ballot(client, await login(client, voter), rnd["id"], pattern)
        assert response.status_code == 201, response.text
    progress = (await client.get(round_url(rnd["id"]), headers=secretary)).json()
    assert (progress["codes_issued"], progress["codes_spent"], progress["peer_ballots"]) == (
        6,
        2,
        2,
    )
    assert progress["peers"] == 5
    rated = {row["member"]["id"]: (row["rated"], row["under_min"]) for row in progress["members"]}
    # The count includes 不了解, so it grows alike for everyone a ballot names; skips are not
    # ratings, though: they do not count towards min_ratings (3).
    assert rated == {
        sec: (4, False),
        rev: (2, True),
        mem: (3, False),
        mem2: (3, True),
        new: (1, True),
    }
    assert progress["batches"] == 2
    assert progress["under_min"] == 3
    # Progress tells how many, never how: no counts of good/fair/poor before the close.
    for row in progress["members"]:
        assert set(row) == {"member", "rated", "under_min"}


async def test_progress_of_a_new_round_is_all_zero(client, world):
    secretary = await login(client, "secretary_a")
    rnd = await open_round(client, secretary, world.branch_a.id)
    progress = (await client.get(round_url(rnd["id"]), headers=secretary)).json()
    assert (progress["codes_issued"], progress["codes_spent"], progress["peer_ballots"]) == (
        0,
        0,
        0,
    )
    assert progress["under_min"] == progress["peers"] == 5
    names = [row["member"]["name"] for row in progress["members"]]
    assert names == sorted(names)
