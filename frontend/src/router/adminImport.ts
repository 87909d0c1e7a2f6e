// Routes of the member import and the audit trail, under the tab layout (see router/index.ts).
// The import is open to whoever may manage members (org admins in their subtree, secretaries in
// their branch); the audit trail to org admins (superadmins everywhere).
import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = [
  {
    path: 'admin/imports',
    name: 'admin-imports',
    component: () => import('@/pages/admin/ImportPage.vue'),
    meta: { roles: ['org_admin', 'secretary', 'superadmin'], title: 'adminImport.title' },
  },
  {
    path: 'admin/imports/:id(\\d+)',
    name: 'admin-import',
    component: () => import('@/pages/admin/ImportJobPage.vue'),
    meta: { roles: ['org_admin', 'secretary', 'superadmin'], title: 'adminImport.job.title' },
  },
  {
    path: 'admin/audit',
    name: 'admin-audit',
    component: () => import('@/pages/admin/AuditPage.vue'),
    meta: { roles: ['org_admin', 'superadmin'], title: 'adminImport.audit.title' },
  },
]

export default routes
