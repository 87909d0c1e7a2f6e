"""Shared helpers for the monthly-cycle tests: a settable clock, items, photos, claims."""

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock, db
from app.models import StandardItem

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(text: str) -> datetime:
    """A wall-clock time in Asia/Shanghai, e.g. "2026-11-20 10:00:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def set_now(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment)


async def item_ids(session: AsyncSession, standard_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(col(StandardItem.code), col(StandardItem.id)).where(
            col(StandardItem.standard_id) == standard_id
        )
    )
    ids = {code: item_id for code, item_id in rows.all()}
    await session.commit()  # end the read: on SQLite an open transaction holds the write lock
    return ids


def jpeg_bytes(colour: tuple[int, int, int] = (200, 30, 30), size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, "JPEG")
    return buffer.getvalue()


async def new_claim(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    item_id: int,
    *,
    occurred_on: str = "2026-11-10",
    quantity: int = 1,
    description: str = "参加社区志愿服务，清理楼道杂物",
    photo: bool = True,
    submit: bool = False,
    expect: int = 201,
) -> dict[str, Any]:
    """Create a claim (with one photo when asked) and optionally submit it."""
    response = await client.post(
        "/api/v1/claims",
        json={
            "item_id": item_id,
            "occurred_on": occurred_on,
            "quantity": quantity,
            "description": description,
        },
        headers=headers,
    )
    assert response.status_code == expect, response.text
    claim = response.json()
    if expect != 201:
        return claim
    if photo:
        uploaded = await client.post(
            f"/api/v1/claims/{claim['id']}/evidence",
            files={"file": ("photo.jpg", jpeg_bytes(), "image/jpeg")},
            headers=headers,
        )
        assert uploaded.status_code == 201, uploaded.text
    if submit:
        submitted = await client.post(f"/api/v1/claims/{claim['id']}/submit", headers=headers)
        assert submitted.status_code == 200, submitted.text
        claim = submitted.json()
    return claim


async def service_account_headers(
    client: httpx.AsyncClient, admin: dict[str, str], organisation_id: int, scope: str
) -> dict[str, str]:
    """An org admin creates a service account with one scope; its client-credentials token."""
    created = await client.post(
        "/api/v1/service-accounts",
        json={"name": "组织部统计系统", "organisation_id": organisation_id, "scopes": [scope]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    account = created.json()
    token = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": account["client_id"],
            "client_secret": account["client_secret"],
            "scope": scope,
        },
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


# Races between transactions: SQLite writes one transaction at a time, so only PostgreSQL
# can show one.
race_needs_postgres = pytest.mark.skipif(
    db.engine.dialect.name != "postgresql",
    reason="SQLite writes one transaction at a time; the race needs PostgreSQL",
)
