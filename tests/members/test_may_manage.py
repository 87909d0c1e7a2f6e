"""The member-management rule itself: nobody manages an account holding a role they do not hold
over the same organisation (app.access.may_manage)."""

from app.access import CallerUser, Grant, Principal, Role, may_manage
from app.models import ServiceAccount

COMMITTEE = "/1/"
BRANCH_A = "/1/2/"
BRANCH_B = "/1/3/"
GENERAL = "/1/4/"
BRANCH_G = "/1/4/5/"
OTHER = "/9/"


def person(*grants: tuple[Role, str], superadmin: bool = False) -> Principal:
    return Principal(
        user=CallerUser(id=1, is_active=True, is_superadmin=superadmin, must_change_password=False),
        grants=[Grant(role, 0, path) for role, path in grants],
    )


def grants(*pairs: tuple[Role, str]) -> list[Grant]:
    return [Grant(role, 0, path) for role, path in pairs]


SECRETARY_A = person((Role.member, BRANCH_A), (Role.secretary, BRANCH_A))
ADMIN = person((Role.org_admin, COMMITTEE))
SUB_ADMIN = person((Role.org_admin, GENERAL))


def test_a_secretary_manages_plain_members_and_reviewers_of_their_branch_only():
    assert may_manage(SECRETARY_A, grants((Role.member, BRANCH_A)))
    assert may_manage(SECRETARY_A, grants((Role.member, BRANCH_A), (Role.reviewer, BRANCH_A)))
    assert may_manage(SECRETARY_A, [])  # a member record without an account
    assert not may_manage(SECRETARY_A, grants((Role.member, BRANCH_B)))
    assert not may_manage(SECRETARY_A, grants((Role.member, BRANCH_A), (Role.reviewer, BRANCH_B)))


def test_a_secretary_does_not_manage_a_fellow_secretary_or_an_org_admin_of_their_branch():
    assert not may_manage(SECRETARY_A, grants((Role.member, BRANCH_A), (Role.secretary, BRANCH_A)))
    assert not may_manage(SECRETARY_A, grants((Role.member, BRANCH_A), (Role.org_admin, COMMITTEE)))
    assert not may_manage(SECRETARY_A, grants((Role.org_admin, BRANCH_A)))


def test_an_org_admin_manages_only_users_whose_roles_all_lie_in_its_subtree():
    target = grants((Role.member, BRANCH_G), (Role.secretary, BRANCH_G))
    assert may_manage(SUB_ADMIN, target)
    assert may_manage(SUB_ADMIN, grants((Role.org_admin, GENERAL)))  # holds nothing more
    assert may_manage(ADMIN, grants((Role.member, BRANCH_G), (Role.org_admin, GENERAL)))
    assert not may_manage(SUB_ADMIN, grants((Role.member, BRANCH_G), (Role.org_admin, COMMITTEE)))
    assert not may_manage(SUB_ADMIN, grants((Role.member, BRANCH_A)))
    assert not may_manage(ADMIN, grants((Role.member, BRANCH_A), (Role.reviewer, OTHER)))


def test_roles_that_do_not_manage_members_manage_nobody():
    reviewer = person((Role.member, BRANCH_A), (Role.reviewer, BRANCH_A))
    assert not may_manage(reviewer, grants((Role.member, BRANCH_A)))
    assert not may_manage(person((Role.member, BRANCH_A)), grants((Role.member, BRANCH_A)))


def test_only_a_superadmin_manages_a_superadmin():
    assert not may_manage(ADMIN, grants((Role.member, BRANCH_A)), target_is_superadmin=True)
    root = person(superadmin=True)
    assert may_manage(root, grants((Role.org_admin, OTHER)), target_is_superadmin=True)


def test_a_service_account_manages_plain_members_of_its_subtree_only():
    account = ServiceAccount(
        id=1, name="x", client_id="c", secret_hash="h", organisation_id=1, scopes=[]
    )
    robot = Principal(
        service_account=account, scopes=frozenset({"members:write"}), service_org_path=COMMITTEE
    )
    assert may_manage(robot, grants((Role.member, BRANCH_A)))
    assert not may_manage(robot, grants((Role.member, BRANCH_A), (Role.reviewer, BRANCH_A)))
    assert not may_manage(robot, grants((Role.member, OTHER)))
    assert not may_manage(robot, grants((Role.member, BRANCH_A)), target_is_superadmin=True)
