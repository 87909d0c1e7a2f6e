// The member pages against a mocked API: the claim form checks before sending and shows the
// API's refusals in the words of errors.*; the claim page offers what the state allows and
// marks a decision seen.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/http'
import { i18n } from '@/locales'
import type { ClaimDetail, ItemRoom, MemberRoom, Standard, StandardItem } from '@/api/types'

vi.mock('@/offline/outbox', () => ({ sendClaim: vi.fn() }))
vi.mock('@/api/points', () => ({ standardInForce: vi.fn(), getPoints: vi.fn() }))
vi.mock('@/api/claims', () => ({
  getClaim: vi.fn(),
  claimTimeline: vi.fn(),
  markSeen: vi.fn(),
  listClaims: vi.fn(),
  submitClaim: vi.fn(),
  withdrawClaim: vi.fn(),
  deleteClaim: vi.fn(),
  updateClaim: vi.fn(),
  uploadEvidence: vi.fn(),
  deleteEvidence: vi.fn(),
  evidenceBlob: vi.fn(),
  getRoom: vi.fn(),
}))

const outbox = await import('@/offline/outbox')
const pointsApi = await import('@/api/points')
const claimsApi = await import('@/api/claims')
const { useAuthStore } = await import('@/stores/auth')
const { clearStandardCache } = await import('@/composables/useStandardItems')
const { claimWindow, zonedToday } = await import('@/composables/useClaimWindow')
const { default: ClaimFormPage } = await import('@/pages/member/ClaimFormPage.vue')
const { default: ClaimDetailPage } = await import('@/pages/member/ClaimDetailPage.vue')

const TODAY = zonedToday(new Date())

function standardItem(extra: Partial<StandardItem>): StandardItem {
  return {
    id: 31,
    code: 'C01',
    title: '参加志愿服务活动',
    dimension: 'contribution',
    kind: 'bonus',
    points: '0.5',
    requires_evidence: true,
    description: '',
    max_per_month: '1.0',
    max_per_year: '4.0',
    source: 'self',
    categories: null,
    grade_ceiling: null,
    ceiling_trigger_count: 1,
    position: 30,
    ...extra,
  }
}

const STANDARD = {
  id: 1,
  organisation_id: 1,
  year: Number(TODAY.slice(0, 4)),
  name: '党员积分管理标准（通用版）',
  status: 'published',
  base_score: '60.0',
  dimension_caps: {},
  evaluation_points: '10.0',
  deadline_day: 5,
  timezone: 'Asia/Shanghai',
  items: [
    standardItem({}),
    standardItem({ id: 29, code: 'M09', title: '关爱孤寡老人和留守儿童', dimension: 'morality', requires_evidence: false }),
    standardItem({ id: 1, code: 'P01', title: '参加党课学习', dimension: 'political', source: 'branch' }),
  ],
} as Standard

function signIn() {
  const auth = useAuthStore()
  auth.accessToken = 't'
  auth.me = {
    user: { id: 4, username: 'member1', display_name: '王德福', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
    member: {
      id: 3,
      name: '王德福',
      phone: '13800000000',
      category: 'rural_community',
      branch_id: 2,
      branch_name: '青山社区党支部',
      status: 'active',
      joined_on: '2010-07-01',
      is_probationary: false,
    },
    roles: [{ role: 'member', organisation_id: 2, organisation_name: '青山社区党支部', organisation_kind: 'branch' }],
  }
}

function claim(extra: Partial<ClaimDetail> = {}): ClaimDetail {
  return {
    id: 106,
    member: { id: 3, name: '王德福' },
    branch_id: 2,
    item: { id: 30, code: 'M10', title: '带头参与文明创建和环境整治', dimension: 'morality', kind: 'bonus', points: '0.5', requires_evidence: true },
    period: TODAY.slice(0, 7),
    occurred_on: TODAY,
    quantity: 1,
    description: '参加“清洁家园”环境整治行动，清理小广告',
    claimed_points: '0.5',
    granted_points: null,
    status: 'returned',
    decision_comment: '照片看不清活动现场，请补充一张清晰照片',
    reviewed_by: { id: 2, name: '张建国' },
    submitted_at: '2026-11-22T13:02:00Z',
    decided_at: '2026-11-23T13:00:00Z',
    decision_seen: false,
    evidence_count: 0,
    version: 1,
    created_at: '2026-11-22T13:00:00Z',
    updated_at: '2026-11-22T13:00:00Z',
    evidence: [],
    deadline: '2026-12-05T23:59:59.999999+08:00',
    month_locked: false,
    ...extra,
  }
}

function roomOf(code: string, id: number, extra: Partial<ItemRoom> = {}): ItemRoom {
  return {
    item_id: id,
    code,
    points: '0.5',
    max_per_month: '1.0',
    max_per_year: '4.0',
    month_used: '0.0',
    year_used: '0.0',
    month_left: '1.0',
    year_left: '4.0',
    left: '1.0',
    times_left: 2,
    full: false,
    ...extra,
  }
}

/** The room answer for a month: every item free unless given, no month closed unless given. */
function room(period: string, items: ItemRoom[] = [], locked: string[] = []): MemberRoom {
  const state = (p: string) => ({
    period: p,
    deadline: null,
    started: true,
    window_closed: false,
    locked: locked.includes(p),
    has_standard: true,
    open: !locked.includes(p),
  })
  const current = TODAY.slice(0, 7)
  return {
    member_id: 3,
    period,
    standard_id: 1,
    month: state(period),
    months: [state(current)],
    items: items.length ? items : [roomOf('C01', 31), roomOf('M09', 29)],
    dimensions: [],
  }
}

async function mountAt(path: string, component: object) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: { template: '<p>home</p>' } },
      { path: '/claims', name: 'claims', component: { template: '<p>claims</p>' } },
      { path: '/claims/new', name: 'claim-new', component: ClaimFormPage },
      { path: '/claims/:id(\\d+)', name: 'claim', component: ClaimDetailPage },
      { path: '/claims/:id(\\d+)/edit', name: 'claim-edit', component: ClaimFormPage },
    ],
  })
  await router.push(path)
  const wrapper = mount(component, { global: { plugins: [i18n, router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

beforeEach(() => {
  setActivePinia(createPinia())
  clearStandardCache()
  vi.mocked(pointsApi.standardInForce).mockReset().mockResolvedValue(STANDARD)
  vi.mocked(outbox.sendClaim).mockReset()
  for (const fn of Object.values(claimsApi)) vi.mocked(fn as () => unknown).mockReset()
  vi.mocked(claimsApi.claimTimeline).mockResolvedValue([])
  vi.mocked(claimsApi.markSeen).mockResolvedValue({ marked: 1 })
  vi.mocked(claimsApi.getRoom).mockImplementation(async (_member, period) => room(period ?? TODAY.slice(0, 7)))
  signIn()
})

async function pick(wrapper: Awaited<ReturnType<typeof mountAt>>['wrapper'], code: string) {
  await wrapper.find('[data-test="item-trigger"]').trigger('click')
  await flushPromises()
  const button = document.querySelector<HTMLButtonElement>(`[data-code="${code}"]`)
  expect(button, `item ${code} in the picker`).not.toBeNull()
  button!.click()
  await flushPromises()
}

describe('ClaimFormPage', () => {
  it('labels every control', async () => {
    const { wrapper } = await mountAt('/claims/new', ClaimFormPage)
    for (const id of ['claim-item', 'claim-date', 'claim-quantity', 'claim-description']) {
      expect(wrapper.find(`#${id}`).exists(), id).toBe(true)
      expect(wrapper.find(`label[for="${id}"]`).exists(), `label for ${id}`).toBe(true)
    }
    wrapper.unmount()
  })

  it('offers only self-declared items of the member’s category', async () => {
    const { wrapper } = await mountAt('/claims/new', ClaimFormPage)
    await wrapper.find('[data-test="item-trigger"]').trigger('click')
    await flushPromises()
    expect(document.querySelector('[data-code="C01"]')).not.toBeNull()
    expect(document.querySelector('[data-code="P01"]')).toBeNull()
    wrapper.unmount()
  })

  it('says what is missing before asking the server', async () => {
    const { wrapper } = await mountAt('/claims/new', ClaimFormPage)
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('请选择积分项目')
    expect(wrapper.text()).toContain('请填写情况说明')
    expect(outbox.sendClaim).not.toHaveBeenCalled()
    wrapper.unmount()
  })

  it('asks for evidence before submitting an item that needs it', async () => {
    const { wrapper } = await mountAt('/claims/new', ClaimFormPage)
    await pick(wrapper, 'C01')
    await wrapper.find('textarea').setValue('参加社区志愿服务')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('该项目需要上传佐证材料')
    expect(outbox.sendClaim).not.toHaveBeenCalled()
    wrapper.unmount()
  })

  it('sends a claim through the outbox and opens it', async () => {
    vi.mocked(outbox.sendClaim).mockResolvedValue({ status: 'sent', claim: claim({ id: 200, status: 'submitted' }) })
    const { wrapper, router } = await mountAt('/claims/new', ClaimFormPage)
    await pick(wrapper, 'M09')
    await wrapper.find('textarea').setValue('  看望独居老人张大爷  ')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(outbox.sendClaim).toHaveBeenCalledWith(
      {
        body: { item_id: 29, occurred_on: TODAY, quantity: 1, description: '看望独居老人张大爷' },
        submit: true,
        photos: [],
      },
      expect.objectContaining({ onProgress: expect.any(Function) }),
    )
    expect(router.currentRoute.value.fullPath).toBe('/claims/200')
    wrapper.unmount()
  })

  it('shows the API’s refusal in the words of errors.*', async () => {
    vi.mocked(outbox.sendClaim).mockRejectedValue(
      new ApiError({ status: 409, code: 'claim_window_closed', title: 'Conflict' }),
    )
    const { wrapper, router } = await mountAt('/claims/new', ClaimFormPage)
    await pick(wrapper, 'M09')
    await wrapper.find('textarea').setValue('看望独居老人')
    await wrapper.find('[data-test="claim-draft"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-test="form-error"]').text()).toBe('本月申报已截止')
    expect(router.currentRoute.value.name).toBe('claim-new')
    wrapper.unmount()
  })

  it('continues on the draft a failed submit left behind', async () => {
    vi.mocked(outbox.sendClaim).mockRejectedValue(
      Object.assign(new ApiError({ status: 409, code: 'item_month_limit_reached', title: 'Conflict' }), { claimId: 321 }),
    )
    vi.mocked(claimsApi.getClaim).mockResolvedValue(claim({ id: 321, status: 'draft', decision_comment: null }))
    const { wrapper, router } = await mountAt('/claims/new', ClaimFormPage)
    await pick(wrapper, 'M09')
    await wrapper.find('textarea').setValue('看望独居老人')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/claims/321/edit')
    // The same page goes on editing that draft, with the refusal's reason, not "cannot change".
    expect(claimsApi.getClaim).toHaveBeenCalledWith(321, { silent: true })
    expect(wrapper.find('[data-test="claim-form"]').exists()).toBe(true)
    expect(wrapper.text()).not.toContain('这条申报现在不能修改')
    expect(wrapper.find('[data-test="form-notice"]').text()).toContain('该项目本月积分已达上限')
    wrapper.unmount()
  })

  it('shows the room left for the chosen item, in the picker as well', async () => {
    vi.mocked(claimsApi.getRoom).mockResolvedValue(
      room(TODAY.slice(0, 7), [roomOf('C01', 31), roomOf('M09', 29, { month_used: '0.5', month_left: '0.5', left: '0.5', times_left: 1 })]),
    )
    const { wrapper } = await mountAt('/claims/new', ClaimFormPage)
    expect(claimsApi.getRoom).toHaveBeenCalledWith(3, TODAY.slice(0, 7), { silent: true })
    await wrapper.find('[data-test="item-trigger"]').trigger('click')
    await flushPromises()
    expect(document.querySelector('[data-code="M09"] [data-test="picker-room"]')?.textContent).toBe('本月还可申报 1 次')
    expect(document.querySelector('[data-code="C01"] [data-test="picker-room"]')?.textContent).toBe('本月还可申报 2 次')
    document.querySelector<HTMLButtonElement>('[data-code="M09"]')!.click()
    await flushPromises()
    expect(wrapper.find('[data-test="claim-room"]').text()).toBe('本月还可申报 1 次')
    expect(wrapper.find('#claim-quantity-hint').text()).toBe('本月还可申报 1 次')
    expect(wrapper.find('[data-test="claim-submit"]').attributes('disabled')).toBeUndefined()
    wrapper.unmount()
  })

  it('does not submit an item whose monthly cap is used up, and says why', async () => {
    vi.mocked(claimsApi.getRoom).mockResolvedValue(
      room(TODAY.slice(0, 7), [roomOf('M09', 29, { month_used: '1.0', month_left: '0.0', left: '0.0', times_left: 0, full: true })]),
    )
    const { wrapper } = await mountAt('/claims/new', ClaimFormPage)
    await pick(wrapper, 'M09')
    await wrapper.find('textarea').setValue('看望独居老人')
    expect(wrapper.find('[data-test="claim-room"]').text()).toBe('本月已达上限')
    expect(wrapper.find('[data-test="claim-blocked"]').text()).toContain('该项目本月已达上限')
    expect(wrapper.find('[data-test="claim-submit"]').attributes('disabled')).toBeDefined()
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(outbox.sendClaim).not.toHaveBeenCalled()
    wrapper.unmount()
  })

  it('does not offer this month once the branch has closed it', async () => {
    const current = TODAY.slice(0, 7)
    vi.mocked(claimsApi.getRoom).mockImplementation(async (_member, period) => room(period ?? current, [], [current]))
    const { wrapper } = await mountAt('/claims/new', ClaimFormPage)
    const window = wrapper.find('[data-test="claim-window"]').text()
    expect(window).toContain('本月已由支部审核锁定')
    expect(window).not.toContain('可申报本月发生的事项')
    if (claimWindow(new Date()).previousOpen) {
      // Last month is still open: the date moves there.
      expect(claimsApi.getRoom).toHaveBeenLastCalledWith(3, claimWindow(new Date()).previousPeriod, { silent: true })
    } else {
      expect(wrapper.find('[data-test="claim-submit"]').attributes('disabled')).toBeDefined()
    }
    wrapper.unmount()
  })

  it('edits a returned claim: the reviewer’s comment on top, then PATCH and resubmit', async () => {
    vi.mocked(claimsApi.getClaim).mockResolvedValue(claim({ item: { ...claim().item, id: 31, code: 'C01' } }))
    vi.mocked(claimsApi.updateClaim).mockResolvedValue(claim())
    vi.mocked(claimsApi.submitClaim).mockResolvedValue(claim({ status: 'submitted' }))
    const { wrapper } = await mountAt('/claims/106/edit', ClaimFormPage)
    expect(wrapper.find('[data-test="form-returned"]').text()).toContain('照片看不清活动现场')
    expect(wrapper.find('[data-test="claim-submit"]').text()).toBe('重新提交')
    // C01 needs evidence and none is attached yet: said before anything is sent.
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(claimsApi.updateClaim).not.toHaveBeenCalled()
    expect(wrapper.text()).toContain('该项目需要上传佐证材料')

    vi.mocked(claimsApi.getClaim).mockResolvedValue(
      claim({ item: { ...claim().item, id: 31, code: 'C01' }, evidence: [{ id: 9, claim_id: 106, name: 'a.jpg', content_type: 'image/jpeg', size: 1, width: 1, height: 1, url: '/x', created_at: '' }] }),
    )
    wrapper.unmount()
    const again = await mountAt('/claims/106/edit', ClaimFormPage)
    await again.wrapper.find('textarea').setValue('补充了清晰的现场照片')
    await again.wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(claimsApi.updateClaim).toHaveBeenCalledWith(
      106,
      { item_id: 31, occurred_on: TODAY, quantity: 1, description: '补充了清晰的现场照片' },
      { silent: true },
    )
    expect(claimsApi.submitClaim).toHaveBeenCalledWith(106, expect.any(String), { silent: true })
    expect(again.router.currentRoute.value.fullPath).toBe('/claims/106')
    again.wrapper.unmount()
  })
})

describe('ClaimDetailPage', () => {
  it('shows the reviewer’s comment of a returned claim and the way to fix it, and marks it seen', async () => {
    vi.mocked(claimsApi.getClaim).mockResolvedValue(claim())
    const { wrapper } = await mountAt('/claims/106', ClaimDetailPage)
    expect(wrapper.find('[data-test="returned-comment"]').text()).toContain('照片看不清活动现场，请补充一张清晰照片')
    expect(wrapper.find('[data-test="detail-resubmit"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="detail-withdraw"]').exists()).toBe(false)
    expect(claimsApi.markSeen).toHaveBeenCalledWith([106], { silent: true })
    wrapper.unmount()
  })

  it('offers withdraw for a submitted claim and nothing to a reviewer looking at someone else’s', async () => {
    vi.mocked(claimsApi.getClaim).mockResolvedValue(claim({ status: 'submitted', decided_at: null, decision_comment: null }))
    const { wrapper } = await mountAt('/claims/106', ClaimDetailPage)
    expect(wrapper.find('[data-test="detail-withdraw"]').exists()).toBe(true)
    expect(claimsApi.markSeen).not.toHaveBeenCalled()
    wrapper.unmount()

    vi.mocked(claimsApi.getClaim).mockResolvedValue(claim({ member: { id: 99, name: '刘桂兰' }, status: 'draft' }))
    const other = await mountAt('/claims/106', ClaimDetailPage)
    expect(other.wrapper.find('[data-test="detail-submit"]').exists()).toBe(false)
    expect(claimsApi.markSeen).not.toHaveBeenCalled()
    other.wrapper.unmount()
  })

  it('offers submit, edit and delete for a draft', async () => {
    vi.mocked(claimsApi.getClaim).mockResolvedValue(claim({ status: 'draft', decided_at: null, decision_comment: null }))
    vi.mocked(claimsApi.submitClaim).mockRejectedValue(new ApiError({ status: 409, code: 'evidence_required', title: 'Conflict' }))
    const { wrapper } = await mountAt('/claims/106', ClaimDetailPage)
    for (const action of ['detail-submit', 'detail-edit', 'detail-delete']) {
      expect(wrapper.find(`[data-test="${action}"]`).exists(), action).toBe(true)
    }
    await wrapper.find('[data-test="detail-submit"]').trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('该项目需要上传佐证材料（照片或 PDF）')
    wrapper.unmount()
  })
})
