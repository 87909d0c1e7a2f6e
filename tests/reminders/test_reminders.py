"""Members who have not declared a month, reminders to them (once a day), and the to-do."""

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlmodel import col

from app import db
from app.models import AuditEvent, Reminder
from tests.factories import login
from tests.helpers import new_claim, set_now, shanghai
from tests.months.support import API, decide, items_of, lock_behind_the_api, month_url


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


def undeclared_url(branch_id, period="2026-11"):
    return f"{month_url(branch_id, period)}/undeclared"


def reminders_url(branch_id, period="2026-11"):
    return f"{month_url(branch_id, period)}/reminders"


async def undeclared_names(client, headers, branch_id, period="2026-11") -> list[str]:
    response = await client.get(undeclared_url(branch_id, period), headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return sorted(row["member"]["name"] for row in body["items"])


BRANCH_A = ["member_a", "member_a2", "newcomer", "reviewer_a", "secretary_a"]


# -- who has not declared -----------------------------------------------------------------------


async def test_drafts_do_not_count_as_declaring(client, world, session):
    items = await items_of(session, world)
    await new_claim(client, await login(client, "member_a"), items["C01"])
    secretary = await login(client, "secretary_a")
    assert await undeclared_names(client, secretary, world.branch_a.id) == BRANCH_A


@pytest.mark.parametrize("decision", [None, "approve", "return", "reject"])
async def test_a_claim_that_reached_the_branch_counts_whatever_its_decision(
    client, world, session, decision
):
    items = await items_of(session, world)
    claim = await new_claim(client, await login(client, "member_a"), items["C01"], submit=True)
    if decision:
        reviewer = await login(client, "reviewer_a")
        assert (await decide(client, reviewer, claim["id"], decision)).status_code == 200
    secretary = await login(client, "secretary_a")
    names = await undeclared_names(client, secretary, world.branch_a.id)
    assert names == [n for n in BRANCH_A if n != "member_a"]


async def test_a_withdrawn_claim_no_longer_counts(client, world, session):
    items = await items_of(session, world)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    assert (await client.post(f"{API}/claims/{claim['id']}/withdraw", headers=member)).is_success
    names = await undeclared_names(client, await login(client, "secretary_a"), world.branch_a.id)
    assert "member_a" in names


async def test_a_claim_for_another_month_does_not_count(client, world, session, monkeypatch):
    items = await items_of(session, world)
    set_now(monkeypatch, shanghai("2026-12-03 10:00:00"))
    await new_claim(
        client, await login(client, "member_a"), items["C01"], occurred_on="2026-12-01", submit=True
    )
    secretary = await login(client, "secretary_a")
    assert "member_a" in await undeclared_names(client, secretary, world.branch_a.id, "2026-11")
    assert "member_a" not in await undeclared_names(client, secretary, world.branch_a.id, "2026-12")


async def test_inactive_members_are_not_listed(client, world, session):
    secretary = await login(client, "secretary_a")
    target = world.members["member_a2"].id
    deactivated = await client.post(
        f"{API}/members/{target}/deactivate", headers=secretary, json={"reason": "组织关系转出"}
    )
    assert deactivated.status_code == 200, deactivated.text
    names = await undeclared_names(client, secretary, world.branch_a.id)
    assert names == [n for n in BRANCH_A if n != "member_a2"]


async def test_the_undeclared_list_is_paginated(client, world):
    secretary = await login(client, "secretary_a")
    response = await client.get(
        undeclared_url(world.branch_a.id) + "?page=2&page_size=2", headers=secretary
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 5 and body["page"] == 2 and body["page_size"] == 2
    assert len(body["items"]) == 2


# -- who may follow up ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["secretary_a", "reviewer_a", "admin", "root"])
async def test_reviewers_of_the_branch_and_admins_above_see_the_list(client, world, username):
    response = await client.get(
        undeclared_url(world.branch_a.id), headers=await login(client, username)
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("username", ["member_a", "secretary_b", "other_admin"])
async def test_others_may_neither_list_nor_remind(client, world, session, username):
    headers = await login(client, username)
    listed = await client.get(undeclared_url(world.branch_a.id), headers=headers)
    assert listed.status_code == 403, listed.text
    sent = await client.post(reminders_url(world.branch_a.id), json={"all": True}, headers=headers)
    assert sent.status_code == 403, sent.text
    assert await _reminders() == []


async def test_an_unknown_or_non_branch_organisation_is_refused(client, world):
    root = await login(client, "root")
    assert (await client.get(undeclared_url(999_999), headers=root)).status_code == 404
    response = await client.get(undeclared_url(world.committee.id), headers=root)
    assert response.status_code == 409
    assert response.json()["code"] == "not_a_branch"


async def test_reminding_a_member_of_another_branch_is_refused_and_writes_nothing(client, world):
    secretary = await login(client, "secretary_a")
    response = await client.post(
        reminders_url(world.branch_a.id),
        json={"member_ids": [world.members["member_a"].id, world.members["member_b"].id]},
        headers=secretary,
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "members_not_in_branch"
    assert response.json()["member_ids"] == [world.members["member_b"].id]
    assert await _reminders() == []


@pytest.mark.parametrize(
    "body",
    [{}, {"member_ids": [], "all": False}, {"member_ids": [1], "all": True}, {"all": "yes"}],
)
async def test_a_send_names_members_or_all_but_not_both(client, world, body):
    secretary = await login(client, "secretary_a")
    response = await client.post(reminders_url(world.branch_a.id), json=body, headers=secretary)
    assert response.status_code == 422, response.text


# -- sending, once a day -------------------------------------------------------------------------


async def _reminders() -> list[Reminder]:
    async with db.SessionFactory() as s:
        rows = list((await s.scalars(select(Reminder).order_by(col(Reminder.id)))).all())
        s.expunge_all()
        await s.rollback()
        return rows


async def test_a_member_is_reminded_at_most_once_a_day_for_a_month(client, world, monkeypatch):
    secretary = await login(client, "secretary_a")
    member_id = world.members["member_a"].id
    body = {"member_ids": [member_id]}
    first = await client.post(reminders_url(world.branch_a.id), json=body, headers=secretary)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "period": "2026-11",
        "sent": 1,
        "skipped": 0,
        "sent_member_ids": [member_id],
        "skipped_members": [],
    }
    reviewer = await login(client, "reviewer_a")
    again = await client.post(reminders_url(world.branch_a.id), json=body, headers=reviewer)
    assert again.status_code == 200, again.text
    assert again.json()["sent"] == 0
    assert again.json()["skipped_members"] == [{"member_id": member_id, "reason": "reminded_today"}]

    listed = await client.get(undeclared_url(world.branch_a.id), headers=secretary)
    row = next(r for r in listed.json()["items"] if r["member"]["id"] == member_id)
    assert row["reminders"] == 1 and row["reminded_today"] is True

    # The day is the standard's (Beijing) day: 23:59 is still the same day, 00:01 the next.
    set_now(monkeypatch, shanghai("2026-11-20 23:59:00"))
    same_day = await client.post(reminders_url(world.branch_a.id), json=body, headers=secretary)
    assert same_day.json()["sent"] == 0
    set_now(monkeypatch, shanghai("2026-11-21 00:01:00"))
    next_day = await client.post(reminders_url(world.branch_a.id), json=body, headers=secretary)
    assert next_day.json()["sent"] == 1
    listed = await client.get(undeclared_url(world.branch_a.id), headers=secretary)
    row = next(r for r in listed.json()["items"] if r["member"]["id"] == member_id)
    assert row["reminders"] == 2 and row["reminded_today"] is True
    assert len(await _reminders()) == 2


async def test_remind_all_reaches_only_those_who_have_not_declared(client, world, session):
    items = await items_of(session, world)
    await new_claim(client, await login(client, "member_a"), items["C01"], submit=True)
    secretary = await login(client, "secretary_a")
    first = await client.post(
        reminders_url(world.branch_a.id),
        json={"member_ids": [world.members["member_a2"].id]},
        headers=secretary,
    )
    assert first.json()["sent"] == 1
    response = await client.post(
        reminders_url(world.branch_a.id), json={"all": True}, headers=secretary
    )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = sorted(world.members[n].id for n in ("newcomer", "reviewer_a", "secretary_a"))
    assert body["sent_member_ids"] == expected
    assert body["skipped_members"] == [
        {"member_id": world.members["member_a2"].id, "reason": "reminded_today"}
    ]
    assert {r.member_id for r in await _reminders()} == {
        *expected,
        world.members["member_a2"].id,
    }


async def test_a_member_who_has_declared_is_skipped_with_the_reason(client, world, session):
    items = await items_of(session, world)
    await new_claim(client, await login(client, "member_a"), items["C01"], submit=True)
    secretary = await login(client, "secretary_a")
    member_id = world.members["member_a"].id
    response = await client.post(
        reminders_url(world.branch_a.id), json={"member_ids": [member_id]}, headers=secretary
    )
    assert response.status_code == 200, response.text
    assert response.json()["sent"] == 0
    assert response.json()["skipped_members"] == [{"member_id": member_id, "reason": "declared"}]


async def test_sending_is_audited(client, world):
    secretary = await login(client, "secretary_a")
    member_id = world.members["member_a"].id
    await client.post(
        reminders_url(world.branch_a.id), json={"member_ids": [member_id]}, headers=secretary
    )
    (reminder,) = await _reminders()
    async with db.SessionFactory() as s:
        events = list(
            (
                await s.scalars(select(AuditEvent).where(col(AuditEvent.entity_type) == "reminder"))
            ).all()
        )
        s.expunge_all()
        await s.rollback()
    assert len(events) == 1
    assert events[0].entity_id == reminder.id and events[0].action == "send"
    assert events[0].actor_user_id == world.users["secretary_a"].id
    assert events[0].data == {
        "member_id": member_id,
        "branch_id": world.branch_a.id,
        "period": "2026-11",
    }


async def test_no_reminders_once_the_window_ended_or_the_month_is_closed_or_before_it_began(
    client, world, monkeypatch
):
    secretary = await login(client, "secretary_a")
    body = {"all": True}
    early = await client.post(
        reminders_url(world.branch_a.id, "2026-12"), json=body, headers=secretary
    )
    assert early.status_code == 409 and early.json()["code"] == "month_not_started"

    set_now(monkeypatch, shanghai("2026-12-05 23:59:00"))
    last_day = await client.post(reminders_url(world.branch_a.id), json=body, headers=secretary)
    assert last_day.status_code == 200 and last_day.json()["sent"] == 5

    set_now(monkeypatch, shanghai("2026-12-06 00:00:01"))
    late = await client.post(reminders_url(world.branch_a.id), json=body, headers=secretary)
    assert late.status_code == 409 and late.json()["code"] == "window_closed"

    set_now(monkeypatch, shanghai("2026-12-10 10:00:00"))
    await lock_behind_the_api(world.branch_a.id, "2026-12")
    locked = await client.post(
        reminders_url(world.branch_a.id, "2026-12"), json=body, headers=secretary
    )
    assert locked.status_code == 409 and locked.json()["code"] == "month_locked"


# -- the member's reminders --------------------------------------------------------------------


async def test_a_member_sees_own_reminders_unread_first_and_marks_them_read(
    client, world, monkeypatch
):
    secretary = await login(client, "secretary_a")
    reviewer = await login(client, "reviewer_a")
    member_id = world.members["member_a"].id
    body = {"member_ids": [member_id]}
    await client.post(reminders_url(world.branch_a.id), json=body, headers=secretary)
    set_now(monkeypatch, shanghai("2026-11-22 09:00:00"))
    await client.post(reminders_url(world.branch_a.id), json=body, headers=reviewer)
    await client.post(
        reminders_url(world.branch_a.id),
        json={"member_ids": [world.members["member_a2"].id]},
        headers=reviewer,
    )

    member = await login(client, "member_a")
    mine = await client.get(f"{API}/me/reminders", headers=member)
    assert mine.status_code == 200, mine.text
    items = mine.json()["items"]
    assert mine.json()["total"] == 2
    assert [r["sender_role"] for r in items] == ["reviewer", "secretary"]  # newest first
    assert items[0]["sender"]["name"] == "reviewer_a"
    assert items[0]["branch"] == {"id": world.branch_a.id, "name": "第一党支部"}
    assert items[0]["period"] == "2026-11" and items[0]["read_at"] is None

    read = await client.post(f"{API}/me/reminders/{items[0]['id']}/read", headers=member)
    assert read.status_code == 200, read.text
    assert read.json()["read_at"] is not None
    again = await client.post(f"{API}/me/reminders/{items[0]['id']}/read", headers=member)
    first_read = datetime.fromisoformat(read.json()["read_at"])
    assert datetime.fromisoformat(again.json()["read_at"]) == first_read

    mine = (await client.get(f"{API}/me/reminders", headers=member)).json()["items"]
    assert [r["id"] for r in mine] == [items[1]["id"], items[0]["id"]]  # unread first
    unread = (await client.get(f"{API}/me/reminders?unread=true", headers=member)).json()
    assert unread["total"] == 1 and unread["items"][0]["id"] == items[1]["id"]


async def test_a_member_can_neither_see_nor_mark_another_members_reminder(client, world):
    secretary = await login(client, "secretary_a")
    await client.post(
        reminders_url(world.branch_a.id),
        json={"member_ids": [world.members["member_a2"].id]},
        headers=secretary,
    )
    (reminder,) = await _reminders()
    member = await login(client, "member_a")
    assert (await client.get(f"{API}/me/reminders", headers=member)).json()["total"] == 0
    response = await client.post(f"{API}/me/reminders/{reminder.id}/read", headers=member)
    assert response.status_code == 404
    # Not even the sender marks it read for the member.
    response = await client.post(f"{API}/me/reminders/{reminder.id}/read", headers=secretary)
    assert response.status_code == 404
    (reminder,) = await _reminders()
    assert reminder.read_at is None


async def test_someone_without_a_member_record_has_no_reminders(client, world):
    admin = await login(client, "admin")
    response = await client.get(f"{API}/me/reminders", headers=admin)
    assert response.status_code == 200 and response.json()["total"] == 0


# -- the to-do ---------------------------------------------------------------------------------


async def _queue_total(client, headers, branch_id) -> int:
    response = await client.get(
        f"{API}/claims?status=submitted&branch={branch_id}&order=oldest", headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()["total"]


async def test_the_todo_counts_match_the_queue_and_the_undeclared_list(
    client, world, session, monkeypatch
):
    items = await items_of(session, world)
    set_now(monkeypatch, shanghai("2026-12-03 10:00:00"))
    member = await login(client, "member_a")
    await new_claim(client, member, items["C01"], occurred_on="2026-11-10", submit=True)
    await new_claim(client, member, items["C01"], occurred_on="2026-12-01", submit=True)
    await new_claim(
        client, await login(client, "member_a2"), items["C01"], occurred_on="2026-12-02"
    )  # a draft
    await new_claim(client, await login(client, "member_b"), items["C01"], submit=True)

    reviewer = await login(client, "reviewer_a")
    response = await client.get(f"{API}/me/todo", headers=reviewer)
    assert response.status_code == 200, response.text
    (branch,) = response.json()["branches"]
    assert branch["branch"] == {"id": world.branch_a.id, "name": "第一党支部"}
    assert branch["is_secretary"] is False
    # Until November's deadline (5 December) November is the month being declared.
    assert branch["period"] == "2026-11"
    assert branch["pending"] == 2 == await _queue_total(client, reviewer, world.branch_a.id)
    listed = await client.get(undeclared_url(world.branch_a.id), headers=reviewer)
    assert branch["undeclared"] == 4 == listed.json()["total"]
    assert branch["members"] == 5
    assert branch["deadline_day"] == "2026-12-05" and branch["days_left"] == 2
    assert branch["window_open"] is True and branch["month_status"] == "open"

    set_now(monkeypatch, shanghai("2026-12-05 22:00:00"))
    (branch,) = (await client.get(f"{API}/me/todo", headers=reviewer)).json()["branches"]
    assert branch["period"] == "2026-11" and branch["days_left"] == 0

    set_now(monkeypatch, shanghai("2026-12-06 09:00:00"))
    (branch,) = (await client.get(f"{API}/me/todo", headers=reviewer)).json()["branches"]
    assert branch["period"] == "2026-12"
    assert branch["undeclared"] == 4  # member_a declared December; member_a2 has a draft
    assert branch["deadline_day"] == "2027-01-05" and branch["days_left"] == 30


async def test_the_todo_covers_each_branch_reviewed_and_nothing_for_members(client, world):
    secretary = await login(client, "secretary_b")
    (branch,) = (await client.get(f"{API}/me/todo", headers=secretary)).json()["branches"]
    assert branch["branch"]["id"] == world.branch_b.id and branch["is_secretary"] is True
    assert branch["undeclared"] == 2 and branch["members"] == 2
    member = await login(client, "member_a")
    assert (await client.get(f"{API}/me/todo", headers=member)).json() == {"branches": []}


async def test_the_todo_says_when_the_month_is_closed(client, world):
    await lock_behind_the_api(world.branch_a.id, "2026-11")
    secretary = await login(client, "secretary_a")
    (branch,) = (await client.get(f"{API}/me/todo", headers=secretary)).json()["branches"]
    assert branch["month_status"] == "locked"
    assert branch["window_open"] is False and branch["days_left"] is None
