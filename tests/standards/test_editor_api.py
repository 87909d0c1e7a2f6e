"""The standards editor's API: validation, the diff, publishing refused with errors,
read-only published versions, access, and the audit trail."""

from sqlalchemy import select
from sqlmodel import col

from app.models import AuditEvent
from tests.factories import login


async def _draft(client, headers, world, year=2027, **body):
    r = await client.post(
        "/api/v1/standards",
        headers=headers,
        json={
            "organisation_id": world.committee.id,
            "year": year,
            "based_on_id": world.standard_id,
        }
        | body,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _item(draft, code):
    return next(i for i in draft["items"] if i["code"] == code)


async def test_a_fresh_copy_validates_clean(client, world):
    admin = await login(client, "admin")
    draft = await _draft(client, admin, world)
    r = await client.get(f"/api/v1/standards/{draft['id']}/validation", headers=admin)
    assert r.status_code == 200
    assert r.json() == {
        "standard_id": draft["id"],
        "publishable": True,
        "errors": 0,
        "warnings": 0,
        "max_score": "100.0",
        "problems": [],
    }


async def test_validation_reports_settings_and_items(client, world):
    admin = await login(client, "admin")
    draft = await _draft(client, admin, world)
    sid = draft["id"]
    caps = {"political": 8, "discipline": 7, "morality": 7, "contribution": 6}
    r = await client.patch(f"/api/v1/standards/{sid}", headers=admin, json={"dimension_caps": caps})
    assert r.status_code == 200
    p01 = await _item(draft, "P01")
    r = await client.patch(
        f"/api/v1/standards/{sid}/items/{p01['id']}",
        headers=admin,
        json={"max_per_month": None, "max_per_year": 0.2},
    )
    assert r.status_code == 200
    body = (await client.get(f"/api/v1/standards/{sid}/validation", headers=admin)).json()
    assert (body["publishable"], body["errors"], body["warnings"]) == (False, 1, 1)
    assert body["max_score"] == "98.0"
    warning, error = body["problems"]
    assert warning["code"] == "dimension_caps_sum" and warning["field"] == "dimension_caps"
    assert warning["params"]["sum"] == "28" and warning["item_id"] is None
    assert error == {
        "code": "item_cap_below_points",
        "severity": "error",
        "message": error["message"],
        "field": "max_per_year",
        "item_id": p01["id"],
        "item_code": "P01",
        "params": {"cap": "0.2", "points": "0.5"},
    }


async def test_publish_is_refused_while_there_are_errors(client, world):
    admin = await login(client, "admin")
    draft = await _draft(client, admin, world)
    sid = draft["id"]
    r = await client.patch(
        f"/api/v1/standards/{sid}", headers=admin, json={"threshold_excellent": 101}
    )
    assert r.status_code == 200
    r = await client.post(f"/api/v1/standards/{sid}/publish", headers=admin)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "standard_invalid"
    assert [(p["code"], p["field"]) for p in problem["problems"]] == [
        ("threshold_unreachable", "threshold_excellent")
    ]
    assert (await client.get(f"/api/v1/standards/{sid}", headers=admin)).json()["status"] == "draft"
    # Warnings alone do not block.
    r = await client.patch(
        f"/api/v1/standards/{sid}",
        headers=admin,
        json={"threshold_excellent": 90, "excellent_quota": "0"},
    )
    r = await client.post(f"/api/v1/standards/{sid}/publish", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "published"


async def test_an_empty_draft_is_refused(client, world):
    admin = await login(client, "admin")
    draft = await _draft(client, admin, world)
    sid = draft["id"]
    for item in draft["items"]:
        r = await client.delete(f"/api/v1/standards/{sid}/items/{item['id']}", headers=admin)
        assert r.status_code == 204
    r = await client.post(f"/api/v1/standards/{sid}/publish", headers=admin)
    assert r.status_code == 422
    assert "standard_empty" in [p["code"] for p in r.json()["problems"]]


async def test_validation_warns_of_a_year_already_published(client, world):
    admin = await login(client, "admin")
    draft = await _draft(client, admin, world, year=2026)
    body = (await client.get(f"/api/v1/standards/{draft['id']}/validation", headers=admin)).json()
    assert [p["code"] for p in body["problems"]] == ["standard_already_published"]
    assert body["problems"][0]["params"] == {"version": str(world.standard_id), "year": "2026"}
    r = await client.post(f"/api/v1/standards/{draft['id']}/publish", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "standard_already_published"


async def test_a_published_version_validates_but_is_not_publishable(client, world):
    admin = await login(client, "admin")
    r = await client.get(f"/api/v1/standards/{world.standard_id}/validation", headers=admin)
    assert r.status_code == 200
    assert (r.json()["publishable"], r.json()["problems"]) == (False, [])


async def test_diff_against_the_version_in_force_last_year(client, world):
    admin = await login(client, "admin")
    draft = await _draft(client, admin, world, name="2027年党员积分标准")
    sid = draft["id"]
    p01, x09 = await _item(draft, "P01"), await _item(draft, "X09")
    await client.patch(
        f"/api/v1/standards/{sid}/items/{p01['id']}",
        headers=admin,
        json={"points": 1, "max_per_month": 1, "requires_evidence": True},
    )
    await client.delete(f"/api/v1/standards/{sid}/items/{x09['id']}", headers=admin)
    await client.post(
        f"/api/v1/standards/{sid}/items",
        headers=admin,
        json={
            "code": "C11",
            "dimension": "contribution",
            "title": "参加乡村振兴项目",
            "kind": "bonus",
            "points": 2,
            "max_per_year": 6,
        },
    )
    await client.patch(f"/api/v1/standards/{sid}", headers=admin, json={"deadline_day": 7})
    r = await client.get(f"/api/v1/standards/{sid}/diff", headers=admin)
    assert r.status_code == 200
    d = r.json()
    assert d["standard_id"] == sid and d["against"]["id"] == world.standard_id
    assert d["against"]["year"] == 2026
    assert d["settings"] == [
        {"field": "name", "before": "党员积分管理标准（通用版）", "after": "2027年党员积分标准"},
        {"field": "deadline_day", "before": 5, "after": 7},
    ]
    assert [i["code"] for i in d["added"]] == ["C11"]
    assert [i["code"] for i in d["removed"]] == ["X09"]
    assert d["changed"] == [
        {
            "code": "P01",
            "title": p01["title"],
            "item_id": p01["id"],
            "changes": [
                {"field": "points", "before": "0.5", "after": "1"},
                {"field": "max_per_month", "before": "0.5", "after": "1"},
                {"field": "requires_evidence", "before": False, "after": True},
            ],
        }
    ]
    assert d["unchanged"] == 48


async def test_diff_prefers_the_version_in_force_for_the_same_year(client, world):
    admin = await login(client, "admin")
    draft = await _draft(client, admin, world, year=2026)
    d = (await client.get(f"/api/v1/standards/{draft['id']}/diff", headers=admin)).json()
    assert d["against"]["id"] == world.standard_id and d["unchanged"] == 50


async def test_diff_with_nothing_in_force_lists_every_item_as_added(client, world):
    admin = await login(client, "admin")
    r = await client.post(
        "/api/v1/standards",
        headers=admin,
        json={"organisation_id": world.committee.id, "year": 2025},
    )
    d = (await client.get(f"/api/v1/standards/{r.json()['id']}/diff", headers=admin)).json()
    assert d["against"] is None and len(d["added"]) == 50 and d["settings"] == []


async def test_diff_against_a_chosen_version(client, world):
    admin = await login(client, "admin")
    first = await _draft(client, admin, world, year=2027)
    second = await _draft(client, admin, world, year=2028)
    d = (
        await client.get(
            f"/api/v1/standards/{second['id']}/diff",
            headers=admin,
            params={"against_id": first["id"]},
        )
    ).json()
    assert d["against"]["id"] == first["id"] and d["unchanged"] == 50
    other = await login(client, "other_admin")
    theirs = await client.post(
        "/api/v1/standards",
        headers=other,
        json={"organisation_id": world.other_committee.id, "year": 2027},
    )
    r = await client.get(
        f"/api/v1/standards/{second['id']}/diff",
        headers=admin,
        params={"against_id": theirs.json()["id"]},
    )
    assert r.status_code == 403


async def test_published_versions_are_read_only_with_a_clear_code(client, world):
    admin = await login(client, "admin")
    draft = await _draft(client, admin, world)
    sid = draft["id"]
    assert (await client.post(f"/api/v1/standards/{sid}/publish", headers=admin)).status_code == 200
    item = draft["items"][0]
    for method, path, body in [
        ("PATCH", f"/api/v1/standards/{sid}", {"deadline_day": 9}),
        ("PATCH", f"/api/v1/standards/{sid}/items/{item['id']}", {"title": "改"}),
        ("DELETE", f"/api/v1/standards/{sid}/items/{item['id']}", None),
        ("POST", f"/api/v1/standards/{sid}/publish", None),
    ]:
        r = await client.request(method, path, headers=admin, json=body)
        assert (r.status_code, r.json()["code"]) == (409, "standard_published"), (method, path)


async def test_only_org_admins_of_the_subtree_use_the_editor(client, world):
    admin = await login(client, "admin")
    sid = (await _draft(client, admin, world))["id"]
    for username in ("member_a", "secretary_a", "reviewer_a", "other_admin"):
        headers = await login(client, username)
        for path in ("validation", "diff"):
            r = await client.get(f"/api/v1/standards/{sid}/{path}", headers=headers)
            assert r.status_code == 403, (username, path)
        r = await client.post(f"/api/v1/standards/{sid}/publish", headers=headers)
        assert r.status_code == 403, username
    r = await client.get(f"/api/v1/standards/{sid}/validation")
    assert r.status_code == 401
    root = await login(client, "root")
    assert (await client.get(f"/api/v1/standards/{sid}/diff", headers=root)).status_code == 200


async def test_every_edit_and_the_publish_are_audited(client, world, session):
    admin = await login(client, "admin")
    draft = await _draft(client, admin, world)
    sid = draft["id"]
    item = draft["items"][0]
    await client.patch(f"/api/v1/standards/{sid}", headers=admin, json={"deadline_day": 6})
    await client.patch(
        f"/api/v1/standards/{sid}/items/{item['id']}", headers=admin, json={"points": 0.5}
    )
    await client.delete(f"/api/v1/standards/{sid}/items/{draft['items'][1]['id']}", headers=admin)
    await client.post(f"/api/v1/standards/{sid}/publish", headers=admin)
    rows = await session.execute(
        select(col(AuditEvent.action))
        .where(col(AuditEvent.entity_type) == "standard", col(AuditEvent.entity_id) == sid)
        .order_by(col(AuditEvent.id))
    )
    assert list(rows.scalars()) == [
        "created",
        "settings_changed",
        "item_changed",
        "item_removed",
        "published",
    ]
