// Routes of the grading's branch screens (merged in router/grading.ts): the secretary's runs and
// a run's steps, and the organisation above's summary and approval.
import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = [
  {
    path: 'branch/gradings',
    name: 'gradings',
    component: () => import('@/pages/grading/GradingListPage.vue'),
    meta: { roles: ['secretary', 'org_admin'], title: 'grading.branch.list.title' },
  },
  {
    path: 'branch/gradings/:id(\\d+)',
    name: 'grading',
    component: () => import('@/pages/grading/GradingRunPage.vue'),
    meta: { roles: ['secretary', 'org_admin'], title: 'grading.branch.run.title' },
  },
  {
    path: 'admin/gradings',
    name: 'admin-gradings',
    component: () => import('@/pages/grading/AdminGradingsPage.vue'),
    meta: { roles: ['org_admin'], title: 'grading.branch.admin.title' },
  },
]

export default routes
