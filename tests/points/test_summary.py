"""A member's year of points (DESIGN.md §6), the ledger, the timeline, and who reads them."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import db
from tests.factories import login, make_user
from tests.helpers import new_claim, set_now, shanghai
from tests.months.support import API, close, decide, items_of, record


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


def _url(member_id: int | None, what: str = "points") -> str:
    return f"{API}/members/{member_id}/{what}"


async def _summary(client, headers, member_id, year=2026) -> dict:
    response = await client.get(_url(member_id), params={"year": year}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _dimension(summary: dict, name: str) -> dict:
    (found,) = [d for d in summary["dimensions"] if d["dimension"] == name]
    return found


def _month(summary: dict, period: str) -> dict:
    (found,) = [m for m in summary["months"] if m["period"] == period]
    return found


def _item(summary: dict, code: str) -> dict:
    (found,) = [i for i in summary["items"] if i["code"] == code]
    return found


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


async def test_the_dimension_cap_limits_contribution_to_8(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    # Each claim stays within its item's caps; together they make 9 contribution points.
    for code, quantity in (("C04", 2), ("C03", 2), ("C05", 2), ("C02", 1)):
        claim = await new_claim(client, member, items[code], quantity=quantity, submit=True)
        assert (await decide(client, reviewer, claim["id"])).status_code == 200

    summary = await _summary(client, member, world.members["member_a"].id)
    contribution = _dimension(summary, "contribution")
    assert _d(contribution["cap"]) == Decimal("8")
    assert _d(contribution["raw"]) == Decimal("9")
    assert _d(contribution["counted"]) == Decimal("8")
    assert _d(contribution["over_cap"]) == Decimal("1")
    assert _d(contribution["remaining"]) == Decimal("0")
    assert _d(_dimension(summary, "political")["remaining"]) == Decimal("8")
    assert _d(summary["base_score"]) == Decimal("60")
    assert _d(summary["bonus_total"]) == Decimal("8")
    assert _d(summary["score_before_evaluation"]) == Decimal("68")
    # The month itself shows what was approved (only the monthly item caps apply there).
    assert _d(_month(summary, "2026-11")["bonus"]) == Decimal("9")


async def test_item_caps_per_month_and_per_year_apply(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    member_id = world.members["member_a"].id
    # D01 参加支部党员大会: 0.5 points, at most 0.5 a month and 2 a year.
    for day in ("2026-07-10", "2026-08-10", "2026-09-10", "2026-10-10", "2026-11-10", "2026-11-18"):
        response = await record(
            client, reviewer, world.branch_a.id, items["D01"], [member_id], occurred_on=day
        )
        assert response.status_code == 201, response.text

    summary = await _summary(client, reviewer, member_id)
    assert _d(_month(summary, "2026-11")["bonus"]) == Decimal("0.5")
    assert _d(_month(summary, "2026-07")["bonus"]) == Decimal("0.5")
    d01 = _item(summary, "D01")
    assert _d(d01["raw"]) == Decimal("3.0")
    assert _d(d01["counted"]) == Decimal("2")
    assert _d(_dimension(summary, "discipline")["counted"]) == Decimal("2")
    assert _d(summary["bonus_total"]) == Decimal("2")
    assert _d(summary["score_before_evaluation"]) == Decimal("62")


async def test_deductions_are_taken_off_the_score(client, world, session):
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    member_id = world.members["member_a"].id
    branch = world.branch_a.id
    assert (await record(client, reviewer, branch, items["P01"], [member_id])).status_code == 201
    x01 = await record(client, reviewer, branch, items["X01"], [member_id], reason="无故缺席")
    assert x01.status_code == 201

    summary = await _summary(client, reviewer, member_id)
    assert _d(summary["bonus_total"]) == Decimal("0.5")
    assert _d(summary["deduction_total"]) == Decimal("2")
    assert _d(summary["score_before_evaluation"]) == Decimal("58.5")
    november = _month(summary, "2026-11")
    assert (_d(november["bonus"]), _d(november["deduction"]), _d(november["net"])) == (
        Decimal("0.5"),
        Decimal("2"),
        Decimal("-1.5"),
    )


async def test_a_member_who_joined_this_year_has_the_dimension_sums_scaled_up_to_the_cap(
    client, world, session
):
    _, joiner = await make_user(session, "joiner", branch=world.branch_a)
    joiner.joined_on = date(2026, 7, 15)  # July to December: 6 months
    await session.commit()
    items = await items_of(session, world)
    member = await login(client, "joiner")
    reviewer = await login(client, "reviewer_a")
    for code, quantity in (("C04", 2), ("C02", 1)):
        claim = await new_claim(client, member, items[code], quantity=quantity, submit=True)
        assert (await decide(client, reviewer, claim["id"])).status_code == 200

    summary = await _summary(client, member, joiner.id)
    assert summary["membership_months"] == 6
    # DESIGN.md §6: the base and the caps stay whole; 5 points in 6 months count 5 × 12/6 = 10,
    # held to the contribution cap of 8.
    assert _d(summary["base_score"]) == Decimal("60")
    contribution = _dimension(summary, "contribution")
    assert _d(contribution["cap"]) == Decimal("8")
    assert _d(contribution["raw"]) == Decimal("5")
    assert _d(contribution["counted"]) == Decimal("8")
    assert _d(contribution["over_cap"]) == Decimal("2")
    assert _d(summary["score_before_evaluation"]) == Decimal("68")


async def test_pending_points_are_shown_apart_from_approved(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    approved = await new_claim(client, member, items["C01"], submit=True)
    assert (await decide(client, reviewer, approved["id"])).status_code == 200
    await new_claim(client, member, items["C01"], occurred_on="2026-11-15", submit=True)
    await new_claim(client, member, items["M06"])  # a draft is not pending

    summary = await _summary(client, member, world.members["member_a"].id)
    assert summary["member_id"] == world.members["member_a"].id
    assert summary["year"] == 2026
    assert summary["standard_id"] == world.standard_id
    assert summary["membership_months"] == 12
    assert [m["period"] for m in summary["months"]] == [f"2026-{n:02d}" for n in range(1, 13)]
    november = _month(summary, "2026-11")
    assert _d(november["bonus"]) == Decimal("0.5")
    assert _d(november["pending"]) == Decimal("0.5")
    assert _d(summary["pending_total"]) == Decimal("0.5")
    assert _d(summary["bonus_total"]) == Decimal("0.5")
    assert _d(summary["score_before_evaluation"]) == Decimal("60.5")
    assert _d(_month(summary, "2026-10")["pending"]) == 0


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("member_a", 200),
        ("reviewer_a", 200),
        ("secretary_a", 200),
        ("admin", 200),
        ("member_a2", 403),
        ("member_b", 403),
        ("secretary_b", 403),
        ("other_admin", 403),
    ],
)
@pytest.mark.parametrize("what", ["points", "ledger", "timeline"])
async def test_a_members_points_are_for_them_and_their_branch_reviewers(
    client, world, session, username, status, what
):
    headers = await login(client, username)
    response = await client.get(
        _url(world.members["member_a"].id, what), params={"year": 2026}, headers=headers
    )
    assert response.status_code == status, response.text


async def _one_of_each_source(client, world, items) -> dict[str, int]:
    """For member_a in 2026-11: an approved claim, a branch entry and, after the close, an
    admin's negative adjustment."""
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    member_id = world.members["member_a"].id
    claim = await new_claim(client, member, items["C01"], submit=True)
    assert (await decide(client, reviewer, claim["id"])).status_code == 200
    entry = await record(client, reviewer, world.branch_a.id, items["P01"], [member_id])
    assert entry.status_code == 201
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    adjustment = await record(
        client,
        await login(client, "admin"),
        world.branch_a.id,
        items["P01"],
        [member_id],
        points="-0.5",
        reason="误记出席，更正",
    )
    assert adjustment.status_code == 201
    return {
        "claim": claim["id"],
        "entry": entry.json()["id"],
        "adjustment": adjustment.json()["id"],
    }


async def test_the_ledger_lists_claims_entries_and_adjustments(client, world, session):
    items = await items_of(session, world)
    ids = await _one_of_each_source(client, world, items)
    member = await login(client, "member_a")
    member_id = world.members["member_a"].id

    response = await client.get(_url(member_id, "ledger"), params={"year": 2026}, headers=member)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 3
    rows = [
        (r["source"], r["item"]["code"], _d(r["points"]), r["claim_id"], r["entry_id"], r["reason"])
        for r in page["items"]
    ]
    assert rows == [
        ("claim", "C01", Decimal("0.5"), ids["claim"], None, None),
        ("entry", "P01", Decimal("0.5"), None, ids["entry"], None),
        ("adjustment", "P01", Decimal("-0.5"), None, ids["adjustment"], "误记出席，更正"),
    ]
    assert {r["period"] for r in page["items"]} == {"2026-11"}
    other_year = await client.get(_url(member_id, "ledger"), params={"year": 2025}, headers=member)
    assert other_year.json()["total"] == 0
    summary = await _summary(client, member, member_id)
    assert _d(_month(summary, "2026-11")["bonus"]) == Decimal("0.5")  # C01 0.5 + P01 0.5 − 0.5


async def test_the_timeline_shows_claim_events_entries_and_adjustments(client, world, session):
    items = await items_of(session, world)
    ids = await _one_of_each_source(client, world, items)
    response = await client.get(
        _url(world.members["member_a"].id, "timeline"),
        params={"year": 2026},
        headers=await login(client, "member_a"),
    )
    assert response.status_code == 200, response.text
    events = {(e["entity_type"], e["entity_id"], e["action"]) for e in response.json()["items"]}
    assert {
        ("claim", ids["claim"], "create"),
        ("claim", ids["claim"], "submit"),
        ("claim", ids["claim"], "approve"),
        ("branch_entry", ids["entry"], "entry"),
        ("branch_entry", ids["adjustment"], "adjustment"),
    } <= events
    (adjustment,) = [e for e in response.json()["items"] if e["action"] == "adjustment"]
    assert adjustment["comment"] == "误记出席，更正"
    assert adjustment["actor"]["id"] == world.users["admin"].id
    other = await client.get(
        _url(world.members["member_a2"].id, "timeline"),
        params={"year": 2026},
        headers=await login(client, "member_a2"),
    )
    assert other.json() == {"items": [], "total": 0, "page": 1, "page_size": 100}


async def _a_ledger_row(client, world, session) -> int:
    items = await items_of(session, world)
    entry = await record(
        client,
        await login(client, "reviewer_a"),
        world.branch_a.id,
        items["P01"],
        [world.members["member_a"].id],
    )
    assert entry.status_code == 201
    async with db.engine.connect() as conn:
        row_id = await conn.scalar(
            text("SELECT id FROM ledger_entry WHERE entry_id = :e"), {"e": entry.json()["id"]}
        )
        await conn.rollback()
    assert row_id is not None
    return row_id


async def _points_of(row_id: int) -> Decimal:
    async with db.engine.connect() as conn:
        value = await conn.scalar(
            text("SELECT points FROM ledger_entry WHERE id = :i"), {"i": row_id}
        )
        await conn.rollback()
    return Decimal(str(value))


async def test_the_ledger_refuses_updates_in_the_database(client, world, session):
    row_id = await _a_ledger_row(client, world, session)
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE ledger_entry SET points = 9 WHERE id = :i"), {"i": row_id}
            )
    assert await _points_of(row_id) == Decimal("0.5")


@pytest.mark.skipif(
    not db.engine.url.drivername.startswith("postgresql"), reason="PostgreSQL refuses DELETE too"
)
async def test_the_ledger_refuses_deletes_on_postgresql(client, world, session):
    row_id = await _a_ledger_row(client, world, session)
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM ledger_entry WHERE id = :i"), {"i": row_id})
    assert await _points_of(row_id) == Decimal("0.5")
