// Routes of the adminPeople screens, under the tab layout (see router/index.ts): the admin hub,
// the organisation tree (org admins) and members (org admins, and secretaries for their branch).
import type { RouteRecordRaw } from 'vue-router'

const ADMINS = ['org_admin'] as const
const MANAGERS = ['org_admin', 'secretary'] as const

const routes: RouteRecordRaw[] = [
  {
    path: 'admin',
    name: 'admin',
    component: () => import('@/pages/admin/AdminHomePage.vue'),
    meta: { roles: [...MANAGERS], title: 'adminPeople.hub.title' },
  },
  {
    path: 'admin/orgs',
    name: 'admin-orgs',
    component: () => import('@/pages/admin/OrgTreePage.vue'),
    meta: { roles: [...ADMINS], title: 'adminPeople.orgs.title' },
  },
  {
    path: 'admin/members',
    name: 'admin-members',
    component: () => import('@/pages/admin/MemberListPage.vue'),
    meta: { roles: [...MANAGERS], title: 'adminPeople.members.title' },
  },
  {
    path: 'admin/members/new',
    name: 'admin-member-new',
    component: () => import('@/pages/admin/MemberFormPage.vue'),
    meta: { roles: [...MANAGERS], title: 'adminPeople.form.createTitle' },
  },
  {
    path: 'admin/members/:id(\\d+)',
    name: 'admin-member',
    component: () => import('@/pages/admin/MemberPage.vue'),
    meta: { roles: [...MANAGERS], title: 'adminPeople.member.title' },
  },
  {
    path: 'admin/members/:id(\\d+)/edit',
    name: 'admin-member-edit',
    component: () => import('@/pages/admin/MemberFormPage.vue'),
    meta: { roles: [...MANAGERS], title: 'adminPeople.form.editTitle' },
  },
]

export default routes
