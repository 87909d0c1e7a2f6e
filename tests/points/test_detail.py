"""积分明细 (the ledger with running totals), the year-to-date ranking of closed months, the
month's ranking as XLSX (亮分公示), attendance history, and the paginated timeline."""

from datetime import datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlmodel import col

from app.models import BranchEntry, LedgerEntry
from tests.factories import login
from tests.helpers import new_claim, set_now, shanghai
from tests.months.support import API, close, decide, items_of, record

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


def _d(value: str) -> Decimal:
    return Decimal(value)


async def _ok(response):
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _a_year_of_member_a(client, world, items) -> dict[str, int]:
    """member_a: October P01 (0.5); November C01 claim (0.5), D01 twice (0.5 a month, so the
    second counts nothing), X01 deduction (2). member_a2: November P01 only."""
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    a, a2 = world.members["member_a"].id, world.members["member_a2"].id
    branch = world.branch_a.id
    october = await _ok(
        await record(client, reviewer, branch, items["P01"], [a], occurred_on="2026-10-15")
    )
    claim = await new_claim(client, member, items["C01"], submit=True)
    await _ok(await decide(client, reviewer, claim["id"]))
    first = await _ok(
        await record(client, reviewer, branch, items["D01"], [a], occurred_on="2026-11-12")
    )
    await _ok(await record(client, reviewer, branch, items["D01"], [a], occurred_on="2026-11-15"))
    await _ok(
        await record(
            client,
            reviewer,
            branch,
            items["X01"],
            [a],
            occurred_on="2026-11-16",
            reason="无故缺席",
        )
    )
    await _ok(await record(client, reviewer, branch, items["P01"], [a2], occurred_on="2026-11-12"))
    return {"october": october["id"], "claim": claim["id"], "d01": first["id"]}


def _ledger_url(member_id) -> str:
    return f"{API}/members/{member_id}/ledger"


async def test_the_ledger_has_running_totals_month_subtotals_and_the_years_total(
    client, world, session
):
    items = await items_of(session, world)
    ids = await _a_year_of_member_a(client, world, items)
    member = await login(client, "member_a")
    member_id = world.members["member_a"].id

    page = await _ok(
        await client.get(_ledger_url(member_id), params={"year": 2026}, headers=member)
    )
    assert page["total"] == 5
    assert _d(page["base_score"]) == Decimal("60")
    rows = [
        (
            r["period"],
            r["occurred_on"],
            r["item"]["code"],
            r["source"],
            _d(r["signed_points"]),
            _d(r["counted"]),
            _d(r["running_total"]),
        )
        for r in page["items"]
    ]
    assert rows == [
        ("2026-10", "2026-10-15", "P01", "entry", Decimal("0.5"), Decimal("0.5"), Decimal("60.5")),
        ("2026-11", "2026-11-10", "C01", "claim", Decimal("0.5"), Decimal("0.5"), Decimal("61")),
        ("2026-11", "2026-11-12", "D01", "entry", Decimal("0.5"), Decimal("0.5"), Decimal("61.5")),
        # D01 counts at most 0.5 a month: the second meeting adds nothing to the score.
        ("2026-11", "2026-11-15", "D01", "entry", Decimal("0.5"), Decimal("0"), Decimal("61.5")),
        ("2026-11", "2026-11-16", "X01", "entry", Decimal("-2"), Decimal("-2"), Decimal("59.5")),
    ]
    assert page["items"][1]["claim_id"] == ids["claim"]
    assert page["items"][0]["entry_id"] == ids["october"]
    assert [
        (m["period"], m["rows"], _d(m["points"]), _d(m["counted"]), _d(m["running_total"]))
        for m in page["months"]
    ] == [
        ("2026-10", 1, Decimal("0.5"), Decimal("0.5"), Decimal("60.5")),
        ("2026-11", 4, Decimal("-0.5"), Decimal("-1"), Decimal("59.5")),
    ]
    summary = await _ok(
        await client.get(f"{API}/members/{member_id}/points", params={"year": 2026}, headers=member)
    )
    assert _d(page["year_total"]) == _d(summary["score_before_evaluation"]) == Decimal("59.5")

    # Newest first, one page at a time: the totals are those of the whole year.
    newest = await _ok(
        await client.get(
            _ledger_url(member_id),
            params={"year": 2026, "order": "desc", "page": 2, "page_size": 2},
            headers=member,
        )
    )
    assert (newest["total"], newest["page"], newest["page_size"]) == (5, 2, 2)
    assert [(r["occurred_on"], _d(r["running_total"])) for r in newest["items"]] == [
        ("2026-11-12", Decimal("61.5")),
        ("2026-11-10", Decimal("61")),
    ]
    assert [m["period"] for m in newest["months"]] == ["2026-11", "2026-10"]


async def test_a_year_without_points_starts_and_ends_at_the_base(client, world):
    member = await login(client, "member_a")
    page = await _ok(
        await client.get(
            _ledger_url(world.members["member_a"].id), params={"year": 2026}, headers=member
        )
    )
    assert (page["total"], page["items"], page["months"]) == (0, [], [])
    assert _d(page["base_score"]) == _d(page["year_total"]) == Decimal("60")


async def test_the_year_ranking_sums_closed_months_only(client, world, session, monkeypatch):
    items = await items_of(session, world)
    await _a_year_of_member_a(client, world, items)
    secretary = await login(client, "secretary_a")
    member = await login(client, "member_a2")
    url = f"{API}/branches/{world.branch_a.id}/ranking"
    a, a2 = world.members["member_a"].id, world.members["member_a2"].id

    nothing = await _ok(await client.get(url, params={"year": 2026}, headers=member))
    assert nothing["periods"] == []
    assert {_d(r["net"]) for r in nothing["rows"]} == {Decimal("0")}

    # Past both submission windows, the secretary closes October, then November.
    set_now(monkeypatch, shanghai("2026-12-08 10:00:00"))
    await _ok(await close(client, secretary, world.branch_a.id, "2026-10"))
    october = await _ok(await client.get(url, params={"year": 2026}, headers=member))
    assert october["periods"] == ["2026-10"]
    by_member = {r["member"]["id"]: r for r in october["rows"]}
    assert (by_member[a]["rank"], _d(by_member[a]["net"])) == (1, Decimal("0.5"))
    assert _d(by_member[a2]["net"]) == Decimal("0")

    await _ok(await close(client, secretary, world.branch_a.id, "2026-11"))
    year = await _ok(await client.get(url, params={"year": 2026}, headers=member))
    assert year["periods"] == ["2026-10", "2026-11"]
    by_member = {r["member"]["id"]: r for r in year["rows"]}
    # member_a: bonus 0.5 + 0.5 + 0.5 (D01 capped) = 1.5, less 2; member_a2: 0.5.
    assert (_d(by_member[a]["bonus"]), _d(by_member[a]["deduction"])) == (
        Decimal("1.5"),
        Decimal("2"),
    )
    assert _d(by_member[a]["net"]) == Decimal("-0.5")
    assert (by_member[a2]["rank"], _d(by_member[a2]["net"])) == (1, Decimal("0.5"))
    assert year["rows"][0]["member"]["id"] == a2
    assert year["rows"][-1]["member"]["id"] == a
    other_year = await _ok(await client.get(url, params={"year": 2025}, headers=member))
    assert other_year["periods"] == []


@pytest.mark.parametrize(
    ("username", "status"),
    [("member_a2", 200), ("reviewer_a", 200), ("member_b", 403), ("secretary_b", 403)],
)
async def test_the_year_ranking_is_for_the_branch(client, world, username, status):
    response = await client.get(
        f"{API}/branches/{world.branch_a.id}/ranking",
        params={"year": 2026},
        headers=await login(client, username),
    )
    assert response.status_code == status, response.text


@pytest.mark.parametrize("what", ["ledger", "attendance", "timeline"])
@pytest.mark.parametrize(
    ("username", "status"),
    [("member_a", 200), ("reviewer_a", 200), ("member_a2", 403), ("member_b", 403)],
)
async def test_a_members_detail_is_for_them_and_their_branch(client, world, what, username, status):
    response = await client.get(
        f"{API}/members/{world.members['member_a'].id}/{what}",
        params={"year": 2026},
        headers=await login(client, username),
    )
    assert response.status_code == status, response.text
    missing = await client.get(
        f"{API}/members/999999/{what}",
        params={"year": 2026},
        headers=await login(client, username),
    )
    assert missing.status_code == 404


async def test_the_ranking_xlsx_has_the_months_rows(client, world, session, monkeypatch):
    items = await items_of(session, world)
    await _a_year_of_member_a(client, world, items)
    url = f"{API}/branches/{world.branch_a.id}/months/2026-11/ranking.xlsx"
    reviewer = await login(client, "reviewer_a")
    member = await login(client, "member_a2")
    # Like the ranking: members wait for the close; another branch never.
    refused = await client.get(url, headers=member)
    assert refused.status_code == 403
    assert refused.json()["code"] == "ranking_not_published"
    assert (await client.get(url, headers=await login(client, "member_b"))).status_code == 403

    set_now(monkeypatch, shanghai("2026-12-08 10:00:00"))
    await _ok(await close(client, await login(client, "secretary_a"), world.branch_a.id))
    for headers in (reviewer, member):
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="ranking-')
        assert "2026-11" in disposition and "filename*=UTF-8''" in disposition
    ranking = await _ok(
        await client.get(
            f"{API}/branches/{world.branch_a.id}/months/2026-11/ranking", headers=reviewer
        )
    )
    sheet = load_workbook(BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert "第一党支部" in values[0][0] and "2026年11月" in values[0][0]
    month = await _ok(
        await client.get(f"{API}/branches/{world.branch_a.id}/months/2026-11", headers=reviewer)
    )
    closed_at = datetime.fromisoformat(month["closed_at"]).astimezone(SHANGHAI)
    assert values[1][0] == f"审核锁定：{closed_at:%Y-%m-%d %H:%M}"
    assert values[2] == ("名次", "姓名", "加分", "扣分", "当月得分")
    assert [(r[0], r[1], Decimal(str(r[4]))) for r in values[3:]] == [
        (row["rank"], row["member"]["name"], _d(row["net"])) for row in ranking["rows"]
    ]
    assert len(values[3:]) == len(ranking["rows"]) >= 2


async def test_attendance_lists_only_the_branch_entries(client, world, session):
    items = await items_of(session, world)
    ids = await _a_year_of_member_a(client, world, items)
    member = await login(client, "member_a")
    url = f"{API}/members/{world.members['member_a'].id}/attendance"
    page = await _ok(await client.get(url, params={"year": 2026}, headers=member))
    # Not the claim (C01), not the deduction (X01): the meetings and the 党课 the branch recorded.
    assert page["total"] == 3
    assert [(r["occurred_on"], r["item"]["code"], _d(r["points"])) for r in page["items"]] == [
        ("2026-11-15", "D01", Decimal("0.5")),
        ("2026-11-12", "D01", Decimal("0.5")),
        ("2026-10-15", "P01", Decimal("0.5")),
    ]
    assert page["items"][1]["entry_id"] == ids["d01"]
    assert page["items"][1]["recorded_by"]["name"] == "reviewer_a"
    assert not any(r["voided"] for r in page["items"])
    second = await _ok(
        await client.get(url, params={"year": 2026, "page": 2, "page_size": 2}, headers=member)
    )
    assert [r["occurred_on"] for r in second["items"]] == ["2026-10-15"]
    other = await _ok(
        await client.get(
            f"{API}/members/{world.members['member_a2'].id}/attendance",
            params={"year": 2026},
            headers=await login(client, "reviewer_a"),
        )
    )
    assert [r["item"]["code"] for r in other["items"]] == ["P01"]


async def test_the_timeline_is_paginated(client, world, session):
    items = await items_of(session, world)
    await _a_year_of_member_a(client, world, items)
    url = f"{API}/members/{world.members['member_a'].id}/timeline"
    member = await login(client, "member_a")
    everything = await _ok(await client.get(url, params={"year": 2026}, headers=member))
    assert set(everything) == {"items", "total", "page", "page_size"}
    assert everything["total"] == len(everything["items"]) >= 7
    second = await _ok(
        await client.get(url, params={"year": 2026, "page": 2, "page_size": 3}, headers=member)
    )
    assert (second["total"], second["page"], second["page_size"]) == (everything["total"], 2, 3)
    assert second["items"] == everything["items"][3:6]


async def test_a_voided_entry_shows_its_reversing_row_and_is_marked(client, world, session):
    """Written as a void writes it (app/months: a reversing row naming the row it reverses)."""
    items = await items_of(session, world)
    ids = await _a_year_of_member_a(client, world, items)
    member_id = world.members["member_a"].id
    row = (
        await session.execute(
            select(LedgerEntry).where(
                col(LedgerEntry.entry_id) == ids["d01"], col(LedgerEntry.member_id) == member_id
            )
        )
    ).scalar_one()
    session.add(
        LedgerEntry(
            member_id=row.member_id,
            branch_id=row.branch_id,
            year=row.year,
            period=row.period,
            standard_id=row.standard_id,
            item_id=row.item_id,
            points=-row.points,
            source=row.source,
            entry_id=row.entry_id,
            reverses_id=row.id,
            reason="误记",
        )
    )
    entry = await session.get(BranchEntry, ids["d01"])
    assert entry is not None
    entry.voided_at = shanghai("2026-11-20 09:00:00")
    await session.commit()

    member = await login(client, "member_a")
    page = await _ok(
        await client.get(_ledger_url(member_id), params={"year": 2026}, headers=member)
    )
    reversing = [r for r in page["items"] if r["reverses_id"] is not None]
    assert [(r["reverses_id"], _d(r["signed_points"])) for r in reversing] == [
        (row.id, Decimal("-0.5"))
    ]
    # The second D01 of the month now counts: the score is what it was.
    assert _d(page["year_total"]) == Decimal("59.5")
    attendance = await _ok(
        await client.get(
            f"{API}/members/{member_id}/attendance", params={"year": 2026}, headers=member
        )
    )
    voided = {r["entry_id"]: (r["voided"], _d(r["points"])) for r in attendance["items"]}
    assert voided[ids["d01"]] == (True, Decimal("0"))
    assert list(voided.values()).count((False, Decimal("0.5"))) == 2
