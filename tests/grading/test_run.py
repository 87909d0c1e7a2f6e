"""The grading run step by step (DESIGN.md §6): the draft, self-assessment and the vote, the
branch's review, the public notice and its objections, finalizing, approval above; and every
refusal on the way."""

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import AuditEvent, GradingVote
from tests.factories import World, login
from tests.grading.support import (
    FULL_MARKS,
    create_run,
    give,
    refused,
    result_of,
    run_url,
    set_december,
    step,
)


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    set_december(monkeypatch)


async def ballot(client: httpx.AsyncClient, username: str, run_id: int, votes: dict[int, str]):
    return await client.post(
        run_url(run_id, "/ballot"),
        json={"votes": [{"member_id": m, "grade": g} for m, g in votes.items()]},
        headers=await login(client, username),
    )


async def to_review(client, world: World, secretary: dict[str, str]) -> dict:
    run = await create_run(client, secretary, world.branch_a.id)
    await step(client, secretary, run["id"], "start-self-assessment")
    return await step(client, secretary, run["id"], "start-review")


async def test_a_branch_walks_through_the_whole_run(
    client, session: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = world.members
    await give(session, world, m["member_a"], FULL_MARKS)
    await give(session, world, m["member_a2"], {"X03": [(3, "3"), (4, "3")]})
    secretary = await login(client, "secretary_a")

    run = await create_run(client, secretary, world.branch_a.id)
    assert run["status"] == "draft" and run["excellent_slots"] == 1 and run["graded_count"] == 5
    a = result_of(run, m["member_a"])
    assert a["total"] == "100.0" and a["computed_grade"] == "excellent"
    # 60 + 10 − 6 = 64, basically qualified (the X03 ceiling, qualified, does not bind).
    assert result_of(run, m["member_a2"])["computed_grade"] == "basically_qualified"

    run = await step(client, secretary, run["id"], "start-self-assessment")
    response = await client.put(
        run_url(run["id"], "/self-assessment"),
        json={"grade": "excellent", "text": "全年按时参加组织生活，带头参加志愿服务。"},
        headers=await login(client, "member_a"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["self_grade"] == "excellent"
    assert len(response.json()["peers"]) == 4

    others = {m[u].id: "qualified" for u in ("secretary_a", "reviewer_a", "newcomer")}
    response = await ballot(
        client, "member_a", run["id"], {**others, m["member_a2"].id: "basically_qualified"}
    )
    assert response.status_code == 201, response.text
    response = await ballot(client, "member_a2", run["id"], {m["member_a"].id: "excellent"})
    assert response.status_code == 201, response.text

    run = await step(client, secretary, run["id"], "start-review")
    a = result_of(run, m["member_a"])
    assert a["final_grade"] == "excellent" and a["self_grade"] == "excellent"
    assert a["votes"] == {
        "excellent": 1,
        "qualified": 0,
        "basically_qualified": 0,
        "unqualified": 0,
    }
    assert result_of(run, m["member_a2"])["votes"]["basically_qualified"] == 1
    assert run["voters"] == 2

    response = await client.put(
        run_url(run["id"], f"/results/{m['member_a2'].id}"),
        json={"grade": "qualified", "reason": "支部评议认为其积极整改，群众认可。"},
        headers=secretary,
    )
    assert response.status_code == 200, response.text
    assert result_of(response.json(), m["member_a2"])["final_grade"] == "qualified"

    run = await step(client, secretary, run["id"], "start-publicity", json={"days": 5})
    assert run["publicity_starts_on"] == "2026-12-20" and run["publicity_ends_on"] == "2026-12-24"

    # The branch's members see the final grades, not the committee's papers.
    response = await client.get(run_url(run["id"]), headers=await login(client, "member_a2"))
    seen = response.json()
    assert result_of(seen, m["member_a"])["final_grade"] == "excellent"
    assert result_of(seen, m["member_a"])["self_assessment"] is None
    assert result_of(seen, m["member_a"])["votes"] is None

    response = await client.post(
        run_url(run["id"], "/objections"),
        json={"member_id": m["member_a"].id, "text": "对该同志评为优秀有不同意见。"},
        headers=await login(client, "member_a2"),
    )
    assert response.status_code == 201, response.text
    objection = response.json()["objections"][0]
    assert objection["mine"] is True

    refused(
        await client.post(run_url(run["id"], "/finalize"), headers=secretary),
        409,
        "publicity_not_over",
    )
    set_december(monkeypatch, "2026-12-25 09:00:00")
    body = refused(
        await client.post(run_url(run["id"], "/finalize"), headers=secretary),
        409,
        "objections_unanswered",
    )
    assert body["unanswered"] == 1
    response = await client.post(
        run_url(run["id"], f"/objections/{objection['id']}/answer"),
        json={"answer": "经支部核实，该同志全年表现突出，维持评议结果。"},
        headers=secretary,
    )
    assert response.status_code == 200, response.text
    run = await step(client, secretary, run["id"], "finalize")
    assert run["status"] == "finalized"

    refused(await client.post(run_url(run["id"], "/approve"), headers=secretary), 403)
    refused(
        await client.post(
            run_url(run["id"], "/approve"), headers=await login(client, "other_admin")
        ),
        403,
        "not_above",
    )
    run = await step(client, await login(client, "admin"), run["id"], "approve")
    assert run["status"] == "approved" and run["approved_at"]
    # member_a excellent; the three at 70 (no points, evaluation 10) basically qualified.
    assert {(f["member"]["id"], f["kind"]) for f in run["follow_ups"]} == {
        (m["member_a"].id, "commendation"),
        *((m[u].id, "mentor") for u in ("secretary_a", "reviewer_a", "newcomer")),
    }

    # An approved run never changes; a correction is a new run with its reason.
    refused(
        await client.put(
            run_url(run["id"], f"/results/{m['member_a2'].id}"),
            json={"grade": "qualified", "reason": "x"},
            headers=secretary,
        ),
        409,
        "grading_step",
    )
    refused(
        await client.post(
            f"/api/v1/branches/{world.branch_a.id}/gradings", json={"year": 2026}, headers=secretary
        ),
        422,
        "correction_reason_required",
    )
    again = await create_run(
        client, secretary, world.branch_a.id, correction_reason="党员甲的扣分记录有误，重新定级。"
    )
    assert again["corrects_run_id"] == run["id"]

    actions = list(
        await session.scalars(
            select(col(AuditEvent.action)).where(
                col(AuditEvent.entity_type) == "grading_run", col(AuditEvent.entity_id) == run["id"]
            )
        )
    )
    await session.commit()
    for action in (
        "create",
        "self_assessment",
        "vote",
        "review",
        "final_grade",
        "publicity",
        "objection",
        "objection_answer",
        "finalized",
        "approved",
    ):
        assert action in actions, action


@pytest.mark.parametrize(
    ("name", "current"),
    [
        ("finalize", "draft"),
        ("start-review", "draft"),
        ("start-publicity", "draft"),
        ("approve", "draft"),
    ],
)
async def test_every_step_out_of_order_is_refused_with_the_current_step(
    client, world: World, name: str, current: str
) -> None:
    secretary = await login(client, "secretary_a")
    run = await create_run(client, secretary, world.branch_a.id)
    body = refused(
        await client.post(run_url(run["id"], f"/{name}"), headers=await login(client, "admin")),
        409,
        "grading_step",
    )
    assert body["step"] == current


async def test_steps_out_of_order_later_in_the_run(client, world: World) -> None:
    secretary = await login(client, "secretary_a")
    run = await create_run(client, secretary, world.branch_a.id)
    await step(client, secretary, run["id"], "start-self-assessment")
    for name in ("recompute", "start-self-assessment", "start-publicity", "finalize"):
        body = refused(
            await client.post(run_url(run["id"], f"/{name}"), headers=secretary),
            409,
            "grading_step",
        )
        assert body["step"] == "self_assessment"
    await step(client, secretary, run["id"], "start-review")
    refused(
        await ballot(client, "member_a", run["id"], {world.members["member_a2"].id: "qualified"}),
        409,
        "grading_step",
    )


async def test_one_run_per_branch_and_year(client, world: World) -> None:
    secretary = await login(client, "secretary_a")
    await create_run(client, secretary, world.branch_a.id)
    refused(
        await client.post(
            f"/api/v1/branches/{world.branch_a.id}/gradings", json={"year": 2026}, headers=secretary
        ),
        409,
        "grading_exists",
    )
    # Another branch's secretary runs only their own.
    refused(
        await client.post(
            f"/api/v1/branches/{world.branch_a.id}/gradings",
            json={"year": 2026},
            headers=await login(client, "secretary_b"),
        ),
        403,
    )


async def test_recompute_sees_the_ledger_as_it_stands(
    client, session: AsyncSession, world: World
) -> None:
    secretary = await login(client, "secretary_a")
    run = await create_run(client, secretary, world.branch_a.id)
    assert result_of(run, world.members["member_a"])["total"] == "70.0"
    await give(session, world, world.members["member_a"], {"P10": [(1, "1")]})
    run = await step(client, secretary, run["id"], "recompute")
    assert result_of(run, world.members["member_a"])["total"] == "71.0"


async def test_a_vote_twice_on_oneself_or_by_a_probationary_member(
    client, session: AsyncSession, world: World
) -> None:
    from app.models import Member

    secretary = await login(client, "secretary_a")
    run = await create_run(client, secretary, world.branch_a.id)
    await step(client, secretary, run["id"], "start-self-assessment")
    m = world.members
    refused(
        await ballot(client, "member_a", run["id"], {m["member_a"].id: "excellent"}),
        403,
        "self_vote",
    )
    refused(
        await ballot(client, "member_a", run["id"], {m["member_b"].id: "excellent"}),
        422,
        "not_votable",
    )
    assert (
        await ballot(client, "member_a", run["id"], {m["member_a2"].id: "qualified"})
    ).status_code == 201
    refused(
        await ballot(client, "member_a", run["id"], {m["member_a2"].id: "qualified"}),
        409,
        "grading_already_voted",
    )
    refused(
        await ballot(client, "member_b", run["id"], {m["member_a2"].id: "qualified"}),
        403,
        "grading_not_in_branch",
    )
    probationary = await session.get(Member, m["member_a2"].id)
    assert probationary is not None
    probationary.is_probationary = True
    await session.commit()
    refused(
        await ballot(client, "member_a2", run["id"], {m["member_a"].id: "qualified"}),
        403,
        "full_members_only",
    )


async def test_votes_say_nothing_of_who_cast_them(
    client, session: AsyncSession, world: World
) -> None:
    secretary = await login(client, "secretary_a")
    run = await create_run(client, secretary, world.branch_a.id)
    await step(client, secretary, run["id"], "start-self-assessment")
    target = world.members["member_a2"].id
    for voter in ("member_a", "reviewer_a", "secretary_a"):
        assert (await ballot(client, voter, run["id"], {target: "qualified"})).status_code == 201
    columns = set(GradingVote.model_fields)
    assert columns == {"id", "run_id", "member_id", "grade"}
    await step(client, secretary, run["id"], "start-review")
    ids = list(await session.scalars(select(col(GradingVote.id))))
    await session.commit()
    assert len(ids) == 3 and all(len(i) == 32 for i in ids)


async def test_a_departure_needs_a_reason_and_the_quota_holds(
    client, session: AsyncSession, world: World
) -> None:
    m = world.members
    await give(session, world, m["member_a"], FULL_MARKS)
    secretary = await login(client, "secretary_a")
    run = await to_review(client, world, secretary)
    url = run_url(run["id"], f"/results/{m['member_a2'].id}")
    refused(
        await client.put(url, json={"grade": "qualified"}, headers=secretary),
        422,
        "reason_required",
    )
    # One excellent place, member_a holds it.
    body = refused(
        await client.put(url, json={"grade": "excellent", "reason": "表现突出"}, headers=secretary),
        422,
        "quota_exceeded",
    )
    assert body["slots"] == 1
    refused(
        await client.put(
            run_url(run["id"], f"/results/{m['secretary_a'].id}"),
            json={"grade": "qualified", "reason": "x"},
            headers=secretary,
        ),
        403,
        "self_grading",
    )


async def test_the_organisation_above_sends_a_run_back(client, world: World, monkeypatch) -> None:
    secretary = await login(client, "secretary_a")
    run = await to_review(client, world, secretary)
    await step(client, secretary, run["id"], "start-publicity", json={"days": 1})
    set_december(monkeypatch, "2026-12-21 09:00:00")
    await step(client, secretary, run["id"], "finalize")
    admin = await login(client, "admin")
    refused(
        await client.post(run_url(run["id"], "/send-back"), json={"reason": ""}, headers=admin), 422
    )
    run = await step(
        client, admin, run["id"], "send-back", json={"reason": "请补充民主测评情况说明。"}
    )
    assert run["status"] == "review" and run["sent_back_reason"] == "请补充民主测评情况说明。"
    assert run["publicity_ends_on"] is None


async def test_members_do_not_see_a_run_before_its_notice(client, world: World) -> None:
    secretary = await login(client, "secretary_a")
    run = await to_review(client, world, secretary)
    refused(
        await client.get(run_url(run["id"]), headers=await login(client, "member_a")),
        403,
        "grading_not_public",
    )
    refused(await client.get(run_url(run["id"]), headers=await login(client, "member_b")), 403)
