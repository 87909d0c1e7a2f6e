"""Shared helpers for the evaluation's API tests: rounds, codes read back from the printed
sheet, peer and code ballots, extra members without accounts."""

import itertools
import re
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pypdfium2 as pdfium
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Member
from tests.factories import World
from tests.helpers import set_now, shanghai

API = "/api/v1"
PUBLIC = f"{API}/public/evaluation"
# The clock of most tests: the middle of the fourth quarter of 2026.
NOW = "2026-11-20 10:00:00"
OPENS, CLOSES = "2026-11-15", "2026-12-15"
_phones = itertools.count(1)
CODE_TEXT = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def set_november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai(NOW))


def rounds_url(branch_id: int) -> str:
    return f"{API}/branches/{branch_id}/evaluation-rounds"


def round_url(round_id: int, tail: str = "") -> str:
    return f"{API}/evaluation-rounds/{round_id}{tail}"


async def open_round(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    branch_id: int,
    *,
    year: int = 2026,
    quarter: int = 4,
    opens_on: str = OPENS,
    closes_on: str = CLOSES,
    expect: int = 201,
) -> dict[str, Any]:
    response = await client.post(
        rounds_url(branch_id),
        json={"year": year, "quarter": quarter, "opens_on": opens_on, "closes_on": closes_on},
        headers=headers,
    )
    assert response.status_code == expect, response.text
    return response.json()


def sheet_codes(pdf: bytes) -> list[str]:
    """The codes printed as text on the sheet (each once: it is printed alone and in the
    URL under its QR code), in order."""
    document = pdfium.PdfDocument(pdf)
    found: list[str] = []
    for page in document:
        found += CODE_TEXT.findall(page.get_textpage().get_text_range())
    return list(dict.fromkeys(found))


async def issue_codes(
    client: httpx.AsyncClient, headers: dict[str, str], round_id: int, count: int
) -> list[str]:
    """Issue a batch and read its codes off the PDF, as a secretary would hand them out."""
    response = await client.post(
        round_url(round_id, "/codes"), json={"count": count}, headers=headers
    )
    assert response.status_code == 201, response.text
    found = sheet_codes(response.content)
    assert len(found) == count == len(set(found))
    return found


async def close_round(
    client: httpx.AsyncClient, headers: dict[str, str], round_id: int
) -> dict[str, Any]:
    response = await client.post(round_url(round_id, "/close"), headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def ratings(pattern: dict[int, str], comments: dict[int, str] | None = None) -> list[dict]:
    rows = []
    for member_id, rating in pattern.items():
        row: dict[str, Any] = {"member_id": member_id, "rating": rating}
        if comments and member_id in comments:
            row["comment"] = comments[member_id]
        rows.append(row)
    return rows


async def code_ballot(
    client: httpx.AsyncClient,
    code: str,
    round_id: int,
    pattern: dict[int, str],
    comments: dict[int, str] | None = None,
) -> httpx.Response:
    return await client.post(
        f"{PUBLIC}/ballots",
        json={"code": code, "round_id": round_id, "ratings": ratings(pattern, comments)},
    )


async def peer_ballot(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    round_id: int,
    pattern: dict[int, str],
    comments: dict[int, str] | None = None,
) -> httpx.Response:
    return await client.post(
        round_url(round_id, "/ballot"),
        json={"ratings": ratings(pattern, comments)},
        headers=headers,
    )


async def lookup(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await client.post(f"{PUBLIC}/lookup", json={"code": code})


async def add_members(
    session: AsyncSession, world: World, names: list[str], *, branch: str = "branch_a"
) -> list[Member]:
    """Members without accounts (most of a village branch), committed."""
    org = getattr(world, branch)
    made = []
    for _index, name in enumerate(names):
        member = Member(
            name=name,
            phone=f"137{next(_phones):08d}",
            category="rural_community",
            branch_id=org.id,
            joined_on=date(2018, 7, 1),
        )  # type: ignore[call-arg]
        session.add(member)
        made.append(member)
    await session.commit()
    return made


def member_ids(world: World, *usernames: str) -> list[int]:
    return [world.members[u].id for u in usernames]  # type: ignore[misc]


def rate_of(good: int, fair: int, poor: int) -> Decimal:
    """The quarter rate, by hand: (good + 0.5 × fair) / n."""
    return (Decimal(good) + Decimal("0.5") * fair) / (good + fair + poor)


def same(value: Any, expected: Decimal | None) -> bool:
    """An API decimal (a string or number) against a hand-computed one; the API gives rates
    and shares to four places."""
    if expected is None:
        return value is None
    return Decimal(str(value)) == expected.quantize(Decimal("0.0001"))


def refused(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """A problem+json refusal with this status (and code)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body


async def read(session: AsyncSession, stmt: Any) -> list[Any]:
    """Scalars of a statement, ending the read (an open SQLite transaction holds the lock)."""
    rows = list(await session.scalars(stmt))
    await session.commit()
    return rows
