"""The member import's statements: lookups for the dry run, its rows, the set-based apply of a
chunk, activation codes."""

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit
from app.access import Action, Grant, Principal, Role, may_manage
from app.imports import rules
from app.models import (
    ActivationCode,
    Member,
    MemberImport,
    MemberImportRow,
    Organisation,
    RoleAssignment,
    User,
)

# Accounts created by an import have this as their password hash until the member redeems
# their activation code: it is no argon2 hash, so no password matches it (sign-in treats a
# hash starting with "!" as none, and still spends one verification on it).
NO_PASSWORD = "!activation-pending"
_IN_BATCH = 5000
_INSERT_BATCH = 1000

_ROWS: Table = MemberImportRow.__table__  # type: ignore[attr-defined]
_USERS: Table = User.__table__  # type: ignore[attr-defined]
_MEMBERS: Table = Member.__table__  # type: ignore[attr-defined]
_ROLES: Table = RoleAssignment.__table__  # type: ignore[attr-defined]
_CODES: Table = ActivationCode.__table__  # type: ignore[attr-defined]


async def branch_lookup(session: AsyncSession, principal: Principal) -> dict[str, list[int]]:
    """Lookup keys (see rules.branch_keys) → the ids of the active branches the caller manages."""
    result = await session.execute(
        select(
            col(Organisation.id),
            col(Organisation.name),
            col(Organisation.kind),
            col(Organisation.path),
            col(Organisation.archived_at),
        )
    )
    orgs = result.all()
    names = {r.id: r.name for r in orgs}
    keys: dict[str, list[int]] = defaultdict(list)
    for r in orgs:
        if r.kind != "branch" or r.archived_at is not None:
            continue
        if not principal.can(Action.member_manage, r.path):
            continue
        chain = [names.get(int(i), "") for i in r.path.strip("/").split("/")]
        for key in rules.branch_keys(chain):
            keys[key].append(r.id)
    return keys


async def existing_members(
    session: AsyncSession, phones: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Members by phone, with the fields a row is compared with and their branch's path."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(phones), _IN_BATCH):
        result = await session.execute(
            select(
                col(Member.id),
                col(Member.phone),
                col(Member.name),
                col(Member.category),
                col(Member.joined_on),
                col(Member.is_probationary),
                col(Member.gender),
                col(Member.status),
                col(Member.user_id),
                col(Member.branch_id),
                col(Organisation.path),
            )
            .join(Organisation, col(Organisation.id) == col(Member.branch_id))
            .where(col(Member.phone).in_(phones[start : start + _IN_BATCH]))
        )
        for r in result.mappings():
            found[r["phone"]] = dict(r)
    return found


async def taken_usernames(session: AsyncSession, phones: Sequence[str]) -> set[str]:
    taken: set[str] = set()
    for start in range(0, len(phones), _IN_BATCH):
        result = await session.execute(
            # Phones are digits: no case to fold, so the unique index on username serves.
            select(col(User.username)).where(
                col(User.username).in_(phones[start : start + _IN_BATCH])
            )
        )
        taken.update(result.scalars())
    return taken


async def outranked(
    session: AsyncSession, principal: Principal, user_ids: Sequence[int | None]
) -> set[int]:
    """The accounts among user_ids the caller may not manage (separation of duties)."""
    ids = sorted({u for u in user_ids if u is not None})
    grants: dict[int, list[Grant]] = defaultdict(list)
    superadmins: set[int | None] = set()
    for start in range(0, len(ids), _IN_BATCH):
        batch = ids[start : start + _IN_BATCH]
        result = await session.execute(
            select(
                col(RoleAssignment.user_id),
                col(RoleAssignment.role),
                col(RoleAssignment.organisation_id),
                col(Organisation.path),
            )
            .join(Organisation, col(Organisation.id) == col(RoleAssignment.organisation_id))
            .where(col(RoleAssignment.user_id).in_(batch), col(RoleAssignment.role) != "member")
        )
        for user_id, role, org_id, path in result.all():
            grants[user_id].append(Grant(Role(role), org_id, path))
        superadmins.update(
            (
                await session.execute(
                    select(col(User.id)).where(
                        col(User.id).in_(batch), col(User.is_superadmin).is_(True)
                    )
                )
            ).scalars()
        )
    return {
        u
        for u in set(grants) | {s for s in superadmins if s is not None}
        if not may_manage(principal, grants[u], target_is_superadmin=u in superadmins)
    }


async def insert_rows(session: AsyncSession, import_id: int, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _INSERT_BATCH):
        await session.execute(
            insert(_ROWS),
            [rules.row_columns(import_id, r) for r in rows[start : start + _INSERT_BATCH]],
        )


async def page_rows(
    session: AsyncSession, import_id: int, *, action: str | None, page: int, page_size: int
) -> tuple[list[MemberImportRow], int]:
    stmt = select(MemberImportRow).where(col(MemberImportRow.import_id) == import_id)
    if action:
        stmt = stmt.where(col(MemberImportRow.action) == action)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    result = await session.execute(
        stmt.order_by(col(MemberImportRow.row_no)).offset((page - 1) * page_size).limit(page_size)
    )
    return list(result.scalars()), total


async def stream_rows(session: AsyncSession, import_id: int) -> AsyncIterator[MemberImportRow]:
    """Every row of the import in sheet order, read as a stream."""
    result = await session.stream(
        select(MemberImportRow)
        .where(col(MemberImportRow.import_id) == import_id)
        .order_by(col(MemberImportRow.row_no))
    )
    async for (row,) in result:
        yield row


async def set_status(
    session: AsyncSession, import_id: int, *, expected: str, status: str, error: str | None = None
) -> bool:
    """expected → status in one conditional UPDATE; False when the import was not `expected`."""
    values: dict[str, Any] = {"status": status}
    if error is not None:
        values["error"] = error
    changed = await session.execute(
        update(MemberImport)
        .where(col(MemberImport.id) == import_id, col(MemberImport.status) == expected)
        .values(**values)
    )
    return bool(changed.rowcount == 1)  # type: ignore[attr-defined]


async def last_row_no(session: AsyncSession, import_id: int) -> int:
    return (
        await session.scalar(
            select(func.max(col(MemberImportRow.row_no))).where(
                col(MemberImportRow.import_id) == import_id
            )
        )
        or 0
    )


async def count_rows(session: AsyncSession, import_id: int, low: int, high: int) -> int:
    return (
        await session.scalar(
            select(func.count()).where(
                col(MemberImportRow.import_id) == import_id,
                col(MemberImportRow.row_no) >= low,
                col(MemberImportRow.row_no) < high,
            )
        )
        or 0
    )


async def apply_chunk(
    session: AsyncSession, principal: Principal, import_id: int, low: int, high: int, now: Any
) -> None:
    """Rows low ≤ row_no < high: accounts, members and roles for `create`, field updates for
    `update`, each as one statement over the chunk."""
    r = _ROWS.alias("r")
    in_chunk = and_(r.c.import_id == import_id, r.c.row_no >= low, r.c.row_no < high)
    ts = literal(now, _USERS.c.created_at.type)
    creating = and_(in_chunk, r.c.action == "create")
    await session.execute(
        insert(_USERS).from_select(
            [
                "username",
                "display_name",
                "password_hash",
                "must_change_password",
                "is_active",
                "is_superadmin",
                "locale",
                "created_at",
                "token_version",
            ],
            select(
                r.c.phone,
                r.c.name,
                literal(NO_PASSWORD),
                literal(True),
                literal(True),
                literal(False),
                literal("zh-CN"),
                ts,
                literal(0),
            ).where(creating),
        )
    )
    u = _USERS.alias("u")
    await session.execute(
        insert(_MEMBERS).from_select(
            [
                "user_id",
                "name",
                "gender",
                "phone",
                "category",
                "branch_id",
                "status",
                "joined_on",
                "is_probationary",
                "created_at",
                "updated_at",
            ],
            select(
                u.c.id,
                r.c.name,
                r.c.gender,
                r.c.phone,
                r.c.category,
                r.c.branch_id,
                literal("active"),
                r.c.joined_on,
                r.c.is_probationary,
                ts,
                ts,
            )
            .join(u, u.c.username == r.c.phone)
            .where(creating),
        )
    )
    await session.execute(
        insert(_ROLES).from_select(
            ["user_id", "role", "organisation_id", "created_at"],
            select(u.c.id, literal("member"), r.c.branch_id, ts)
            .join(u, u.c.username == r.c.phone)
            .where(creating),
        )
    )
    updating = and_(in_chunk, r.c.action == "update")
    m = _MEMBERS
    # UPDATE … FROM (PostgreSQL; SQLite 3.33+): one join, not a subquery per column and row.
    await session.execute(
        update(m)
        .where(m.c.id == r.c.member_id, updating)
        .values(
            name=r.c.name,
            category=r.c.category,
            joined_on=r.c.joined_on,
            is_probationary=r.c.is_probationary,
            gender=func.coalesce(r.c.gender, m.c.gender),
            updated_at=ts,
        )
    )
    mm = _MEMBERS.alias("mm")
    await session.execute(
        update(_USERS)
        .where(_USERS.c.id == mm.c.user_id, mm.c.id == r.c.member_id, updating)
        .values(display_name=r.c.name)
    )
    # One audit event per member created or updated, written by the same set-based insert.
    for action, condition in (("created", creating), ("updated", updating)):
        source = (
            select(mm.c.id.label("member_id"))
            .join(r, r.c.phone == mm.c.phone)
            .where(condition)
            .cte(f"imported_{action}")
        )
        await session.execute(
            audit.events_per_row(
                source,
                source.c.member_id,
                audit.event(
                    actor=principal,
                    entity_type="member",
                    entity_id=None,
                    action=action,
                    to_state="active" if action == "created" else None,
                    comment=f"member import {import_id}",
                ),
            )
        )


async def claim_credentials(session: AsyncSession, import_id: int, now: datetime) -> bool:
    """Mark the credentials sheet issued; False when it was issued already."""
    claimed = await session.execute(
        update(MemberImport)
        .where(col(MemberImport.id) == import_id, col(MemberImport.credentials_issued_at).is_(None))
        .values(credentials_issued_at=now)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


async def awaiting_activation(
    session: AsyncSession, import_id: int
) -> list[tuple[int, str, str, str]]:
    """(user id, login, name, branch name) of the accounts the import created that have no
    password yet, in sheet order."""
    result = await session.execute(
        select(col(User.id), col(User.username), col(Member.name), col(Organisation.name))
        .join(Member, col(Member.user_id) == col(User.id))
        .join(Organisation, col(Organisation.id) == col(Member.branch_id))
        .join(
            MemberImportRow,
            and_(
                col(MemberImportRow.phone) == col(User.username),
                col(MemberImportRow.import_id) == import_id,
                col(MemberImportRow.action) == "create",
            ),
        )
        .where(col(User.password_hash) == NO_PASSWORD)
        .order_by(col(MemberImportRow.row_no))
    )
    return [(u or 0, login, name, branch) for u, login, name, branch in result.all()]


async def insert_codes(session: AsyncSession, codes: list[dict[str, Any]]) -> None:
    for start in range(0, len(codes), _INSERT_BATCH):
        await session.execute(insert(_CODES), codes[start : start + _INSERT_BATCH])


async def user_by_login(session: AsyncSession, username: str) -> User | None:
    return (
        await session.execute(
            select(User).where(func.lower(col(User.username)) == username.strip().lower())
        )
    ).scalar_one_or_none()


async def activation_code(session: AsyncSession, user_id: int) -> ActivationCode | None:
    return (
        await session.execute(select(ActivationCode).where(col(ActivationCode.user_id) == user_id))
    ).scalar_one_or_none()
