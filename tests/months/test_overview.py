"""The months of a subtree (GET /organisations/{id}/months): which branches closed which months."""

from datetime import datetime

import pytest
from sqlalchemy import event

from app import clock, db
from tests.factories import login, make_org
from tests.helpers import new_claim, service_account_headers, set_now, shanghai
from tests.months.support import API, close, items_of, reopen

PERIODS = [f"2026-{m:02d}" for m in range(1, 13)]


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


def overview_url(org_id: int | None, **query: object) -> str:
    params = "&".join(f"{k}={v}" for k, v in {"year": 2026, **query}.items())
    return f"{API}/organisations/{org_id}/months?{params}"


def states(branch: dict) -> dict[str, str]:
    return {m["period"]: m["state"] for m in branch["months"] if m["state"] != "not_started"}


async def test_the_grid_of_a_small_subtree_as_worked_out_by_hand(client, world, session):
    # 第二党支部 was set up just after midnight on 1 March, Beijing time (still February in UTC).
    world.branch_b.created_at = shanghai("2026-03-01 00:30:00")
    session.add(world.branch_b)
    await session.commit()
    items = await items_of(session, world)
    admin = await login(client, "admin")
    # 第一党支部: October closed by its secretary; November has a claim awaiting a decision.
    closing_time = shanghai("2026-11-06 09:30:00")
    closed = await close(client, await login(client, "secretary_a"), world.branch_a.id, "2026-10")
    assert closed.status_code == 200, closed.text
    await new_claim(client, await login(client, "member_a"), items["C01"], submit=True)
    # 第二党支部: October closed, then reopened by the admin with a reason.
    assert (
        await close(client, await login(client, "secretary_b"), world.branch_b.id, "2026-10")
    ).status_code == 200
    assert (
        await reopen(client, admin, world.branch_b.id, "2026-10", "补录党课")
    ).status_code == 200
    # Another committee's branch, closed by its own admin: not counted here.
    other = await login(client, "other_admin")
    assert (await close(client, other, world.other_branch.id, "2026-10")).status_code == 200

    response = await client.get(overview_url(world.committee.id), headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["organisation_id"], body["year"], body["total"]) == (world.committee.id, 2026, 2)
    a, b = body["items"]
    assert (a["id"], a["name"], a["parent_name"]) == (
        world.branch_a.id,
        "第一党支部",
        "城关街道党工委",
    )
    assert b["id"] == world.branch_b.id
    assert [m["period"] for m in a["months"]] == PERIODS
    assert states(a) == {"2026-10": "locked", "2026-11": "open"}
    assert states(b) == {"2026-10": "open"}
    assert (a["closed"], b["closed"]) == (1, 0)
    assert b["since"] == "2026-03"

    october_a = a["months"][9]
    assert october_a["closed_by"] == {"id": world.users["secretary_a"].id, "name": "secretary_a"}
    assert datetime.fromisoformat(october_a["closed_at"]) > closing_time
    assert october_a["pending"] == 0
    assert a["months"][10]["pending"] == 1
    assert a["months"][10]["closed_by"] is None
    october_b = b["months"][9]
    assert october_b["closed_by"] is None and october_b["closed_at"] is None
    assert october_b["reopen_reason"] == "补录党课"
    assert october_b["reopened_at"] is not None

    totals = {p["period"]: p for p in body["periods"]}
    assert list(totals) == PERIODS
    assert {k: totals["2026-10"][k] for k in ("branches", "locked", "open", "not_started")} == {
        "branches": 2,
        "locked": 1,
        "open": 1,
        "not_started": 0,
    }
    november = totals["2026-11"]
    assert (november["locked"], november["open"], november["not_started"]) == (0, 1, 1)
    assert november["pending"] == 1
    assert (november["begun"], november["deadline_passed"]) == (True, False)
    assert (totals["2026-10"]["begun"], totals["2026-10"]["deadline_passed"]) == (True, True)
    assert (totals["2026-12"]["begun"], totals["2026-12"]["deadline_passed"]) == (False, False)
    assert totals["2026-01"]["not_started"] == 2


async def test_a_branch_admin_sees_its_one_branch_and_the_totals_count_only_it(client, world):
    admin = await login(client, "admin")
    assert (await close(client, admin, world.branch_b.id, "2026-10")).status_code == 200
    response = await client.get(overview_url(world.branch_a.id), headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [b["id"] for b in body["items"]] == [world.branch_a.id]
    assert body["periods"][9]["branches"] == 1
    assert body["periods"][9]["locked"] == 0


async def test_a_year_with_no_activity_is_all_not_started(client, world):
    admin = await login(client, "admin")
    assert (await close(client, admin, world.branch_a.id, "2026-10")).status_code == 200
    past = (await client.get(overview_url(world.committee.id, year=2025), headers=admin)).json()
    assert past["total"] == 2
    for branch in past["items"]:
        assert {m["state"] for m in branch["months"]} == {"not_started"}
        assert branch["closed"] == 0
    assert all(p["begun"] and p["deadline_passed"] for p in past["periods"])
    assert {(p["locked"], p["open"], p["not_started"], p["pending"]) for p in past["periods"]} == {
        (0, 0, 2, 0)
    }
    future = (await client.get(overview_url(world.committee.id, year=2027), headers=admin)).json()
    assert not any(p["begun"] for p in future["periods"])


@pytest.mark.parametrize(
    ("username", "organisation"),
    [
        ("secretary_a", "branch_a"),
        ("reviewer_a", "branch_a"),
        ("member_a", "committee"),
        ("secretary_a", "committee"),
        ("other_admin", "committee"),
        ("admin", "other_committee"),
        ("admin", "other_branch"),
    ],
)
async def test_only_org_admins_at_or_above_see_the_months(client, world, username, organisation):
    org = getattr(world, organisation)
    response = await client.get(overview_url(org.id), headers=await login(client, username))
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"


async def test_a_superadmin_sees_every_subtree(client, world):
    response = await client.get(
        overview_url(world.other_committee.id), headers=await login(client, "root")
    )
    assert response.status_code == 200, response.text
    assert [b["id"] for b in response.json()["items"]] == [world.other_branch.id]


async def test_a_service_account_is_refused_whatever_its_scope(client, world):
    admin = await login(client, "admin")
    service = await service_account_headers(client, admin, world.committee.id, "points:read")
    response = await client.get(overview_url(world.committee.id), headers=service)
    assert response.status_code == 403, response.text


async def test_refusals_unknown_organisation_missing_year_and_a_month_of_another_year(
    client, world
):
    admin = await login(client, "admin")
    missing = await client.get(overview_url(999_999), headers=admin)
    assert (missing.status_code, missing.json()["code"]) == (404, "organisation_not_found")
    no_year = await client.get(f"{API}/organisations/{world.committee.id}/months", headers=admin)
    assert no_year.status_code == 422
    other_year = await client.get(
        overview_url(world.committee.id, not_closed="2025-11"), headers=admin
    )
    assert (other_year.status_code, other_year.json()["code"]) == (422, "invalid_period")
    anonymous = await client.get(overview_url(world.committee.id))
    assert anonymous.status_code == 401


async def _bigger_tree(session, world) -> list[int]:
    """Under the committee: a general branch with three branches, one more branch and an
    archived one; branch ids in tree order (by path)."""
    committee = world.committee
    general = await make_org(session, "机关党总支", "general_branch", committee)
    inner = [await make_org(session, f"机关第{n}党支部", "branch", general) for n in "一二三"]
    extra = await make_org(session, "第三党支部", "branch", committee)
    archived = await make_org(session, "已撤销党支部", "branch", committee)
    archived.archived_at = clock.now()
    await session.commit()
    ordered = sorted([world.branch_a, world.branch_b, *inner, extra], key=lambda o: o.path)
    return [o.id for o in ordered]


async def test_pages_follow_the_tree_order_without_gaps_or_repeats(client, world, session):
    expected = await _bigger_tree(session, world)
    admin = await login(client, "admin")
    seen: list[int] = []
    for page in (1, 2, 3, 4):
        body = (
            await client.get(
                overview_url(world.committee.id, page=page, page_size=2), headers=admin
            )
        ).json()
        assert body["total"] == 6
        assert body["periods"][0]["branches"] == 6
        seen += [b["id"] for b in body["items"]]
    assert seen == expected
    inner = (await client.get(overview_url(world.committee.id, page_size=10), headers=admin)).json()
    assert [b["parent_name"] for b in inner["items"] if b["name"].startswith("机关")] == [
        "机关党总支"
    ] * 3


async def test_filters_search_by_name_and_months_not_closed(client, world, session):
    expected = await _bigger_tree(session, world)
    admin = await login(client, "admin")
    assert (await close(client, admin, world.branch_a.id, "2026-10")).status_code == 200
    found = (await client.get(overview_url(world.committee.id, q="机关"), headers=admin)).json()
    assert found["total"] == 3
    assert found["periods"][0]["branches"] == 6
    open_october = (
        await client.get(overview_url(world.committee.id, not_closed="2026-10"), headers=admin)
    ).json()
    assert [b["id"] for b in open_october["items"]] == [
        i for i in expected if i != world.branch_a.id
    ]
    assert open_october["periods"][9]["locked"] == 1


async def test_the_number_of_queries_does_not_grow_with_the_branches(client, world, session):
    admin = await login(client, "admin")
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    async def queries() -> int:
        statements.clear()
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            response = await client.get(
                overview_url(world.committee.id, page_size=200), headers=admin
            )
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
        assert response.status_code == 200, response.text
        return len(statements)

    await queries()  # the standard in force is cached from the first call on
    few = await queries()
    for n in range(30):
        await make_org(session, f"新建第{n}党支部", "branch", world.committee)
    await session.commit()
    assert await queries() == few
