// Labels for the signed-in user's profile, shared by the home and me pages.
import { computed } from 'vue'
import { useI18n } from 'vue-i18n'
import { useAuthStore } from '@/stores/auth'
import type { RoleAssignment } from '@/api/types'

const ROLE_ORDER = ['superadmin', 'org_admin', 'secretary', 'reviewer', 'member'] as const

export function useProfile() {
  const { t } = useI18n()
  const auth = useAuthStore()

  const member = computed(() => auth.me?.member ?? null)
  const roles = computed<RoleAssignment[]>(() =>
    [...auth.roles].sort(
      (a, b) =>
        ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) ||
        a.organisation_name.localeCompare(b.organisation_name),
    ),
  )
  const categoryLabel = computed(() =>
    member.value ? t(`category.${member.value.category}`) : '',
  )
  const roleLabel = (assignment: RoleAssignment) => t(`role.${assignment.role}`)
  const orgKindLabel = (assignment: RoleAssignment) => t(`orgKind.${assignment.organisation_kind}`)

  return { auth, member, roles, categoryLabel, roleLabel, orgKindLabel }
}
