// One member as the admin's member page shows them: the record, the roles the account holds,
// the transfer history and this year's points, loaded together; each part can be reloaded.
import { ref } from 'vue'
import {
  memberRoles,
  memberTransfers,
  readMember,
  type MemberRecord,
  type MemberRole,
  type MemberTransfer,
} from '@/api/members'
import { getPoints } from '@/api/points'
import type { PointsSummary } from '@/api/types'

/** Offices first (org admin, secretary, reviewer), then membership, each by organisation. */
const ROLE_ORDER = ['superadmin', 'org_admin', 'secretary', 'reviewer', 'member']
export function sortRoles(roles: MemberRole[]): MemberRole[] {
  return [...roles].sort(
    (a, b) =>
      ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) ||
      a.organisation_name.localeCompare(b.organisation_name, 'zh-CN') ||
      a.id - b.id,
  )
}

export function useAdminMember(id: number, year: number) {
  const member = ref<MemberRecord | null>(null)
  const roles = ref<MemberRole[]>([])
  const transfers = ref<MemberTransfer[]>([])
  const points = ref<PointsSummary | null>(null)
  const loading = ref(false)
  const error = ref<unknown>(null)

  async function loadRoles() {
    roles.value = sortRoles((await memberRoles(id, { silent: true })).items)
  }

  async function loadHistory() {
    transfers.value = await memberTransfers(id, { silent: true })
  }

  async function loadPoints() {
    try {
      points.value = await getPoints(id, year, { silent: true })
    } catch {
      // Points are a summary beside the record; the page stands without them.
      points.value = null
    }
  }

  async function load() {
    loading.value = true
    error.value = null
    try {
      member.value = await readMember(id, { silent: true })
      await Promise.all([loadRoles(), loadHistory(), loadPoints()])
    } catch (caught) {
      error.value = caught
    } finally {
      loading.value = false
    }
  }

  return { member, roles, transfers, points, loading, error, load, loadRoles, loadHistory, loadPoints }
}
