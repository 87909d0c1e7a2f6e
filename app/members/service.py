"""Member use cases: create with an account, edit, deactivate, transfer, reset a password."""

from datetime import UTC, date, datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit
from app.access import Action, Principal, Role
from app.auth.service import revoke_all_for_user
from app.errors import Conflict, Forbidden, NotFound
from app.models import Member, MemberTransfer, Organisation, RoleAssignment, User
from app.orgs import service as orgs
from app.orgs.service import subtree_filter
from app.security import generate_password, hash_password

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
) -> tuple[list[Member], int]:
    """Members in the caller's readable subtree, by name or phone, one page at a time."""
    roots = principal.roots(Action.member_read)
    if organisation_id is not None:
        org = await orgs.get(session, organisation_id)
        principal.require(Action.member_read, org.path)
        roots = [org.path]
    if not roots:
        raise Forbidden("You may not list members.")
    stmt = (
        select(Member)
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
    return list(rows.scalars()), total


async def _ensure_unique(
    session: AsyncSession,
    *,
    phone: str | None,
    username: str | None,
    exclude_member: int | None = None,
) -> None:
    if phone:
        stmt = select(col(Member.id)).where(col(Member.phone) == phone)
        if exclude_member:
            stmt = stmt.where(col(Member.id) != exclude_member)
        if await session.scalar(stmt):
            raise Conflict("Another member has this phone number.", code="phone_taken")
    if username and await session.scalar(
        select(col(User.id)).where(func.lower(col(User.username)) == username.lower())
    ):
        raise Conflict("This login name is taken.", code="username_taken")


async def create(
    *, session: AsyncSession, principal: Principal, data: dict[str, object]
) -> tuple[Member, str, str]:
    """Create a member with an account that must change its initial password."""
    branch = await orgs.get_branch(session, int(data["branch_id"]))  # type: ignore[call-overload]
    principal.require(Action.member_manage, branch.path)
    phone = str(data["phone"])
    username = str(data.get("username") or phone)
    await _ensure_unique(session, phone=phone, username=username)
    password = generate_password()
    user = User(
        username=username,
        display_name=str(data["name"]),
        password_hash=hash_password(password),
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
    await session.commit()
    return member, username, password


async def update(
    *, session: AsyncSession, principal: Principal, member: Member, changes: dict[str, object]
) -> Member:
    if "phone" in changes:
        await _ensure_unique(
            session, phone=str(changes["phone"]), username=None, exclude_member=member.id
        )
    before = {k: getattr(member, k) for k in changes}
    for key, value in changes.items():
        setattr(member, key, value)
    member.updated_at = datetime.now(UTC)
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
    await session.commit()
    return member


async def set_active(
    *, session: AsyncSession, principal: Principal, member: Member, active: bool, reason: str
) -> Member:
    """Deactivate (or reactivate) a member and their account; sign-ins are revoked."""
    target = "active" if active else "inactive"
    if not active and member.user_id is not None and member.user_id == principal.user_id:
        raise Conflict("You cannot deactivate your own account.", code="own_account")
    if member.status == target:
        raise Conflict(f"The member is already {target}.", code=f"member_already_{target}")
    before = member.status
    member.status = target
    member.updated_at = datetime.now(UTC)
    if member.user_id:
        user = await session.get(User, member.user_id)
        if user:
            user.is_active = active
            if not active:
                await revoke_all_for_user(session, member.user_id)
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
    await session.commit()
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
    if target.id == source.id:
        raise Conflict("The member already belongs to that branch.", code="same_branch")
    if member.status != "active":
        raise Conflict("Only an active member can be transferred.", code="member_inactive")
    assert member.id is not None and target.id is not None and source.id is not None
    record = MemberTransfer(
        member_id=member.id,
        from_branch_id=source.id,
        to_branch_id=target.id,
        transferred_on=transferred_on or date.today(),
        reason=reason,
        actor_user_id=principal.user_id,
    )
    session.add(record)
    member.branch_id = target.id
    member.updated_at = datetime.now(UTC)
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
    await session.commit()
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
    if member.user_id is None:
        raise Conflict("This member has no account.", code="no_account")
    if member.user_id == principal.user_id:
        # A reset needs no current password and answers with the new one: on one's own
        # account it would let anyone holding a stolen access token take the account over.
        raise Conflict(
            "Your own password is changed with your current one (POST /auth/password).",
            code="own_password",
        )
    user = await session.get(User, member.user_id)
    assert user is not None
    password = generate_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    await revoke_all_for_user(session, user.id)  # type: ignore[arg-type]
    assert member.id is not None
    audit.record(
        session, actor=principal, entity_type="member", entity_id=member.id, action="password_reset"
    )
    await session.commit()
    return user.username, password


async def assign_role(
    *, session: AsyncSession, principal: Principal, user_id: int, role: str, organisation_id: int
) -> RoleAssignment:
    """Grant a role on an organisation; branch roles only on branches."""
    org = await orgs.get(session, organisation_id)
    principal.require(Action.role_manage, org.path)
    if await session.get(User, user_id) is None:
        raise NotFound(f"User {user_id} does not exist.", code="user_not_found")
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
    await session.commit()
    return assignment


async def revoke_role(*, session: AsyncSession, principal: Principal, assignment_id: int) -> None:
    assignment = await session.get(RoleAssignment, assignment_id)
    if assignment is None:
        raise NotFound("No such role assignment.", code="role_assignment_not_found")
    org = await orgs.get(session, assignment.organisation_id)
    principal.require(Action.role_manage, org.path)
    if assignment.user_id == principal.user_id and assignment.role == "org_admin":
        raise Conflict("You cannot remove your own administrator role.", code="own_role")
    audit.record(
        session,
        actor=principal,
        entity_type="role_assignment",
        entity_id=assignment_id,
        action="revoked",
        from_state=assignment.role,
    )
    await session.delete(assignment)
    await session.commit()


async def roles_on(
    *, session: AsyncSession, principal: Principal, organisation_id: int
) -> list[RoleAssignment]:
    org = await orgs.get(session, organisation_id)
    principal.require(Action.member_read, org.path)
    rows = await session.execute(
        select(RoleAssignment)
        .join(Organisation, col(Organisation.id) == col(RoleAssignment.organisation_id))
        .where(col(Organisation.path).startswith(org.path))
        .order_by(col(RoleAssignment.id))
    )
    return list(rows.scalars())
