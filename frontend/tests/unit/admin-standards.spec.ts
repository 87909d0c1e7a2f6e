// The standards editor: forms that send only what changed, where problems jump to, the publish
// confirmation's differences, and the page: validation shown, jump to a problem, publish after
// the differences, published versions read-only.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '@/locales'
import type { Standard, StandardDiff, StandardItem, StandardProblem, StandardValidation } from '@/api/standards'
import {
  defaultSource,
  diffCount,
  formMaxScore,
  isPoints,
  isQuota,
  itemChanges,
  itemForm,
  itemFormErrors,
  itemGroups,
  newItemBody,
  nextCode,
  problemAnchor,
  problemsByItem,
  settingProblems,
  settingsChanges,
  settingsForm,
  settingsFormErrors,
} from '@/composables/useStandardEditor'
import { changeValue, fieldLabel, problemPlace, problemText } from '@/components/admin/standards/problems'

vi.mock('@/api/standards', () => ({
  listStandards: vi.fn(),
  getStandard: vi.fn(),
  createStandard: vi.fn(),
  updateStandard: vi.fn(),
  publishStandard: vi.fn(),
  addItem: vi.fn(),
  updateItem: vi.fn(),
  deleteItem: vi.fn(),
  validateStandard: vi.fn(),
  standardDiff: vi.fn(),
}))

const api = await import('@/api/standards')
const { default: StandardPage } = await import('@/pages/admin/StandardPage.vue')
const { default: ValidationList } = await import('@/components/admin/standards/ValidationList.vue')
const { default: PublishDialog } = await import('@/components/admin/standards/PublishDialog.vue')

const t = i18n.global.t as (key: string, params?: Record<string, unknown>) => string
const te = i18n.global.te as (key: string) => boolean

const item = (over: Partial<StandardItem> = {}): StandardItem => ({
  id: 11,
  code: 'P01',
  dimension: 'political',
  title: '参加党课学习',
  description: '参加支部组织的党课。',
  kind: 'bonus',
  points: '0.5',
  max_per_month: '0.5',
  max_per_year: '2.0',
  source: 'branch',
  requires_evidence: false,
  categories: null,
  grade_ceiling: null,
  ceiling_trigger_count: 1,
  position: 0,
  ...over,
})

const deduction = item({
  id: 41,
  code: 'X01',
  dimension: 'deduction',
  kind: 'deduction',
  title: '无故不参加组织生活',
  points: '2.0',
  max_per_month: null,
  max_per_year: null,
  grade_ceiling: 'qualified',
  ceiling_trigger_count: 3,
  position: 40,
})

const standard = (over: Partial<Standard> = {}): Standard => ({
  id: 5,
  organisation_id: 1,
  year: 2027,
  name: '2027年党员积分标准',
  status: 'draft',
  base_score: '60.0',
  dimension_caps: { political: '8.0', discipline: '7.0', morality: '7.0', contribution: '8.0' },
  evaluation_points: '10.0',
  threshold_excellent: '90.0',
  threshold_qualified: '75.0',
  threshold_basically_qualified: '60.0',
  excellent_quota: '1/3',
  deadline_day: 5,
  timezone: 'Asia/Shanghai',
  min_ratings: 3,
  based_on_id: 1,
  created_at: '2026-12-06T01:00:00Z',
  published_at: null,
  items: [item(), deduction],
  ...over,
})

const problem = (over: Partial<StandardProblem> = {}): StandardProblem => ({
  code: 'item_cap_below_points',
  severity: 'error',
  message: 'max_per_month (0.2) is below …',
  field: 'max_per_month',
  item_id: 11,
  item_code: 'P01',
  params: { cap: '0.2', points: '0.5' },
  ...over,
})

const validation = (problems: StandardProblem[] = []): StandardValidation => ({
  standard_id: 5,
  publishable: !problems.some((p) => p.severity === 'error'),
  errors: problems.filter((p) => p.severity === 'error').length,
  warnings: problems.filter((p) => p.severity !== 'error').length,
  max_score: '100.0',
  problems,
})

const diff = (over: Partial<StandardDiff> = {}): StandardDiff => ({
  standard_id: 5,
  against: { ...standard({ id: 1, year: 2026, name: '党员积分管理标准（通用版）', status: 'published' }) },
  settings: [{ field: 'deadline_day', before: 5, after: 7 }],
  added: [item({ id: 99, code: 'C11', dimension: 'contribution', title: '参加乡村振兴项目' })],
  removed: [item({ id: 0, code: 'X09', title: '其他违规' })],
  changed: [
    {
      code: 'P01',
      title: '参加党课学习',
      item_id: 11,
      changes: [
        { field: 'points', before: '0.5', after: '1' },
        { field: 'categories', before: null, after: ['mobile'] },
      ],
    },
  ],
  unchanged: 47,
  ...over,
})

beforeEach(() => {
  vi.clearAllMocks()
  setActivePinia(createPinia())
  i18n.global.locale.value = 'zh-CN'
})

describe('settings form', () => {
  it('sends only the settings that changed, caps as a whole', () => {
    const s = standard()
    const form = settingsForm(s)
    expect(form.base_score).toBe('60')
    expect(settingsChanges(s, form)).toEqual({})
    form.caps.contribution = '6'
    form.deadline_day = '7'
    form.threshold_excellent = '90.0'
    expect(settingsChanges(s, form)).toEqual({
      dimension_caps: { political: 8, discipline: 7, morality: 7, contribution: 6 },
      deadline_day: 7,
    })
    expect(formMaxScore(form)).toBe(98)
  })

  it('refuses values the API would refuse', () => {
    const form = settingsForm(standard())
    form.base_score = '60.25'
    form.excellent_quota = '3/2'
    form.deadline_day = '29'
    form.caps.morality = '-1'
    expect(settingsFormErrors(form).sort()).toEqual(['base_score', 'caps.morality', 'deadline_day', 'excellent_quota'])
    expect(isQuota('1/3')).toBe(true)
    expect(isQuota('0.25')).toBe(true)
    expect(isQuota('1/0')).toBe(false)
    expect(isPoints('0')).toBe(false)
    expect(isPoints('0', { allowZero: true })).toBe(true)
    expect(isPoints('1000.5')).toBe(false)
  })
})

describe('item form', () => {
  it('sends only what changed, the kind following the dimension', () => {
    const p01 = item()
    const form = itemForm(p01)
    expect(itemChanges(p01, form)).toEqual({})
    form.max_per_month = ''
    form.max_per_year = '0.2'
    form.categories = ['mobile']
    expect(itemChanges(p01, form)).toEqual({ max_per_month: null, max_per_year: 0.2, categories: ['mobile'] })
    form.dimension = 'deduction'
    expect(itemChanges(p01, form)).toMatchObject({ dimension: 'deduction', kind: 'deduction' })
  })

  it('builds a new item with the next free code and every category as null', () => {
    const form = itemForm(null, [item(), item({ code: 'P02' })], 'political')
    expect(form.code).toBe('P03')
    expect(nextCode([deduction], 'deduction')).toBe('X02')
    Object.assign(form, { title: ' 参加红色教育 ', points: '1', max_per_year: '4', categories: [] })
    expect(itemFormErrors(form, true)).toEqual([])
    expect(newItemBody(form)).toMatchObject({
      code: 'P03',
      kind: 'bonus',
      title: '参加红色教育',
      points: 1,
      max_per_month: null,
      max_per_year: 4,
      categories: null,
      grade_ceiling: null,
    })
    expect(itemFormErrors({ ...form, code: 'p3', points: '0' }, true)).toEqual(['code', 'points'])
  })

  it('groups items by dimension in order, empty dimensions kept', () => {
    const groups = itemGroups([deduction, item(), item({ id: 12, code: 'C01', dimension: 'contribution' })])
    expect(groups.map((g) => [g.dimension, g.items.map((i) => i.code)])).toEqual([
      ['political', ['P01']],
      ['discipline', []],
      ['morality', []],
      ['contribution', ['C01']],
      ['deduction', ['X01']],
    ])
  })
})

describe('problems', () => {
  it('point to the item row or the setting field', () => {
    expect(problemAnchor(problem())).toBe('std-item-11')
    expect(problemAnchor(problem({ item_id: null, field: 'dimension_caps.political' }))).toBe(
      'std-setting-dimension_caps-political',
    )
    expect(problemAnchor(problem({ item_id: null, field: 'base_score' }))).toBe('std-setting-base_score')
    expect(problemAnchor(problem({ item_id: null, field: null }))).toBe('std-validation')
    const caps = problem({ item_id: null, item_code: null, field: 'dimension_caps', code: 'dimension_caps_sum' })
    expect(problemsByItem([problem(), caps]).get(11)).toHaveLength(1)
    expect(settingProblems([problem(), caps], 'dimension_caps')).toEqual([caps])
  })

  it('read in Chinese with the dimension named, and fall back to the server for unknown codes', () => {
    expect(problemText(problem(), t, te)).toBe('上限 0.2 分低于单次分值 0.5 分，这个项目永远无法得分。')
    expect(
      problemText(
        problem({ code: 'dimension_cap_zero', params: { dimension: 'morality', items: '10' }, item_id: null }),
        t,
        te,
      ),
    ).toBe('“讲道德有品行”上限为 0，其下 10 个项目都不计分。')
    expect(problemText(problem({ code: 'something_new', message: 'Server says' }), t, te)).toBe('Server says')
    expect(problemPlace(problem(), t, te)).toBe('项目 P01 · 每月上限')
    expect(fieldLabel('dimension_caps.political', t, te)).toBe('讲政治有信念上限')
  })

  it('show diff values as a reader writes them', () => {
    expect(changeValue('categories', null, t)).toBe('全部类别')
    expect(changeValue('categories', ['mobile', 'new_org'], t)).toBe('流动党员、两新组织党员')
    expect(changeValue('max_per_year', null, t)).toBe('不限')
    expect(changeValue('requires_evidence', true, t)).toBe('是')
    expect(changeValue('grade_ceiling', 'basically_qualified', t)).toBe('基本合格')
    expect(changeValue('dimension_caps.political', '9', t)).toBe('9')
  })

  it('count the differences and pick last year’s version to copy', () => {
    expect(diffCount(diff())).toBe(4)
    const published = [
      standard({ id: 1, year: 2026, status: 'published' }),
      standard({ id: 2, year: 2025, status: 'published' }),
      standard({ id: 3, year: 2027, status: 'draft' }),
    ]
    expect(defaultSource(published, 2027)?.id).toBe(1)
    expect(defaultSource(published, 2026)?.id).toBe(2)
    expect(defaultSource(published, 2020)?.id).toBe(1)
    expect(defaultSource([], 2027)).toBeNull()
  })
})

describe('validation list and publish confirmation', () => {
  it('lists errors first and jumps on a tap', async () => {
    const warning = problem({ code: 'dimension_caps_sum', severity: 'warning', item_id: null, item_code: null, field: 'dimension_caps', params: { sum: '28', intended: '30', base: '60', evaluation: '10', max: '98' } })
    const wrapper = mount(ValidationList, {
      props: { validation: validation([warning, problem()]), draft: true },
      global: { plugins: [i18n] },
    })
    const rows = wrapper.findAll('[data-problem]')
    expect(rows.map((r) => r.attributes('data-problem'))).toEqual(['item_cap_below_points', 'dimension_caps_sum'])
    expect(wrapper.get('[data-test="validation-summary"]').text()).toBe('1 个错误，1 个提醒')
    expect(wrapper.text()).toContain('请先改正全部错误再发布')
    await rows[0].get('button').trigger('click')
    expect(wrapper.emitted('jump')?.[0]).toEqual([problem()])
  })

  it('shows the differences from the version in force', () => {
    const wrapper = mount(PublishDialog, {
      props: { show: true, diff: diff(), loading: false, busy: false, error: null, warnings: 1 },
      global: { plugins: [i18n] },
      attachTo: document.body,
    })
    const text = document.body.textContent ?? ''
    expect(text).toContain('与现行版本（2026年度 · 党员积分管理标准（通用版））相比：')
    expect(text).toContain('申报截止日：5 → 7')
    expect(text).toContain('单次分值：0.5 → 1')
    expect(text).toContain('适用党员类别：全部类别 → 流动党员')
    expect(text).toContain('新增项目（1）')
    expect(text).toContain('C11 参加乡村振兴项目')
    expect(text).toContain('删除项目（1）')
    expect(text).toContain('另有 47 个项目未变。')
    expect(text).toContain('还有 1 个提醒，不影响发布。')
    wrapper.unmount()
  })
})

describe('the editor page', () => {
  function mountPage(id = 5) {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/admin/standards/:id(\\d+)', name: 'admin-standard', component: StandardPage },
        { path: '/admin/standards', name: 'admin-standards', component: { template: '<div />' } },
      ],
    })
    void router.push(`/admin/standards/${id}`)
    return router.isReady().then(() => mount(StandardPage, { global: { plugins: [i18n, router] }, attachTo: document.body }))
  }

  it('shows the validation, blocks publishing on errors and jumps to the item', async () => {
    vi.mocked(api.getStandard).mockResolvedValue(standard())
    vi.mocked(api.validateStandard).mockResolvedValue(validation([problem()]))
    const wrapper = await mountPage()
    await flushPromises()
    expect(wrapper.get('[data-item="P01"]').classes()).toContain('item-row--error')
    const publish = wrapper.get('[data-test="standard-publish"]')
    expect(publish.attributes('disabled')).toBeDefined()
    await wrapper.get('[data-problem="item_cap_below_points"] button').trigger('click')
    await flushPromises()
    const editor = document.body.querySelector('[data-test="item-editor"]')
    expect(editor?.textContent).toContain('编辑 P01')
    expect(editor?.querySelector('[data-test="item-problems"]')?.textContent).toContain('上限 0.2 分低于单次分值 0.5 分')
    wrapper.unmount()
  })

  it('publishes after showing the differences', async () => {
    vi.mocked(api.getStandard).mockResolvedValue(standard())
    vi.mocked(api.validateStandard).mockResolvedValue(validation())
    vi.mocked(api.standardDiff).mockResolvedValue(diff())
    vi.mocked(api.publishStandard).mockResolvedValue(standard({ status: 'published', published_at: '2026-12-06T02:00:00Z' }))
    const wrapper = await mountPage()
    await flushPromises()
    await wrapper.get('[data-test="standard-publish"]').trigger('click')
    await flushPromises()
    expect(api.standardDiff).toHaveBeenCalledWith(5, undefined, { silent: true })
    expect(api.publishStandard).not.toHaveBeenCalled()
    const confirm = document.body.querySelector<HTMLButtonElement>('[data-test="publish-confirm"]')
    confirm?.click()
    await flushPromises()
    expect(api.publishStandard).toHaveBeenCalledWith(5, { silent: true })
    expect(wrapper.find('[data-test="standard-readonly"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="standard-publish"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('shows a published version read-only', async () => {
    vi.mocked(api.getStandard).mockResolvedValue(standard({ status: 'published' }))
    vi.mocked(api.validateStandard).mockResolvedValue({ ...validation(), publishable: false })
    const wrapper = await mountPage()
    await flushPromises()
    expect(wrapper.find('[data-test="standard-readonly"]').text()).toContain('已发布，只读')
    expect(wrapper.find('[data-test="settings-save"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="item-add-political"]').exists()).toBe(false)
    expect(wrapper.get('[data-test="standard-settings"] input').attributes('readonly')).toBeDefined()
    await wrapper.get('[data-item="P01"] button').trigger('click')
    await flushPromises()
    const editor = document.body.querySelector('[data-test="item-editor"]')
    expect(editor?.querySelector('[data-test="item-save"]')).toBeNull()
    wrapper.unmount()
  })
})
