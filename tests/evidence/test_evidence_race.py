"""The three-file limit holds under concurrency: the count check and the insert are serialised
per claim, so however many uploads race, at most three files are kept, on disk as in the
database, and the same file sent at once is kept once with the documented answers."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from app import db
from app.claims import files
from app.config import settings
from app.models import ClaimEvidence
from tests.factories import login
from tests.helpers import item_ids, jpeg_bytes, new_claim, race_needs_postgres, set_now, shanghai

pytestmark = race_needs_postgres


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


def _stored() -> set[Path]:
    return set((settings.data_dir / "files" / "evidence").rglob("*"))


async def _keys(claim_id: int) -> set[str]:
    async with db.SessionFactory() as s:
        rows = await s.scalars(
            select(col(ClaimEvidence.storage_key)).where(col(ClaimEvidence.claim_id) == claim_id)
        )
        return set(rows)


async def _race(client, world, session, photos: list[bytes]):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], photo=False)
    before = _stored()
    url = f"/api/v1/claims/{claim['id']}/evidence"
    answers = await asyncio.gather(
        *(
            client.post(url, files={"file": ("p.jpg", p, "image/jpeg")}, headers=member)
            for p in photos
        )
    )
    await files.settled()
    new_files = {p for p in _stored() - before if p.is_file()}
    return claim, answers, new_files


async def test_twelve_concurrent_uploads_keep_at_most_three_files(client, world, session):
    photos = [jpeg_bytes((i * 20, 10, 10)) for i in range(12)]
    claim, answers, new_files = await _race(client, world, session, photos)
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 3 + [409] * 9, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"evidence_limit"}
    keys = await _keys(claim["id"])
    assert len(keys) == 3
    root = settings.data_dir / "files"
    assert {str(p.relative_to(root)) for p in new_files} == keys


async def test_the_same_file_uploaded_at_once_is_kept_once(client, world, session):
    claim, answers, new_files = await _race(client, world, session, [jpeg_bytes()] * 12)
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * 11 + [201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(await _keys(claim["id"])) == 1
    assert len(new_files) == 1
