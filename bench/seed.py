"""A fresh bench database: dropped, created, migrated and filled with a month-end population.

One committee with the shipped default standard published for this year, plus four bench items
(self-declared, no evidence, caps high enough for a month-end rush, so the monthly and yearly
cap queries still run on every submit). Branches of members with accounts, and one reviewer
per branch who is not a member (nobody reviews their own claim).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

PASSWORD = "bench-password-9"
BENCH_ITEMS = (
    ("B01", "morality", "关爱孤寡老人和留守儿童（基准测试）"),
    ("B02", "contribution", "参加志愿服务活动（基准测试）"),
    ("B03", "contribution", "为群众办实事（基准测试）"),
    ("B04", "morality", "带头参与文明创建和环境整治（基准测试）"),
)


@dataclass
class Seeded:
    committee_id: int
    branch_ids: list[int]
    standard_id: int
    item_ids: list[int]
    # (user_id, member_id, branch_id) of every member with an account
    members: list[tuple[int, int, int]] = field(default_factory=list)
    # branch_id -> (user_id, username) of its reviewer
    reviewers: dict[int, tuple[int, str]] = field(default_factory=dict)
    member_usernames: dict[int, str] = field(default_factory=dict)


async def recreate_database(url: str) -> None:
    """DROP and CREATE the database named in url, connected to the server's postgres DB."""
    u = make_url(url)
    name = u.database
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"refusing to recreate database {name!r}")
    conn = await asyncpg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        database="postgres",
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def server_facts(session: AsyncSession) -> dict[str, str]:
    names = ("server_version", "shared_buffers", "synchronous_commit", "max_connections", "fsync")
    facts = {}
    for name in names:
        facts[name] = str(await session.scalar(text(f"SHOW {name}")))
    return facts


async def seed(
    session: AsyncSession, *, branches: int, members_per_branch: int, today: date
) -> Seeded:
    from app.models import Member, Organisation, RoleAssignment, StandardItem, User
    from app.security import hash_password
    from app.standards.service import install_default

    password_hash = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once
    committee = Organisation(name="先锋街道党工委（基准测试）", kind="committee", path="")
    session.add(committee)
    await session.flush()
    assert committee.id is not None
    committee.path = f"/{committee.id}/"
    orgs = []
    for b in range(branches):
        org = Organisation(name=f"第{b + 1}党支部", kind="branch", parent_id=committee.id, path="")
        session.add(org)
        await session.flush()
        org.path = f"{committee.path}{org.id}/"
        orgs.append(org)
    standard = await install_default(session, organisation_id=committee.id, year=today.year)
    assert standard.id is not None
    items = [
        StandardItem(
            standard_id=standard.id,
            code=code,
            dimension=dimension,
            title=title,
            kind="bonus",
            points=Decimal("0.5"),
            max_per_month=Decimal("100"),
            max_per_year=Decimal("1000"),
            source="self",
            requires_evidence=False,
            position=100 + i,
        )
        for i, (code, dimension, title) in enumerate(BENCH_ITEMS)
    ]
    session.add_all(items)

    users: list[tuple[User, Organisation]] = []
    for org in orgs:
        for j in range(members_per_branch):
            user = User(
                username=f"m{org.id}-{j:04d}",
                display_name=f"党员{org.id}-{j:04d}",
                password_hash=password_hash,
                must_change_password=False,
            )
            users.append((user, org))
    reviewers = [
        (
            User(
                username=f"reviewer-{org.id}",
                display_name=f"审核员{org.id}",
                password_hash=password_hash,
                must_change_password=False,
            ),
            org,
        )
        for org in orgs
    ]
    session.add_all([u for u, _ in users + reviewers])
    await session.flush()
    members = []
    for user, org in users:
        assert user.id is not None and org.id is not None
        member = Member(
            user_id=user.id,
            name=user.display_name,
            phone=f"139{user.id:08d}",
            category="institution",
            branch_id=org.id,
            joined_on=date(2015, 7, 1),
        )
        members.append((user, member))
        session.add(member)
        session.add(RoleAssignment(user_id=user.id, role="member", organisation_id=org.id))
    for user, org in reviewers:
        assert user.id is not None and org.id is not None
        session.add(RoleAssignment(user_id=user.id, role="reviewer", organisation_id=org.id))
    await session.flush()
    result = Seeded(
        committee_id=committee.id,
        branch_ids=[o.id for o in orgs if o.id is not None],
        standard_id=standard.id,
        item_ids=[i.id for i in items if i.id is not None],
    )
    for user, member in members:
        assert user.id is not None and member.id is not None
        result.members.append((user.id, member.id, member.branch_id))
        result.member_usernames[user.id] = user.username
    for user, org in reviewers:
        assert user.id is not None and org.id is not None
        result.reviewers[org.id] = (user.id, user.username)
    return result


async def seed_backlog(
    session: AsyncSession,
    world: Seeded,
    *,
    per_branch: int | dict[int, int],
    today: date,
    description: str,
) -> int:
    """Claims already submitted and waiting for review when the month-end rush starts.

    Written straight to the tables (claim rows as submitted, with their create and submit
    audit events), so the reviewers have 500-claim batches from the first second.
    """
    from collections import defaultdict
    from datetime import UTC, datetime

    from sqlalchemy import insert
    from sqlmodel import col

    from app.models import AuditEvent, Claim

    now = datetime.now(UTC)
    members: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for m in world.members:
        members[m[2]].append(m)
    rows = []
    for branch_id in world.branch_ids:
        in_branch = members[branch_id]
        count = per_branch if isinstance(per_branch, int) else per_branch.get(branch_id, 0)
        for i in range(count):
            user_id, member_id, _ = in_branch[i % len(in_branch)]
            rows.append(
                {
                    "member_id": member_id,
                    "branch_id": branch_id,
                    "standard_id": world.standard_id,
                    "item_id": world.item_ids[i % len(world.item_ids)],
                    "period": f"{today:%Y-%m}",
                    "occurred_on": today,
                    "quantity": 1,
                    "description": description,
                    "claimed_points": Decimal("0.5"),
                    "status": "submitted",
                    "created_by_user_id": user_id,
                    "submitted_at": now,
                    "version": 2,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    if not rows:
        return 0
    result = await session.execute(
        insert(Claim).returning(col(Claim.id), col(Claim.created_by_user_id)), rows
    )
    events = []
    for claim_id, actor in result.all():
        for action, before, after in (("create", None, "draft"), ("submit", "draft", "submitted")):
            events.append(
                {
                    "actor_user_id": actor,
                    "entity_type": "claim",
                    "entity_id": claim_id,
                    "action": action,
                    "from_state": before,
                    "to_state": after,
                    "created_at": now,
                }
            )
    await session.execute(insert(AuditEvent), events)
    return len(rows)
