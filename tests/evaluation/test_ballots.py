"""Ballots: the masses' single-use codes (issued on a printed sheet, spent once, even when sent
twice at the same moment) and the fellow members' one ballot a round; then the results."""

import asyncio
import re
import unicodedata

import httpx
import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlalchemy import inspect, select, text
from sqlmodel import col

from app import db
from app.evaluation.codes import normalise
from app.main import app
from app.models import EvaluationCode, EvaluationRating, Member
from tests.evaluation.support import (
    PUBLIC,
    add_members,
    close_round,
    code_ballot,
    issue_codes,
    lookup,
    member_ids,
    open_round,
    peer_ballot,
    rate_of,
    read,
    refused,
    round_url,
    same,
    set_november,
    sheet_codes,
)
from tests.factories import login
from tests.helpers import set_now, shanghai

HEX64 = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_november(monkeypatch)


async def _round(client, world, branch="branch_a", secretary="secretary_a", **kw):
    headers = await login(client, secretary)
    rnd = await open_round(client, headers, getattr(world, branch).id, **kw)
    return headers, rnd


def _everyone(world, rating="good", *, leave_out=()):
    names = ["secretary_a", "reviewer_a", "member_a", "member_a2", "newcomer"]
    return {world.members[n].id: rating for n in names if n not in leave_out}


async def _rows(table: str) -> list[tuple]:
    async with db.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(f"SELECT * FROM {table}"))).all()]


# -- issuing codes ------------------------------------------------------------------------------


async def test_issuing_codes_returns_the_printable_pdf_sheet(client, world):
    secretary, rnd = await _round(client, world)
    response = await client.post(
        round_url(rnd["id"], "/codes"), json={"count": 10}, headers=secretary
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-codes-issued"] == "10"
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF")
    assert len(sheet_codes(response.content)) == 10


async def test_only_hashes_of_the_codes_are_stored(client, world, session):
    secretary, rnd = await _round(client, world)
    codes = await issue_codes(client, secretary, rnd["id"], 12)
    stored = await read(session, select(col(EvaluationCode.code_hash)))
    assert len(stored) == 12 == len(set(stored))
    assert all(HEX64.match(h) for h in stored)
    columns = {c["name"] for c in await _columns("evaluation_code")}
    assert columns == {"id", "round_id", "code_hash", "batch", "spent"}
    # No table holds a code, in any spelling, anywhere.
    dump = await _dump_database()
    for code in codes:
        for spelling in (code, code.replace("-", ""), code.lower(), code.replace("-", "").lower()):
            assert spelling not in dump


async def _columns(table: str) -> list[dict]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(lambda sync: inspect(sync).get_columns(table))


async def _dump_database() -> str:
    """Every row of every table, as text."""
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        lines = []
        for table in tables:
            for row in (await conn.execute(text(f'SELECT * FROM "{table}"'))).all():
                lines.append(f"{table}: {tuple(row)!r}")
    return "\n".join(lines)


async def test_the_sheets_qr_codes_decode_to_urls_that_open_the_round(client, world):
    secretary, rnd = await _round(client, world)
    response = await client.post(
        round_url(rnd["id"], "/codes"), json={"count": 9}, headers=secretary
    )
    assert response.status_code == 201
    urls = []
    for page in pdfium.PdfDocument(response.content):
        image = page.render(scale=150 / 72, grayscale=True).to_pil()
        urls += [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    assert len(urls) == len(set(urls)) == 9
    assert set(urls) == {f"https://testserver/e/{code}" for code in sheet_codes(response.content)}
    for url in urls:
        base, code = url.rsplit("/e/", 1)
        assert base == "https://testserver"
        opened = await lookup(client, code)
        assert opened.status_code == 200, opened.text
        form = opened.json()
        assert form["round_id"] == rnd["id"]
        assert form["branch_name"] == world.branch_a.name
        assert (form["year"], form["quarter"]) == (2026, 4)
        assert {m["name"] for m in form["members"]} == {
            "secretary_a",
            "reviewer_a",
            "member_a",
            "member_a2",
            "newcomer",
        }
        assert all(set(m) == {"id", "name"} for m in form["members"])


async def test_a_second_batch_adds_to_the_first(client, world, session):
    secretary, rnd = await _round(client, world)
    first = await issue_codes(client, secretary, rnd["id"], 3)
    second = await issue_codes(client, secretary, rnd["id"], 2)
    assert not set(first) & set(second)
    batches = sorted(await read(session, select(col(EvaluationCode.batch))))
    assert batches == [1, 1, 1, 2, 2]


@pytest.mark.parametrize("count", [0, -1, 1001])
async def test_a_batch_is_one_to_a_thousand_codes(client, world, count):
    secretary, rnd = await _round(client, world)
    response = await client.post(
        round_url(rnd["id"], "/codes"), json={"count": count}, headers=secretary
    )
    assert response.status_code == 422, response.text


# -- spending a code ----------------------------------------------------------------------------


async def test_a_code_ballot_is_taken_once(client, world):
    secretary, rnd = await _round(client, world)
    [code] = await issue_codes(client, secretary, rnd["id"], 1)
    accepted = await code_ballot(client, code, rnd["id"], _everyone(world))
    assert accepted.status_code == 201, accepted.text
    assert accepted.json() == {"round_id": rnd["id"], "ratings": 5}
    refused(await code_ballot(client, code, rnd["id"], _everyone(world, "poor")), 409, "code_spent")
    refused(await lookup(client, code), 409, "code_spent")
    assert len(await _rows("evaluation_rating")) == 5


async def test_a_code_sent_twice_at_once_makes_one_ballot(client, world, session):
    secretary, rnd = await _round(client, world)
    [code] = await issue_codes(client, secretary, rnd["id"], 1)
    first, second = await asyncio.gather(
        code_ballot(client, code, rnd["id"], _everyone(world, "good")),
        code_ballot(client, code, rnd["id"], _everyone(world, "poor")),
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["code"] == "code_spent"
    ratings = await read(session, select(col(EvaluationRating.rating)))
    assert len(ratings) == 5
    assert len(set(ratings)) == 1  # one ballot's, not a mix of both
    progress = (await client.get(round_url(rnd["id"]), headers=secretary)).json()
    assert progress["codes_spent"] == 1


async def test_many_codes_sent_twice_at_once_make_one_ballot_each(client, world, session):
    secretary, rnd = await _round(client, world)
    codes = await issue_codes(client, secretary, rnd["id"], 6)
    sends = [
        code_ballot(client, code, rnd["id"], _everyone(world, rating))
        for code in codes
        for rating in ("good", "poor")
    ]
    responses = await asyncio.gather(*sends)
    assert sorted(r.status_code for r in responses) == [201] * 6 + [409] * 6
    assert len(await read(session, select(col(EvaluationRating.id)))) == 30


async def test_a_code_after_the_window_has_ended_is_refused(client, world, monkeypatch):
    secretary, rnd = await _round(client, world)
    [code] = await issue_codes(client, secretary, rnd["id"], 1)
    set_now(monkeypatch, shanghai("2026-12-16 00:00:01"))
    refused(await lookup(client, code), 409, "round_ended")
    refused(await code_ballot(client, code, rnd["id"], _everyone(world)), 409, "round_ended")
    # The last day itself, Shanghai time, still counts.
    set_now(monkeypatch, shanghai("2026-12-15 23:59:00"))
    assert (await code_ballot(client, code, rnd["id"], _everyone(world))).status_code == 201


async def test_a_code_before_the_window_opens_is_refused(client, world):
    secretary, rnd = await _round(client, world, opens_on="2026-11-25")
    [code] = await issue_codes(client, secretary, rnd["id"], 1)
    body = refused(await lookup(client, code), 409, "round_not_started")
    assert body["opens_on"] == "2026-11-25"
    refused(await code_ballot(client, code, rnd["id"], _everyone(world)), 409, "round_not_started")


async def test_a_code_of_a_closed_round_is_refused(client, world):
    secretary, rnd = await _round(client, world)
    [code] = await issue_codes(client, secretary, rnd["id"], 1)
    await close_round(client, secretary, rnd["id"])
    refused(await lookup(client, code), 409, "round_closed")
    refused(await code_ballot(client, code, rnd["id"], _everyone(world)), 409, "round_closed")


async def test_a_code_sent_with_another_rounds_id_is_refused(client, world, session):
    secretary_a, round_a = await _round(client, world)
    _secretary_b, round_b = await _round(client, world, "branch_b", "secretary_b")
    [code_a] = await issue_codes(client, secretary_a, round_a["id"], 1)
    b = world.members["member_b"].id
    refused(await code_ballot(client, code_a, round_b["id"], {b: "poor"}), 409, "code_other_round")
    # The code is not spent by the refusal.
    assert (await lookup(client, code_a)).status_code == 200


async def test_an_unknown_code_is_404(client, world):
    secretary, rnd = await _round(client, world)
    await issue_codes(client, secretary, rnd["id"], 1)
    refused(await lookup(client, "ABCD-EFGH-JKMN-PQRS"), 404, "code_unknown")
    refused(
        await code_ballot(client, "ABCD-EFGH-JKMN-PQRS", rnd["id"], _everyone(world)),
        404,
        "code_unknown",
    )


@pytest.mark.parametrize(
    "typed", ["ABCD-EFGH", "ABCD-EFGH-JKMN-PQRU", "hello world", "ABCD-EFGH-JKMN-PQRS-T", "码"]
)
async def test_a_malformed_code_is_422(client, world, typed):
    refused(await lookup(client, typed), 422, "code_malformed")


@pytest.mark.parametrize(
    "spell",
    [
        lambda c: c.lower(),
        lambda c: c.replace("-", " "),
        lambda c: f"  {c.replace('-', '')}  ",
        lambda c: (
            unicodedata.normalize("NFKC", c)
            and "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in c)
        ),  # full width, as a Chinese input method types it
        lambda c: " ".join(c.lower().replace("-", "")[i : i + 4] for i in range(0, 16, 4)),
    ],
    ids=["lower", "spaced", "no-dashes", "full-width", "lower-spaced"],
)
async def test_a_code_in_any_spelling_is_accepted(client, world, spell):
    secretary, rnd = await _round(client, world)
    [code] = await issue_codes(client, secretary, rnd["id"], 1)
    typed = spell(code)
    assert typed != code and normalise(typed) == code
    assert (await lookup(client, typed)).json()["round_id"] == rnd["id"]
    assert (await code_ballot(client, typed, rnd["id"], _everyone(world))).status_code == 201
    refused(await code_ballot(client, code, rnd["id"], _everyone(world)), 409, "code_spent")


async def test_a_code_ballot_rates_only_the_rounds_members_each_once(client, world):
    secretary, rnd = await _round(client, world)
    [code] = await issue_codes(client, secretary, rnd["id"], 1)
    a = world.members["member_a"].id
    refused(
        await code_ballot(client, code, rnd["id"], {world.members["member_b"].id: "good"}),
        409,
        "not_rateable",
    )
    duplicate = await client.post(
        f"{PUBLIC}/ballots",
        json={
            "code": code,
            "round_id": rnd["id"],
            "ratings": [{"member_id": a, "rating": "good"}, {"member_id": a, "rating": "poor"}],
        },
    )
    refused(duplicate, 422, "duplicate_rating")
    bad = await client.post(
        f"{PUBLIC}/ballots",
        json={"code": code, "round_id": rnd["id"], "ratings": [{"member_id": a, "rating": "ok"}]},
    )
    assert bad.status_code == 422
    # None of the refusals spent the code.
    assert (await code_ballot(client, code, rnd["id"], {a: "good"})).status_code == 201


async def test_the_public_endpoints_need_no_sign_in(client, world):
    secretary, rnd = await _round(client, world)
    [code] = await issue_codes(client, secretary, rnd["id"], 1)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("198.51.100.9", 40000)),
        base_url="https://testserver",
    ) as anonymous:
        assert (await lookup(anonymous, code)).status_code == 200
        assert (await code_ballot(anonymous, code, rnd["id"], _everyone(world))).status_code == 201


# -- fellow members -----------------------------------------------------------------------------


async def test_a_member_rates_fellow_members_once(client, world):
    _, rnd = await _round(client, world)
    member = await login(client, "member_a")
    pattern = _everyone(world, "good", leave_out=["member_a"])
    accepted = await peer_ballot(client, member, rnd["id"], pattern)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json() == {"round_id": rnd["id"], "ratings": 4}
    again = await peer_ballot(client, member, rnd["id"], {world.members["secretary_a"].id: "poor"})
    refused(again, 409, "already_voted")
    assert len(await _rows("evaluation_rating")) == 4


async def test_a_peer_ballot_sent_twice_at_once_makes_one_ballot(client, world, session):
    _, rnd = await _round(client, world)
    member = await login(client, "member_a")
    others = _everyone(world, leave_out=["member_a"])
    first, second = await asyncio.gather(
        peer_ballot(client, member, rnd["id"], dict.fromkeys(others, "good")),
        peer_ballot(client, member, rnd["id"], dict.fromkeys(others, "poor")),
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["code"] == "already_voted"
    ratings = await read(session, select(col(EvaluationRating.rating)))
    assert len(ratings) == 4 and len(set(ratings)) == 1


async def test_a_member_need_not_rate_everyone(client, world):
    _, rnd = await _round(client, world)
    one = {world.members["secretary_a"].id: "fair"}
    response = await peer_ballot(client, await login(client, "member_a"), rnd["id"], one)
    assert response.status_code == 201


async def test_nobody_rates_themselves(client, world):
    _, rnd = await _round(client, world)
    member = await login(client, "member_a")
    refused(await peer_ballot(client, member, rnd["id"], _everyone(world)), 403, "self_rating")
    # The refusal is not a ballot.
    ok = await peer_ballot(client, member, rnd["id"], _everyone(world, leave_out=["member_a"]))
    assert ok.status_code == 201


@pytest.mark.parametrize("username", ["member_b", "member_other", "secretary_b"])
async def test_a_member_of_another_branch_is_refused(client, world, username):
    _, rnd = await _round(client, world)
    headers = await login(client, username)
    pattern = {world.members["member_a"].id: "poor"}
    refused(await peer_ballot(client, headers, rnd["id"], pattern), 403, "not_in_branch")
    refused(await client.get(round_url(rnd["id"], "/ballot"), headers=headers), 403)


async def test_someone_who_is_not_a_member_does_not_cast_a_peer_ballot(client, world):
    _, rnd = await _round(client, world)
    admin = await login(client, "admin")
    pattern = {world.members["member_a"].id: "poor"}
    refused(await peer_ballot(client, admin, rnd["id"], pattern), 403, "members_only")


async def test_a_probationary_member_rates_and_is_rated(client, world, session):
    probationer = await session.get(Member, world.members["member_a2"].id)
    probationer.is_probationary = True
    await session.commit()
    _, rnd = await _round(client, world)
    headers = await login(client, "member_a2")
    form = (await client.get(round_url(rnd["id"], "/ballot"), headers=headers)).json()
    assert len(form["members"]) == 4
    response = await peer_ballot(
        client, headers, rnd["id"], _everyone(world, leave_out=["member_a2"])
    )
    assert response.status_code == 201, response.text
    rated = await peer_ballot(
        client, await login(client, "member_a"), rnd["id"], {probationer.id: "good"}
    )
    assert rated.status_code == 201, rated.text


async def test_a_ratee_outside_the_branch_is_not_rateable(client, world, session):
    _, rnd = await _round(client, world)
    member = await login(client, "member_a")
    refused(
        await peer_ballot(client, member, rnd["id"], {world.members["member_b"].id: "poor"}),
        409,
        "not_rateable",
    )
    refused(await peer_ballot(client, member, rnd["id"], {999_999: "poor"}), 409, "not_rateable")
    gone = await session.get(Member, world.members["member_a2"].id)
    gone.status = "inactive"
    await session.commit()
    refused(await peer_ballot(client, member, rnd["id"], {gone.id: "poor"}), 409, "not_rateable")


async def test_a_peer_ballot_rating_a_member_twice_is_422(client, world):
    _, rnd = await _round(client, world)
    sec = world.members["secretary_a"].id
    response = await client.post(
        round_url(rnd["id"], "/ballot"),
        json={
            "ratings": [{"member_id": sec, "rating": "good"}, {"member_id": sec, "rating": "poor"}]
        },
        headers=await login(client, "member_a"),
    )
    refused(response, 422, "duplicate_rating")


async def test_a_peer_ballot_outside_the_window_or_after_the_close_is_refused(
    client, world, monkeypatch
):
    secretary, rnd = await _round(client, world)
    member = await login(client, "member_a")
    pattern = {world.members["secretary_a"].id: "good"}
    set_now(monkeypatch, shanghai("2026-11-14 20:00:00"))
    refused(await peer_ballot(client, member, rnd["id"], pattern), 409, "round_not_started")
    set_now(monkeypatch, shanghai("2026-12-16 08:00:00"))
    refused(await peer_ballot(client, member, rnd["id"], pattern), 409, "round_ended")
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))
    await close_round(client, secretary, rnd["id"])
    refused(await peer_ballot(client, member, rnd["id"], pattern), 409, "round_closed")


async def test_my_rounds_show_the_open_round_and_whether_i_voted(client, world, monkeypatch):
    secretary, rnd = await _round(client, world)
    await open_round(client, secretary, world.branch_a.id, quarter=3, opens_on="2026-11-25")
    member = await login(client, "member_a")
    mine = (await client.get("/api/v1/me/evaluation-rounds", headers=member)).json()
    # Only the round taking ballots today; the scheduled one is not shown yet.
    assert mine == [
        {"id": rnd["id"], "year": 2026, "quarter": 4, "closes_on": "2026-12-15", "voted": False}
    ]
    await peer_ballot(client, member, rnd["id"], {world.members["secretary_a"].id: "good"})
    mine = (await client.get("/api/v1/me/evaluation-rounds", headers=member)).json()
    assert [r["voted"] for r in mine] == [True]
    other = await login(client, "member_a2")
    assert [
        r["voted"] for r in (await client.get("/api/v1/me/evaluation-rounds", headers=other)).json()
    ] == [False]
    outsider = await login(client, "member_b")
    assert (await client.get("/api/v1/me/evaluation-rounds", headers=outsider)).json() == []
    await close_round(client, secretary, rnd["id"])
    assert (await client.get("/api/v1/me/evaluation-rounds", headers=member)).json() == []


async def test_the_peer_form_lists_everyone_but_the_caller(client, world):
    _, rnd = await _round(client, world)
    member = await login(client, "member_a")
    response = await client.get(round_url(rnd["id"], "/ballot"), headers=member)
    assert response.status_code == 200, response.text
    form = response.json()
    assert {m["name"] for m in form["members"]} == {
        "secretary_a",
        "reviewer_a",
        "member_a2",
        "newcomer",
    }
    assert form["voted"] is False
    await peer_ballot(client, member, rnd["id"], {world.members["newcomer"].id: "skip"})
    form = (await client.get(round_url(rnd["id"], "/ballot"), headers=member)).json()
    assert form["voted"] is True


# -- results ------------------------------------------------------------------------------------


async def test_results_wait_for_the_close(client, world):
    secretary, rnd = await _round(client, world)
    refused(
        await client.get(round_url(rnd["id"], "/results"), headers=secretary), 409, "round_open"
    )


async def test_results_count_each_member_and_rate_those_with_enough_ratings(client, world, session):
    secretary, rnd = await _round(client, world)
    [extra] = await add_members(session, world, ["张大爷"])
    sec, rev, mem, mem2, new = member_ids(
        world, "secretary_a", "reviewer_a", "member_a", "member_a2", "newcomer"
    )
    codes = await issue_codes(client, secretary, rnd["id"], 4)
    ballots = [
        {sec: "good", rev: "good", mem: "fair", mem2: "poor", new: "skip", extra.id: "good"},
        {sec: "good", rev: "fair", mem: "fair", mem2: "skip", new: "skip", extra.id: "good"},
        {sec: "fair", rev: "poor", mem: "good", mem2: "skip", new: "skip"},
        {sec: "poor", rev: "good", mem: "poor", mem2: "good"},
    ]
    for code, pattern in zip(codes, ballots, strict=True):
        assert (await code_ballot(client, code, rnd["id"], pattern)).status_code == 201
    peer = await peer_ballot(
        client, await login(client, "member_a"), rnd["id"], {sec: "good", mem2: "fair"}
    )
    assert peer.status_code == 201
    await close_round(client, secretary, rnd["id"])
    response = await client.get(round_url(rnd["id"], "/results"), headers=secretary)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ballots"] == 5
    rows = {r["member"]["id"]: r for r in body["members"]}
    expected = {
        # member: (good, fair, poor, skip)
        sec: (3, 1, 1, 0),
        rev: (2, 1, 1, 0),
        mem: (1, 2, 1, 0),
        mem2: (1, 1, 1, 2),
        new: (0, 0, 0, 3),
        extra.id: (2, 0, 0, 0),
    }
    for member_id, (good, fair, poor, skip) in expected.items():
        row = rows[member_id]
        n = good + fair + poor
        assert (row["good"], row["fair"], row["poor"], row["skip"], row["n"]) == (
            good,
            fair,
            poor,
            skip,
            n,
        )
        rate = rate_of(good, fair, poor) if n >= 3 else None
        assert same(row["rate"], rate), (member_id, row)
        assert row["qualifies"] is (rate is not None)
    # By hand: 3.5/5, 2.5/4, 2/4, 1.5/3.
    assert float(rows[sec]["rate"]) == 0.7
    assert float(rows[rev]["rate"]) == 0.625
    assert float(rows[mem]["rate"]) == 0.5
    assert float(rows[mem2]["rate"]) == 0.5
    assert rows[extra.id]["rate"] is None and rows[extra.id]["qualifies"] is False


async def test_comments_are_listed_with_the_member_rated_only(client, world):
    secretary, rnd = await _round(client, world)
    sec, mem = member_ids(world, "secretary_a", "member_a")
    [code] = await issue_codes(client, secretary, rnd["id"], 1)
    await code_ballot(client, code, rnd["id"], {sec: "good", mem: "fair"}, {sec: "工作认真负责"})
    await peer_ballot(
        client,
        await login(client, "reviewer_a"),
        rnd["id"],
        {mem: "poor", sec: "good"},
        {mem: "组织生活参加不够"},
    )
    await close_round(client, secretary, rnd["id"])
    body = (await client.get(round_url(rnd["id"], "/results"), headers=secretary)).json()
    assert sorted((c["member"]["id"], c["comment"]) for c in body["comments"]) == sorted(
        [(sec, "工作认真负责"), (mem, "组织生活参加不够")]
    )
    for comment in body["comments"]:
        assert set(comment) == {"member", "comment"}
        assert set(comment["member"]) == {"id", "name"}
