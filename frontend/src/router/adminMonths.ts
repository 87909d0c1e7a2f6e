// Routes of the adminMonths screens, under the tab layout (see router/index.ts).
import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = [
  // 各支部月度锁定: which branches closed which months; reopen a month, adjust a locked one.
  {
    path: 'admin/months',
    name: 'admin-months',
    component: () => import('@/pages/admin/MonthsPage.vue'),
    meta: { roles: ['org_admin'], title: 'adminMonths.title' },
  },
]

export default routes
