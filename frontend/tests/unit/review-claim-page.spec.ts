// Deciding one claim: 通过 goes on to the next one; a claim someone else decided, or one's own,
// is explained instead of failing silently.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/http'
import type { Claim, ClaimDetail } from '@/api/types'
import { i18n } from '@/locales'

vi.mock('@/api/claims', async (original) => ({
  ...(await original<typeof import('@/api/claims')>()),
  getClaim: vi.fn(),
  claimTimeline: vi.fn(),
  listClaims: vi.fn(),
  approveClaim: vi.fn(),
  rejectClaim: vi.fn(),
  returnClaim: vi.fn(),
}))
vi.mock('@/api/points', () => ({ listMembers: vi.fn(), standardInForce: vi.fn() }))

const claimsApi = await import('@/api/claims')
const pointsApi = await import('@/api/points')
const { useAuthStore } = await import('@/stores/auth')
const { clearBranchData } = await import('@/composables/useBranchData')
const { default: ReviewClaimPage } = await import('@/pages/review/ReviewClaimPage.vue')

const detail = (id: number, over: Partial<ClaimDetail> = {}): ClaimDetail =>
  ({
    id,
    member: { id: 4, name: '刘桂兰' },
    branch_id: 2,
    item: { id: 4, code: 'P04', title: '撰写理论学习心得体会', dimension: 'political', kind: 'bonus', points: '0.5', requires_evidence: true },
    period: '2026-11',
    occurred_on: '2026-11-20',
    quantity: 1,
    description: '撰写学习心得体会一篇',
    claimed_points: '0.5',
    granted_points: null,
    status: 'submitted',
    decision_comment: null,
    reviewed_by: null,
    submitted_at: '2026-11-20T13:02:00Z',
    evidence: [],
    evidence_count: 0,
    month_locked: false,
    deadline: '2026-12-05T23:59:59.999999+08:00',
    ...over,
  }) as ClaimDetail

async function mountClaim(id: number) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/review', name: 'review', component: { template: '<p>queue</p>' } },
      { path: '/review/:id', name: 'review-claim', component: ReviewClaimPage },
    ],
  })
  await router.push(`/review/${id}`)
  const wrapper = mount(ReviewClaimPage, { global: { plugins: [i18n, router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

beforeEach(() => {
  setActivePinia(createPinia())
  clearBranchData()
  const auth = useAuthStore()
  auth.accessToken = 't'
  auth.me = {
    user: { id: 3, username: 'reviewer1', display_name: '李秀英', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
    member: { id: 2, name: '李秀英', phone: '13800000000', category: 'rural_community', branch_id: 2, branch_name: '青山社区党支部', status: 'active', joined_on: '2010-07-01', is_probationary: false },
    roles: [{ role: 'reviewer', organisation_id: 2, organisation_name: '青山社区党支部', organisation_kind: 'branch' }],
  }
  vi.mocked(pointsApi.standardInForce).mockRejectedValue(new Error('none'))
  for (const fn of [claimsApi.getClaim, claimsApi.listClaims, claimsApi.approveClaim, claimsApi.claimTimeline]) vi.mocked(fn).mockReset()
  vi.mocked(claimsApi.claimTimeline).mockResolvedValue([])
})

describe('ReviewClaimPage', () => {
  it('通过 approves with an Idempotency-Key and opens the next pending claim', async () => {
    vi.mocked(claimsApi.getClaim).mockResolvedValue(detail(96))
    vi.mocked(claimsApi.approveClaim).mockResolvedValue(detail(96, { status: 'approved' }))
    vi.mocked(claimsApi.listClaims).mockResolvedValue({
      items: [{ id: 93, status: 'submitted', member: { id: 2, name: '李秀英' } } as Claim, { id: 97, status: 'submitted', member: { id: 4, name: '刘桂兰' } } as Claim],
      total: 2,
      page: 1,
      page_size: 20,
    })
    const { wrapper, router } = await mountClaim(96)
    await wrapper.get('[data-test="approve"]').trigger('click')
    await flushPromises()
    const [id, body, key] = vi.mocked(claimsApi.approveClaim).mock.calls[0]
    expect(id).toBe(96)
    expect(body).toEqual({})
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    // 93 is the reviewer's own claim: skipped.
    expect(router.currentRoute.value.fullPath).toBe('/review/97')
    wrapper.unmount()
  })

  it('a claim decided meanwhile by another reviewer shows its state and no actions', async () => {
    vi.mocked(claimsApi.getClaim)
      .mockResolvedValueOnce(detail(96))
      .mockResolvedValueOnce(detail(96, { status: 'approved', reviewed_by: { id: 1, name: '张建国' } }))
    vi.mocked(claimsApi.approveClaim).mockRejectedValue(
      new ApiError({ status: 409, code: 'invalid_transition', title: 'Conflict' }),
    )
    const { wrapper } = await mountClaim(96)
    await wrapper.get('[data-test="approve"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-test="claim-notice"]').text()).toBe('已被其他支委处理，当前状态：已通过')
    expect(wrapper.find('[data-test="decision-bar"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('explains self_review', async () => {
    vi.mocked(claimsApi.getClaim).mockResolvedValue(detail(96))
    vi.mocked(claimsApi.approveClaim).mockRejectedValue(new ApiError({ status: 403, code: 'self_review', title: 'Forbidden' }))
    const { wrapper } = await mountClaim(96)
    await wrapper.get('[data-test="approve"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-test="claim-error"]').text()).toContain('不能审核自己的申报')
    wrapper.unmount()
  })

  it("shows one's own claim without actions", async () => {
    vi.mocked(claimsApi.getClaim).mockResolvedValue(detail(93, { member: { id: 2, name: '李秀英' } }))
    const { wrapper } = await mountClaim(93)
    expect(wrapper.get('[data-test="claim-notice"]').text()).toBe('这是您本人的申报，须由其他支委审核。')
    expect(wrapper.find('[data-test="decision-bar"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('a claim that is not pending shows its state and no actions', async () => {
    vi.mocked(claimsApi.getClaim).mockResolvedValue(detail(96, { status: 'returned', decision_comment: '请补充佐证照片' }))
    const { wrapper } = await mountClaim(96)
    expect(wrapper.get('[data-test="claim-notice"]').text()).toBe('该申报当前状态为“已退回”，无需审核。')
    expect(wrapper.text()).toContain('请补充佐证照片')
    expect(wrapper.find('[data-test="decision-bar"]').exists()).toBe(false)
    wrapper.unmount()
  })
})
