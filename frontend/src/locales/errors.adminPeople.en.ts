// Messages for the API error codes the adminPeople screens meet (en), merged into `errors`.
export default {
  target_outranks_you:
    'This person holds an office outside what you manage (an admin or secretary at your level or above), so you cannot change their account.',
  own_role: 'You cannot remove your own org admin role; another admin or one above must do it.',
  own_account: 'You cannot deactivate your own account.',
  own_password: 'Your own password is not reset here: change it under Me → Change password.',
  role_exists: 'The member already holds this role there.',
  not_a_branch:
    'Choose an active branch: reviewers and secretaries serve on a branch, and members belong to one.',
  identifier_taken: 'This phone number or login name is already in use.',
  same_branch: 'The member already belongs to that branch.',
  member_already_active: 'The member’s account is already active.',
  member_already_inactive: 'The member’s account is already deactivated.',
  no_account: 'This member has no account.',
  users_only: 'Only a person can do this.',
  member_not_found: 'The member does not exist.',
  user_not_found: 'The account does not exist.',
  role_assignment_not_found: 'The role was already removed.',
  organisation_not_found: 'The organisation does not exist.',
  organisation_archived: 'The organisation is archived.',
  organisation_not_empty:
    'The organisation still has sub-organisations or active members: move or transfer them first.',
  branch_cannot_have_children: 'A branch cannot contain other organisations.',
  move_into_own_subtree: 'An organisation cannot move below itself.',
}
