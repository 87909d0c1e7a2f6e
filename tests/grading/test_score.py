"""The live score (GET /members/{id}/score) against figures worked out by hand: caps at each
level, deductions, the ceilings and their trigger counts, the quota with a tie at the cut line,
probationary members, a joiner in July, a transfer, an adjustment, the evaluation fallback."""

from datetime import date

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Member
from tests.factories import World, login
from tests.grading.support import API, FULL_MARKS, D, give, set_december

pytestmark = pytest.mark.usefixtures("december")


@pytest.fixture
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    set_december(monkeypatch)


async def score(
    client: httpx.AsyncClient, world: World, username: str, *, who: str | None = None
) -> dict:
    headers = await login(client, who or username)
    member = world.members[username]
    response = await client.get(f"{API}/members/{member.id}/score?year=2026", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def reasons(body: dict) -> list[str]:
    return [r["code"] for r in body["projection"]["reasons"]]


async def test_caps_at_each_level(client, session: AsyncSession, world: World) -> None:
    # P05 (1 a month, 2 a year): 3 in January → 1, then 1 in Feb and Mar → 3 → 2 for the year.
    # P10 4 + P08 3 + P05 2 = 9 political → 8 under the dimension's cap.
    await give(
        session,
        world,
        world.members["member_a"],
        {
            "P05": [(1, "3"), (2, "1"), (3, "1")],
            "P10": [(1, "1"), (2, "1"), (3, "1"), (4, "1")],
            "P08": [(1, "1"), (2, "1"), (3, "1")],
        },
    )
    body = await score(client, world, "member_a")
    political = next(d for d in body["score"]["dimensions"] if d["dimension"] == "political")
    assert D(political["earned"]) == 9 and D(political["counted"]) == 8
    assert D(political["over_cap"]) == 1 and D(political["remaining"]) == 0
    p05 = next(i for i in political["items"] if i["code"] == "P05")
    assert D(p05["approved"]) == 5 and D(p05["counted"]) == 2
    assert D(p05["over_month_cap"]) == 2 and D(p05["over_year_cap"]) == 1
    away = {(c["cap"], c["item_code"]): D(c["points"]) for c in body["score"]["capped_away"]}
    assert away == {("per_month", "P05"): 2, ("per_year", "P05"): 1, ("dimension", None): 1}
    # 60 + 8 + 10 (no rounds anywhere: the rate falls back to 1.0) = 78: qualified.
    assert body["evaluation"]["rate_source"] == "default"
    assert D(body["score"]["evaluation_points"]) == 10
    assert D(body["score"]["total"]) == 78
    assert body["projection"]["grade"] == "qualified"
    assert body["projection"]["next_grade"] == "excellent"
    assert D(body["projection"]["points_to_next"]) == 12
    assert (
        "78.0" in body["projection"]["sentence"]
        and "合格线（75 分）" in body["projection"]["sentence"]
    )


async def test_deductions_and_an_adjustment_after_a_locked_month(
    client, session: AsyncSession, world: World
) -> None:
    member = world.members["member_a"]
    await give(session, world, member, {"P10": [(1, "1"), (2, "1"), (3, "1")], "X02": [(5, "2")]})
    # An org admin's adjustment to the closed February takes P10's point of that month back.
    await give(session, world, member, {"P10": [(2, "-1")]}, source="adjustment")
    body = await score(client, world, "member_a")
    # 60 + 2 + 10 − 2 = 70: basically qualified.
    assert D(body["score"]["deduction_total"]) == 2
    assert D(body["score"]["total"]) == 70
    assert body["projection"]["grade"] == "basically_qualified"
    assert D(body["projection"]["points_to_next"]) == 5


@pytest.mark.parametrize(
    ("code", "times", "total", "grade"),
    [
        ("X01", 2, 96, "excellent"),  # its trigger count is 3: no ceiling yet
        ("X01", 3, 94, "qualified"),
        ("X03", 1, 97, "excellent"),  # trigger count 2
        ("X03", 2, 94, "qualified"),
        ("X04", 1, 92, "basically_qualified"),
        ("X05", 1, 90, "unqualified"),
    ],
)
async def test_each_ceiling_and_its_trigger_count(
    client, session: AsyncSession, world: World, code: str, times: int, total: int, grade: str
) -> None:
    # 100 before the deductions, which keep the score above the excellent line: only the
    # ceiling lowers the grade.
    member = world.members["member_a"]
    await give(session, world, member, FULL_MARKS)
    per = {"X01": "2", "X03": "3", "X04": "8", "X05": "10"}[code]
    await give(session, world, member, {code: [(m, per) for m in range(5, 5 + times)]})
    body = await score(client, world, "member_a")
    assert D(body["score"]["total"]) == total
    assert body["projection"]["threshold_grade"] == "excellent"
    assert body["projection"]["grade"] == grade
    if grade == "excellent":
        assert body["projection"]["ceiling"] is None
    else:
        assert body["projection"]["ceiling"] == grade
        ceiling = next(r for r in body["projection"]["reasons"] if r["code"] == "ceiling_item")
        assert ceiling["item_code"] == code and ceiling["count"] == times
        assert body["projection"]["next_blocked_by"] == "ceiling_item"


async def test_the_quota_with_a_tie_at_the_cut_line(
    client, session: AsyncSession, world: World
) -> None:
    # Five graded members in branch A: floor(5 / 3) = 1 excellent place; two at 100 tie for it.
    for username in ("member_a", "member_a2"):
        await give(session, world, world.members[username], FULL_MARKS)
    body = await score(client, world, "member_a")
    assert body["excellent_slots"] == 1
    assert D(body["score"]["total"]) == 100
    assert body["projection"]["grade"] == "qualified"
    assert body["projection"]["tie"] is True
    tie = next(r for r in body["projection"]["reasons"] if r["code"] == "quota_tie")
    assert tie["slots"] == 1 and tie["tied_with"] == 1
    assert "分界线" in body["projection"]["sentence"]


async def test_probationary_members_are_not_graded_nor_counted(
    client, session: AsyncSession, world: World
) -> None:
    member = world.members["member_a2"]
    member = await session.get(Member, member.id)
    assert member is not None
    member.is_probationary = True
    await session.commit()
    await give(session, world, world.members["member_a"], FULL_MARKS)
    mine = await score(client, world, "member_a2")
    assert mine["projection"]["graded"] is False
    assert reasons(mine) == ["not_graded_probationary"]
    # Four graded members: floor(4 / 3) = 1 place, for member_a alone.
    other = await score(client, world, "member_a")
    assert other["excellent_slots"] == 1 and other["projection"]["grade"] == "excellent"


async def test_a_member_who_arrived_in_july(client, session: AsyncSession, world: World) -> None:
    member = await session.get(Member, world.members["member_a"].id)
    assert member is not None
    member.arrived_on = date(2026, 7, 1)
    await session.commit()
    # m = 6: political P10 3 → × 12/6 = 6; contribution C04 4 → 8 (held to the cap 8).
    await give(
        session,
        world,
        member,
        {"P10": [(7, "1"), (8, "1"), (9, "1")], "C04": [(7, "2"), (8, "2")]},
    )
    body = await score(client, world, "member_a")
    dims = {d["dimension"]: d for d in body["score"]["dimensions"]}
    assert body["score"]["membership_months"] == 6
    assert D(dims["political"]["scaled"]) == 6 and D(dims["political"]["counted"]) == 6
    assert D(dims["contribution"]["scaled"]) == 8 and D(dims["contribution"]["counted"]) == 8
    # 60 + 14 + 10 = 84: qualified, the reason names the months.
    assert D(body["score"]["total"]) == 84
    assert "joined_mid_year" in reasons(body)


async def test_a_member_transferred_mid_year_keeps_the_whole_year(
    client, session: AsyncSession, world: World
) -> None:
    member = await session.get(Member, world.members["member_b"].id)
    assert member is not None
    # Earned in branch B until June, now in branch A.
    await give(session, world, member, {"P10": [(1, "1"), (2, "1")]}, branch_id=world.branch_b.id)
    member.branch_id = world.branch_a.id  # type: ignore[assignment]
    await session.commit()
    await give(session, world, member, {"P10": [(9, "1")]})
    body = await score(client, world, "member_b", who="secretary_a")
    assert D(body["score"]["total"]) == 60 + 3 + 10


async def test_the_evaluation_falls_back_to_the_branch_mean(
    client, session: AsyncSession, world: World
) -> None:
    from tests.evaluation.support import close_round, open_round, peer_ballot

    # A closed round where member_a2 is rated by three peers: good, fair, poor → rate 0.5;
    # member_a, rated by fewer than three, takes the branch's mean (0.5): 5 points.
    headers = await login(client, "secretary_a")
    rnd = await open_round(
        client, headers, world.branch_a.id, opens_on="2026-12-01", closes_on="2026-12-25"
    )
    a2 = world.members["member_a2"].id
    for voter, rating in (("secretary_a", "good"), ("reviewer_a", "fair"), ("member_a", "poor")):
        response = await peer_ballot(client, await login(client, voter), rnd["id"], {a2: rating})
        assert response.status_code == 201, response.text
    await close_round(client, headers, rnd["id"])
    body = await score(client, world, "member_a")
    assert body["evaluation"]["rate_source"] == "branch_mean"
    assert D(body["evaluation"]["rate"]) == D("0.5")
    assert D(body["score"]["evaluation_points"]) == 5


async def test_reading_another_branchs_member_is_refused(client, world: World) -> None:
    headers = await login(client, "member_b")
    response = await client.get(
        f"{API}/members/{world.members['member_a'].id}/score?year=2026", headers=headers
    )
    assert response.status_code == 403
