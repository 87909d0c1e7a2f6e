// Corrections while the month is open: a likely duplicate entry named by the server, voiding an
// entry with a reason (struck through afterwards), reverting a decision, the bulk total.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/http'
import type { Claim, ClaimDetail, Entry, EntryDetail } from '@/api/types'
import { i18n } from '@/locales'
import { canRevert, likelyDuplicate } from '@/composables/useCorrections'
import { claimedTotal } from '@/composables/useReviewSelection'

vi.mock('@/api/months', async (original) => ({
  ...(await original<typeof import('@/api/months')>()),
  voidEntry: vi.fn(),
}))
vi.mock('@/api/claims', async (original) => ({
  ...(await original<typeof import('@/api/claims')>()),
  getClaim: vi.fn(),
  claimTimeline: vi.fn(),
  revertClaim: vi.fn(),
}))
vi.mock('@/api/points', () => ({ listMembers: vi.fn(), standardInForce: vi.fn() }))

const monthsApi = await import('@/api/months')
const claimsApi = await import('@/api/claims')
const pointsApi = await import('@/api/points')
const { useAuthStore } = await import('@/stores/auth')
const { clearBranchData } = await import('@/composables/useBranchData')
const { default: EntryList } = await import('@/components/review/EntryList.vue')
const { default: ReviewClaimPage } = await import('@/pages/review/ReviewClaimPage.vue')

const entry = (id: number, over: Partial<Entry> = {}): Entry =>
  ({
    id,
    kind: 'entry',
    branch_id: 2,
    period: '2026-11',
    item: { id: 17, code: 'D07', title: '参加主题党日活动', dimension: 'discipline', kind: 'bonus', points: '1', requires_evidence: false },
    occurred_on: '2026-11-12',
    quantity: 1,
    points_each: '1.0',
    reason: '11月主题党日',
    member_count: 3,
    created_by: { id: 2, name: '张建国' },
    created_at: '2026-11-12T02:00:00Z',
    voided_at: null,
    voided_by: null,
    void_reason: null,
    ...over,
  }) as Entry

const claim = (over: Partial<ClaimDetail> = {}): ClaimDetail =>
  ({
    id: 96,
    member: { id: 4, name: '刘桂兰' },
    branch_id: 2,
    item: { id: 4, code: 'P04', title: '撰写理论学习心得体会', dimension: 'political', kind: 'bonus', points: '0.5', requires_evidence: true },
    period: '2026-11',
    occurred_on: '2026-11-20',
    quantity: 1,
    description: '撰写学习心得体会一篇',
    claimed_points: '0.5',
    granted_points: '0.5',
    status: 'approved',
    decision_comment: null,
    reviewed_by: { id: 3, name: '李秀英' },
    submitted_at: '2026-11-20T13:02:00Z',
    evidence: [],
    evidence_count: 0,
    month_locked: false,
    deadline: '2026-12-05T23:59:59.999999+08:00',
    ...over,
  }) as ClaimDetail

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
  for (const fn of [monthsApi.voidEntry, claimsApi.getClaim, claimsApi.claimTimeline, claimsApi.revertClaim]) vi.mocked(fn).mockReset()
  vi.mocked(claimsApi.claimTimeline).mockResolvedValue([])
})

describe('likelyDuplicate', () => {
  it('reads the entries and members a 409 likely_duplicate names', () => {
    const error = new ApiError({
      status: 409,
      code: 'likely_duplicate',
      title: 'Conflict',
      extra: { entry_ids: [31], member_ids: [4, 5], members: [{ id: 4, name: '刘桂兰' }, { id: 5, name: '王芳' }] },
    })
    expect(likelyDuplicate(error)).toEqual({
      entryIds: [31],
      members: [
        { id: 4, name: '刘桂兰' },
        { id: 5, name: '王芳' },
      ],
    })
  })
  it('is null for other errors, and falls back to member ids', () => {
    expect(likelyDuplicate(new ApiError({ status: 409, code: 'month_locked', title: 'x' }))).toBeNull()
    const bare = new ApiError({ status: 409, code: 'likely_duplicate', title: 'x', extra: { member_ids: [7] } })
    expect(likelyDuplicate(bare)?.members).toEqual([{ id: 7, name: '' }])
  })
})

describe('canRevert and claimedTotal', () => {
  it('offers 撤销决定 for a decided claim of an open month that is not one’s own', () => {
    expect(canRevert(claim(), 2)).toBe(true)
    expect(canRevert(claim({ status: 'rejected' }), 2)).toBe(true)
    expect(canRevert(claim({ status: 'returned' }), 2)).toBe(true)
    expect(canRevert(claim({ status: 'submitted' }), 2)).toBe(false)
    expect(canRevert(claim({ status: 'expired' }), 2)).toBe(false)
    expect(canRevert(claim({ month_locked: true }), 2)).toBe(false)
    expect(canRevert(claim(), 4)).toBe(false)
    expect(canRevert(null, 2)).toBe(false)
  })
  it('adds the chosen claims’ points exactly', () => {
    const claims = [
      { id: 1, claimed_points: '0.1' },
      { id: 2, claimed_points: '0.2' },
      { id: 3, claimed_points: '5.0' },
    ] as Claim[]
    expect(claimedTotal(claims, [1, 2])).toBe(0.3)
    expect(claimedTotal(claims, [1, 2, 3])).toBe(5.3)
  })
})

describe('EntryList', () => {
  it('shows a voided entry struck through with its reason, and no 作废 button', () => {
    const wrapper = mount(EntryList, {
      props: {
        entries: [entry(31, { voided_at: '2026-11-13T02:00:00Z', void_reason: '重复记录' }), entry(32)],
        emptyText: '无',
        voidBranchId: 2,
      },
      global: { plugins: [i18n] },
    })
    const voided = wrapper.get('[data-entry="31"]')
    expect(voided.classes()).toContain('entry-list__row--voided')
    expect(voided.get('[data-test="entry-voided"]').text()).toContain('已作废：重复记录')
    expect(voided.find('[data-test="entry-void"]').exists()).toBe(false)
    expect(wrapper.get('[data-entry="32"]').find('[data-test="entry-void"]').exists()).toBe(true)
    wrapper.unmount()
  })

  it('offers no 作废 when the month is not open, nor for an adjustment', () => {
    const closed = mount(EntryList, { props: { entries: [entry(32)], emptyText: '无' }, global: { plugins: [i18n] } })
    expect(closed.find('[data-test="entry-void"]').exists()).toBe(false)
    const adjustment = mount(EntryList, {
      props: { entries: [entry(33, { kind: 'adjustment' })], emptyText: '无', voidBranchId: 2 },
      global: { plugins: [i18n] },
    })
    expect(adjustment.find('[data-test="entry-void"]').exists()).toBe(false)
  })

  it('作废 asks for a reason, sends it and tells the page', async () => {
    const done = { ...entry(32, { voided_at: '2026-11-13T02:00:00Z', void_reason: '日期录错' }), members: [] } as EntryDetail
    vi.mocked(monthsApi.voidEntry).mockResolvedValue(done)
    const wrapper = mount(EntryList, {
      props: { entries: [entry(32)], emptyText: '无', voidBranchId: 2 },
      global: { plugins: [i18n] },
      attachTo: document.body,
    })
    await wrapper.get('[data-test="entry-void"]').trigger('click')
    await flushPromises()
    const confirm = () => document.querySelector<HTMLElement>('[data-test="reason-dialog"] .van-dialog__confirm')!
    // Without a reason the dialog stays open and says so.
    confirm().click()
    await flushPromises()
    expect(monthsApi.voidEntry).not.toHaveBeenCalled()
    expect(document.querySelector('[data-test="reason-dialog"]')!.textContent).toContain('请填写原因')
    const input = document.querySelector<HTMLTextAreaElement>('[data-test="reason-input"] textarea')!
    input.value = '日期录错'
    input.dispatchEvent(new Event('input'))
    await flushPromises()
    confirm().click()
    await flushPromises()
    expect(monthsApi.voidEntry).toHaveBeenCalledWith(2, 32, '日期录错', { silent: true })
    expect(wrapper.emitted('voided')?.[0]).toEqual([done])
    wrapper.unmount()
  })
})

describe('ReviewClaimPage 撤销决定', () => {
  async function mountClaim() {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/review', name: 'review', component: { template: '<p>queue</p>' } },
        { path: '/review/:id', name: 'review-claim', component: ReviewClaimPage },
      ],
    })
    await router.push('/review/96')
    const wrapper = mount(ReviewClaimPage, { global: { plugins: [i18n, router] }, attachTo: document.body })
    await flushPromises()
    return wrapper
  }

  it('reverts an approved claim with a reason; it awaits review again', async () => {
    vi.mocked(claimsApi.getClaim).mockResolvedValue(claim())
    vi.mocked(claimsApi.revertClaim).mockResolvedValue(claim({ status: 'submitted', granted_points: null, reviewed_by: null }))
    const wrapper = await mountClaim()
    await wrapper.get('[data-test="revert"]').trigger('click')
    await flushPromises()
    const input = document.querySelector<HTMLTextAreaElement>('[data-test="reason-input"] textarea')!
    input.value = '误点了通过'
    input.dispatchEvent(new Event('input'))
    await flushPromises()
    document.querySelector<HTMLElement>('[data-test="reason-dialog"] .van-dialog__confirm')!.click()
    await flushPromises()
    const [id, reason, key] = vi.mocked(claimsApi.revertClaim).mock.calls[0]
    expect([id, reason]).toEqual([96, '误点了通过'])
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    expect(wrapper.find('[data-test="revert"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="decision-bar"]').exists()).toBe(true)
    wrapper.unmount()
  })

  it('has no 撤销决定 once the month is locked, nor on a pending claim', async () => {
    vi.mocked(claimsApi.getClaim).mockResolvedValue(claim({ month_locked: true }))
    const locked = await mountClaim()
    expect(locked.find('[data-test="revert"]').exists()).toBe(false)
    locked.unmount()
    vi.mocked(claimsApi.getClaim).mockResolvedValue(claim({ status: 'submitted' }))
    const pending = await mountClaim()
    expect(pending.find('[data-test="revert"]').exists()).toBe(false)
    pending.unmount()
  })

  it('shows the server’s refusal in the dialog', async () => {
    vi.mocked(claimsApi.getClaim).mockResolvedValue(claim({ status: 'rejected' }))
    vi.mocked(claimsApi.revertClaim).mockRejectedValue(
      new ApiError({ status: 409, code: 'item_month_limit_reached', title: 'Conflict', detail: 'cap' }),
    )
    const wrapper = await mountClaim()
    await wrapper.get('[data-test="revert"]').trigger('click')
    await flushPromises()
    const input = document.querySelector<HTMLTextAreaElement>('[data-test="reason-input"] textarea')!
    input.value = '退回有误'
    input.dispatchEvent(new Event('input'))
    await flushPromises()
    document.querySelector<HTMLElement>('[data-test="reason-dialog"] .van-dialog__confirm')!.click()
    await flushPromises()
    expect(document.querySelector('[data-test="reason-dialog"]')!.querySelector('.van-field__error-message')).not.toBeNull()
    wrapper.unmount()
  })
})
