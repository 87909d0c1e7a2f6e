"""Member use cases: create with an account, edit, deactivate, transfer, reset a password."""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, clock
from app.access import Action, Grant, Principal, Role, require_may_manage, require_user
from app.auth.service import revoke_sessions
from app.errors import Conflict, Forbidden, NotFound
from app.models import Member, MemberTransfer, Organisation, RoleAssignment, User
from app.orgs import service as orgs
from app.orgs.service import subtree_filter
from app.security import generate_password, hash_password_async

BRANCH_ROLES = ("member", "reviewer", "secretary")


async def get(session: AsyncSession, member_id: int) -> Member:
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFound(f"Member {member_id} does not exist.", code="member_not_found")
    return member


async def branch_path(session: AsyncSession, member: Member) -> str:
    return (await orgs.get(session, member.branch_id)).path


async def require_on_member(
    session: AsyncSession, principal: Principal, member: Member, action: Action
) -> None:
    """Members may read themselves; otherwise the action must be granted on their branch."""
    if action is Action.member_read and principal.user and member.user_id == principal.user.id:
        return
    principal.require(action, await branch_path(session, member))


async def search(
    *,
    session: AsyncSession,
    principal: Principal,
    organisation_id: int | None,
    q: str | None,
    status: str | None,
    category: str | None,
    page: int,
    page_size: int,
) -> tuple[list[tuple[Member, str]], int]:
    """Members in the caller's readable subtree, by name or phone, one page at a time, each with
    their branch's name; ordered by branch then id, so pages never overlap."""
    roots = principal.roots(Action.member_read)
    if organisation_id is not None:
        org = await orgs.get(session, organisation_id)
        principal.require(Action.member_read, org.path)
        roots = [org.path]
    if not roots:
        raise Forbidden("You may not list members.")
    stmt = (
        select(Member, col(Organisation.name))
        .join(Organisation, col(Organisation.id) == col(Member.branch_id))
        .where(subtree_filter(roots))
    )
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(col(Member.name).like(like), col(Member.phone).like(like)))
    if status:
        stmt = stmt.where(col(Member.status) == status)
    if category:
        stmt = stmt.where(col(Member.category) == category)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.execute(
        stmt.order_by(col(Member.branch_id), col(Member.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [(member, name) for member, name in rows.all()], total


async def ensure_identifiers_free(
    session: AsyncSession,
    identifiers: Iterable[str],
    *,
    owner_user_id: int | None = None,
    owner_member_id: int | None = None,
) -> None:
    """Refuse sign-in identifiers already in use: login names and members' phone numbers are one
    namespace (sign-in accepts either), login names compared case-insensitively. The owner's
    own account and member record (an edit keeping its values) do not count."""
    wanted = sorted({i.strip().lower() for i in identifiers if i and i.strip()})
    if not wanted:
        return
    names = select(literal(1)).where(func.lower(col(User.username)).in_(wanted))
    if owner_user_id is not None:
        names = names.where(col(User.id) != owner_user_id)
    phones = select(literal(1)).where(col(Member.phone).in_(wanted))
    if owner_member_id is not None:
        phones = phones.where(col(Member.id) != owner_member_id)
    if await session.scalar(union_all(names, phones).limit(1)):
        raise Conflict(
            "This phone number or login name is already someone's sign-in name.",
            code="identifier_taken",
        )


async def account_grants(session: AsyncSession, user_id: int) -> tuple[list[Grant], bool]:
    """Every role the account holds (archived organisations too), and whether it is a
    superadmin: what the member-management rule weighs against the actor's roles."""
    is_superadmin = await session.scalar(
        select(col(User.is_superadmin)).where(col(User.id) == user_id)
    )
    rows = await session.execute(
        select(
            col(RoleAssignment.role), col(RoleAssignment.organisation_id), col(Organisation.path)
        )
        .join(Organisation, col(Organisation.id) == col(RoleAssignment.organisation_id))
        .where(col(RoleAssignment.user_id) == user_id)
    )
    return [Grant(Role(role), org_id, path) for role, org_id, path in rows.all()], bool(
        is_superadmin
    )


async def require_may_manage_user(
    session: AsyncSession, principal: Principal, user_id: int | None
) -> None:
    """403 target_outranks_you unless the caller outranks every role of the account."""
    if user_id is None:
        return
    grants, is_superadmin = await account_grants(session, user_id)
    require_may_manage(principal, grants, target_is_superadmin=is_superadmin)


async def create(
    *, session: AsyncSession, principal: Principal, data: dict[str, object]
) -> tuple[Member, str, str]:
    """Create a member with an account that must change its initial password."""
    branch = await orgs.get_branch(session, int(data["branch_id"]))  # type: ignore[call-overload]
    principal.require(Action.member_manage, branch.path)
    phone = str(data["phone"])
    username = str(data.get("username") or phone)
    await ensure_identifiers_free(session, {phone, username})
    password = generate_password()
    user = User(
        username=username,
        display_name=str(data["name"]),
        password_hash=await hash_password_async(password),
        must_change_password=True,
    )
    session.add(user)
    await session.flush()
    fields = {k: v for k, v in data.items() if k != "username"}
    member = Member(**fields, user_id=user.id)  # type: ignore[arg-type]
    session.add(member)
    assert user.id is not None and branch.id is not None
    session.add(RoleAssignment(user_id=user.id, role=Role.member, organisation_id=branch.id))
    await session.flush()
    assert member.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="member",
        entity_id=member.id,
        action="created",
        to_state="active",
        data={"branch_id": branch.id},
    )
    return member, username, password


async def update(
    *, session: AsyncSession, principal: Principal, member: Member, changes: dict[str, object]
) -> Member:
    await require_may_manage_user(session, principal, member.user_id)
    if "phone" in changes:
        await ensure_identifiers_free(
            session,
            {str(changes["phone"])},
            owner_user_id=member.user_id,
            owner_member_id=member.id,
        )
    before = {k: getattr(member, k) for k in changes}
    for key, value in changes.items():
        setattr(member, key, value)
    member.updated_at = clock.now()
    if "name" in changes and member.user_id:
        user = await session.get(User, member.user_id)
        if user:
            user.display_name = str(changes["name"])
    assert member.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="member",
        entity_id=member.id,
        action="updated",
        data={
            "before": {k: str(v) for k, v in before.items()},
            "after": {k: str(v) for k, v in changes.items()},
        },
    )
    return member


async def set_active(
    *, session: AsyncSession, principal: Principal, member: Member, active: bool, reason: str
) -> Member:
    """Deactivate (or reactivate) a member and their account; sign-ins are revoked."""
    target = "active" if active else "inactive"
    if not active and member.user_id is not None and member.user_id == principal.user_id:
        raise Conflict("You cannot deactivate your own account.", code="own_account")
    await require_may_manage_user(session, principal, member.user_id)
    if member.status == target:
        raise Conflict(f"The member is already {target}.", code=f"member_already_{target}")
    before = member.status
    member.status = target
    member.updated_at = clock.now()
    if member.user_id:
        user = await session.get(User, member.user_id)
        if user:
            user.is_active = active
            if not active:
                await revoke_sessions(session, user)
    assert member.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="member",
        entity_id=member.id,
        action="activated" if active else "deactivated",
        from_state=before,
        to_state=target,
        comment=reason,
    )
    return member


async def transfer(
    *,
    session: AsyncSession,
    principal: Principal,
    member: Member,
    to_branch_id: int,
    reason: str,
    transferred_on: date | None,
) -> MemberTransfer:
    """Move a member to another branch; the old branch keeps the history up to the move."""
    source = await orgs.get(session, member.branch_id)
    target = await orgs.get_branch(session, to_branch_id)
    principal.require(Action.member_transfer, source.path)
    principal.require(Action.member_transfer, target.path)
    await require_may_manage_user(session, principal, member.user_id)
    if target.id == source.id:
        raise Conflict("The member already belongs to that branch.", code="same_branch")
    if member.status != "active":
        raise Conflict("Only an active member can be transferred.", code="member_inactive")
    assert member.id is not None and target.id is not None and source.id is not None
    record = MemberTransfer(
        member_id=member.id,
        from_branch_id=source.id,
        to_branch_id=target.id,
        transferred_on=transferred_on or clock.now().date(),
        reason=reason,
        actor_user_id=principal.user_id,
    )
    session.add(record)
    member.branch_id = target.id
    member.updated_at = clock.now()
    if member.user_id:
        # Branch roles do not travel: the member is a plain member of the new branch.
        await session.execute(
            delete(RoleAssignment).where(
                col(RoleAssignment.user_id) == member.user_id,
                col(RoleAssignment.organisation_id) == source.id,
                col(RoleAssignment.role).in_(BRANCH_ROLES),
            )
        )
        session.add(
            RoleAssignment(user_id=member.user_id, role=Role.member, organisation_id=target.id)
        )
    audit.record(
        session,
        actor=principal,
        entity_type="member",
        entity_id=member.id,
        action="transferred",
        from_state=str(source.id),
        to_state=str(target.id),
        comment=reason,
    )
    return record


async def transfers(*, session: AsyncSession, member: Member) -> list[MemberTransfer]:
    rows = await session.execute(
        select(MemberTransfer)
        .where(col(MemberTransfer.member_id) == member.id)
        .order_by(col(MemberTransfer.id))
    )
    return list(rows.scalars())


async def reset_password(
    *, session: AsyncSession, principal: Principal, member: Member
) -> tuple[str, str]:
    """Give the member's account a new initial password that must be changed at sign-in."""
    # The answer carries the new password: a service account would become that person.
    require_user(principal, "Only a person resets a member's password.")
    if member.user_id is None:
        raise Conflict("This member has no account.", code="no_account")
    if member.user_id == principal.user_id:
        # A reset needs no current password and answers with the new one: on one's own
        # account it would let anyone holding a stolen access token take the account over.
        raise Conflict(
            "Your own password is changed with your current one (POST /auth/password).",
            code="own_password",
        )
    await require_may_manage_user(session, principal, member.user_id)
    user = await session.get(User, member.user_id)
    assert user is not None and user.id is not None
    # Generated, so strong by construction: the strength check is for passwords people choose.
    password = generate_password()
    user.password_hash = await hash_password_async(password)
    user.must_change_password = True
    await revoke_sessions(session, user)
    assert member.id is not None
    audit.record(
        session, actor=principal, entity_type="member", entity_id=member.id, action="password_reset"
    )
    return user.username, password


async def assign_role(
    *, session: AsyncSession, principal: Principal, user_id: int, role: str, organisation_id: int
) -> RoleAssignment:
    """Grant a role on an organisation; branch roles only on branches."""
    org = await orgs.get(session, organisation_id)
    principal.require(Action.role_manage, org.path)
    if await session.get(User, user_id) is None:
        raise NotFound(f"User {user_id} does not exist.", code="user_not_found")
    await require_may_manage_user(session, principal, user_id)
    if role in BRANCH_ROLES and org.kind != "branch":
        raise Conflict("Reviewers and secretaries are assigned on a branch.", code="not_a_branch")
    if await session.scalar(
        select(col(RoleAssignment.id)).where(
            col(RoleAssignment.user_id) == user_id,
            col(RoleAssignment.role) == role,
            col(RoleAssignment.organisation_id) == organisation_id,
        )
    ):
        raise Conflict("The user already has this role there.", code="role_exists")
    assignment = RoleAssignment(user_id=user_id, role=role, organisation_id=organisation_id)
    session.add(assignment)
    await session.flush()
    assert assignment.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="role_assignment",
        entity_id=assignment.id,
        action="granted",
        to_state=role,
        data={"user_id": user_id, "organisation_id": organisation_id},
    )
    return assignment


async def revoke_role(*, session: AsyncSession, principal: Principal, assignment_id: int) -> None:
    assignment = await session.get(RoleAssignment, assignment_id)
    if assignment is None:
        raise NotFound("No such role assignment.", code="role_assignment_not_found")
    org = await orgs.get(session, assignment.organisation_id)
    principal.require(Action.role_manage, org.path)
    if assignment.user_id == principal.user_id and assignment.role == "org_admin":
        raise Conflict("You cannot remove your own administrator role.", code="own_role")
    await require_may_manage_user(session, principal, assignment.user_id)
    audit.record(
        session,
        actor=principal,
        entity_type="role_assignment",
        entity_id=assignment_id,
        action="revoked",
        from_state=assignment.role,
        data={"user_id": assignment.user_id, "organisation_id": assignment.organisation_id},
    )
    await session.delete(assignment)
    await session.flush()


async def roles_on(
    *, session: AsyncSession, principal: Principal, organisation_id: int, page: int, page_size: int
) -> tuple[list[RoleAssignment], int]:
    """Role assignments on the organisation and below, by id, one page at a time, and how many
    there are in all."""
    org = await orgs.get(session, organisation_id)
    principal.require(Action.member_read, org.path)
    stmt = (
        select(RoleAssignment)
        .join(Organisation, col(Organisation.id) == col(RoleAssignment.organisation_id))
        .where(col(Organisation.path).startswith(org.path))
    )
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.execute(
        stmt.order_by(col(RoleAssignment.id)).offset((page - 1) * page_size).limit(page_size)
    )
    return list(rows.scalars()), total


async def member_roles(
    *, session: AsyncSession, member: Member, page: int, page_size: int
) -> tuple[list[tuple[RoleAssignment, str, str]], int]:
    """The roles the member's account holds, with each organisation's name and kind, by id."""
    if member.user_id is None:
        return [], 0
    stmt = (
        select(RoleAssignment, col(Organisation.name), col(Organisation.kind))
        .join(Organisation, col(Organisation.id) == col(RoleAssignment.organisation_id))
        .where(col(RoleAssignment.user_id) == member.user_id)
    )
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.execute(
        stmt.order_by(col(RoleAssignment.id)).offset((page - 1) * page_size).limit(page_size)
    )
    return [(row, name, kind) for row, name, kind in rows.all()], total
