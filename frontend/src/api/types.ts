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

// ---- The monthly cycle (claims, the branch's month, points) --------------------------------

/** Points travel as decimal strings ("0.5") so nothing is lost to floating point. */
export type Points = string

export type Dimension = 'political' | 'discipline' | 'morality' | 'contribution' | 'deduction'
export type ClaimStatus = 'draft' | 'submitted' | 'approved' | 'rejected' | 'returned' | 'expired'
export type Decision = 'approve' | 'reject' | 'return'

export interface Page<T> {
  items: T[]
  total: number
  page: number
  page_size: number
}

export interface PersonRef {
  id: number
  name: string
}

export interface ItemRef {
  id: number
  code: string
  title: string
  dimension: Dimension
  kind: 'bonus' | 'deduction'
  points: Points
  requires_evidence: boolean
}

export interface StandardItem extends ItemRef {
  description: string
  max_per_month: Points | null
  max_per_year: Points | null
  source: 'self' | 'branch'
  categories: MemberCategory[] | null
  grade_ceiling: string | null
  ceiling_trigger_count: number
  position: number
}

export interface Standard {
  id: number
  organisation_id: number
  year: number
  name: string
  status: 'draft' | 'published'
  base_score: Points
  dimension_caps: Record<string, Points>
  evaluation_points: Points
  deadline_day: number
  timezone: string
  items: StandardItem[]
}

export interface Evidence {
  id: number
  claim_id: number
  name: string
  content_type: string
  size: number
  width: number | null
  height: number | null
  /** API path of the file; fetch it with the access token (see api/claims.ts evidenceBlob). */
  url: string
  created_at: string
}

export interface Claim {
  id: number
  member: PersonRef
  branch_id: number
  item: ItemRef
  period: string
  occurred_on: string
  quantity: number
  description: string
  claimed_points: Points
  granted_points: Points | null
  status: ClaimStatus
  decision_comment: string | null
  reviewed_by: PersonRef | null
  submitted_at: string | null
  decided_at: string | null
  decision_seen: boolean
  evidence_count: number
  version: number
  created_at: string
  updated_at: string
}

export interface ClaimDetail extends Claim {
  evidence: Evidence[]
  /** The last instant a claim for this month may be submitted. */
  deadline: string
  month_locked: boolean
}

export interface ClaimCreateBody {
  item_id: number
  occurred_on: string
  quantity: number
  description: string
  submit?: boolean
}

export type ClaimUpdateBody = Partial<Omit<ClaimCreateBody, 'submit'>>

export interface TimelineEvent {
  at: string
  actor: PersonRef | null
  entity_type: string
  entity_id: number
  action: string
  from_state: string | null
  to_state: string | null
  comment: string | null
  data: Record<string, unknown> | null
}

export interface BulkDecision {
  claim_id: number
  decision: Decision
  points?: Points
  comment?: string
}

export interface BulkResult {
  claim_id: number
  ok: boolean
  status: ClaimStatus | null
  code: string | null
  detail: string | null
}

export interface BulkReviewResult {
  succeeded: number
  failed: number
  results: BulkResult[]
}

export interface Blocker {
  code: string
  detail: string
  count: number | null
}

export interface MonthView {
  branch_id: number
  period: string
  status: 'open' | 'locked'
  deadline: string | null
  window_open: boolean
  counts: Record<ClaimStatus, number>
  entries: number
  approved_points: Points
  can_close: boolean
  blockers: Blocker[]
  warnings: Blocker[]
  closed_at: string | null
  closed_by: PersonRef | null
  reopened_at: string | null
  reopen_reason: string | null
}

export interface CloseResult extends MonthView {
  expired: number
}

export interface EntryCreateBody {
  item_id: number
  occurred_on: string
  member_ids: number[]
  quantity?: number
  reason?: string
  /** Adjustments of a closed month only (org admins). */
  points?: Points
}

export interface Entry {
  id: number
  kind: 'entry' | 'adjustment'
  branch_id: number
  period: string
  item: ItemRef
  occurred_on: string
  quantity: number
  points_each: Points
  reason: string | null
  member_count: number
  created_by: PersonRef | null
  created_at: string
}

export interface EntryDetail extends Entry {
  members: PersonRef[]
}

export interface RankingRow {
  rank: number
  member: PersonRef
  bonus: Points
  deduction: Points
  net: Points
}

export interface Ranking {
  branch_id: number
  period: string
  locked: boolean
  rows: RankingRow[]
}

export interface DimensionPoints {
  dimension: Dimension
  cap: Points | null
  raw: Points
  counted: Points
  remaining: Points | null
  over_cap: Points
}

export interface MonthPoints {
  period: string
  bonus: Points
  deduction: Points
  net: Points
  pending: Points
}

export interface PointsSummary {
  member_id: number
  year: number
  standard_id: number | null
  membership_months: number
  base_score: Points
  dimensions: DimensionPoints[]
  months: MonthPoints[]
  items: { code: string; dimension: Dimension; kind: string; raw: Points; counted: Points }[]
  bonus_total: Points
  deduction_total: Points
  pending_total: Points
  score_before_evaluation: Points
}

export interface MemberSummary {
  id: number
  user_id: number | null
  name: string
  phone: string
  category: MemberCategory
  branch_id: number
  status: 'active' | 'inactive'
  joined_on: string
  is_probationary: boolean
}
