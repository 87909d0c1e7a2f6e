// 各支部月度锁定's two views of the same answer: the desktop table and the phone's month list.
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { i18n } from '@/locales'
import type { MonthsOverview, OverviewMonth } from '@/api/months'
import MonthsGrid from '@/components/admin/months/MonthsGrid.vue'
import MonthsByMonth from '@/components/admin/months/MonthsByMonth.vue'

const PERIODS = Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`)

function months(states: Record<string, Partial<OverviewMonth>>): OverviewMonth[] {
  return PERIODS.map((period) => ({
    period,
    state: 'not_started',
    closed_at: null,
    closed_by: null,
    reopened_at: null,
    reopen_reason: null,
    pending: 0,
    ...states[period],
  }))
}

const overview: MonthsOverview = {
  organisation_id: 1,
  year: 2026,
  total: 2,
  page: 1,
  page_size: 50,
  periods: PERIODS.map((period) => ({
    period,
    begun: period <= '2026-11',
    deadline_passed: period <= '2026-10',
    branches: 2,
    locked: period === '2026-10' ? 1 : 0,
    open: period >= '2026-10' && period <= '2026-11' ? 1 : 0,
    not_started: 1,
    pending: period === '2026-11' ? 3 : 0,
  })),
  items: [
    {
      id: 2,
      name: '第一党支部',
      path: '/1/2/',
      parent_name: '城关街道党工委',
      since: '2026-01',
      closed: 1,
      months: months({
        '2026-10': { state: 'locked', closed_at: '2026-11-06T01:30:00Z', closed_by: { id: 5, name: '王书记' } },
        '2026-11': { state: 'open', pending: 3 },
      }),
    },
    {
      id: 3,
      name: '第二党支部',
      path: '/1/3/',
      parent_name: '城关街道党工委',
      since: '2026-03',
      closed: 0,
      months: months({ '2026-10': { state: 'open' } }),
    },
  ],
}

describe('MonthsGrid', () => {
  it('has a row per branch, twelve cells each, and each month’s closed share', () => {
    const wrapper = mount(MonthsGrid, { props: { overview }, global: { plugins: [i18n] } })
    expect(wrapper.findAll('tbody tr').map((tr) => tr.attributes('data-branch'))).toEqual(['2', '3'])
    expect(wrapper.findAll('tbody tr')[0].findAll('td button')).toHaveLength(12)
    expect(wrapper.find('[data-test="share-2026-10"]').text()).toBe('1/2')
    const state = (branch: number, period: string) =>
      wrapper.find(`[data-test="cell-${branch}-${period}"]`).attributes('data-state')
    expect(state(2, '2026-10')).toBe('locked')
    expect(state(2, '2026-11')).toBe('open')
    expect(state(2, '2026-12')).toBe('future')
    expect(state(2, '2026-01')).toBe('due')
    expect(state(3, '2026-10')).toBe('due')
    expect(state(3, '2026-02')).toBe('before')
  })

  it('names each cell in full for screen readers, pending claims included', () => {
    const wrapper = mount(MonthsGrid, { props: { overview }, global: { plugins: [i18n] } })
    expect(wrapper.find('[data-test="cell-2-2026-11"] .visually-hidden').text()).toBe('第一党支部，2026年11月：申报中，待审 3')
  })

  it('opens the branch’s month when a cell is tapped', async () => {
    const wrapper = mount(MonthsGrid, { props: { overview }, global: { plugins: [i18n] } })
    await wrapper.find('[data-test="cell-3-2026-10"]').trigger('click')
    const [[branch, month]] = wrapper.emitted('open') as [[{ id: number }, OverviewMonth]]
    expect(branch.id).toBe(3)
    expect(month.period).toBe('2026-10')
  })
})

describe('MonthsByMonth', () => {
  it('lists the month’s branches with who closed it and the pending claims', async () => {
    const wrapper = mount(MonthsByMonth, { props: { overview, period: '2026-10' }, global: { plugins: [i18n] } })
    const rows = wrapper.findAll('button')
    expect(rows.map((r) => r.attributes('data-state'))).toEqual(['locked', 'due'])
    expect(rows[0].text()).toContain('王书记 于')
    expect(rows[0].text()).toContain('已锁定')
    expect(rows[1].text()).toContain('待锁定')
    await wrapper.setProps({ period: '2026-11' })
    expect(wrapper.findAll('button')[0].text()).toContain('待审 3')
    await wrapper.findAll('button')[1].trigger('click')
    const [[branch]] = wrapper.emitted('open') as [[{ id: number }]]
    expect(branch.id).toBe(3)
  })
})
