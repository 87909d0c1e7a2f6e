"""Sign-in of an account awaiting activation costs what a wrong password costs."""

from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col

from app import db
from app.auth import service as auth_service
from app.imports.repository import NO_PASSWORD
from app.models import User
from tests.factories import PASSWORD


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The hashes sign-in verifies against (None: the dummy verification)."""
    seen: list[str | None] = []
    real = auth_service.verify_password_async

    async def spy(password: str, password_hash: str | None) -> bool:
        seen.append(password_hash)
        return await real(password, password_hash)

    monkeypatch.setattr(auth_service, "verify_password_async", spy)
    return seen


async def test_sign_in_of_an_account_awaiting_activation_runs_the_dummy_verification(
    client: Any, world: Any, verified: list[str | None]
) -> None:
    async with db.unit_of_work() as s:
        await s.execute(
            update(User).where(col(User.username) == "member_a").values(password_hash=NO_PASSWORD)
        )
    pending = await client.post(
        "/api/v1/auth/login", json={"username": "member_a", "password": PASSWORD}
    )
    wrong = await client.post("/api/v1/auth/login", json={"username": "admin", "password": "x"})
    assert pending.status_code == wrong.status_code == 401
    assert pending.json()["code"] == wrong.json()["code"] == "invalid_credentials"
    # The marker is no hash: it is never handed to argon2 (which would refuse it at once);
    # the dummy verification runs instead, as for an unknown name.
    assert verified[0] is None and verified[1] is not None and verified[1].startswith("$argon2")
