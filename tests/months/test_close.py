"""The monthly close (月度审核锁定), what a locked month refuses, reopening, and the month view."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import col

from app.models import AuditEvent
from tests.factories import login
from tests.helpers import jpeg_bytes, new_claim, set_now, shanghai
from tests.months.support import (
    API,
    close,
    decide,
    items_of,
    lock_behind_the_api,
    month_url,
    record,
    reopen,
)


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


async def _claim_status(client, headers, claim_id) -> str:
    response = await client.get(f"{API}/claims/{claim_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["status"]


# -- closing ----------------------------------------------------------------------------------


async def test_close_is_refused_while_a_claim_is_submitted(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    secretary = await login(client, "secretary_a")
    claim = await new_claim(client, member, items["C01"], submit=True)

    refused = await close(client, secretary, world.branch_a.id)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "claims_pending"
    assert refused.json()["count"] == 1
    view = await client.get(month_url(world.branch_a.id), headers=secretary)
    assert view.json()["status"] == "open"
    assert await _claim_status(client, member, claim["id"]) == "submitted"

    reviewer = await login(client, "reviewer_a")
    assert (await decide(client, reviewer, claim["id"])).status_code == 200
    closed = await close(client, secretary, world.branch_a.id)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "locked"


async def test_pending_claims_of_another_branch_or_month_do_not_block_the_close(
    client, world, session, monkeypatch
):
    items = await items_of(session, world)
    set_now(monkeypatch, shanghai("2026-12-03 10:00:00"))
    await new_claim(client, await login(client, "member_b"), items["C01"], submit=True)
    await new_claim(
        client, await login(client, "member_a"), items["C01"], occurred_on="2026-12-01", submit=True
    )
    closed = await close(client, await login(client, "secretary_a"), world.branch_a.id)
    assert closed.status_code == 200, closed.text
    assert closed.json()["counts"]["submitted"] == 0


async def test_close_expires_drafts_and_returned_claims_and_audits_it(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    member2 = await login(client, "member_a2")
    reviewer = await login(client, "reviewer_a")
    secretary = await login(client, "secretary_a")
    draft = await new_claim(client, member, items["C01"])
    approved = await new_claim(client, member, items["C01"], submit=True)
    returned = await new_claim(client, member2, items["C01"], submit=True)
    rejected = await new_claim(client, member2, items["C01"], submit=True)
    assert (await decide(client, reviewer, approved["id"])).status_code == 200
    assert (await decide(client, reviewer, returned["id"], "return")).status_code == 200
    assert (await decide(client, reviewer, rejected["id"], "reject")).status_code == 200

    closed = await close(client, secretary, world.branch_a.id)
    assert closed.status_code == 200, closed.text
    assert closed.json()["expired"] == 2
    assert closed.json()["counts"]["expired"] == 2

    assert await _claim_status(client, member, draft["id"]) == "expired"
    assert await _claim_status(client, member2, returned["id"]) == "expired"
    assert await _claim_status(client, member, approved["id"]) == "approved"
    assert await _claim_status(client, member2, rejected["id"]) == "rejected"

    for claim, headers, before in ((draft, member, "draft"), (returned, member2, "returned")):
        timeline = await client.get(f"{API}/claims/{claim['id']}/timeline", headers=headers)
        assert timeline.status_code == 200
        expiry = [e for e in timeline.json() if e["action"] == "expire"]
        assert len(expiry) == 1, timeline.json()
        assert expiry[0]["from_state"] == before
        assert expiry[0]["to_state"] == "expired"
        assert expiry[0]["actor"]["id"] == world.users["secretary_a"].id
    timeline = await client.get(f"{API}/claims/{approved['id']}/timeline", headers=member)
    assert "expire" not in [e["action"] for e in timeline.json()]


async def test_a_closed_month_cannot_be_closed_again(client, world, session):
    secretary = await login(client, "secretary_a")
    assert (await close(client, secretary, world.branch_a.id)).status_code == 200
    again = await close(client, secretary, world.branch_a.id)
    assert again.status_code == 409
    assert again.json()["code"] == "month_locked"


async def test_a_month_that_has_not_begun_cannot_be_closed(client, world, session):
    secretary = await login(client, "secretary_a")
    response = await close(
        client, secretary, world.branch_a.id, "2026-12", at=shanghai("2026-11-20 10:00:00")
    )
    assert response.status_code == 409
    assert response.json()["code"] == "month_not_started"
    view = await client.get(month_url(world.branch_a.id, "2026-12"), headers=secretary)
    assert view.json()["status"] == "open"


@pytest.mark.parametrize("username", ["reviewer_a", "member_a", "secretary_b", "other_admin"])
async def test_only_the_branch_secretary_or_an_org_admin_above_closes(
    client, world, session, username
):
    response = await close(client, await login(client, username), world.branch_a.id)
    assert response.status_code == 403, response.text
    view = await client.get(month_url(world.branch_a.id), headers=await login(client, "admin"))
    assert view.json()["status"] == "open"


async def test_an_org_admin_above_may_close(client, world, session):
    response = await close(client, await login(client, "admin"), world.branch_a.id)
    assert response.status_code == 200, response.text
    assert response.json()["closed_by"]["id"] == world.users["admin"].id


# -- what a locked month refuses ------------------------------------------------------------


@pytest.mark.parametrize(
    ("submit", "code"),
    [(False, "C01"), (True, "D05")],
    ids=["draft", "submitted-at-once"],
)
async def test_locked_month_refuses_new_claims(client, world, session, submit, code):
    """Both ways in: a draft, and a claim submitted at once (`submit: true`) of an item with
    caps and no evidence, whose month lock is read in the same statement as the caps (on
    PostgreSQL, the statement that inserts it too: the refusal must undo the insert)."""
    items = await items_of(session, world)
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    member = await login(client, "member_a")
    response = await client.post(
        f"{API}/claims",
        json={
            "item_id": items[code],
            "occurred_on": "2026-11-10",
            "description": "参加社区志愿服务",
            "submit": submit,
        },
        headers=member,
    )
    assert response.status_code == 409, response.text
    refused = response.json()
    assert refused["code"] == "month_locked"
    listed = await client.get(f"{API}/claims", params={"month": "2026-11"}, headers=member)
    assert listed.json()["total"] == 0
    # Other branches' months are not affected.
    await new_claim(client, await login(client, "member_b"), items["C01"], photo=False)


async def test_locked_month_refuses_moving_a_draft_into_it(client, world, session, monkeypatch):
    items = await items_of(session, world)
    set_now(monkeypatch, shanghai("2026-12-03 10:00:00"))  # November's window is still open
    member = await login(client, "member_a")
    draft = await new_claim(client, member, items["C01"], occurred_on="2026-12-01", photo=False)
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    moved = await client.patch(
        f"{API}/claims/{draft['id']}", json={"occurred_on": "2026-11-20"}, headers=member
    )
    assert moved.status_code == 409, moved.text
    assert moved.json()["code"] == "month_locked"
    reread = await client.get(f"{API}/claims/{draft['id']}", headers=member)
    assert reread.json()["period"] == "2026-12"


async def test_locked_month_refuses_submit(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    draft = await new_claim(client, member, items["C01"])
    await lock_behind_the_api(world.branch_a.id, "2026-11")
    response = await client.post(f"{API}/claims/{draft['id']}/submit", headers=member)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "month_locked"
    assert await _claim_status(client, member, draft["id"]) == "draft"


async def test_locked_month_refuses_withdraw(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    await lock_behind_the_api(world.branch_a.id, "2026-11")
    response = await client.post(f"{API}/claims/{claim['id']}/withdraw", headers=member)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "month_locked"
    assert await _claim_status(client, member, claim["id"]) == "submitted"


@pytest.mark.parametrize("decision", ["approve", "reject", "return"])
async def test_locked_month_refuses_review(client, world, session, decision):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    await lock_behind_the_api(world.branch_a.id, "2026-11")
    response = await decide(client, await login(client, "reviewer_a"), claim["id"], decision)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "month_locked"
    assert await _claim_status(client, member, claim["id"]) == "submitted"
    ledger = await client.get(
        f"{API}/members/{world.members['member_a'].id}/ledger",
        params={"year": 2026},
        headers=member,
    )
    assert ledger.json()["total"] == 0


async def test_locked_month_refuses_bulk_review(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    await lock_behind_the_api(world.branch_a.id, "2026-11")
    response = await client.post(
        f"{API}/claims/bulk-review",
        json={"decisions": [{"claim_id": claim["id"], "decision": "approve"}]},
        headers=await login(client, "reviewer_a"),
    )
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert result["ok"] is False
    assert result["code"] == "month_locked"
    assert await _claim_status(client, member, claim["id"]) == "submitted"


async def test_locked_month_refuses_evidence_upload(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    draft = await new_claim(client, member, items["C01"], photo=False)
    await lock_behind_the_api(world.branch_a.id, "2026-11")
    response = await client.post(
        f"{API}/claims/{draft['id']}/evidence",
        files={"file": ("photo.jpg", jpeg_bytes(), "image/jpeg")},
        headers=member,
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "month_locked"
    reread = await client.get(f"{API}/claims/{draft['id']}", headers=member)
    assert reread.json()["evidence_count"] == 0


async def test_locked_month_refuses_editing_a_draft(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    draft = await new_claim(client, member, items["C01"], photo=False)
    await lock_behind_the_api(world.branch_a.id, "2026-11")
    response = await client.patch(
        f"{API}/claims/{draft['id']}", json={"description": "改：参加社区义诊"}, headers=member
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "month_locked"
    reread = await client.get(f"{API}/claims/{draft['id']}", headers=member)
    assert reread.json()["description"] == draft["description"]


async def test_locked_month_refuses_deleting_a_draft(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    draft = await new_claim(client, member, items["C01"], photo=False)
    await lock_behind_the_api(world.branch_a.id, "2026-11")
    response = await client.delete(f"{API}/claims/{draft['id']}", headers=member)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "month_locked"
    assert await _claim_status(client, member, draft["id"]) == "draft"


async def test_locked_month_refuses_removing_evidence(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    draft = await new_claim(client, member, items["C01"])
    (evidence,) = (await client.get(f"{API}/claims/{draft['id']}", headers=member)).json()[
        "evidence"
    ]
    await lock_behind_the_api(world.branch_a.id, "2026-11")
    response = await client.delete(
        f"{API}/claims/{draft['id']}/evidence/{evidence['id']}", headers=member
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "month_locked"
    reread = await client.get(f"{API}/claims/{draft['id']}", headers=member)
    assert reread.json()["evidence_count"] == 1


@pytest.mark.parametrize("username", ["reviewer_a", "secretary_a"])
async def test_locked_month_refuses_a_reviewers_entry(client, world, session, username):
    items = await items_of(session, world)
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    response = await record(
        client,
        await login(client, username),
        world.branch_a.id,
        items["P01"],
        [world.members["member_a"].id],
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "month_locked"
    view = await client.get(month_url(world.branch_a.id), headers=await login(client, "admin"))
    assert view.json()["entries"] == 0


# -- reopening --------------------------------------------------------------------------------


async def test_a_secretary_cannot_reopen(client, world, session):
    secretary = await login(client, "secretary_a")
    assert (await close(client, secretary, world.branch_a.id)).is_success
    response = await reopen(client, secretary, world.branch_a.id)
    assert response.status_code == 403, response.text
    view = await client.get(month_url(world.branch_a.id), headers=secretary)
    assert view.json()["status"] == "locked"


async def test_an_admin_of_another_committee_cannot_reopen(client, world, session):
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    response = await reopen(client, await login(client, "other_admin"), world.branch_a.id)
    assert response.status_code == 403


async def test_reopen_needs_a_reason(client, world, session):
    assert (await close(client, await login(client, "secretary_a"), world.branch_a.id)).is_success
    admin = await login(client, "admin")
    for reason in (None, ""):
        response = await reopen(client, admin, world.branch_a.id, reason=reason)
        assert response.status_code == 422, response.text
    view = await client.get(month_url(world.branch_a.id), headers=admin)
    assert view.json()["status"] == "locked"


async def test_reopen_of_an_open_month_is_refused(client, world, session):
    response = await reopen(client, await login(client, "admin"), world.branch_a.id)
    assert response.status_code == 409
    assert response.json()["code"] == "month_not_locked"


async def test_admin_reopens_with_a_reason_and_changes_are_allowed_again(client, world, session):
    items = await items_of(session, world)
    secretary = await login(client, "secretary_a")
    admin = await login(client, "admin")
    member = await login(client, "member_a")
    assert (await close(client, secretary, world.branch_a.id)).is_success

    reopened = await reopen(client, admin, world.branch_a.id, reason="补录漏记的党课学习")
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert body["status"] == "open"
    assert body["reopen_reason"] == "补录漏记的党课学习"
    assert body["reopened_at"] is not None
    assert body["closed_at"] is None

    claim = await new_claim(client, member, items["C01"], submit=True)
    assert claim["status"] == "submitted"
    reviewer = await login(client, "reviewer_a")
    assert (await decide(client, reviewer, claim["id"])).status_code == 200
    entry = await record(
        client, reviewer, world.branch_a.id, items["P01"], [world.members["member_a"].id]
    )
    assert entry.status_code == 201, entry.text
    assert entry.json()["kind"] == "entry"
    assert (await close(client, secretary, world.branch_a.id)).status_code == 200


# -- the month view ---------------------------------------------------------------------------


async def test_month_view_counts_claims_by_state_and_entries(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    member2 = await login(client, "member_a2")
    reviewer = await login(client, "reviewer_a")
    await new_claim(client, member, items["C01"])  # draft
    await new_claim(client, member, items["M06"], submit=True)  # submitted
    approved = await new_claim(client, member, items["C01"], submit=True)
    rejected = await new_claim(client, member2, items["C01"], submit=True)
    returned = await new_claim(client, member2, items["C02"], submit=True)
    await decide(client, reviewer, approved["id"])
    await decide(client, reviewer, rejected["id"], "reject")
    await decide(client, reviewer, returned["id"], "return")
    await new_claim(client, await login(client, "member_b"), items["C01"], submit=True)
    await new_claim(client, member, items["C01"], occurred_on="2026-10-30", expect=409)
    entry = await record(
        client, reviewer, world.branch_a.id, items["P01"], [world.members["member_a2"].id]
    )
    assert entry.status_code == 201

    view = await client.get(month_url(world.branch_a.id), headers=reviewer)
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["branch_id"] == world.branch_a.id
    assert body["period"] == "2026-11"
    assert body["counts"] == {
        "draft": 1,
        "submitted": 1,
        "approved": 1,
        "rejected": 1,
        "returned": 1,
        "expired": 0,
    }
    assert body["entries"] == 1
    assert Decimal(body["approved_points"]) == Decimal("1.0")  # C01 0.5 + P01 0.5


async def test_month_view_shows_the_deadline_and_the_open_window(client, world, session):
    secretary = await login(client, "secretary_a")
    body = (await client.get(month_url(world.branch_a.id), headers=secretary)).json()
    assert body["deadline"] == "2026-12-05T23:59:59.999999+08:00"
    assert body["window_open"] is True
    assert body["status"] == "open"
    december = (await client.get(month_url(world.branch_a.id, "2026-12"), headers=secretary)).json()
    assert december["deadline"] == "2027-01-05T23:59:59.999999+08:00"


async def test_the_window_shuts_after_the_deadline(client, world, session, monkeypatch):
    secretary = await login(client, "secretary_a")
    set_now(monkeypatch, shanghai("2026-12-05 23:59:59"))
    body = (await client.get(month_url(world.branch_a.id), headers=secretary)).json()
    assert body["window_open"] is True
    assert [b["code"] for b in body["blockers"]] == ["deadline_not_passed"]
    assert (body["can_close"], body["can_close_early"]) == (False, False)
    set_now(monkeypatch, shanghai("2026-12-06 00:00:00"))
    body = (await client.get(month_url(world.branch_a.id), headers=secretary)).json()
    assert body["window_open"] is False
    assert body["blockers"] == []
    assert (body["can_close"], body["can_close_early"]) == (True, False)


async def test_a_secretary_cannot_close_before_the_deadline(client, world, session):
    secretary = await login(client, "secretary_a")
    response = await close(client, secretary, world.branch_a.id, at=shanghai("2026-12-05 23:59:59"))
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "deadline_not_passed"
    assert response.json()["deadline"] == "2026-12-05T23:59:59.999999+08:00"
    refused = await close(
        client, secretary, world.branch_a.id, at=shanghai("2026-11-20 10:00:00"), reason="提前"
    )
    assert refused.json()["code"] == "deadline_not_passed"
    view = await client.get(month_url(world.branch_a.id), headers=secretary)
    assert view.json()["status"] == "open"


async def test_an_org_admin_closes_early_only_with_a_reason(client, world, session):
    admin = await login(client, "admin")
    view = (await client.get(month_url(world.branch_a.id), headers=admin)).json()
    assert (view["can_close"], view["can_close_early"]) == (False, True)

    now = shanghai("2026-11-20 10:00:00")
    missing = await close(client, admin, world.branch_a.id, at=now)
    assert missing.status_code == 422, missing.text
    assert missing.json()["code"] == "reason_required"
    blank = await close(client, admin, world.branch_a.id, at=now, reason="")
    assert blank.status_code == 422
    assert (await client.get(month_url(world.branch_a.id), headers=admin)).json()[
        "status"
    ] == "open"

    closed = await close(client, admin, world.branch_a.id, at=now, reason="换届前提前完成审核")
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "locked"
    event = (
        await session.execute(
            select(AuditEvent).where(
                col(AuditEvent.entity_type) == "branch_month", col(AuditEvent.action) == "close"
            )
        )
    ).scalar_one()
    assert event.comment == "换届前提前完成审核"
    assert event.data["early"] is True


async def test_a_close_after_the_deadline_is_not_early(client, world, session):
    closed = await close(client, await login(client, "secretary_a"), world.branch_a.id)
    assert closed.status_code == 200, closed.text
    event = (
        await session.execute(
            select(AuditEvent).where(
                col(AuditEvent.entity_type) == "branch_month", col(AuditEvent.action) == "close"
            )
        )
    ).scalar_one()
    assert (event.comment, event.data["early"]) == (None, False)


async def test_month_view_blockers_and_warnings_follow_the_claims(
    client, world, session, monkeypatch
):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    secretary = await login(client, "secretary_a")
    reviewer = await login(client, "reviewer_a")
    await new_claim(client, member, items["M06"])  # a draft
    pending = await new_claim(client, member, items["C01"], submit=True)

    set_now(monkeypatch, shanghai("2026-12-06 09:00:00"))  # the window has ended
    body = (await client.get(month_url(world.branch_a.id), headers=secretary)).json()
    assert body["can_close"] is False
    assert [(b["code"], b["count"]) for b in body["blockers"]] == [("claims_pending", 1)]
    warnings = {w["code"]: w["count"] for w in body["warnings"]}
    assert warnings == {"claims_will_expire": 1}

    await decide(client, reviewer, pending["id"], "return")
    body = (await client.get(month_url(world.branch_a.id), headers=secretary)).json()
    assert body["can_close"] is True
    assert body["blockers"] == []
    assert {w["code"]: w["count"] for w in body["warnings"]}["claims_will_expire"] == 2

    closed = await close(client, secretary, world.branch_a.id)
    assert closed.status_code == 200
    body = (await client.get(month_url(world.branch_a.id), headers=secretary)).json()
    assert body["status"] == "locked"
    assert body["can_close"] is False
    assert [b["code"] for b in body["blockers"]] == ["month_locked"]
    assert body["warnings"] == []
    assert body["window_open"] is False
    assert body["closed_by"] == {
        "id": world.users["secretary_a"].id,
        "name": world.users["secretary_a"].display_name,
    }
    assert body["closed_at"] is not None
    assert body["counts"]["expired"] == 2


async def test_month_view_of_a_future_month_cannot_close(client, world, session):
    body = (
        await client.get(
            month_url(world.branch_a.id, "2026-12"), headers=await login(client, "secretary_a")
        )
    ).json()
    assert body["can_close"] is False
    assert [b["code"] for b in body["blockers"]] == ["month_not_started"]


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("member_a", 200),
        ("reviewer_a", 200),
        ("admin", 200),
        ("member_b", 403),
        ("secretary_b", 403),
        ("other_admin", 403),
    ],
)
async def test_month_view_is_for_the_branch_and_those_above(
    client, world, session, username, status
):
    response = await client.get(month_url(world.branch_a.id), headers=await login(client, username))
    assert response.status_code == status, response.text


async def test_month_view_rejects_a_malformed_month(client, world, session):
    response = await client.get(
        month_url(world.branch_a.id, "2026-13"), headers=await login(client, "secretary_a")
    )
    assert response.status_code == 422


async def test_month_view_counts_a_deduction_against_the_approved_points(client, world, session):
    """approved_points adds up the month's ledger; a deduction (stored as the item's positive
    points, its sign given by the item's kind) must lower it, not raise it."""
    items = await items_of(session, world)
    reviewer = await login(client, "reviewer_a")
    branch = world.branch_a.id
    bonus = await record(client, reviewer, branch, items["P01"], [world.members["member_a"].id])
    deduction = await record(
        client, reviewer, branch, items["X01"], [world.members["member_a2"].id], reason="无故缺席"
    )
    assert bonus.status_code == deduction.status_code == 201
    body = (await client.get(month_url(branch), headers=reviewer)).json()
    assert Decimal(body["approved_points"]) == Decimal("-1.5")  # 0.5 − 2, not 0.5 + 2
