// The bottom tabs (a side navigation on wide screens, see layouts/TabLayout.vue). Each tab names the roles that see it; later screens (claims, review queue,
// evaluation, grading, administration) add an entry here and a route under the tab layout.
import type { Role } from '@/api/types'
import type { IconName } from '@/components/icons'

export interface TabItem {
  /** Route name the tab opens. */
  name: string
  path: string
  /** i18n key of the label. */
  label: string
  /** Icon name (components/icons.ts). */
  icon: IconName
  /** Who sees the tab; undefined = everyone signed in. */
  roles?: Role[]
}

export const TABS: TabItem[] = [
  { name: 'home', path: '/', label: 'nav.home', icon: 'home-o' },
  { name: 'claims', path: '/claims', label: 'nav.claims', icon: 'records-o', roles: ['member'] },
  {
    name: 'review',
    path: '/review',
    label: 'nav.review',
    icon: 'todo-list-o',
    roles: ['reviewer', 'secretary'],
  },
  {
    name: 'branch',
    path: '/branch',
    label: 'nav.branch',
    icon: 'flag-o',
    roles: ['reviewer', 'secretary', 'org_admin'],
  },
  {
    name: 'admin',
    path: '/admin',
    label: 'adminPeople.tab',
    icon: 'cluster-o',
    roles: ['org_admin'],
  },
  { name: 'me', path: '/me', label: 'nav.me', icon: 'user-o' },
]

export function tabsFor(hasRole: (...roles: Role[]) => boolean): TabItem[] {
  return TABS.filter((tab) => !tab.roles || hasRole(...tab.roles))
}
