// Which branch a reviewer acts for: from their roles, remembered on the device.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Organisation, RoleAssignment } from '@/api/types'
import {
  BRANCH_STORAGE_KEY,
  chooseBranch,
  resetReviewBranch,
  reviewBranches,
  useReviewBranch,
  withAdminBranches,
} from '@/composables/useReviewBranch'
import { useAuthStore } from '@/stores/auth'

const listOrganisations = vi.hoisted(() => vi.fn())
vi.mock('@/api/orgs', () => ({ listOrganisations }))

const org = (id: number, name: string, kind: Organisation['kind'] = 'branch'): Organisation => ({
  id,
  name,
  kind,
  parent_id: 1,
  path: `/1/${id}/`,
  depth: 1,
  archived_at: null,
  created_at: '2026-01-01T00:00:00Z',
})

const role = (
  r: RoleAssignment['role'],
  id: number,
  name: string,
  kind: RoleAssignment['organisation_kind'] = 'branch',
): RoleAssignment => ({ role: r, organisation_id: id, organisation_name: name, organisation_kind: kind })

describe('reviewBranches', () => {
  it('keeps branches where one is reviewer or secretary, once each', () => {
    const branches = reviewBranches([
      role('member', 2, '青山社区党支部'),
      role('reviewer', 2, '青山社区党支部'),
      role('secretary', 2, '青山社区党支部'),
      role('reviewer', 7, '街道机关党支部'),
    ])
    expect(branches).toEqual([
      { id: 7, name: '街道机关党支部', isSecretary: false },
      { id: 2, name: '青山社区党支部', isSecretary: true },
    ])
  })

  it('ignores plain membership, org admin roles and non-branch organisations', () => {
    expect(
      reviewBranches([
        role('member', 2, '青山社区党支部'),
        role('org_admin', 1, '青山街道党工委', 'committee'),
        role('reviewer', 5, '某党总支', 'general_branch'),
      ]),
    ).toEqual([])
  })

  it("puts the person's own branch first", () => {
    const branches = reviewBranches(
      [role('reviewer', 7, '街道机关党支部'), role('secretary', 2, '青山社区党支部')],
      2,
    )
    expect(branches.map((b) => b.id)).toEqual([2, 7])
  })
})

describe('chooseBranch', () => {
  const list = [
    { id: 2, name: 'A', isSecretary: true },
    { id: 7, name: 'B', isSecretary: false },
  ]
  it('takes the remembered branch when it is still one of them', () => {
    expect(chooseBranch(list, 7)?.id).toBe(7)
  })
  it('falls back on the first', () => {
    expect(chooseBranch(list, 99)?.id).toBe(2)
    expect(chooseBranch(list, null)?.id).toBe(2)
  })
  it('is null without branches', () => {
    expect(chooseBranch([], 2)).toBeNull()
  })
})

describe('useReviewBranch', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    localStorage.clear()
    resetReviewBranch()
  })

  function signIn(roles: RoleAssignment[]) {
    const auth = useAuthStore()
    auth.accessToken = 't'
    auth.me = {
      user: { id: 3, username: 'reviewer1', display_name: '李秀英', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
      member: null,
      roles,
    }
  }

  it('remembers the choice in localStorage and applies it on the next visit', () => {
    signIn([role('secretary', 2, '青山社区党支部'), role('reviewer', 7, '街道机关党支部')])
    const first = useReviewBranch()
    expect(first.branchId.value).toBe(7) // by name: 街道… sorts before 青山…
    first.setBranch(2)
    expect(localStorage.getItem(BRANCH_STORAGE_KEY)).toBe('2')
    expect(first.isSecretary.value).toBe(true)

    resetReviewBranch()
    const again = useReviewBranch()
    expect(again.branchId.value).toBe(2)
  })

  it('a secretary of one branch gets that branch and no choice', () => {
    signIn([role('member', 2, '青山社区党支部'), role('secretary', 2, '青山社区党支部')])
    const { branches, branchId, isSecretary } = useReviewBranch()
    expect(branches.value).toHaveLength(1)
    expect(branchId.value).toBe(2)
    expect(isSecretary.value).toBe(true)
  })

  it('a reviewer is not a secretary', () => {
    signIn([role('reviewer', 2, '青山社区党支部')])
    expect(useReviewBranch().isSecretary.value).toBe(false)
  })
})

describe('org admins', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    localStorage.clear()
    resetReviewBranch()
    listOrganisations.mockReset()
  })

  it('adds the branches under their organisations, after their own, as closers', () => {
    const own = [{ id: 2, name: '青山社区党支部', isSecretary: false }]
    const merged = withAdminBranches(own, [org(1, '城关街道党工委', 'committee'), org(2, '青山社区党支部'), org(9, '街道机关党支部')])
    expect(merged).toEqual([...own, { id: 9, name: '街道机关党支部', isSecretary: true }])
  })

  it('an org admin without a branch role gets the branches the server lists', async () => {
    listOrganisations.mockResolvedValue({ items: [org(9, '街道机关党支部')], total: 1, page: 1, page_size: 200 })
    const auth = useAuthStore()
    auth.accessToken = 't'
    auth.me = {
      user: { id: 1, username: 'admin', display_name: '街道组织委员', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
      member: null,
      roles: [{ role: 'org_admin', organisation_id: 1, organisation_name: '城关街道党工委', organisation_kind: 'committee' }],
    }
    const { branchId, isSecretary } = useReviewBranch()
    await flushPromises()
    expect(listOrganisations).toHaveBeenCalledWith({ kind: 'branch', page_size: 200 }, { silent: true })
    expect(branchId.value).toBe(9)
    expect(isSecretary.value).toBe(true)
  })

  it('a reviewer who is no org admin asks for nothing', () => {
    const auth = useAuthStore()
    auth.accessToken = 't'
    auth.me = {
      user: { id: 3, username: 'reviewer1', display_name: '李秀英', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
      member: null,
      roles: [{ role: 'reviewer', organisation_id: 2, organisation_name: '青山社区党支部', organisation_kind: 'branch' }],
    }
    useReviewBranch()
    expect(listOrganisations).not.toHaveBeenCalled()
  })
})
