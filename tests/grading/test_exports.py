"""The grading's sheets (XLSX with Chinese headers, streamed CSV; formulas neutralised), the
subtree's summary for the organisation above, and the follow-ups of an approved run."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Member
from tests.factories import World, login
from tests.grading.support import FULL_MARKS, create_run, give, refused, run_url, set_december, step

API = "/api/v1"


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    set_december(monkeypatch)


async def approved_run(client, world: World, monkeypatch: pytest.MonkeyPatch) -> dict:
    secretary = await login(client, "secretary_a")
    run = await create_run(client, secretary, world.branch_a.id)
    for name in ("start-self-assessment", "start-review"):
        await step(client, secretary, run["id"], name)
    await step(client, secretary, run["id"], "start-publicity", json={"days": 1})
    set_december(monkeypatch, "2026-12-21 09:00:00")
    await step(client, secretary, run["id"], "finalize")
    return await step(client, await login(client, "admin"), run["id"], "approve")


async def test_the_xlsx_has_a_row_a_member_and_neutralises_formulas(
    client, session: AsyncSession, world: World
) -> None:
    member = await session.get(Member, world.members["member_a2"].id)
    assert member is not None
    member.name = '=HYPERLINK("http://evil.example","点我")'
    await session.commit()
    await give(session, world, world.members["member_a"], FULL_MARKS)
    secretary = await login(client, "secretary_a")
    run = await create_run(client, secretary, world.branch_a.id)
    response = await client.get(run_url(run["id"], "/export?format=xlsx"), headers=secretary)
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("支部", "姓名", "党员类别")
    assert rows[1][3:7] == ("讲政治有信念", "讲规矩有纪律", "讲道德有品行", "讲奉献有作为")
    body = rows[2:]
    assert len(body) == 5
    names = [r[1] for r in body]
    assert '\'=HYPERLINK("http://evil.example","点我")' in names
    a = next(r for r in body if r[1] == "member_a")
    assert a[0] == "第一党支部" and a[2] == "机关企事业单位党员"
    assert a[3:11] == (8, 7, 7, 8, 60, 10, 0, 100)
    assert a[11] == "优秀" and a[12] is None  # final grade set at the review
    assert "达到优秀线" in a[13]


async def test_the_csv_is_streamed_with_a_bom(client, session: AsyncSession, world: World) -> None:
    secretary = await login(client, "secretary_a")
    run = await create_run(client, secretary, world.branch_a.id)
    response = await client.get(run_url(run["id"], "/export?format=csv"), headers=secretary)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "支部" and len(rows) == 6
    refused(await client.get(run_url(run["id"], "/export?format=pdf"), headers=secretary), 422)
    refused(
        await client.get(run_url(run["id"], "/export"), headers=await login(client, "member_a")),
        403,
    )


async def test_the_subtree_summary_and_its_export(
    client, session: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await give(session, world, world.members["member_a"], FULL_MARKS)
    await approved_run(client, world, monkeypatch)
    admin = await login(client, "admin")
    response = await client.get(
        f"{API}/organisations/{world.committee.id}/gradings?year=2026", headers=admin
    )
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {b["branch"]["name"]: b for b in body["branches"]}
    assert rows["第一党支部"]["status"] == "approved"
    assert rows["第一党支部"]["excellent"] == 1 and rows["第一党支部"]["basically_qualified"] == 4
    assert rows["第一党支部"]["excellent_share"] == "0.2000"
    assert rows["第二党支部"]["run_id"] is None
    assert body["not_approved"] == 1
    response = await client.get(
        f"{API}/organisations/{world.committee.id}/gradings/export?year=2026", headers=admin
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["定级结果", "各支部汇总"]
    summary = list(book["各支部汇总"].iter_rows(values_only=True))
    assert summary[1][:3] == ("第一党支部", "已审批", 5)
    assert summary[2][:3] == ("第二党支部", "未开始", 0)
    refused(
        await client.get(
            f"{API}/organisations/{world.committee.id}/gradings?year=2026",
            headers=await login(client, "secretary_a"),
        ),
        403,
    )


async def test_follow_ups_of_an_approved_run(
    client, session: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = await approved_run(client, world, monkeypatch)
    m = world.members
    secretary = await login(client, "secretary_a")
    url = run_url(run["id"], f"/follow-ups/{m['member_a2'].id}")
    response = await client.patch(
        url,
        json={
            "mentor_member_id": m["reviewer_a"].id,
            "status": "in_progress",
            "notes": "每月谈心一次",
        },
        headers=secretary,
    )
    assert response.status_code == 200, response.text
    follow = next(
        f for f in response.json()["follow_ups"] if f["member"]["id"] == m["member_a2"].id
    )
    assert follow["kind"] == "mentor" and follow["mentor"]["id"] == m["reviewer_a"].id
    assert follow["status"] == "in_progress"
    refused(
        await client.patch(url, json={"mentor_member_id": m["member_a2"].id}, headers=secretary),
        422,
        "self_mentor",
    )
    refused(
        await client.patch(url, json={"mentor_member_id": m["member_b"].id}, headers=secretary),
        422,
        "mentor_not_in_branch",
    )
    refused(await client.patch(url, json={"status": "finished"}, headers=secretary), 422)


async def test_control_characters_a_worksheet_cannot_hold_are_dropped(
    client, session: AsyncSession, world: World
) -> None:
    from app.models import Organisation

    branch = await session.get(Organisation, world.branch_a.id)
    member = await session.get(Member, world.members["member_a2"].id)
    assert branch is not None and member is not None
    branch.name = "第一\x07党支部"
    member.name = "=党员\x01乙"
    await session.commit()
    secretary = await login(client, "secretary_a")
    run = await create_run(client, secretary, world.branch_a.id)
    response = await client.get(run_url(run["id"], "/export?format=xlsx"), headers=secretary)
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "第一党支部-2026年度定级"
    assert "'=党员乙" in [r[1] for r in rows[2:]]
