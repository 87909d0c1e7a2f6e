// A month with nothing on record (before the branch used the system, or nothing happened yet)
// says so on the ranking page, instead of "还没有审核锁定".
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import type { MonthView } from '@/api/types'
import { monthHasRecords } from '@/lib/monthActivity'

vi.mock('@/api/points', () => ({ yearRanking: vi.fn(), rankingXlsx: vi.fn() }))
vi.mock('@/api/months', () => ({ getMonth: vi.fn(), getRanking: vi.fn() }))

const monthsApi = await import('@/api/months')
const { useAuthStore } = await import('@/stores/auth')
const { default: RankingPage } = await import('@/pages/member/RankingPage.vue')

const EMPTY = { status: 'open', counts: {}, entries: 0, approved_points: '0.0' } as const

function view(extra: Partial<MonthView> = {}): MonthView {
  return { ...EMPTY, closed_at: null, ...extra } as MonthView
}

describe('monthHasRecords', () => {
  it('is false for a month with no claims sent, no entries and no points', () => {
    expect(monthHasRecords(view())).toBe(false)
    // A member's own draft is not a record of the branch yet.
    expect(monthHasRecords(view({ counts: { draft: 2 } }))).toBe(false)
  })

  it('is true once anything reached the branch, or the month is closed', () => {
    expect(monthHasRecords(view({ counts: { submitted: 1 } }))).toBe(true)
    expect(monthHasRecords(view({ counts: { rejected: 1 } }))).toBe(true)
    expect(monthHasRecords(view({ entries: 1 }))).toBe(true)
    expect(monthHasRecords(view({ approved_points: '-2.0' }))).toBe(true)
    expect(monthHasRecords(view({ status: 'locked' }))).toBe(true)
  })
})

describe('RankingPage for a month that is not published', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    const auth = useAuthStore()
    auth.accessToken = 't'
    auth.me = {
      user: { id: 4, username: 'member1', display_name: '王德福', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
      member: {
        id: 3,
        name: '王德福',
        phone: '13800000003',
        category: 'rural_community',
        branch_id: 2,
        branch_name: '青山社区党支部',
        status: 'active',
        joined_on: '2010-07-01',
        is_probationary: false,
      },
      roles: [],
    }
    vi.mocked(monthsApi.getRanking).mockRejectedValue(
      new ApiError({ status: 403, code: 'ranking_not_published', title: 'Not published' }),
    )
  })

  async function open(period: string) {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/', name: 'home', component: { template: '<div />' } },
        { path: '/ranking', name: 'ranking', component: RankingPage },
      ],
    })
    await router.push(`/ranking?month=${period}`)
    const wrapper = mount(RankingPage, { global: { plugins: [router, i18n] } })
    await flushPromises()
    return wrapper
  }

  it('says there are no records for a month before the branch used the system', async () => {
    vi.mocked(monthsApi.getMonth).mockResolvedValue(view())
    const { currentPeriod, previousPeriod } = await import('@/lib/format')
    const wrapper = await open(previousPeriod(currentPeriod()))
    const text = wrapper.get('[data-test="ranking-not-published"]').text()
    expect(text).toContain('没有积分记录')
    expect(text).not.toContain('审核锁定')
  })

  it('says the month is not closed yet when it has records', async () => {
    vi.mocked(monthsApi.getMonth).mockResolvedValue(view({ counts: { approved: 12 }, entries: 3, approved_points: '9.0' }))
    const { currentPeriod, previousPeriod } = await import('@/lib/format')
    const wrapper = await open(previousPeriod(currentPeriod()))
    expect(wrapper.get('[data-test="ranking-not-published"]').text()).toContain('还没有审核锁定')
  })
})
