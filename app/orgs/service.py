"""Organisation tree use cases: create, rename, move, archive, list a subtree."""

from sqlalchemy import ColumnElement, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, clock
from app.access import Action, Principal
from app.errors import Conflict, Forbidden, NotFound
from app.models import Member, Organisation


async def get(session: AsyncSession, org_id: int) -> Organisation:
    org = await session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"Organisation {org_id} does not exist.", code="organisation_not_found")
    return org


async def get_branch(session: AsyncSession, org_id: int) -> Organisation:
    org = await get(session, org_id)
    if org.kind != "branch" or org.archived_at is not None:
        raise Conflict("Members belong to an active branch (党支部).", code="not_a_branch")
    return org


def subtree_filter(roots: list[str]) -> ColumnElement[bool]:
    """A WHERE clause selecting organisations below any of the given paths."""
    if "" in roots:
        return literal(True)
    return or_(*(col(Organisation.path).startswith(r) for r in roots)) if roots else literal(False)


async def list_visible(
    *,
    session: AsyncSession,
    principal: Principal,
    include_archived: bool,
    page: int,
    page_size: int,
    kind: str | None = None,
) -> tuple[list[Organisation], int]:
    """The organisations the caller may read, one page at a time, in tree order (by path, which
    is unique: parents precede their children), and how many there are in all."""
    stmt = select(Organisation).where(subtree_filter(principal.roots(Action.org_read)))
    if not include_archived:
        stmt = stmt.where(col(Organisation.archived_at).is_(None))
    if kind is not None:
        stmt = stmt.where(col(Organisation.kind) == kind)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.execute(
        stmt.order_by(col(Organisation.path)).offset((page - 1) * page_size).limit(page_size)
    )
    return list(rows.scalars()), total


async def member_counts(
    *, session: AsyncSession, principal: Principal, orgs: list[Organisation]
) -> dict[int, int]:
    """Active members of each given organisation's subtree: one grouped query over the caller's
    readable branches, each branch's count added to every organisation on its path."""
    if not orgs:
        return {}
    rows = await session.execute(
        select(col(Organisation.path), func.count(col(Member.id)))
        .join(Member, col(Member.branch_id) == col(Organisation.id))
        .where(subtree_filter(principal.roots(Action.org_read)), col(Member.status) == "active")
        .group_by(col(Organisation.path))
    )
    wanted = {org.id for org in orgs if org.id is not None}
    counts = dict.fromkeys(wanted, 0)
    for path, count in rows.all():
        for part in path.strip("/").split("/"):
            org_id = int(part)
            if org_id in wanted:
                counts[org_id] += count
    return counts


async def create(
    *, session: AsyncSession, principal: Principal, name: str, kind: str, parent_id: int | None
) -> Organisation:
    """Create an organisation under a parent the caller manages (a root: superadmins only)."""
    parent = None
    if parent_id is None:
        if not principal.is_superadmin:
            raise Forbidden("Only a superadmin creates a top-level organisation.")
    else:
        parent = await get(session, parent_id)
        principal.require(Action.org_manage, parent.path)
        _check_parent(parent)
    org = Organisation(name=name, kind=kind, parent_id=parent_id, path="")
    session.add(org)
    await session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    assert org.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="organisation",
        entity_id=org.id,
        action="created",
        to_state="active",
        data={"name": name, "kind": kind},
    )
    return org


def _check_parent(parent: Organisation) -> None:
    if parent.archived_at is not None:
        raise Conflict("The parent organisation is archived.", code="organisation_archived")
    if parent.kind == "branch":
        raise Conflict(
            "A branch (党支部) cannot contain other organisations.",
            code="branch_cannot_have_children",
        )


async def rename(
    *, session: AsyncSession, principal: Principal, org: Organisation, name: str
) -> Organisation:
    old = org.name
    org.name = name
    org.updated_at = clock.now()
    assert org.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="organisation",
        entity_id=org.id,
        action="renamed",
        data={"from": old, "to": name},
    )
    return org


async def move(
    *, session: AsyncSession, principal: Principal, org: Organisation, parent_id: int
) -> Organisation:
    """Move a subtree under another parent the caller manages; paths below follow."""
    parent = await get(session, parent_id)
    principal.require(Action.org_manage, parent.path)
    _check_parent(parent)
    if parent.path.startswith(org.path):
        raise Conflict("An organisation cannot move below itself.", code="move_into_own_subtree")
    old_path, new_path = org.path, f"{parent.path}{org.id}/"
    await session.execute(
        update(Organisation)
        .where(col(Organisation.path).startswith(old_path))
        .values(path=literal(new_path) + func.substr(col(Organisation.path), len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )
    org.parent_id = parent.id
    org.path = new_path
    org.updated_at = clock.now()
    assert org.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="organisation",
        entity_id=org.id,
        action="moved",
        data={"from": old_path, "to": new_path},
    )
    await session.flush()
    await session.refresh(org)
    return org


async def archive(
    *, session: AsyncSession, principal: Principal, org: Organisation
) -> Organisation:
    """Archive an organisation with no active sub-organisations and no active members."""
    if org.archived_at is not None:
        raise Conflict("The organisation is already archived.", code="organisation_archived")
    children = await session.scalar(
        select(func.count())
        .select_from(Organisation)
        .where(
            col(Organisation.parent_id) == org.id,
            col(Organisation.archived_at).is_(None),
        )
    )
    if children:
        raise Conflict(
            "Archive or move its sub-organisations first.", code="organisation_not_empty"
        )
    members = await session.scalar(
        select(func.count())
        .select_from(Member)
        .where(col(Member.branch_id) == org.id, col(Member.status) == "active")
    )
    if members:
        raise Conflict("Transfer or deactivate its members first.", code="organisation_not_empty")
    org.archived_at = clock.now()
    assert org.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="organisation",
        entity_id=org.id,
        action="archived",
        from_state="active",
        to_state="archived",
    )
    return org
