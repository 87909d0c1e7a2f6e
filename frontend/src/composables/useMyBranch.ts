// The branch whose month and ranking the signed-in person looks at: their own as a member, or
// the branch they review (支委 / 支部书记) when they have no member record.
import { computed } from 'vue'
import type { Me } from '@/api/types'
import { useAuthStore } from '@/stores/auth'

export interface BranchRef {
  id: number
  name: string
}

export function branchOf(me: Me | null | undefined): BranchRef | null {
  if (!me) return null
  if (me.member) return { id: me.member.branch_id, name: me.member.branch_name }
  const role =
    me.roles.find((r) => r.role === 'secretary' && r.organisation_kind === 'branch') ??
    me.roles.find((r) => r.role === 'reviewer' && r.organisation_kind === 'branch') ??
    me.roles.find((r) => r.role === 'secretary' || r.role === 'reviewer')
  return role ? { id: role.organisation_id, name: role.organisation_name } : null
}

export function useMyBranch() {
  const auth = useAuthStore()
  const branch = computed(() => branchOf(auth.me))
  const memberId = computed(() => auth.me?.member?.id ?? null)
  return { branch, memberId }
}
