// Routes of the adminStandards screens, under the tab layout (see router/index.ts): the versions
// of the standard (积分标准) and the editor of one version. Org admins only.
import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = [
  {
    path: 'admin/standards',
    name: 'admin-standards',
    component: () => import('@/pages/admin/StandardsPage.vue'),
    meta: { roles: ['org_admin'], title: 'adminStandards.list.title' },
  },
  {
    path: 'admin/standards/:id(\\d+)',
    name: 'admin-standard',
    component: () => import('@/pages/admin/StandardPage.vue'),
    meta: { roles: ['org_admin'], title: 'adminStandards.list.title' },
  },
]

export default routes
