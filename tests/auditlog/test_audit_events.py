"""The audit trail: placement of every kind of event in its organisation, subtree isolation,
filters, cursor pages, the CSV, sign-ins recorded, ballots shown by the day."""

import base64
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, clock
from app.models import AuditEvent, BranchMonth, RoleAssignment
from tests.factories import PASSWORD, World, login

URL = "/api/v1/audit-events"
BASE = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


async def add_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Audit rows written directly, a minute apart from BASE in the order given."""
    events = []
    for i, row in enumerate(rows):
        event = audit.event(
            actor=None,
            entity_type=row["entity_type"],
            entity_id=row["entity_id"],
            action=row["action"],
            from_state=row.get("from_state"),
            to_state=row.get("to_state"),
            comment=row.get("comment"),
            data=row.get("data"),
        )
        event["created_at"] = row.get("at", BASE + timedelta(minutes=i))
        event["actor_user_id"] = row.get("actor_user_id")
        events.append(event)
    await audit.write(session, events)
    await session.commit()


async def everything(client: Any, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every page of the list, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": params.get("limit", 200)}
        if cursor:
            query["cursor"] = cursor
        r = await client.get(URL, params=query, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def placed_world(session: AsyncSession, world: World) -> None:
    """One event of each kind the committee's subtree holds, one of the other committee's,
    and one that belongs nowhere."""
    a, b = world.branch_a, world.branch_b
    month = BranchMonth(branch_id=a.id, period="2026-10", status="locked")  # type: ignore[arg-type]
    session.add(month)
    await session.flush()
    role_id = await session.scalar(
        select(col(RoleAssignment.id)).where(
            col(RoleAssignment.user_id) == world.users["secretary_b"].id,
            col(RoleAssignment.role) == "secretary",
        )
    )
    admin_id = world.users["admin"].id
    await add_events(
        session,
        [
            {"entity_type": "organisation", "entity_id": b.id, "action": "renamed"},
            {"entity_type": "standard", "entity_id": world.standard_id, "action": "published"},
            {"entity_type": "member", "entity_id": world.members["member_a"].id,
             "action": "updated"},
            {"entity_type": "role_assignment", "entity_id": role_id, "action": "granted",
             "to_state": "secretary", "actor_user_id": admin_id},
            {"entity_type": "branch_month", "entity_id": month.id, "action": "close",
             "comment": "=HYPERLINK(\"http://x\")", "actor_user_id": world.users["secretary_a"].id},
            # Placed by its data only (the round's row is not there).
            {"entity_type": "evaluation_round", "entity_id": 999, "action": "open",
             "data": {"branch_id": b.id}},
            {"entity_type": "user", "entity_id": world.users["admin"].id, "action": "sign_in",
             "actor_user_id": admin_id},
            {"entity_type": "user", "entity_id": world.users["member_other"].id,
             "action": "sign_in", "actor_user_id": world.users["member_other"].id},
            {"entity_type": "organisation", "entity_id": world.other_branch.id,
             "action": "renamed"},
            {"entity_type": "user", "entity_id": 0, "action": "sign_in_failed",
             "data": {"username": "nobody", "address": "198.51.100.1"}},
        ],
    )  # fmt: skip


async def test_every_kind_of_event_is_placed_and_an_admin_sees_only_their_subtree(
    client, world, session
):
    await placed_world(session, world)
    admin = await login(client, "admin")
    items = await everything(client, admin)
    mine = [(i["entity_type"], i["action"], i["organisation"]["name"]) for i in items]
    # Newest first: the admin's sign-in through the API, the world's standard (installed
    # today), then the events written above.
    assert mine[:3] == [
        ("user", "sign_in", "城关街道党工委"),
        ("standard", "published", "城关街道党工委"),
        ("standard", "created", "城关街道党工委"),
    ]
    assert mine[3:] == [
        ("user", "sign_in", "城关街道党工委"),
        ("evaluation_round", "open", "第二党支部"),
        ("branch_month", "close", "第一党支部"),
        ("role_assignment", "granted", "第二党支部"),
        ("member", "updated", "第一党支部"),
        ("standard", "published", "城关街道党工委"),
        ("organisation", "renamed", "第二党支部"),
    ]
    close = items[5]
    assert close["actor"] == {"id": world.users["secretary_a"].id, "name": "secretary_a"}
    assert close["actor_kind"] == "user" and close["at_precision"] == "second"
    assert items[9]["actor"] is None and items[9]["actor_kind"] == "none"

    other = await login(client, "other_admin")
    theirs = await everything(client, other)
    assert {(i["entity_type"], i["organisation"]["name"]) for i in theirs} == {
        ("user", "另一党支部"),  # member_other's sign-in
        ("organisation", "另一党支部"),
        ("user", "另一党委"),  # other_admin's own sign-in
    }
    # Nothing of the other committee, even when asked for by organisation.
    r = await client.get(URL, params={"organisation_id": world.committee.id}, headers=other)
    assert r.status_code == 403

    root = await login(client, "root")
    every = await everything(client, root)
    unplaced = [i for i in every if i["organisation"] is None]
    # The failed sign-in under an unknown name, and root's own sign-in (no role anywhere).
    assert {(i["action"], i["entity_id"]) for i in unplaced} == {
        ("sign_in_failed", 0),
        ("sign_in", world.users["root"].id),
    }
    # Narrowed to an organisation, a superadmin too sees only what is placed under it.
    narrowed = await everything(client, root, organisation_id=world.branch_a.id)
    assert {(i["entity_type"], i["action"]) for i in narrowed} == {
        ("branch_month", "close"),
        ("member", "updated"),
    }


async def test_filters(client, world, session):
    await placed_world(session, world)
    admin = await login(client, "admin")
    by_actor = await everything(client, admin, actor=world.users["secretary_a"].id)
    assert [i["action"] for i in by_actor] == ["close"]
    by_type = await everything(client, admin, entity_type="user")
    assert {i["action"] for i in by_type} == {"sign_in"} and len(by_type) == 2
    by_action = await everything(client, admin, action="published")
    assert [i["entity_type"] for i in by_action] == ["standard", "standard"]
    by_entity = await everything(
        client, admin, entity_type="member", entity_id=world.members["member_a"].id
    )
    assert [i["action"] for i in by_entity] == ["updated"]
    # Days in Asia/Shanghai, inclusive: the written events are on 2026-11-20 local time.
    same_day = await everything(client, admin, **{"from": "2026-11-20", "to": "2026-11-20"})
    assert len(same_day) == 7
    before = await everything(client, admin, to="2026-11-19")
    assert before == []
    branch_b = await everything(client, admin, organisation_id=world.branch_b.id)
    assert {(i["entity_type"], i["action"]) for i in branch_b} == {
        ("organisation", "renamed"),
        ("role_assignment", "granted"),
        ("evaluation_round", "open"),
    }
    bad = await client.get(URL, params={"action": "DROP TABLE"}, headers=admin)
    assert bad.status_code == 422


async def test_a_revoked_role_stays_in_its_organisation(client, world):
    admin = await login(client, "admin")
    granted = await client.post(
        "/api/v1/role-assignments",
        json={
            "user_id": world.users["member_a2"].id,
            "role": "reviewer",
            "organisation_id": world.branch_a.id,
        },
        headers=admin,
    )
    assert granted.status_code == 201, granted.text
    revoked = await client.delete(f"/api/v1/role-assignments/{granted.json()['id']}", headers=admin)
    assert revoked.status_code == 204
    items = await everything(client, admin, entity_type="role_assignment")
    assert [(i["action"], i["organisation"]["id"]) for i in items] == [
        ("revoked", world.branch_a.id),
        ("granted", world.branch_a.id),
    ]
    other = await login(client, "other_admin")
    assert await everything(client, other, entity_type="role_assignment") == []


async def test_members_reviewers_and_secretaries_are_refused(client, world):
    for username in ("member_a", "reviewer_a", "secretary_a"):
        headers = await login(client, username)
        assert (await client.get(URL, headers=headers)).status_code == 403
        assert (await client.get(f"{URL}.csv", headers=headers)).status_code == 403
    assert (await client.get(URL)).status_code == 401


async def test_a_cursor_not_given_out_is_refused(client, world, session):
    await placed_world(session, world)
    root = await login(client, "root")
    forged = base64.urlsafe_b64encode(b"ae1:999999").decode().rstrip("=")
    other_event = await session.scalar(
        select(col(AuditEvent.id)).where(col(AuditEvent.entity_id) == world.other_branch.id)
    )
    await session.commit()
    foreign = base64.urlsafe_b64encode(f"ae1:{other_event}".encode()).decode().rstrip("=")
    admin = await login(client, "admin")
    for cursor, headers in (
        ("not-a-cursor", root),
        ("!!!", root),
        (forged, root),
        (base64.urlsafe_b64encode(b"ae1:-1").decode(), root),
        # An event of a subtree the caller does not see gives them no position.
        (foreign, admin),
    ):
        r = await client.get(URL, params={"cursor": cursor}, headers=headers)
        assert r.status_code == 422, (cursor, r.text)
        assert r.json()["code"] == "invalid_cursor"
    assert (await client.get(URL, params={"cursor": foreign}, headers=root)).status_code == 200


async def test_pages_neither_repeat_nor_skip_while_events_are_added(client, world, session):
    """Thirty events, ten of them at the very same instant (the order falls back on the id);
    new ones written between pages come before the first page and never shift the rest."""
    same = BASE + timedelta(hours=1)
    rows = [
        {"entity_type": "organisation", "entity_id": world.branch_a.id, "action": f"e{i}",
         "at": same if 10 <= i < 20 else BASE + timedelta(minutes=i)}
        for i in range(30)
    ]  # fmt: skip
    await add_events(session, rows)
    admin = await login(client, "admin")
    params = {"organisation_id": world.branch_a.id, "limit": 7}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        r = await client.get(URL, params={**params, **({"cursor": cursor} if cursor else {})},
                             headers=admin)  # fmt: skip
        assert r.status_code == 200, r.text
        body = r.json()
        seen += [i["action"] for i in body["items"]]
        pages += 1
        # Others write meanwhile.
        await add_events(
            session,
            [{"entity_type": "organisation", "entity_id": world.branch_a.id,
              "action": f"new{pages}", "at": clock.now()}],
        )  # fmt: skip
        cursor = body["next_cursor"]
        if cursor is None:
            break
    expected = sorted(
        (r["at"], i, r["action"]) for i, r in enumerate(rows)
    )  # ids follow the order written
    assert seen == [action for _, _, action in reversed(expected)]
    assert len(seen) == len(set(seen)) == 30 and pages == 5


async def test_ballots_are_shown_by_the_day(client, world, session):
    voter = world.users["member_a"].id
    at = datetime(2026, 11, 20, 17, 30, 12, tzinfo=UTC)  # 01:30 on the 21st in Shanghai
    await add_events(
        session,
        [
            {"entity_type": "evaluation_round", "entity_id": 5, "action": "peer_ballot",
             "actor_user_id": voter, "at": at, "data": {"branch_id": world.branch_a.id}},
            {"entity_type": "evaluation_round", "entity_id": 5, "action": "code_ballot",
             "at": at + timedelta(minutes=3), "data": {"branch_id": world.branch_a.id}},
            {"entity_type": "evaluation_round", "entity_id": 5, "action": "open",
             "at": at - timedelta(days=2), "data": {"branch_id": world.branch_a.id}},
        ],
    )  # fmt: skip
    admin = await login(client, "admin")
    items = await everything(client, admin, entity_type="evaluation_round")
    assert [(i["action"], i["at"], i["at_precision"]) for i in items] == [
        ("code_ballot", "2026-11-21T00:00:00+08:00", "day"),
        ("peer_ballot", "2026-11-21T00:00:00+08:00", "day"),
        ("open", "2026-11-18T17:30:12Z", "second"),
    ]
    r = await client.get(f"{URL}.csv", params={"entity_type": "evaluation_round"}, headers=admin)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["2026-11-21", "2026-11-21", "2026-11-19 01:30:12"]
    # A cursor names an event by id only, never its time.
    page = await client.get(
        URL, params={"entity_type": "evaluation_round", "limit": 1}, headers=admin
    )
    cursor = page.json()["next_cursor"]
    decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    assert decoded == f"ae1:{items[0]['id']}"


async def test_csv_for_excel(client, world, session):
    await placed_world(session, world)
    admin = await login(client, "admin")
    r = await client.get(f"{URL}.csv", headers=admin)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "时间", "操作人", "组织", "对象", "对象编号", "操作", "原状态", "新状态", "说明"
    ]  # fmt: skip
    assert len(rows) == 1 + 10
    close = next(row for row in rows if row[5] == "关闭")
    assert close[:4] == ["2026-11-20 10:04:00", "secretary_a", "第一党支部", "支部月度"]
    assert close[8] == '\'=HYPERLINK("http://x")'
    # The same filters as the list.
    filtered = await client.get(f"{URL}.csv", params={"action": "published"}, headers=admin)
    assert len(list(csv.reader(io.StringIO(filtered.content.decode("utf-8-sig"))))) == 1 + 2


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1"])
def test_formula_cells_are_neutralised(text):
    from app.auditlog.service import _cell

    assert _cell(text) == "'" + text
    assert _cell("普通说明") == "普通说明"


async def test_the_csv_is_written_in_pages_and_capped(world, session, monkeypatch):
    from app.auditlog import service
    from app.auditlog.repository import Filters

    monkeypatch.setattr(service, "CSV_PAGE", 4)
    await add_events(
        session,
        [{"entity_type": "organisation", "entity_id": world.branch_a.id, "action": f"e{i}"}
         for i in range(10)],
    )  # fmt: skip
    only = Filters([""], entity_type="organisation")
    chunks = [c async for c in service.csv_lines(session, only, max_rows=9)]
    assert len(chunks) == 1 + 3 + 1  # headers, pages of 4, 4 and 1, the note
    assert "仅导出前 9 条" in chunks[-1]
    rows = list(csv.reader(io.StringIO("".join(chunks).lstrip("\ufeff"))))
    assert [r[5] for r in rows[1:10]] == [f"e{i}" for i in range(9, 0, -1)]


async def test_sign_ins_and_failures_are_recorded(client, world, session):
    await login(client, "secretary_a")
    # Refused: a wrong password, an unknown name.
    wrong = await client.post(
        "/api/v1/auth/login", json={"username": "member_a", "password": "not-it-at-all"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"username": "ghost", "password": "whatever-1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    rows = (
        (
            await session.execute(
                select(AuditEvent)
                .where(col(AuditEvent.entity_type) == "user")
                .order_by(col(AuditEvent.id))
            )
        )
        .scalars()
        .all()
    )
    await session.commit()
    assert [(e.action, e.entity_type, e.entity_id, e.actor_user_id) for e in rows] == [
        ("sign_in", "user", world.users["secretary_a"].id, world.users["secretary_a"].id),
        ("sign_in_failed", "user", world.users["member_a"].id, None),
        ("sign_in_failed", "user", 0, None),
    ]
    assert rows[0].data == {"address": "203.0.113.7"}
    assert rows[1].data == {
        "username": "member_a", "address": "203.0.113.7", "reason": "wrong_password"
    }  # fmt: skip
    assert rows[2].data["username"] == "ghost" and rows[2].data["reason"] == "unknown_user"
    assert all("not-it-at-all" not in str(e.data) for e in rows)

    # The committee's admin sees member_a's failure (placed in their branch), not the ghost's.
    admin = await login(client, "admin")
    failures = await everything(client, admin, action="sign_in_failed")
    assert [(i["entity_id"], i["organisation"]["name"]) for i in failures] == [
        (world.users["member_a"].id, "第一党支部")
    ]
    root = await login(client, "root")
    assert len(await everything(client, root, action="sign_in_failed")) == 2


async def test_a_locked_out_attempt_is_not_recorded(client, world, session, monkeypatch):
    from app.config import settings

    monkeypatch.setattr(settings, "login_max_failures_per_address", 2)
    for _ in range(2):
        r = await client.post("/api/v1/auth/login", json={"username": "x", "password": "y" * 8})
        assert r.status_code == 401
    r = await client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 429
    actions = (
        (
            await session.execute(
                select(col(AuditEvent.action)).where(col(AuditEvent.entity_type) == "user")
            )
        )
        .scalars()
        .all()
    )
    await session.commit()
    assert actions == ["sign_in_failed", "sign_in_failed"]


async def test_a_member_import_is_placed_in_its_importers_organisation(client, world, session):
    """An import names no organisation: its events belong where the importer does (an org
    admin's committee, a secretary's branch), so the importer's administrators see them."""
    admin = world.users["admin"]
    secretary = world.users["secretary_a"]
    await add_events(
        session,
        [
            {
                "entity_type": "member_import",
                "entity_id": 1,
                "action": "dry_run",
                "actor_user_id": admin.id,
            },
            {
                "entity_type": "member_import",
                "entity_id": 2,
                "action": "applied",
                "actor_user_id": secretary.id,
            },
        ],
    )
    items = await everything(client, await login(client, "admin"), entity_type="member_import")
    placed = {i["entity_id"]: i["organisation"]["id"] for i in items}
    assert placed == {1: world.committee.id, 2: world.branch_a.id}
    other = await everything(
        client, await login(client, "other_admin"), entity_type="member_import"
    )
    assert other == []
