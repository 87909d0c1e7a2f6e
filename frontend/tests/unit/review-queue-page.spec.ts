// The review queue: rows of pending claims, 全选 and 批量通过 with a per-claim answer.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Claim, Page } from '@/api/types'
import { i18n } from '@/locales'

vi.mock('@/api/claims', async (original) => ({
  ...(await original<typeof import('@/api/claims')>()),
  listClaims: vi.fn(),
  bulkReview: vi.fn(),
  approveClaim: vi.fn(),
}))
vi.mock('@/api/points', () => ({ listMembers: vi.fn(), standardInForce: vi.fn() }))
vi.mock('vant', async (original) => ({
  ...(await original<typeof import('vant')>()),
  showConfirmDialog: vi.fn(),
}))

const claimsApi = await import('@/api/claims')
const vant = await import('vant')
const pointsApi = await import('@/api/points')
const { useAuthStore } = await import('@/stores/auth')
const { resetReviewBranch } = await import('@/composables/useReviewBranch')
const { clearBranchData } = await import('@/composables/useBranchData')
const { default: ReviewQueuePage } = await import('@/pages/review/ReviewQueuePage.vue')

const claim = (id: number, memberId: number, name: string): Claim =>
  ({
    id,
    member: { id: memberId, name },
    branch_id: 2,
    item: { id: 25, code: 'M05', title: '调解化解邻里矛盾纠纷', dimension: 'morality', kind: 'bonus', points: '0.5', requires_evidence: true },
    period: '2026-11',
    occurred_on: '2026-11-17',
    quantity: 1,
    description: '调解3号楼邻里漏水纠纷',
    claimed_points: '0.5',
    granted_points: null,
    status: 'submitted',
    evidence_count: 1,
  }) as Claim

const page = (items: Claim[]): Page<Claim> => ({ items, total: items.length, page: 1, page_size: 20 })

async function mountQueue() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/review', name: 'review', component: ReviewQueuePage },
      { path: '/review/:id', name: 'review-claim', component: { template: '<p>claim</p>' } },
    ],
  })
  await router.push('/review')
  const wrapper = mount(ReviewQueuePage, { global: { plugins: [i18n, router] }, attachTo: document.body })
  await flushPromises()
  await flushPromises()
  return wrapper
}

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
  resetReviewBranch()
  clearBranchData()
  const auth = useAuthStore()
  auth.accessToken = 't'
  auth.me = {
    user: { id: 2, username: 'secretary1', display_name: '张建国', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
    member: {
      id: 1,
      name: '张建国',
      phone: '13800000000',
      category: 'rural_community',
      branch_id: 2,
      branch_name: '青山社区党支部',
      status: 'active',
      joined_on: '2010-07-01',
      is_probationary: false,
    },
    roles: [{ role: 'secretary', organisation_id: 2, organisation_name: '青山社区党支部', organisation_kind: 'branch' }],
  }
  vi.mocked(pointsApi.listMembers).mockResolvedValue({ items: [], total: 0, page: 1, page_size: 200 })
  vi.mocked(pointsApi.standardInForce).mockRejectedValue(new Error('none'))
  vi.mocked(claimsApi.listClaims).mockReset()
  vi.mocked(claimsApi.bulkReview).mockReset()
  vi.mocked(vant.showConfirmDialog).mockReset()
  vi.mocked(vant.showConfirmDialog).mockResolvedValue('confirm')
})

describe('ReviewQueuePage', () => {
  it('asks for the branch queue, oldest first, and shows a row per claim with the count', async () => {
    vi.mocked(claimsApi.listClaims).mockResolvedValue(page([claim(91, 1, '张建国'), claim(93, 2, '李秀英')]))
    const wrapper = await mountQueue()
    expect(claimsApi.listClaims).toHaveBeenCalledWith(
      expect.objectContaining({ status: 'submitted', branch: 2, order: 'oldest', page: 1 }),
      expect.anything(),
    )
    expect(wrapper.findAll('article[data-claim]')).toHaveLength(2)
    expect(wrapper.get('[data-test="queue-count"]').text()).toBe('待审核 2 条')
    // The secretary's own claim has no quick approve; the other one has.
    expect(wrapper.find('[data-test="approve-91"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="approve-93"]').exists()).toBe(true)
    expect(wrapper.get('article[data-claim="91"]').text()).toContain('本人申报')
    wrapper.unmount()
  })

  it('shows 暂无待审核申报 when nothing waits', async () => {
    vi.mocked(claimsApi.listClaims).mockResolvedValue(page([]))
    const wrapper = await mountQueue()
    expect(wrapper.get('[data-test="queue-empty"]').text()).toContain('暂无待审核申报')
    wrapper.unmount()
  })

  it('全选 then 批量通过 sends one decision per claim with a key and shows who failed', async () => {
    vi.mocked(claimsApi.listClaims).mockResolvedValue(page([claim(91, 1, '张建国'), claim(93, 2, '李秀英')]))
    vi.mocked(claimsApi.bulkReview).mockResolvedValue({
      succeeded: 1,
      failed: 1,
      results: [
        { claim_id: 91, ok: false, status: 'submitted', code: 'self_review', detail: 'Nobody reviews their own claim.' },
        { claim_id: 93, ok: true, status: 'approved', code: null, detail: null },
      ],
    })
    const wrapper = await mountQueue()
    await wrapper.get('[data-test="select-mode"]').trigger('click')
    await wrapper.get('[data-test="select-all"]').trigger('click')
    const button = wrapper.get('[data-test="bulk-approve"]')
    expect(button.text()).toBe('批量通过 (2)')
    await button.trigger('click')
    await flushPromises()

    // First the count and the total points to confirm.
    expect(vant.showConfirmDialog).toHaveBeenCalledOnce()
    expect(vi.mocked(vant.showConfirmDialog).mock.calls[0][0]).toMatchObject({
      message: '批量通过 2 条，共 1 分？',
    })
    const [decisions, key] = vi.mocked(claimsApi.bulkReview).mock.calls[0]
    expect(decisions).toEqual([
      { claim_id: 91, decision: 'approve' },
      { claim_id: 93, decision: 'approve' },
    ])
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    const result = wrapper.get('[data-test="bulk-result"]')
    expect(result.get('[data-test="bulk-summary"]').text()).toBe('已通过 1 条，1 条未能通过')
    expect(result.text()).toContain('张建国')
    expect(result.text()).toContain('不能审核自己的申报')
    // The approved claim left the list; the refused one stays.
    expect(wrapper.findAll('article[data-claim]').map((a) => a.attributes('data-claim'))).toEqual(['91'])
    expect(wrapper.get('[data-test="queue-count"]').text()).toBe('待审核 1 条')
    wrapper.unmount()
  })

  it('批量通过 cancelled at the confirmation decides nothing', async () => {
    const claims = [claim(93, 2, '李秀英'), { ...claim(95, 3, '王芳'), claimed_points: '2.5' } as Claim]
    vi.mocked(claimsApi.listClaims).mockResolvedValue(page(claims))
    vi.mocked(vant.showConfirmDialog).mockRejectedValue('cancel')
    const wrapper = await mountQueue()
    await wrapper.get('[data-test="select-mode"]').trigger('click')
    await wrapper.get('[data-test="select-all"]').trigger('click')
    await wrapper.get('[data-test="bulk-approve"]').trigger('click')
    await flushPromises()
    expect(vi.mocked(vant.showConfirmDialog).mock.calls[0][0]).toMatchObject({
      title: '确认批量通过',
      message: '批量通过 2 条，共 3 分？',
    })
    expect(claimsApi.bulkReview).not.toHaveBeenCalled()
    expect(wrapper.findAll('article[data-claim]')).toHaveLength(2)
    wrapper.unmount()
  })
})
