"""Test data: a small organisation tree with people in every role, and sign-in helpers."""

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Member, Organisation, RoleAssignment, User
from app.security import hash_password
from app.standards.service import install_default

PASSWORD = "correct-horse-9"


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class World:
    committee: Organisation
    branch_a: Organisation
    branch_b: Organisation
    other_committee: Organisation
    other_branch: Organisation
    users: dict[str, User] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    standard_id: int = 0


async def make_org(
    session: AsyncSession, name: str, kind: str, parent: Organisation | None = None
) -> Organisation:
    org = Organisation(name=name, kind=kind, parent_id=parent.id if parent else None, path="")
    session.add(org)
    await session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    return org


async def make_user(
    session: AsyncSession,
    username: str,
    *,
    roles: list[tuple[str, Organisation]] = (),
    must_change: bool = False,
    superadmin: bool = False,  # type: ignore[assignment]
    branch: Organisation | None = None,
    phone: str | None = None,
    category: str = "institution",
    name: str | None = None,
) -> tuple[User, Member | None]:
    user = User(
        username=username,
        display_name=name or username,
        password_hash=password_hash(),
        must_change_password=must_change,
        is_superadmin=superadmin,
    )
    session.add(user)
    await session.flush()
    member = None
    if branch is not None:
        member = Member(
            user_id=user.id,
            name=name or username,
            phone=phone or f"139{user.id:08d}",
            category=category,
            branch_id=branch.id,
            joined_on=date(2015, 7, 1),
        )  # type: ignore[arg-type]
        session.add(member)
        session.add(RoleAssignment(user_id=user.id, role="member", organisation_id=branch.id))  # type: ignore[arg-type]
    for role, org in roles:
        session.add(RoleAssignment(user_id=user.id, role=role, organisation_id=org.id))  # type: ignore[arg-type]
    await session.flush()
    return user, member


async def build_world(session: AsyncSession) -> World:
    committee = await make_org(session, "城关街道党工委", "committee")
    branch_a = await make_org(session, "第一党支部", "branch", committee)
    branch_b = await make_org(session, "第二党支部", "branch", committee)
    other = await make_org(session, "另一党委", "committee")
    other_branch = await make_org(session, "另一党支部", "branch", other)
    w = World(committee, branch_a, branch_b, other, other_branch)
    specs: list[tuple[str, dict[str, Any]]] = [
        ("root", {"superadmin": True}),
        ("admin", {"roles": [("org_admin", committee)]}),
        ("other_admin", {"roles": [("org_admin", other)]}),
        ("secretary_a", {"roles": [("secretary", branch_a)], "branch": branch_a}),
        ("reviewer_a", {"roles": [("reviewer", branch_a)], "branch": branch_a}),
        ("member_a", {"branch": branch_a, "phone": "13800138000"}),
        ("member_a2", {"branch": branch_a}),
        ("secretary_b", {"roles": [("secretary", branch_b)], "branch": branch_b}),
        ("member_b", {"branch": branch_b}),
        ("member_other", {"branch": other_branch}),
        ("newcomer", {"branch": branch_a, "must_change": True}),
    ]
    for username, kw in specs:
        user, member = await make_user(session, username, **kw)
        w.users[username] = user
        if member is not None:
            w.members[username] = member
    standard = await install_default(session, organisation_id=committee.id, year=2026)  # type: ignore[arg-type]
    w.standard_id = standard.id  # type: ignore[assignment]
    await session.commit()
    return w


async def login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> dict[str, str]:
    """Sign in and return the Authorization header."""
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
