"""Who may do what where: role assignments and scopes checked against the organisation tree."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from app.errors import Forbidden
from app.models import ServiceAccount


class Role(StrEnum):
    member = "member"
    reviewer = "reviewer"
    secretary = "secretary"
    org_admin = "org_admin"
    superadmin = "superadmin"


class Action(StrEnum):
    org_read = "org:read"
    org_manage = "org:manage"
    member_read = "member:read"
    member_manage = "member:manage"
    member_transfer = "member:transfer"
    standard_read = "standard:read"
    standard_manage = "standard:manage"
    role_manage = "role:manage"
    service_account_manage = "service_account:manage"
    claim_read = "claim:read"
    claim_review = "claim:review"
    entry_record = "entry:record"
    month_read = "month:read"
    month_close = "month:close"
    month_reopen = "month:reopen"
    points_adjust = "points:adjust"
    points_read = "points:read"
    evaluation_manage = "evaluation:manage"
    # The annual grading: secretaries run their branch's; org admins above approve it.
    grading_manage = "grading:manage"
    grading_approve = "grading:approve"
    # The audit trail of a subtree (app/auditlog): org admins and superadmins only.
    audit_read = "audit:read"


_REVIEWER = {
    Action.org_read,
    Action.member_read,
    Action.standard_read,
    Action.claim_read,
    Action.claim_review,
    Action.entry_record,
    Action.month_read,
    Action.points_read,
}
_SECRETARY = _REVIEWER | {
    Action.member_manage,
    Action.month_close,
    Action.evaluation_manage,
    Action.grading_manage,
}
_ADMIN = set(Action)

ROLE_ACTIONS: dict[Role, set[Action]] = {
    Role.member: {Action.standard_read},
    Role.reviewer: _REVIEWER,
    Role.secretary: _SECRETARY,
    Role.org_admin: _ADMIN,
    Role.superadmin: _ADMIN,
}

# What each OAuth scope of a service account allows; some actions are never delegated.
SCOPE_ACTIONS: dict[str, set[Action]] = {
    "orgs:read": {Action.org_read},
    "orgs:write": {Action.org_read, Action.org_manage},
    "members:read": {Action.member_read},
    "members:write": {Action.member_read, Action.member_manage, Action.member_transfer},
    "standards:read": {Action.standard_read},
    "standards:write": {Action.standard_read, Action.standard_manage},
    "claims:read": {Action.claim_read, Action.month_read, Action.points_read},
    "points:read": {Action.month_read, Action.points_read},
}
SCOPES = tuple(SCOPE_ACTIONS)


@dataclass(frozen=True)
class Grant:
    role: Role
    organisation_id: int
    organisation_path: str


@dataclass(frozen=True, slots=True)
class CallerUser:
    """What each request needs of the signed-in user's account (the user_account row).

    Plain values read with the caller's grants, not a User instance: making and tracking the
    model instances took a fifth of loading the caller, on every request. A use case that
    changes the account loads the User itself."""

    id: int
    is_active: bool
    is_superadmin: bool
    must_change_password: bool
    token_version: int = 0


@dataclass(frozen=True, slots=True)
class CallerMember:
    """What each request needs of the caller's member record (see CallerUser)."""

    id: int
    branch_id: int
    name: str
    category: str
    status: str


@dataclass
class Principal:
    """The caller: a user with role grants, or a service account with scopes and a subtree."""

    user: CallerUser | None = None
    service_account: ServiceAccount | None = None
    member: CallerMember | None = None
    grants: list[Grant] = field(default_factory=list)
    scopes: frozenset[str] = frozenset()
    service_org_path: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def service_account_id(self) -> int | None:
        return self.service_account.id if self.service_account else None

    @property
    def is_superadmin(self) -> bool:
        return bool(self.user and self.user.is_superadmin)

    def can(self, action: Action, org_path: str) -> bool:
        """True when the caller may perform action on the organisation at org_path."""
        if self.is_superadmin:
            return True
        if self.service_account is not None:
            allowed = set().union(*(SCOPE_ACTIONS.get(s, set()) for s in self.scopes))
            return action in allowed and org_path.startswith(self.service_org_path or "\0")
        return any(
            action in ROLE_ACTIONS[g.role] and org_path.startswith(g.organisation_path)
            for g in self.grants
        )

    def require(self, action: Action, org_path: str) -> None:
        if not self.can(action, org_path):
            raise Forbidden("You may not do this for that organisation.", code="forbidden")

    def roots(self, action: Action) -> list[str]:
        """The subtree roots (paths) where the caller may perform action; [''] means everywhere."""
        if self.is_superadmin:
            return [""]
        if self.service_account is not None:
            allowed = set().union(*(SCOPE_ACTIONS.get(s, set()) for s in self.scopes))
            return [self.service_org_path] if action in allowed and self.service_org_path else []
        return sorted({g.organisation_path for g in self.grants if action in ROLE_ACTIONS[g.role]})

    def related_paths(self) -> list[str]:
        """Paths of every organisation the caller is attached to (grants, own branch)."""
        if self.service_account is not None:
            return [self.service_org_path] if self.service_org_path else []
        return sorted({g.organisation_path for g in self.grants})


# Roles whose holders manage other people's accounts, ranked: a secretary manages only roles
# below their own; an org admin everyone whose roles all lie in its subtree (fellow org
# admins of the same organisation included, as they hold nothing the actor does not).
_RANK = {Role.member: 0, Role.reviewer: 1, Role.secretary: 2, Role.org_admin: 3}


def _covers(actor: Grant, target: Grant) -> bool:
    """True when actor's grant reaches target's: same organisation or above, and outranking."""
    if Action.member_manage not in ROLE_ACTIONS[actor.role]:
        return False
    if not target.organisation_path.startswith(actor.organisation_path):
        return False
    if actor.role in (Role.org_admin, Role.superadmin):
        return True
    return _RANK.get(target.role, len(_RANK)) < _RANK[actor.role]


def may_manage(
    actor: Principal, target_grants: Iterable[Grant], *, target_is_superadmin: bool = False
) -> bool:
    """True when actor may edit, transfer, (de)activate, reset or change the roles of the account
    holding target_grants: every one of those roles must lie within what the actor holds.

    Superadmins manage everyone; only superadmins manage a superadmin. A service account holds
    no role, so it manages only plain members of its subtree."""
    if actor.is_superadmin:
        return True
    if target_is_superadmin:
        return False
    if actor.service_account is not None:
        root = actor.service_org_path
        if not root:
            return False
        return all(
            g.role is Role.member and g.organisation_path.startswith(root) for g in target_grants
        )
    return all(any(_covers(a, g) for a in actor.grants) for g in target_grants)


def require_may_manage(
    actor: Principal, target_grants: Iterable[Grant], *, target_is_superadmin: bool = False
) -> None:
    if not may_manage(actor, target_grants, target_is_superadmin=target_is_superadmin):
        raise Forbidden(
            "This account holds a role you do not hold over the same organisation.",
            code="target_outranks_you",
        )


def require_user(actor: Principal, detail: str) -> None:
    """Refuse service accounts: some acts (such as setting a person's password) are for people."""
    if actor.user is None:
        raise Forbidden(detail, code="users_only")
