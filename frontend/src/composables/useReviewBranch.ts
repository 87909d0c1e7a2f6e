// Which branch a reviewer or secretary is acting for: the branches where they hold one of those
// roles (an org admin: every branch under their organisations); with several, the last one
// chosen on this device (localStorage), else the first.
import { computed, ref } from 'vue'
import { listOrganisations } from '@/api/orgs'
import { useAuthStore } from '@/stores/auth'
import type { Organisation, RoleAssignment } from '@/api/types'

export interface ReviewBranch {
  id: number
  name: string
  /** May close the month (月度审核锁定). */
  isSecretary: boolean
}

export const BRANCH_STORAGE_KEY = 'vanguard.review.branch'

/**
 * The branches the roles let one review, each once, with whether one is its secretary. The
 * person's own branch comes first, the rest by name.
 */
export function reviewBranches(roles: RoleAssignment[], ownBranchId?: number | null): ReviewBranch[] {
  const byId = new Map<number, ReviewBranch>()
  for (const r of roles) {
    if (r.organisation_kind !== 'branch') continue
    if (r.role !== 'reviewer' && r.role !== 'secretary') continue
    const known = byId.get(r.organisation_id)
    if (known) {
      known.isSecretary ||= r.role === 'secretary'
    } else {
      byId.set(r.organisation_id, {
        id: r.organisation_id,
        name: r.organisation_name,
        isSecretary: r.role === 'secretary',
      })
    }
  }
  return [...byId.values()].sort(
    (a, b) =>
      Number(b.id === ownBranchId) - Number(a.id === ownBranchId) ||
      a.name.localeCompare(b.name, 'zh-CN'),
  )
}

/**
 * An org admin's branches (from the organisations they may read) after those their own roles
 * give; they may close those months (early too, with a reason, the server decides).
 */
export function withAdminBranches(own: ReviewBranch[], organisations: Organisation[]): ReviewBranch[] {
  const known = new Set(own.map((b) => b.id))
  const more = organisations
    .filter((o) => o.kind === 'branch' && !known.has(o.id))
    .map((o) => ({ id: o.id, name: o.name, isSecretary: true }))
  return [...own, ...more]
}

/** The remembered branch if it is still one of them, otherwise the first. */
export function chooseBranch(branches: ReviewBranch[], savedId: number | null): ReviewBranch | null {
  return branches.find((b) => b.id === savedId) ?? branches[0] ?? null
}

export function readSavedBranch(): number | null {
  try {
    const value = Number(localStorage.getItem(BRANCH_STORAGE_KEY))
    return Number.isInteger(value) && value > 0 ? value : null
  } catch {
    return null
  }
}

export function saveBranch(id: number): void {
  try {
    localStorage.setItem(BRANCH_STORAGE_KEY, String(id))
  } catch {
    // Private mode: the choice lasts for this visit.
  }
}

// Shared by every review screen, so switching on one switches them all.
const chosen = ref<number | null>(null)
let loaded = false
// An org admin's branches, for the person they were loaded for.
const adminOrganisations = ref<Organisation[]>([])
let adminFor: number | null = null

function loadAdminBranches(userId: number): void {
  if (adminFor === userId) return
  adminFor = userId
  adminOrganisations.value = []
  listOrganisations({ kind: 'branch', page_size: 200 }, { silent: true })
    .then((page) => {
      if (adminFor === userId) adminOrganisations.value = page.items
    })
    .catch(() => {
      if (adminFor === userId) adminFor = null // try again on the next screen
    })
}

export function useReviewBranch() {
  if (!loaded) {
    chosen.value = readSavedBranch()
    loaded = true
  }
  const auth = useAuthStore()
  const isAdmin = auth.hasRole('org_admin')
  if (isAdmin && auth.me) loadAdminBranches(auth.me.user.id)
  const branches = computed(() =>
    withAdminBranches(
      reviewBranches(auth.roles, auth.me?.member?.branch_id),
      isAdmin ? adminOrganisations.value : [],
    ),
  )
  const branch = computed(() => chooseBranch(branches.value, chosen.value))
  const branchId = computed(() => branch.value?.id ?? null)
  const isSecretary = computed(() => branch.value?.isSecretary ?? false)

  function setBranch(id: number) {
    chosen.value = id
    saveBranch(id)
  }

  return { branches, branch, branchId, isSecretary, setBranch }
}

/** For tests: forget the shared choice so the next use reads storage again. */
export function resetReviewBranch(): void {
  chosen.value = null
  loaded = false
  adminOrganisations.value = []
  adminFor = null
}
