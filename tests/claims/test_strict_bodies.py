"""Request bodies take strict types: a wrong type is refused (422), never converted."""

import pytest

from tests.factories import login
from tests.helpers import item_ids, new_claim, set_now, shanghai


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", True),
        ("quantity", "2"),
        ("quantity", 1.0),
        ("occurred_on", 1796428800),
        ("occurred_on", "2026-11-10T00:00:00"),
        ("occurred_on", "2026/11/10"),
        ("submit", "true"),
        ("submit", 1),
        ("item_id", "1"),
        ("description", 5),
    ],
)
async def test_a_claim_with_a_wrong_type_is_refused_not_converted(
    client, world, session, field, value
):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    body = {"item_id": items["C01"], "occurred_on": "2026-11-10", "description": "志愿服务"}
    body[field] = value
    response = await client.post("/api/v1/claims", json=body, headers=member)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert [e["loc"][-1] for e in response.json()["errors"]] == [field]


async def test_points_are_a_json_number_or_a_decimal_string(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    reviewer = await login(client, "reviewer_a")
    one = await new_claim(client, member, items["C01"], submit=True)
    two = await new_claim(client, member, items["C01"], occurred_on="2026-11-11", submit=True)
    url = "/api/v1/claims/{}/approve"
    as_number = await client.post(
        url.format(one["id"]), json={"points": 0.3, "comment": "只认一部分"}, headers=reviewer
    )
    assert as_number.status_code == 200, as_number.text
    as_bool = await client.post(
        url.format(two["id"]), json={"points": True, "comment": "x"}, headers=reviewer
    )
    assert as_bool.status_code == 422


async def test_null_fields_of_an_edit_stay_as_they_were(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"])
    body = {"occurred_on": None, "quantity": None, "item_id": items["P07"], "description": "参观"}
    response = await client.patch(f"/api/v1/claims/{claim['id']}", json=body, headers=member)
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["item"]["id"] == items["P07"]
    assert (edited["occurred_on"], edited["quantity"]) == (claim["occurred_on"], claim["quantity"])
