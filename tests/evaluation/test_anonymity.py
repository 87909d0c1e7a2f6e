"""Anonymity, the hard rule: after a round of peer and code ballots, nothing in the tables or
the API links a rating to the code or the member who gave it.

The round below has many ballots, each with its own distinctive pattern (and a comment carrying
its number), so that any link left in the database would show: the test tries the ways to make
one (a column, the ids, the rows' physical order, other tables, the responses) and finds none.
"""

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import inspect, text

from app import db
from tests.evaluation.support import (
    API,
    add_members,
    close_round,
    code_ballot,
    issue_codes,
    open_round,
    peer_ballot,
    round_url,
    set_november,
)
from tests.factories import login

RATING_ID = re.compile(r"^[0-9a-f]{32}$")
CODE_BALLOTS = 18
PEER_VOTERS = ["secretary_a", "reviewer_a", "member_a", "member_a2"]
EXTRA = ["王德福", "李桂兰", "赵永强", "孙秀英", "周建华"]  # members without accounts
LISTENER = "王德福"  # every ballot comments on this member, numbered in submission order
postgres = db.engine.dialect.name == "postgresql"

Row = tuple[int, str, str | None]  # (member rated, rating, comment)


@dataclass
class Ballot:
    voter: str  # a username, or "code:<n>"
    rows: frozenset[Row]
    ids: set[str] = field(default_factory=set)

    @property
    def size(self) -> int:
        return len(self.rows)


@dataclass
class Round:
    id: int
    codes: list[str]
    ballots: list[Ballot]
    members: dict[str, int]
    comments: list[str]  # the listener's comments, in submission order


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_november(monkeypatch)


async def _physical_rows() -> list[tuple[str, int, str, str | None]]:
    """The rating table in the order its rows lie: PostgreSQL's heap order (ctid); SQLite's
    natural order (the table is WITHOUT ROWID, so rows lie in primary-key order)."""
    order = " ORDER BY ctid" if postgres else ""
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text(f"SELECT id, member_id, rating, comment FROM evaluation_rating{order}")
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def _ids() -> set[str]:
    return {row[0] for row in await _physical_rows()}


def _cut(rows: list[tuple], sizes: Iterable[int]) -> list[frozenset[Row]]:
    """Consecutive groups of the given sizes."""
    groups, start = [], 0
    for size in sizes:
        groups.append(frozenset((r[1], r[2], r[3]) for r in rows[start : start + size]))
        start += size
    return groups


def _reproduced(rnd: Round, rows: list[tuple]) -> int:
    """How many consecutive groups, cut to the ballots' sizes in submission order, are exactly
    one of the ballots."""
    known = {b.rows for b in rnd.ballots}
    return sum(group in known for group in _cut(rows, (b.size for b in rnd.ballots)))


async def _run_round(client, world, session) -> Round:
    """Ten members; 18 code ballots rating all ten and 4 peer ballots rating the nine others,
    interleaved, each with a pattern of its own and a numbered comment on the listener."""
    await add_members(session, world, EXTRA)
    secretary = await login(client, "secretary_a")
    created = await open_round(client, secretary, world.branch_a.id)
    form = await client.get(round_url(created["id"], "/ballot"), headers=secretary)
    members = {m["name"]: m["id"] for m in form.json()["members"]}
    members["secretary_a"] = world.members["secretary_a"].id
    assert len(members) == 10
    codes = await issue_codes(client, secretary, created["id"], CODE_BALLOTS)
    rnd = Round(created["id"], codes, [], members, [])
    chance = random.Random(20261120)
    seen_patterns: set[tuple[str, ...]] = set()
    voters = [f"code:{i}" for i in range(CODE_BALLOTS)]
    for index, voter in enumerate(PEER_VOTERS):
        voters.insert(4 + 5 * index, voter)
    for number, voter in enumerate(voters):
        rated = [m for m in members if m != voter]
        while True:
            pattern = tuple(chance.choice(["good", "fair", "poor", "skip"]) for _ in rated)
            if pattern not in seen_patterns:
                seen_patterns.add(pattern)
                break
        ratings = {members[m]: r for m, r in zip(rated, pattern, strict=True)}
        comment = f"第{number:02d}张：工作踏实"
        comments = {members[LISTENER]: comment}
        before = await _ids()
        if voter.startswith("code:"):
            code = codes[int(voter[5:])]
            response = await code_ballot(client, code, rnd.id, ratings, comments)
        else:
            response = await peer_ballot(
                client, await login(client, voter), rnd.id, ratings, comments
            )
        assert response.status_code == 201, response.text
        rows = frozenset((m, r, comments.get(m)) for m, r in ratings.items())
        ballot = Ballot(voter, rows, (await _ids()) - before)
        assert len(ballot.ids) == ballot.size
        rnd.ballots.append(ballot)
        rnd.comments.append(comment)
    return rnd


async def _columns(table: str) -> list[dict[str, Any]]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(lambda sync: inspect(sync).get_columns(table))


async def _foreign_keys(table: str) -> list[dict[str, Any]]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(lambda sync: inspect(sync).get_foreign_keys(table))


def _is_time(column: dict[str, Any]) -> bool:
    return isinstance(column["type"], sa.Date | sa.DateTime | sa.Time | sa.Interval) or any(
        word in column["name"] for word in ("_at", "time", "date", "_on", "day")
    )


# -- (1) the table's shape ----------------------------------------------------------------------


async def test_a_rating_names_only_its_round_and_the_member_rated_and_has_no_time(client, world):
    columns = {c["name"]: c for c in await _columns("evaluation_rating")}
    assert set(columns) == {"id", "round_id", "member_id", "rating", "comment"}
    assert not [name for name, c in columns.items() if _is_time(c)]
    references = {
        (tuple(fk["constrained_columns"]), fk["referred_table"])
        for fk in await _foreign_keys("evaluation_rating")
    }
    assert references == {(("round_id",), "evaluation_round"), (("member_id",), "member")}
    # Nothing else in the database points at a rating either.
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    for table in tables:
        for fk in await _foreign_keys(table):
            assert fk["referred_table"] != "evaluation_rating", table


async def test_who_voted_is_kept_apart_with_nothing_to_join_a_rating_on(client, world):
    receipt = {c["name"] for c in await _columns("evaluation_receipt")}
    assert receipt == {"round_id", "member_id"}
    code = {c["name"]: c for c in await _columns("evaluation_code")}
    assert set(code) == {"id", "round_id", "code_hash", "batch", "spent"}
    assert not [name for name, c in code.items() if _is_time(c)]


@pytest.mark.skipif(postgres, reason="SQLite's storage")
async def test_on_sqlite_the_rating_table_has_no_rowid(client, world):
    async with db.engine.connect() as conn:
        sql = await conn.scalar(
            text(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'evaluation_rating'"
            )
        )
    assert "WITHOUT ROWID" in sql.upper()


# -- (2)-(5) after a real round -----------------------------------------------------------------


async def test_no_link_can_be_made_from_a_rating_to_its_voter(client, world, session):
    rnd = await _run_round(client, world, session)
    ballots = rnd.ballots
    assert len(ballots) == CODE_BALLOTS + len(PEER_VOTERS) == 22
    assert len({b.rows for b in ballots}) == len(ballots)  # every pattern its own

    # (2) The ids are random hex and do not follow insertion order.
    inserted = [i for b in ballots for i in sorted(b.ids)]
    assert all(RATING_ID.match(i) for i in inserted)
    assert len(set(inserted)) == len(inserted) == 10 * CODE_BALLOTS + 9 * len(PEER_VOTERS)
    in_order = [i for b in ballots for i in b.ids]
    assert sorted(in_order) != in_order
    by_id = sorted(await _physical_rows())
    assert _reproduced(rnd, by_id) == 0
    # The ballots' ids are scattered over the id order, not in runs.
    position = {row[0]: index for index, row in enumerate(by_id)}
    spans = [max(position[i] for i in b.ids) - min(position[i] for i in b.ids) for b in ballots]
    assert sum(span < 3 * b.size for span, b in zip(spans, ballots, strict=True)) <= 2

    # (3) Before the close: PostgreSQL mostly keeps rows in the order written (into space that
    # earlier deletions freed, where there is some), so cutting its heap order into
    # ballot-sized groups gives many ballots back: the close must undo that. SQLite keeps them
    # in (random) id order, which gives nothing back at any time.
    during = await _physical_rows()
    if not postgres:
        assert _reproduced(rnd, during) == 0

    secretary = await login(client, "secretary_a")
    progress_open = (await client.get(round_url(rnd.id), headers=secretary)).json()
    await close_round(client, secretary, rnd.id)

    after = await _physical_rows()
    # The same ratings, under new ids: what anyone noted of the ids during the round is void.
    assert sorted(r[1:] for r in after) == sorted(r[1:] for r in during)
    assert not {r[0] for r in after} & {r[0] for r in during}
    assert all(RATING_ID.match(r[0]) for r in after)
    # Chance reproducing even one of 22 ballots of 9 or 10 rows is far below one in a million.
    assert _reproduced(rnd, after) == 0
    # Nor do any 9 or 10 consecutive rows anywhere form a ballot.
    known = {b.rows for b in ballots}
    for size in (9, 10):
        for start in range(len(after) - size + 1):
            group = frozenset((r[1], r[2], r[3]) for r in after[start : start + size])
            assert group not in known
    # The physical order after the close is not the order of writing, either.
    listener = rnd.members[LISTENER]
    written = list(rnd.comments)
    lying = [r[3] for r in after if r[1] == listener]
    assert lying != written

    # (4) Receipts hold (round, member) only, codes no time, and nothing else in the database
    # holds a rating's id or a comment.
    async with db.engine.connect() as conn:
        receipts = (await conn.execute(text("SELECT * FROM evaluation_receipt"))).all()
        assert sorted(tuple(r) for r in receipts) == sorted(
            (rnd.id, world.members[v].id) for v in PEER_VOTERS
        )
        codes = (await conn.execute(text("SELECT * FROM evaluation_code"))).all()
        assert len(codes) == CODE_BALLOTS and all(len(tuple(r)) == 5 for r in codes)
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        elsewhere = []
        for table in tables:
            if table == "evaluation_rating":
                continue
            for row in (await conn.execute(text(f'SELECT * FROM "{table}"'))).all():
                elsewhere.append(f"{table}: {tuple(row)!r}")
        ballot_events = (
            await conn.execute(
                text(
                    "SELECT action, data, comment FROM audit_event "
                    "WHERE action IN ('peer_ballot', 'code_ballot')"
                )
            )
        ).all()
    dump = "\n".join(elsewhere)
    for rating_id in {r[0] for r in after} | {r[0] for r in during}:
        assert rating_id not in dump
    for comment in rnd.comments:
        assert comment not in dump
    assert len(ballot_events) == len(ballots)
    for action, data, comment in ballot_events:
        assert data in (None, {}, "null", "{}") and comment is None, (action, data)

    # (5) No response puts a voter next to a rating.
    member_ids = sorted(set(rnd.members.values()))
    responses = {
        "progress while open": progress_open,
        "progress": (await client.get(round_url(rnd.id), headers=secretary)).json(),
        "results": (await client.get(round_url(rnd.id, "/results"), headers=secretary)).json(),
    }
    for member_id in member_ids:
        response = await client.get(
            f"{API}/members/{member_id}/evaluation?year=2026", headers=secretary
        )
        assert response.status_code == 200, response.text
        responses[f"year of {member_id}"] = response.json()
    for voter in PEER_VOTERS:
        headers = await login(client, voter)
        responses[f"my rounds of {voter}"] = (
            await client.get(f"{API}/me/evaluation-rounds", headers=headers)
        ).json()
        responses[f"year of {voter}, to themself"] = (
            await client.get(
                f"{API}/members/{world.members[voter].id}/evaluation?year=2026", headers=headers
            )
        ).json()
    for name, body in responses.items():
        _no_voter_next_to_a_rating(name, body)
        flat = repr(body)
        for code in rnd.codes:
            assert code not in flat and code.replace("-", "") not in flat, name
        for rating_id in {r[0] for r in after}:
            assert rating_id not in flat, name

    # Comments reach the secretary by the member rated, in an order that is not submission's.
    results = responses["results"]
    heard = [c["comment"] for c in results["comments"] if c["member"]["id"] == listener]
    assert sorted(heard) == sorted(written) and heard != written
    # ...grouped by the member rated: each member's comments come in one run.
    runs = [c["member"]["id"] for c in results["comments"]]
    starts = [m for index, m in enumerate(runs) if index == 0 or runs[index - 1] != m]
    assert len(starts) == len(set(starts))


# What a response may say next to a rating: the member rated (id and name) and figures.
_RATING_KEYS = {"good", "fair", "poor", "skip", "rating", "rate", "comment", "n"}
_ALLOWED_WITH_A_RATING = _RATING_KEYS | {
    "member",
    "qualifies",
    "quarter",
    "round_id",
    "rated",
    "under_min",
    # a member's year, all about the member rated:
    "year",
    "min_ratings",
    "quarters",
    "rate_source",
    "evaluation_max",
    "points",
    "poor_share",
    "poor_over_a_third",
}
_VOTER_WORDS = ("voter", "rater", "author", "by", "user", "receipt", "code", "ip", "address")


def _no_voter_next_to_a_rating(name: str, body: Any) -> None:
    if isinstance(body, dict):
        keys = set(body)
        if keys & _RATING_KEYS and "member" in keys:
            assert keys <= _ALLOWED_WITH_A_RATING, (name, keys)
            assert set(body["member"]) == {"id", "name"}, (name, body["member"])
        for key in keys:
            words = key.split("_")
            assert not [w for w in _VOTER_WORDS if w in words and key != "round_id"], (name, key)
        for value in body.values():
            _no_voter_next_to_a_rating(name, value)
    elif isinstance(body, list):
        for value in body:
            _no_voter_next_to_a_rating(name, value)
