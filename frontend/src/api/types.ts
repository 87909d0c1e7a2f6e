// Shapes of the API's JSON bodies, as the backend's /api/v1 contract defines them.

export type Role = 'member' | 'reviewer' | 'secretary' | 'org_admin' | 'superadmin'
export type MemberCategory = 'rural_community' | 'institution' | 'new_org' | 'mobile'
export type OrganisationKind = 'committee' | 'general_branch' | 'branch'

export interface TokenResponse {
  access_token: string
  token_type: 'bearer'
  expires_in: number
  must_change_password: boolean
}

export interface MeUser {
  id: number
  username: string
  display_name: string
  must_change_password: boolean
  is_superadmin: boolean
}

export interface MeMember {
  id: number
  name: string
  phone: string | null
  category: MemberCategory
  branch_id: number
  branch_name: string
  status: string
  joined_on: string | null
  is_probationary: boolean
}

export interface RoleAssignment {
  role: Role
  organisation_id: number
  organisation_name: string
  organisation_kind: OrganisationKind
}

export interface Me {
  user: MeUser
  member: MeMember | null
  roles: RoleAssignment[]
}
