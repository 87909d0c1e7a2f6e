// 积分明细 and the ranking's year view and notice-board tools, against a mocked API: rows grouped
// by month with their subtotals and the running total; more pages appended; meetings attended;
// the year ranking with its closed months; print and XLSX only for reviewers and secretaries.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '@/locales'
import type { LedgerMonth, LedgerPage, LedgerRow, Me, Ranking, YearRanking } from '@/api/types'

vi.mock('@/api/points', () => ({
  memberLedger: vi.fn(),
  memberAttendance: vi.fn(),
  getMember: vi.fn(),
  yearRanking: vi.fn(),
  rankingXlsx: vi.fn(),
}))
vi.mock('@/api/months', () => ({ getMonth: vi.fn(), getRanking: vi.fn() }))

const pointsApi = await import('@/api/points')
const monthsApi = await import('@/api/months')
const { useAuthStore } = await import('@/stores/auth')
const { groupByMonth, signed, sourceTag, capped } = await import('@/composables/usePointsDetail')
const { rankingFileName, mayPublish } = await import('@/composables/useRankingExport')
const { default: PointsDetailPage } = await import('@/pages/member/PointsDetailPage.vue')
const { default: RankingPage } = await import('@/pages/member/RankingPage.vue')

const ITEM = { id: 1, code: 'P01', title: '参加党课学习', dimension: 'political', kind: 'bonus', points: '0.5', requires_evidence: false }
const DEDUCTION = { ...ITEM, id: 41, code: 'X01', title: '无故不参加组织生活', dimension: 'deduction', kind: 'deduction', points: '2.0' }

function row(extra: Partial<LedgerRow>): LedgerRow {
  return {
    id: 1,
    period: '2026-11',
    occurred_on: '2026-11-12',
    item: ITEM,
    points: '0.5',
    signed_points: '0.5',
    counted: '0.5',
    running_total: '60.5',
    source: 'entry',
    claim_id: null,
    entry_id: 7,
    reverses_id: null,
    branch_id: 2,
    reason: null,
    created_at: '2026-11-12T02:00:00Z',
    ...extra,
  }
}

function month(period: string, points: string, total: string, rows = 1): LedgerMonth {
  return { period, rows, points, counted: points, running_total: total }
}

function ledgerPage(items: LedgerRow[], extra: Partial<LedgerPage> = {}): LedgerPage {
  return {
    items,
    total: items.length,
    page: 1,
    page_size: 50,
    year: 2026,
    base_score: '60.0',
    year_total: '59.5',
    months: [month('2026-11', '-1.0', '59.5', 2), month('2026-10', '0.5', '60.5')],
    ...extra,
  }
}

const NOVEMBER = [
  row({ id: 3, source: 'entry', item: DEDUCTION, points: '2.0', signed_points: '-2.0', counted: '-2.0', running_total: '59.5', occurred_on: '2026-11-16', reason: '无故缺席' }),
  row({ id: 2, source: 'claim', claim_id: 9, entry_id: null, running_total: '61.5', occurred_on: '2026-11-10', counted: '0.0' }),
]
const OCTOBER = [row({ id: 1, period: '2026-10', occurred_on: '2026-10-15', running_total: '60.5' })]

function signIn(roles: Me['roles'] = [], member = true) {
  const auth = useAuthStore()
  auth.accessToken = 't'
  auth.me = {
    user: { id: 4, username: 'member1', display_name: '王德福', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
    member: member
      ? {
          id: 3,
          name: '王德福',
          phone: '13800000000',
          category: 'rural_community',
          branch_id: 2,
          branch_name: '青山社区党支部',
          status: 'active',
          joined_on: '2010-07-01',
          is_probationary: false,
        }
      : null,
    roles: [{ role: 'member', organisation_id: 2, organisation_name: '青山社区党支部', organisation_kind: 'branch' }, ...roles],
  } as Me
}

async function mountPage(component: object, path: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: { template: '<div />' } },
      { path: '/points', name: 'points', component },
      { path: '/ranking', name: 'ranking', component },
    ],
  })
  await router.push(path)
  const wrapper = mount(component, { global: { plugins: [router, i18n] } })
  await flushPromises()
  return wrapper
}

beforeEach(() => {
  setActivePinia(createPinia())
  vi.clearAllMocks()
  i18n.global.locale.value = 'zh-CN'
})

describe('usePointsDetail helpers', () => {
  it('groups rows under their month with its subtotal, in the order given', () => {
    const groups = groupByMonth([...NOVEMBER, ...OCTOBER], ledgerPage([]).months)
    expect(groups.map((g) => [g.period, g.rows.length, g.month?.running_total])).toEqual([
      ['2026-11', 2, '59.5'],
      ['2026-10', 1, '60.5'],
    ])
  })

  it('tags where points came from', () => {
    expect(sourceTag(NOVEMBER[0])).toBe('deduction')
    expect(sourceTag(NOVEMBER[1])).toBe('claim')
    expect(sourceTag(OCTOBER[0])).toBe('entry')
    expect(sourceTag(row({ source: 'adjustment' }))).toBe('adjustment')
    expect(sourceTag(row({ reverses_id: 5, signed_points: '-0.5' }))).toBe('reversal')
  })

  it('signs points and notices a capped row', () => {
    const f = (v: string | number) => String(Number(v))
    expect([signed('0.5', f), signed('-2.0', f), signed('0', f)]).toEqual(['+0.5', '−2', '0'])
    expect(capped(NOVEMBER[1])).toBe(true)
    expect(capped(OCTOBER[0])).toBe(false)
  })

  it('names the XLSX file and knows who publishes', () => {
    expect(rankingFileName('青山社区 党支部', '2026-11')).toBe('青山社区_党支部-2026-11-亮分.xlsx')
    const roles = [{ role: 'reviewer', organisation_id: 2, organisation_name: 'x', organisation_kind: 'branch' }] as Me['roles']
    expect(mayPublish(roles, 2)).toBe(true)
    expect(mayPublish(roles, 5)).toBe(false)
    expect(mayPublish([], 2)).toBe(false)
  })
})

describe('PointsDetailPage', () => {
  it('shows months newest first with subtotals, signed points and the running total', async () => {
    signIn()
    vi.mocked(pointsApi.memberLedger).mockResolvedValue(ledgerPage([...NOVEMBER, ...OCTOBER]))
    vi.mocked(pointsApi.memberAttendance).mockResolvedValue({ items: [], total: 0, page: 1, page_size: 200 })
    const wrapper = await mountPage(PointsDetailPage, '/points')

    expect(vi.mocked(pointsApi.memberLedger).mock.calls[0][0]).toBe(3)
    expect(vi.mocked(pointsApi.memberLedger).mock.calls[0][1]).toMatchObject({ order: 'desc', page: 1 })
    expect(wrapper.get('[data-test="points-year-total"]').text()).toBe('59.5')
    const months = wrapper.findAll('.month-group')
    expect(months.map((m) => m.attributes('data-period'))).toEqual(['2026-11', '2026-10'])
    expect(months[0].get('[data-test="points-month-sum"]').text()).toContain('本月 −1')
    expect(months[0].get('[data-test="points-month-sum"]').text()).toContain('月末累计 59.5')
    const first = months[0].findAll('.ledger__row')[0]
    expect(first.text()).toContain('无故不参加组织生活')
    expect(first.text()).toContain('扣分')
    expect(first.text()).toContain('无故缺席')
    expect(first.get('[data-test="points-row-points"]').text()).toBe('−2')
    expect(first.get('[data-test="points-row-running"]').text()).toBe('累计 59.5')
    expect(months[0].findAll('.ledger__row')[1].text()).toContain('已达上限')
    expect(wrapper.find('[data-test="points-more"]').exists()).toBe(false)
  })

  it('loads earlier rows on demand and appends them to their month', async () => {
    signIn()
    vi.mocked(pointsApi.memberLedger)
      .mockResolvedValueOnce(ledgerPage(NOVEMBER, { total: 3, page_size: 2 }))
      .mockResolvedValueOnce(ledgerPage(OCTOBER, { total: 3, page: 2, page_size: 2 }))
    vi.mocked(pointsApi.memberAttendance).mockResolvedValue({ items: [], total: 0, page: 1, page_size: 200 })
    const wrapper = await mountPage(PointsDetailPage, '/points')
    expect(wrapper.findAll('.month-group')).toHaveLength(1)
    await wrapper.get('[data-test="points-more"]').trigger('click')
    await flushPromises()
    expect(vi.mocked(pointsApi.memberLedger).mock.calls[1][1]).toMatchObject({ page: 2 })
    expect(wrapper.findAll('.month-group').map((m) => m.attributes('data-period'))).toEqual(['2026-11', '2026-10'])
    expect(wrapper.find('[data-test="points-more"]').exists()).toBe(false)
  })

  it("lists the meetings attended and opens another member's detail by id", async () => {
    signIn([{ role: 'reviewer', organisation_id: 2, organisation_name: '青山社区党支部', organisation_kind: 'branch' }])
    vi.mocked(pointsApi.memberLedger).mockResolvedValue(ledgerPage([]))
    vi.mocked(pointsApi.getMember).mockResolvedValue({ id: 8, name: '李桂兰' } as never)
    vi.mocked(pointsApi.memberAttendance).mockResolvedValue({
      items: [
        { entry_id: 5, occurred_on: '2026-11-12', period: '2026-11', item: { ...ITEM, code: 'D01', title: '参加支部党员大会' }, points: '0.0', voided: true, recorded_by: null, recorded_at: '2026-11-12T02:00:00Z' },
        { entry_id: 4, occurred_on: '2026-10-15', period: '2026-10', item: ITEM, points: '0.5', voided: false, recorded_by: null, recorded_at: '2026-10-15T02:00:00Z' },
      ],
      total: 2,
      page: 1,
      page_size: 200,
    })
    const wrapper = await mountPage(PointsDetailPage, '/points?member=8&tab=attendance')
    expect(vi.mocked(pointsApi.memberAttendance).mock.calls[0][0]).toBe(8)
    expect(wrapper.text()).toContain('李桂兰的积分明细')
    const panel = wrapper.get('[data-test="points-attendance"]')
    expect(panel.text()).toContain('共 2 次')
    expect(panel.findAll('.ledger__row')[0].text()).toContain('已作废')
    expect(panel.findAll('.ledger__row')[1].text()).toContain('参加党课学习')
  })
})

const RANKING: Ranking = {
  branch_id: 2,
  period: '2026-10',
  locked: true,
  rows: [{ rank: 1, member: { id: 3, name: '王德福' }, bonus: '2.0', deduction: '0.0', net: '2.0' }],
}
const YEAR: YearRanking = {
  branch_id: 2,
  year: 2026,
  periods: ['2026-01', '2026-10'],
  rows: [
    { rank: 1, member: { id: 8, name: '李桂兰' }, bonus: '9.0', deduction: '0.0', net: '9.0' },
    { rank: 2, member: { id: 3, name: '王德福' }, bonus: '8.0', deduction: '2.0', net: '6.0' },
  ],
}

describe('RankingPage', () => {
  function mockMonth() {
    vi.mocked(monthsApi.getMonth).mockResolvedValue({ status: 'locked', closed_at: '2026-11-08T02:00:00Z' } as never)
    vi.mocked(monthsApi.getRanking).mockResolvedValue(RANKING)
    vi.mocked(pointsApi.yearRanking).mockResolvedValue(YEAR)
  }

  it('switches to the year so far: the closed months summed', async () => {
    signIn()
    mockMonth()
    const wrapper = await mountPage(RankingPage, '/ranking?month=2026-10')
    expect(wrapper.get('[data-test="ranking-table"]').attributes('data-mode')).toBe('month')
    await wrapper.get('[data-test="ranking-mode-year"]').trigger('click')
    await flushPromises()
    expect(vi.mocked(pointsApi.yearRanking).mock.calls[0][0]).toBe(2)
    expect(wrapper.get('[data-test="ranking-table"]').attributes('data-mode')).toBe('year')
    expect(wrapper.get('[data-test="ranking-year-scope"]').text()).toContain('1–10月')
    expect(wrapper.get('[data-test="ranking-mine"]').text()).toContain('第 2 名')
    await wrapper.get('[data-test="ranking-mode-month"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-test="ranking-table"]').attributes('data-mode')).toBe('month')
  })

  it('offers print and XLSX to the branch reviewers, not to members', async () => {
    signIn()
    mockMonth()
    const member = await mountPage(RankingPage, '/ranking?month=2026-10')
    expect(member.find('[data-test="ranking-print"]').exists()).toBe(false)
    expect(member.find('[data-test="ranking-xlsx"]').exists()).toBe(false)

    setActivePinia(createPinia())
    signIn([{ role: 'reviewer', organisation_id: 2, organisation_name: '青山社区党支部', organisation_kind: 'branch' }])
    const reviewer = await mountPage(RankingPage, '/ranking?month=2026-10')
    const print = vi.spyOn(window, 'print').mockImplementation(() => undefined)
    await reviewer.get('[data-test="ranking-print"]').trigger('click')
    expect(print).toHaveBeenCalled()
    expect(reviewer.get('[data-test="ranking-print-head"]').text()).toContain('青山社区党支部2026年10月党员积分亮分公示')
    expect(reviewer.get('[data-test="ranking-print-head"]').text()).toContain('审核锁定')
    vi.mocked(pointsApi.rankingXlsx).mockResolvedValue(new Blob(['PK']))
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    await reviewer.get('[data-test="ranking-xlsx"]').trigger('click')
    await flushPromises()
    expect(vi.mocked(pointsApi.rankingXlsx)).toHaveBeenCalledWith(2, '2026-10')
  })
})
