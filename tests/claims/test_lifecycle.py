"""The claim state machine and the rules of a claim's content, through the API."""

import pytest

from tests.factories import login
from tests.helpers import item_ids, new_claim, set_now, shanghai


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


async def test_member_files_and_submits_a_claim_with_evidence(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    assert claim["status"] == "submitted"
    assert claim["period"] == "2026-11"
    assert claim["claimed_points"] == "0.5"
    assert claim["evidence_count"] == 1
    assert claim["deadline"].startswith("2026-12-05T23:59:59")
    assert claim["member"]["id"] == world.members["member_a"].id


async def test_claimed_points_are_item_points_times_quantity(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["M05"], quantity=2)  # 0.5 each, 1 a month
    assert claim["claimed_points"] == "1.0"


async def test_submit_without_required_evidence_is_refused(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], photo=False)
    response = await client.post(f"/api/v1/claims/{claim['id']}/submit", headers=member)
    assert response.status_code == 409
    assert response.json()["code"] == "evidence_required"


async def test_illegal_transition_answers_409_with_current_state(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"])
    reviewer = await login(client, "reviewer_a")
    response = await client.post(f"/api/v1/claims/{claim['id']}/approve", headers=reviewer)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["current_state"] == "draft"
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_withdraw_takes_a_submitted_claim_back_to_draft(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    response = await client.post(f"/api/v1/claims/{claim['id']}/withdraw", headers=member)
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    again = await client.post(f"/api/v1/claims/{claim['id']}/withdraw", headers=member)
    assert again.status_code == 409
    assert again.json()["current_state"] == "draft"


async def test_only_drafts_and_returned_claims_can_be_edited(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"])
    edited = await client.patch(
        f"/api/v1/claims/{claim['id']}", json={"description": "改：参加社区义诊"}, headers=member
    )
    assert edited.status_code == 200
    assert edited.json()["description"] == "改：参加社区义诊"
    await client.post(f"/api/v1/claims/{claim['id']}/submit", headers=member)
    refused = await client.patch(
        f"/api/v1/claims/{claim['id']}", json={"description": "再改"}, headers=member
    )
    assert refused.status_code == 409
    assert refused.json()["current_state"] == "submitted"


async def test_only_drafts_can_be_deleted(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    draft = await new_claim(client, member, items["C01"])
    submitted = await new_claim(client, member, items["C01"], occurred_on="2026-11-11", submit=True)
    refused = await client.delete(f"/api/v1/claims/{submitted['id']}", headers=member)
    assert refused.status_code == 409
    deleted = await client.delete(f"/api/v1/claims/{draft['id']}", headers=member)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/v1/claims/{draft['id']}", headers=member)
    assert gone.status_code == 404


async def test_returned_claim_is_edited_and_resubmitted(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    no_comment = await client.post(
        f"/api/v1/claims/{claim['id']}/return", json={"comment": ""}, headers=reviewer
    )
    assert no_comment.status_code == 422
    returned = await client.post(
        f"/api/v1/claims/{claim['id']}/return",
        json={"comment": "请补充活动时间和地点"},
        headers=reviewer,
    )
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"
    assert returned.json()["decision_comment"] == "请补充活动时间和地点"
    edited = await client.patch(
        f"/api/v1/claims/{claim['id']}",
        json={"description": "11月10日在青山社区参加志愿服务"},
        headers=member,
    )
    assert edited.status_code == 200
    resubmitted = await client.post(f"/api/v1/claims/{claim['id']}/submit", headers=member)
    assert resubmitted.status_code == 200
    assert resubmitted.json()["status"] == "submitted"
    timeline = await client.get(f"/api/v1/claims/{claim['id']}/timeline", headers=member)
    actions = [(e["action"], e["from_state"], e["to_state"]) for e in timeline.json()]
    assert actions == [
        ("create", None, "draft"),
        ("evidence_add", "draft", "draft"),
        ("submit", "draft", "submitted"),
        ("return", "submitted", "returned"),
        ("edit", "returned", "returned"),
        ("submit", "returned", "submitted"),
    ]
    assert timeline.json()[3]["comment"] == "请补充活动时间和地点"
    assert timeline.json()[3]["actor"]["name"] == "reviewer_a"


async def test_reject_needs_a_comment_and_is_terminal(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    missing = await client.post(f"/api/v1/claims/{claim['id']}/reject", json={}, headers=reviewer)
    assert missing.status_code == 422
    rejected = await client.post(
        f"/api/v1/claims/{claim['id']}/reject", json={"comment": "不属于本月活动"}, headers=reviewer
    )
    assert rejected.json()["status"] == "rejected"
    for action in ("submit", "withdraw"):
        response = await client.post(f"/api/v1/claims/{claim['id']}/{action}", headers=member)
        assert response.status_code == 409
        assert response.json()["current_state"] == "rejected"


async def test_approval_may_grant_fewer_points_with_a_reason(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    claim = await new_claim(client, member, items["M05"], quantity=2, photo=True, submit=True)
    url = f"/api/v1/claims/{claim['id']}/approve"
    no_reason = await client.post(url, json={"points": "0.5"}, headers=reviewer)
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "comment_required"
    too_many = await client.post(url, json={"points": "1.5", "comment": "x"}, headers=reviewer)
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "points_over_claimed"
    approved = await client.post(
        url, json={"points": "0.5", "comment": "只调解成功一次"}, headers=reviewer
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["granted_points"] == "0.5"
    ledger = await client.get(
        f"/api/v1/members/{world.members['member_a'].id}/ledger?year=2026", headers=member
    )
    rows = ledger.json()["items"]
    assert [(r["source"], r["points"], r["claim_id"]) for r in rows] == [
        ("claim", "0.5", claim["id"])
    ]


async def test_occurred_on_in_the_future_is_refused(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    response = await new_claim(client, member, items["C01"], occurred_on="2026-11-21", expect=422)
    assert response["code"] == "occurred_in_future"


async def test_branch_recorded_item_cannot_be_claimed(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    response = await new_claim(client, member, items["P01"], expect=422)
    assert response["code"] == "item_not_self_declared"


async def test_item_for_another_category_is_refused(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")  # category institution
    response = await new_claim(client, member, items["C07"], expect=422)  # rural only
    assert response["code"] == "item_not_for_category"


async def test_item_of_another_year_is_refused(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    response = await new_claim(client, member, items["C01"], occurred_on="2025-12-30", expect=409)
    assert response["code"] == "no_standard_in_force"


async def test_quantity_beyond_the_monthly_limit_is_refused(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    response = await new_claim(client, member, items["C01"], quantity=3, expect=422)
    assert response["code"] == "quantity_over_limit"


async def test_a_claim_submitted_at_once_is_held_to_the_caps(client, world, session):
    """The caps of a claim created with submit: true (read with the month's lock, in one
    statement, once the month has its row)."""
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")

    async def submit_at_once(occurred_on: str, quantity: int):
        return await client.post(
            "/api/v1/claims",
            json={
                "item_id": items["D05"],  # 0.5 a claim, capped at 0.5 a month, no evidence
                "occurred_on": occurred_on,
                "quantity": quantity,
                "description": "参加社区志愿服务",
                "submit": True,
            },
            headers=member,
        )

    first = await submit_at_once("2026-11-10", 1)  # 0.5 = the cap
    assert first.status_code == 201 and first.json()["status"] == "submitted", first.text
    # Its two events are written with it (one statement on PostgreSQL), about this claim.
    timeline = await client.get(f"/api/v1/claims/{first.json()['id']}/timeline", headers=member)
    assert [(e["action"], e["from_state"], e["to_state"]) for e in timeline.json()] == [
        ("create", None, "draft"),
        ("submit", "draft", "submitted"),
    ]
    assert {e["actor"]["name"] for e in timeline.json()} == {"member_a"}
    second = await submit_at_once("2026-11-12", 1)
    assert second.status_code == 409, second.text
    assert second.json()["code"] == "item_month_limit_reached"
    assert second.json()["used"] == "0.5"
    # Refused after the statement that read the caps had inserted it: nothing of it is kept.
    listed = await client.get("/api/v1/claims", params={"month": "2026-11"}, headers=member)
    assert [c["id"] for c in listed.json()["items"]] == [first.json()["id"]]


async def test_monthly_limit_counts_pending_and_approved_claims(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    await new_claim(client, member, items["C01"], quantity=2, submit=True)  # 1.0 = the cap
    extra = await new_claim(client, member, items["C01"], occurred_on="2026-11-12")
    response = await client.post(f"/api/v1/claims/{extra['id']}/submit", headers=member)
    assert response.status_code == 409
    assert response.json()["code"] == "item_month_limit_reached"


async def test_description_is_required(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    response = await client.post(
        "/api/v1/claims",
        json={"item_id": items["C01"], "occurred_on": "2026-11-10", "description": "  "},
        headers=member,
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-05 23:59:59", 201),  # the deadline's last second, Shanghai time
        ("2026-12-06 00:00:00", 409),
    ],
)
async def test_deadline_is_the_end_of_the_deadline_day_in_shanghai(
    client, world, session, monkeypatch, moment, expected
):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    set_now(monkeypatch, shanghai(moment))
    response = await client.post(
        "/api/v1/claims",
        json={
            "item_id": items["C01"],
            "occurred_on": "2026-11-30",
            "description": "月底志愿服务",
        },
        headers=member,
    )
    assert response.status_code == expected, response.text
    if expected == 409:
        assert response.json()["code"] == "claim_window_closed"


async def test_deadline_applies_to_submitting_a_draft(client, world, session, monkeypatch):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"])
    set_now(monkeypatch, shanghai("2026-12-06 00:00:01"))
    response = await client.post(f"/api/v1/claims/{claim['id']}/submit", headers=member)
    assert response.status_code == 409
    assert response.json()["code"] == "claim_window_closed"


async def test_only_the_claimant_changes_a_claim(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"])
    reviewer = await login(client, "reviewer_a")
    for method, path in (
        ("post", "submit"),
        ("patch", ""),
        ("delete", ""),
    ):
        url = f"/api/v1/claims/{claim['id']}" + (f"/{path}" if path else "")
        kwargs = {"json": {"description": "改"}} if method == "patch" else {}
        response = await getattr(client, method)(url, headers=reviewer, **kwargs)
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "not_your_claim"


async def test_people_without_a_member_record_cannot_claim(client, world, session):
    items = await item_ids(session, world.standard_id)
    admin = await login(client, "admin")
    response = await new_claim(client, admin, items["C01"], expect=403)
    assert response["code"] == "not_a_member"


async def test_decisions_not_yet_seen_are_listed_until_marked(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    await client.post(f"/api/v1/claims/{claim['id']}/approve", headers=reviewer)
    unseen = await client.get("/api/v1/claims?unseen=true", headers=member)
    assert [c["id"] for c in unseen.json()["items"]] == [claim["id"]]
    marked = await client.post(
        "/api/v1/claims/seen", json={"claim_ids": [claim["id"]]}, headers=member
    )
    assert marked.json() == {"marked": 1}
    unseen = await client.get("/api/v1/claims?unseen=true", headers=member)
    assert unseen.json()["total"] == 0
