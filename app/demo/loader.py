"""Loads the demo organisation (one committee, three branches, 30 members) into an empty DB."""

import asyncio
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock
from app.demo.activity import load_activity
from app.demo.evaluation import load_evaluation
from app.demo.grading import load_grading
from app.models import AuditEvent, Member, Organisation, RoleAssignment, User
from app.security import hash_password_async
from app.standards import service as standards

DEMO_FILE = Path(__file__).with_name("demo.json")


def current_year(tz: str = "Asia/Shanghai") -> int:
    return clock.now().astimezone(ZoneInfo(tz)).year


async def database_is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Organisation))


async def _demo_data() -> dict[str, Any]:
    text = await asyncio.to_thread(DEMO_FILE.read_text, encoding="utf-8")
    return dict(json.loads(text))


async def holds_demo_data(session: AsyncSession) -> bool:
    """Whether the demo organisation (and so its accounts) is in the database."""
    name = (await _demo_data())["committee"]["name"]
    found = await session.scalar(
        select(func.count()).select_from(Organisation).where(col(Organisation.name) == name)
    )
    return bool(found)


def founding_moment(year: int, tz: str = "Asia/Shanghai") -> datetime:
    """When the demo organisation, its accounts and its standard came to be: the morning of
    the last day before the demo year, so they precede all of the year's activity."""
    return datetime(year - 1, 12, 31, 9, 0, tzinfo=ZoneInfo(tz))


async def _org(
    session: AsyncSession, name: str, kind: str, parent: Organisation | None, at: datetime
) -> Organisation:
    org = Organisation(
        name=name,
        kind=kind,
        parent_id=parent.id if parent else None,
        path="",
        created_at=at,
        updated_at=at,
    )
    session.add(org)
    await session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    return org


async def load_demo(session: AsyncSession) -> dict[str, Any]:
    """Create the demo tree, accounts and the default standard; returns what was made."""
    data = await _demo_data()
    password_hash = await hash_password_async(data["password"])  # one hash: argon2 is slow
    year = current_year()
    founded = founding_moment(year)
    committee = await _org(session, data["committee"]["name"], "committee", None, founded)
    admin = User(
        username=data["admin"]["username"],
        display_name=data["admin"]["display_name"],
        password_hash=password_hash,
        must_change_password=False,
        created_at=founded,
    )
    session.add(admin)
    await session.flush()
    assert admin.id is not None and committee.id is not None
    session.add(
        RoleAssignment(
            user_id=admin.id, role="org_admin", organisation_id=committee.id, created_at=founded
        )
    )
    members = 0
    for branch_data in data["branches"]:
        branch = await _org(session, branch_data["name"], "branch", committee, founded)
        assert branch.id is not None
        for m in branch_data["members"]:
            user = User(
                username=m.get("username") or m["phone"],
                display_name=m["name"],
                password_hash=password_hash,
                must_change_password=False,
                created_at=founded,
            )
            session.add(user)
            await session.flush()
            assert user.id is not None
            session.add(
                Member(
                    user_id=user.id,
                    name=m["name"],
                    gender=m.get("gender"),
                    phone=m["phone"],
                    category=m["category"],
                    branch_id=branch.id,
                    joined_on=date.fromisoformat(m["joined_on"]),
                    is_probationary=m.get("is_probationary", False),
                    created_at=founded,
                    updated_at=founded,
                )
            )
            for role in ["member", *m.get("roles", [])]:
                session.add(
                    RoleAssignment(
                        user_id=user.id, role=role, organisation_id=branch.id, created_at=founded
                    )
                )
            members += 1
    await session.flush()
    standard = await standards.install_default(session, organisation_id=committee.id, year=year)
    # Published before the year began, like the rest of the set-up (a seed, not a history edit:
    # these rows were written a moment ago in this same transaction).
    standard.created_at = founded
    standard.published_at = founded
    for event in (
        await session.execute(
            select(AuditEvent).where(
                col(AuditEvent.entity_type) == "standard",
                col(AuditEvent.entity_id) == standard.id,
            )
        )
    ).scalars():
        event.created_at = founded
    activity = await load_activity(session, committee=committee, standard=standard)
    branches = list(
        (
            await session.execute(
                select(Organisation)
                .where(col(Organisation.parent_id) == committee.id)
                .order_by(col(Organisation.id))
            )
        ).scalars()
    )
    evaluation = await load_evaluation(session, branches=branches, standard=standard)
    grading = await load_grading(session, branches=branches, year=year)
    return {
        **activity,
        **evaluation,
        **grading,
        "committee_id": committee.id,
        "members": members,
        "standard_id": standard.id,
        "year": year,
    }
