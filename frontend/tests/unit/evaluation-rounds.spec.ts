// The secretary's evaluation screens: quarters and windows, rates as percentages, the sheet's
// file name; 开启评议 showing the API's refusals by their fields; 发放评议码 downloading the PDF.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { RoundProgress } from '@/api/types'
import { ApiError } from '@/api/http'
import { i18n } from '@/locales'
import {
  addDays,
  branchFromQuery,
  codeSheetName,
  newRoundDefaults,
  parseCount,
  quarterOf,
  ratePercent,
  roundError,
  windowProblem,
} from '@/components/evaluation/rounds'

vi.mock('@/api/evaluation', () => ({
  listRounds: vi.fn(),
  openRound: vi.fn(),
  issueCodes: vi.fn(),
  getRound: vi.fn(),
  closeRound: vi.fn(),
}))
vi.mock('@/composables/useRankingExport', () => ({ saveBlob: vi.fn() }))
vi.mock('@/lib/format', async (original) => ({
  ...(await original<typeof import('@/lib/format')>()),
  beijingToday: () => '2026-12-06',
}))

const evaluationApi = await import('@/api/evaluation')
const exportApi = await import('@/composables/useRankingExport')
const { useAuthStore } = await import('@/stores/auth')
const { resetReviewBranch } = await import('@/composables/useReviewBranch')
const { default: RoundFormPage } = await import('@/pages/evaluation/RoundFormPage.vue')
const { default: CodeIssuer } = await import('@/components/evaluation/CodeIssuer.vue')
const { default: RoundPage } = await import('@/pages/evaluation/RoundPage.vue')

const t = i18n.global.t as (key: string, params?: Record<string, unknown>) => string

const progress = (over: Partial<RoundProgress> = {}): RoundProgress => ({
  id: 7,
  branch: { id: 3, name: '街道机关党支部' },
  year: 2026,
  quarter: 4,
  opens_on: '2026-12-06',
  closes_on: '2026-12-20',
  status: 'open',
  phase: 'open',
  min_ratings: 3,
  created_at: '2026-12-06T01:00:00Z',
  closed_at: null,
  codes_issued: 40,
  batches: 1,
  codes_spent: 12,
  peer_ballots: 2,
  peers: 10,
  members: [],
  under_min: 0,
  ...over,
})

describe('rounds helpers', () => {
  it('give the quarter of a date', () => {
    expect(quarterOf('2026-12-06')).toEqual({ year: 2026, quarter: 4 })
    expect(quarterOf('2026-01-01')).toEqual({ year: 2026, quarter: 1 })
    expect(quarterOf('2026-06-30')).toEqual({ year: 2026, quarter: 2 })
  })

  it('open a new round this quarter, today to two weeks on, across the year end', () => {
    expect(newRoundDefaults('2026-12-20')).toEqual({
      year: 2026,
      quarter: 4,
      opens_on: '2026-12-20',
      closes_on: '2027-01-03',
    })
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29')
  })

  it('name the window faults as the server does', () => {
    const today = '2026-12-06'
    expect(windowProblem('2026-12-06', '2026-12-20', today)).toBeNull()
    expect(windowProblem('2026-12-10', '2026-12-09', today)).toBe('window_invalid')
    expect(windowProblem('2026-11-01', '2026-12-05', today)).toBe('window_passed')
    expect(windowProblem('2026-12-01', '2027-03-03', today)).toBe('window_too_long') // 92 days
    expect(windowProblem('2026-12-01', '2027-03-02', today)).toBeNull() // 91 days
    expect(windowProblem('', '2026-12-20', today)).toBe('window_missing')
  })

  it('write rates as percentages with one decimal, and none below the minimum', () => {
    expect(ratePercent('0.8333333333333333333333333333')).toBe('83.3%')
    expect(ratePercent('1')).toBe('100%')
    expect(ratePercent('0.5')).toBe('50%')
    expect(ratePercent(null)).toBeNull()
  })

  it('take a count of 1 to 1000 codes only', () => {
    expect(parseCount('3')).toBe(3)
    expect(parseCount(' 1000 ')).toBe(1000)
    expect(parseCount('0')).toBeNull()
    expect(parseCount('1001')).toBeNull()
    expect(parseCount('2.5')).toBeNull()
    expect(parseCount('')).toBeNull()
  })

  it('name the sheet after the quarter and the batch', () => {
    expect(codeSheetName(t, { ...progress(), batches: 1 })).toBe('评议码-2026年第4季度-第2批.pdf')
  })

  it('read ?branch= and say the API’s refusals in Chinese', () => {
    expect(branchFromQuery('3')).toBe(3)
    expect(branchFromQuery(['4'])).toBe(4)
    expect(branchFromQuery('x')).toBeNull()
    expect(branchFromQuery(undefined)).toBeNull()
    const exists = new ApiError({ status: 409, code: 'round_exists', title: 'Conflict', detail: 'The branch already has a round' })
    expect(roundError(exists, t)).toBe('本季度已经有评议轮次')
    const passed = new ApiError({ status: 422, code: 'window_passed', title: 'Unprocessable' })
    expect(roundError(passed, t)).toBe('截止日期不能早于今天')
  })
})

async function mountForm() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/evaluation/rounds', name: 'evaluation-rounds', component: { template: '<p>rounds</p>' } },
      { path: '/evaluation/rounds/new', name: 'evaluation-round-new', component: RoundFormPage },
      { path: '/evaluation/rounds/:id', name: 'evaluation-round', component: { template: '<p>round</p>' } },
    ],
  })
  await router.push('/evaluation/rounds/new?branch=3')
  const wrapper = mount(RoundFormPage, { global: { plugins: [i18n, router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

describe('RoundFormPage', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    localStorage.clear()
    resetReviewBranch()
    const auth = useAuthStore()
    auth.accessToken = 't'
    auth.me = {
      user: { id: 12, username: 'secretary2', display_name: '孙明华', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
      member: null,
      roles: [{ role: 'secretary', organisation_id: 3, organisation_name: '街道机关党支部', organisation_kind: 'branch' }],
    } as unknown as typeof auth.me
    vi.mocked(evaluationApi.listRounds).mockReset()
    vi.mocked(evaluationApi.openRound).mockReset()
  })

  it('starts on this quarter, today to two weeks on, and opens the round', async () => {
    vi.mocked(evaluationApi.listRounds).mockResolvedValue({ items: [], total: 0, page: 1, page_size: 100 })
    vi.mocked(evaluationApi.openRound).mockResolvedValue({ ...progress(), id: 9 })
    const { wrapper, router } = await mountForm()
    expect((wrapper.get('#round-year').element as HTMLSelectElement).value).toBe('2026')
    expect((wrapper.get('#round-quarter').element as HTMLSelectElement).value).toBe('4')
    expect(wrapper.get('#round-opens').attributes('data-value')).toBe('2026-12-06')
    expect(wrapper.get('#round-closes').attributes('data-value')).toBe('2026-12-20')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(evaluationApi.openRound).toHaveBeenCalledWith(
      3,
      { year: 2026, quarter: 4, opens_on: '2026-12-06', closes_on: '2026-12-20' },
      { silent: true },
    )
    expect(router.currentRoute.value.fullPath).toBe('/evaluation/rounds/9')
    wrapper.unmount()
  })

  it('marks a quarter that has its round and says so at once', async () => {
    vi.mocked(evaluationApi.listRounds).mockResolvedValue({ items: [progress()], total: 1, page: 1, page_size: 100 })
    const { wrapper } = await mountForm()
    expect((wrapper.get('#round-quarter').element as HTMLSelectElement).value).toBe('4')
    expect(wrapper.get('#round-quarter option[value="4"]').text()).toBe('第4季度（已开启）')
    expect(wrapper.get('[data-test="round-quarter-taken"]').text()).toBe('本季度已经有评议轮次')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(evaluationApi.openRound).not.toHaveBeenCalled()
    await wrapper.get('#round-year').setValue('2027')
    expect(wrapper.find('[data-test="round-quarter-taken"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('shows round_exists by the quarter and a window refusal by the dates', async () => {
    vi.mocked(evaluationApi.listRounds).mockResolvedValue({ items: [], total: 0, page: 1, page_size: 100 })
    vi.mocked(evaluationApi.openRound).mockRejectedValueOnce(
      new ApiError({ status: 409, code: 'round_exists', title: 'Conflict', detail: 'exists' }),
    )
    const { wrapper } = await mountForm()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-test="round-quarter-error"]').text()).toBe('本季度已经有评议轮次')

    vi.mocked(evaluationApi.openRound).mockRejectedValueOnce(
      new ApiError({ status: 422, code: 'window_too_long', title: 'Unprocessable', detail: 'long' }),
    )
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-test="round-window-error"]').text()).toBe('评议时间最长一个季度')
    wrapper.unmount()
  })
})

describe('CodeIssuer', () => {
  beforeEach(() => {
    vi.mocked(evaluationApi.issueCodes).mockReset()
    vi.mocked(exportApi.saveBlob).mockReset()
  })

  it('downloads the sheet under the quarter’s name and batch and says to print it', async () => {
    const pdf = new Blob(['%PDF-1.3'], { type: 'application/pdf' })
    vi.mocked(evaluationApi.issueCodes).mockResolvedValue(pdf)
    const wrapper = mount(CodeIssuer, { props: { progress: progress() }, global: { plugins: [i18n] } })
    expect(wrapper.get('[data-test="codes-once"]').text()).toContain('只在下载时出现这一次')
    await wrapper.get('input').setValue('3')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(evaluationApi.issueCodes).toHaveBeenCalledWith(7, 3, { silent: true })
    expect(exportApi.saveBlob).toHaveBeenCalledWith(pdf, '评议码-2026年第4季度-第2批.pdf')
    expect(wrapper.get('[data-test="codes-done"]').text()).toContain('请打印后发给群众')
    expect(wrapper.emitted('issued')).toEqual([[3]])
  })

  it('refuses a count outside 1 to 1000 without asking the server', async () => {
    const wrapper = mount(CodeIssuer, { props: { progress: progress() }, global: { plugins: [i18n] } })
    await wrapper.get('input').setValue('1001')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(evaluationApi.issueCodes).not.toHaveBeenCalled()
    expect(wrapper.text()).toContain('请输入 1 到 1000 之间的整数')
  })
})

describe('RoundPage', () => {
  async function mountRound() {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/evaluation/rounds/:id', name: 'evaluation-round', component: RoundPage },
        { path: '/evaluation/rounds', name: 'evaluation-rounds', component: { template: '<p>rounds</p>' } },
        { path: '/evaluation/rounds/:id/results', name: 'evaluation-round-results', component: { template: '<p>results</p>' } },
      ],
    })
    await router.push('/evaluation/rounds/7')
    const wrapper = mount(RoundPage, { global: { plugins: [i18n, router] } })
    await flushPromises()
    return wrapper
  }

  beforeEach(() => {
    setActivePinia(createPinia())
    vi.mocked(evaluationApi.getRound).mockReset()
  })

  it('refreshes the progress of a round not yet closed by itself, and of a closed one not', async () => {
    vi.useFakeTimers()
    try {
      vi.mocked(evaluationApi.getRound).mockResolvedValue(progress())
      const open = await mountRound()
      expect(evaluationApi.getRound).toHaveBeenCalledTimes(1)
      vi.mocked(evaluationApi.getRound).mockResolvedValue(progress({ codes_spent: 13 }))
      await vi.advanceTimersByTimeAsync(20_000)
      await flushPromises()
      expect(evaluationApi.getRound).toHaveBeenCalledTimes(2)
      open.unmount()
      await vi.advanceTimersByTimeAsync(20_000)
      expect(evaluationApi.getRound).toHaveBeenCalledTimes(2)

      vi.mocked(evaluationApi.getRound).mockReset()
      vi.mocked(evaluationApi.getRound).mockResolvedValue(
        progress({ status: 'closed', phase: 'closed', closed_at: '2026-12-20T02:00:00Z' }),
      )
      const closed = await mountRound()
      await vi.advanceTimersByTimeAsync(60_000)
      expect(evaluationApi.getRound).toHaveBeenCalledTimes(1)
      closed.unmount()
    } finally {
      vi.useRealTimers()
    }
  })
})
