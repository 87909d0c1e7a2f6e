// The admin's people screens: the organisation tree (levels, search keeping ancestors, move
// targets), member search filters in the URL, roles in order, refusals explained in plain
// words, the hub showing only the sections that exist, and a refused role assignment.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/http'
import type { OrganisationItem } from '@/api/orgs'
import type { MemberRole } from '@/api/members'
import { i18n } from '@/locales'

vi.mock('@/api/members', () => ({
  searchMembers: vi.fn(),
  assignRole: vi.fn(),
}))
vi.mock('@/api/orgs', () => ({ listOrganisations: vi.fn() }))

const membersApi = await import('@/api/members')
const orgsApi = await import('@/api/orgs')
const { buildTree, filterTree, moveTargets, childKinds, useAdminOrgs } = await import('@/composables/useAdminOrgs')
const { memberQuery, filtersFromRoute, routeQuery, useAdminMembers } = await import('@/composables/useAdminMembers')
const { sortRoles } = await import('@/composables/useAdminMember')
const { peopleError } = await import('@/composables/useAdminRefusal')
const { useAuthStore } = await import('@/stores/auth')
const { TABS, tabsFor } = await import('@/navigation')
const { default: AdminHomePage } = await import('@/pages/admin/AdminHomePage.vue')
const { default: RoleAssignDialog } = await import('@/components/admin/RoleAssignDialog.vue')

const t = i18n.global.t as unknown as (key: string, params?: Record<string, unknown>) => string

function org(id: number, name: string, kind: string, parent: OrganisationItem | null, extra: Partial<OrganisationItem> = {}): OrganisationItem {
  const path = `${parent ? parent.path : '/'}${id}/`
  return {
    id,
    name,
    kind,
    parent_id: parent?.id ?? null,
    path,
    depth: path.split('/').filter(Boolean).length - 1,
    archived_at: null,
    created_at: '2026-01-01T00:00:00Z',
    member_count: 0,
    ...extra,
  }
}

const committee = org(1, '青山街道党工委', 'committee', null, { member_count: 9 })
const general = org(2, '机关党总支', 'general_branch', committee, { member_count: 4 })
const branchA = org(3, '第一党支部', 'branch', general, { member_count: 4 })
const branchB = org(4, '幸福社区党支部', 'branch', committee, { member_count: 5 })
const ORGS = [branchB, branchA, committee, general]

function role(id: number, name: string, orgName: string): MemberRole {
  return {
    id,
    user_id: 7,
    role: name,
    organisation_id: 3,
    organisation_name: orgName,
    organisation_kind: 'branch',
    created_at: '2026-01-01T00:00:00Z',
  }
}

beforeEach(() => {
  setActivePinia(createPinia())
  vi.mocked(membersApi.searchMembers).mockReset()
  vi.mocked(membersApi.assignRole).mockReset()
  vi.mocked(orgsApi.listOrganisations).mockReset()
})

describe('the organisation tree', () => {
  it('puts parents before children with their level and the way down', () => {
    const nodes = buildTree(ORGS)
    expect(nodes.map((n) => [n.org.name, n.level])).toEqual([
      ['青山街道党工委', 0],
      ['机关党总支', 1],
      ['第一党支部', 2],
      ['幸福社区党支部', 1],
    ])
    expect(nodes[2].trail).toEqual(['青山街道党工委', '机关党总支'])
    expect(nodes[0].children).toBe(2)
  })

  it('counts levels from the shallowest organisation a secretary sees', () => {
    expect(buildTree([branchA]).map((n) => n.level)).toEqual([0])
  })

  it('keeps the ancestors of a match so the tree still reads', () => {
    const shown = filterTree(buildTree(ORGS), '第一')
    expect(shown.map((n) => n.org.id)).toEqual([1, 2, 3])
    expect(filterTree(buildTree(ORGS), '  ').length).toBe(4)
    expect(filterTree(buildTree(ORGS), '没有').length).toBe(0)
  })

  it('offers as move targets only containers outside the subtree and not the current parent', () => {
    const nodes = buildTree(ORGS)
    expect(moveTargets(nodes, general).map((n) => n.org.id)).toEqual([])
    expect(moveTargets(nodes, branchB).map((n) => n.org.id)).toEqual([2])
    expect(moveTargets(nodes, branchA).map((n) => n.org.id)).toEqual([1])
    expect(childKinds('branch')).toEqual([])
    expect(childKinds('committee')).toEqual(['general_branch', 'branch'])
  })

  it('loads every page of the list', async () => {
    vi.mocked(orgsApi.listOrganisations)
      .mockResolvedValueOnce({ items: [committee, general], total: 3, page: 1, page_size: 200 })
      .mockResolvedValueOnce({ items: [branchA], total: 3, page: 2, page_size: 200 })
    const orgs = useAdminOrgs()
    await orgs.load()
    expect(orgs.nodes.value.map((n) => n.org.id)).toEqual([1, 2, 3])
    expect(orgs.branches.value.map((n) => n.org.id)).toEqual([3])
    expect(vi.mocked(orgsApi.listOrganisations).mock.calls[1][0]).toMatchObject({ page: 2 })
  })
})

describe('member search', () => {
  it('reads its filters from the URL and writes them back, leaving out the defaults', () => {
    const { filters, page } = filtersFromRoute({ q: '张', category: 'mobile', status: 'gone', org: '3', page: '2' })
    expect(filters).toEqual({ q: '张', category: 'mobile', status: '', organisationId: 3 })
    expect(page).toBe(2)
    expect(routeQuery(filters, 2)).toEqual({ q: '张', category: 'mobile', org: '3', page: '2' })
    expect(routeQuery({ q: ' ', category: '', status: '', organisationId: null }, 1)).toEqual({})
    expect(filtersFromRoute({ category: 'alien', page: '-1' })).toMatchObject({ page: 1, filters: { category: '' } })
  })

  it('asks the API for the trimmed text and only the filters set', () => {
    expect(memberQuery({ q: ' 138 ', category: '', status: 'active', organisationId: null }, 3)).toEqual({
      q: '138',
      category: undefined,
      status: 'active',
      organisation_id: undefined,
      page: 3,
      page_size: 20,
    })
  })

  it('starts a new search at page 1 and lets a newer answer win over an older one', async () => {
    let resolveOld: (value: unknown) => void = () => undefined
    vi.mocked(membersApi.searchMembers)
      .mockImplementationOnce(() => new Promise((resolve) => (resolveOld = resolve)) as never)
      .mockResolvedValueOnce({ items: [], total: 41, page: 1, page_size: 20 })
    const search = useAdminMembers({ filters: { q: '', category: '', status: '', organisationId: null }, page: 3 })
    const old = search.load()
    search.filters.q = '王'
    await search.search()
    resolveOld({ items: [], total: 999, page: 3, page_size: 20 })
    await old
    expect(search.page.value).toBe(1)
    expect(search.total.value).toBe(41)
    expect(search.pages.value).toBe(3)
  })
})

describe('roles and refusals', () => {
  it('lists offices before membership', () => {
    const sorted = sortRoles([role(1, 'member', '第一党支部'), role(2, 'reviewer', '第一党支部'), role(3, 'org_admin', '党工委')])
    expect(sorted.map((r) => r.role)).toEqual(['org_admin', 'reviewer', 'member'])
  })

  it('explains separation-of-duties refusals in plain words', () => {
    const outranks = new ApiError({ status: 403, code: 'target_outranks_you', title: 'Forbidden', detail: 'x' })
    expect(peopleError(outranks, t, 'role')).toContain('管理范围')
    const ownRole = new ApiError({ status: 409, code: 'own_role', title: 'Conflict', detail: 'x' })
    expect(peopleError(ownRole, t, 'role')).toContain('不能移除自己')
    const forbidden = new ApiError({ status: 403, code: 'forbidden', title: 'Forbidden', detail: 'You may not' })
    expect(peopleError(forbidden, t, 'role')).toBe(t('adminPeople.refusal.forbiddenRole'))
    expect(peopleError(forbidden, t, 'member')).toBe(t('adminPeople.refusal.forbiddenMember'))
    expect(peopleError(new Error('boom'), t)).toBe(t('common.loadFailed'))
  })

  it('keeps the role dialog open with the refusal when the server says no', async () => {
    vi.mocked(membersApi.assignRole).mockRejectedValue(
      new ApiError({ status: 403, code: 'target_outranks_you', title: 'Forbidden', detail: 'x' }),
    )
    const wrapper = mount(RoleAssignDialog, {
      props: { show: true, name: '张三', userId: 7, branchId: 3, nodes: buildTree(ORGS) },
      global: { plugins: [i18n] },
      attachTo: document.body,
    })
    await wrapper.setProps({ show: false })
    await wrapper.setProps({ show: true })
    await flushPromises()
    const confirm = document.querySelector<HTMLButtonElement>('[data-test="role-dialog"] .van-dialog__confirm')
    confirm?.click()
    await flushPromises()
    expect(vi.mocked(membersApi.assignRole)).toHaveBeenCalledWith(
      { user_id: 7, role: 'reviewer', organisation_id: 3 },
      { silent: true },
    )
    expect(document.querySelector('[data-test="role-error"]')?.textContent).toContain('管理范围')
    expect(wrapper.emitted('done')).toBeUndefined()
    wrapper.unmount()
  })
})

describe('the admin hub', () => {
  function hubRouter(names: string[]) {
    const stub = { template: '<main />' }
    return createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/admin', name: 'admin', component: AdminHomePage },
        ...names.map((name) => ({
          path: `/${name}`,
          name,
          component: stub,
          meta: { roles: name === 'admin-members' ? ['org_admin', 'secretary'] : ['org_admin'] } as never,
        })),
      ],
    })
  }

  function signIn(roleName: string) {
    const auth = useAuthStore()
    auth.accessToken = 't'
    auth.me = {
      user: { id: 1, username: 'u', display_name: 'U', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
      member: null,
      roles: [{ role: roleName as never, organisation_id: 1, organisation_name: 'x', organisation_kind: 'committee' }],
    } as never
  }

  it('links to the sections whose routes exist and the caller may open', async () => {
    signIn('org_admin')
    const router = hubRouter(['admin-orgs', 'admin-members', 'admin-months'])
    await router.push('/admin')
    const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [i18n, router] } })
    await flushPromises()
    const sections = wrapper.findAll('[data-section]').map((a) => a.attributes('data-section'))
    expect(sections).toEqual(['admin-orgs', 'admin-members', 'admin-months'])
    wrapper.unmount()
  })

  it('shows a secretary the members only', async () => {
    signIn('secretary')
    const router = hubRouter(['admin-orgs', 'admin-members', 'admin-audit'])
    await router.push('/admin')
    const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [i18n, router] } })
    await flushPromises()
    expect(wrapper.findAll('[data-section]').map((a) => a.attributes('data-section'))).toEqual(['admin-members'])
    wrapper.unmount()
  })

  it('has an admin tab for org admins only', () => {
    const admin = TABS.find((tab) => tab.name === 'admin')
    expect(admin).toMatchObject({ path: '/admin', roles: ['org_admin'], icon: 'cluster-o' })
    expect(tabsFor((...roles) => roles.includes('org_admin')).map((tab) => tab.name)).toContain('admin')
    expect(tabsFor((...roles) => roles.includes('member')).map((tab) => tab.name)).not.toContain('admin')
  })
})
