// The branch's and the organisation's grading screens: the run's steps, the quota, a final
// grade's faults before sending, reasons in words, what stands before finalizing, the list's
// year action, the admin's order; the review table (phone cards, desktop table, the grade
// editor) and the follow-ups, with the API mocked.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { ref } from 'vue'
import type { BranchGradeSummary, GradingResult, GradingRun } from '@/api/grading'
import { ApiError } from '@/api/http'
import { i18n } from '@/locales'

vi.mock('@/api/grading', async (original) => ({
  ...(await original<typeof import('@/api/grading')>()),
  getGrading: vi.fn(),
  setFinalGrade: vi.fn(),
  updateFollowUp: vi.fn(),
  exportGrading: vi.fn(),
}))
vi.mock('@/composables/useRankingExport', () => ({ saveBlob: vi.fn() }))

const gradingApi = await import('@/api/grading')
const exportApi = await import('@/composables/useRankingExport')
const {
  awaitingFirst,
  byScore,
  defaultGradingYear,
  downloadGrading,
  excellentCount,
  finalGradeProblem,
  finalizeBlockers,
  gradingError,
  gradingFileName,
  parseDays,
  reasonText,
  sharePercent,
  stepState,
  useGradingRun,
  yearAction,
} = await import('@/composables/useGradingRun')
const { default: ReviewTable } = await import('@/components/grading/branch/ReviewTable.vue')
const { default: FollowUps } = await import('@/components/grading/branch/FollowUps.vue')
const { default: GradingStepper } = await import('@/components/grading/branch/GradingStepper.vue')

const t = i18n.global.t as (key: string, params?: Record<string, unknown>) => string

function result(id: number, over: Partial<GradingResult> = {}): GradingResult {
  return {
    member: { id, name: `党员${id}` },
    graded: true,
    total: '80',
    computed_grade: 'qualified',
    tie: false,
    reasons: [{ code: 'threshold', grade: 'qualified', line: '75' }],
    sentence: '',
    score: null,
    self_grade: null,
    self_assessment: null,
    votes: null,
    final_grade: null,
    final_reason: null,
    ...over,
  } as GradingResult
}

function run(over: Partial<GradingRun> = {}): GradingRun {
  return {
    id: 5,
    branch: { id: 9, name: '青山商圈联合党支部' },
    year: 2026,
    status: 'review',
    graded_count: 3,
    excellent_slots: 1,
    publicity_starts_on: null,
    publicity_ends_on: null,
    corrects_run_id: null,
    correction_reason: null,
    sent_back_reason: null,
    created_at: '2026-12-01T01:00:00Z',
    computed_at: '2026-12-01T01:00:00Z',
    approved_at: null,
    voters: 2,
    results: [
      result(1, { total: '92', computed_grade: 'excellent', final_grade: 'excellent' }),
      result(2, { total: '85', final_grade: 'qualified', votes: { excellent: 1, qualified: 1, basically_qualified: 0, unqualified: 0 } }),
      result(3, { graded: false, total: '95', computed_grade: null, reasons: [{ code: 'not_graded_probationary' }] }),
    ],
    objections: [],
    follow_ups: [],
    can_manage: true,
    can_approve: false,
    ...over,
  } as GradingRun
}

const summary = (id: number, status: BranchGradeSummary['status'], name: string): BranchGradeSummary => ({
  branch: { id, name },
  run_id: status ? id * 10 : null,
  status,
  members: 10,
  excellent: 1,
  qualified: 9,
  basically_qualified: 0,
  unqualified: 0,
  not_graded: 0,
  excellent_share: '0.1111',
})

describe('grading helpers', () => {
  it('mark the steps done, current and to come; approved is done once reached', () => {
    expect(stepState('draft', 'review')).toBe('done')
    expect(stepState('review', 'review')).toBe('current')
    expect(stepState('publicity', 'review')).toBe('todo')
    expect(stepState('approved', 'approved')).toBe('done')
  })

  it('count excellent final grades, with a change about to be saved', () => {
    const r = run()
    expect(excellentCount(r.results)).toBe(1)
    expect(excellentCount(r.results, { memberId: 2, grade: 'excellent' })).toBe(2)
    expect(excellentCount(r.results, { memberId: 1, grade: 'qualified' })).toBe(0)
  })

  it('refuse a departure without a reason and an excellent beyond the places', () => {
    const r = run()
    expect(finalGradeProblem(r, r.results[1], 'basically_qualified', '  ')).toBe('reason')
    expect(finalGradeProblem(r, r.results[1], 'basically_qualified', '缺席组织生活')).toBeNull()
    expect(finalGradeProblem(r, r.results[1], 'qualified', '')).toBeNull()
    expect(finalGradeProblem(r, r.results[1], 'excellent', '表现突出')).toBe('quota')
    expect(finalGradeProblem(r, r.results[0], 'excellent', '')).toBeNull()
  })

  it('say the rules’ reasons in Chinese', () => {
    expect(reasonText({ code: 'threshold', grade: 'qualified', line: '75' }, t)).toBe('按得分为合格（分数线 75 分）')
    expect(
      reasonText({ code: 'ceiling_item', grade: 'basically_qualified', item_code: 'D01', count: 1, trigger_count: 1 }, t),
    ).toBe('D01累计 1 次（1 次即封顶），最高基本合格')
    expect(reasonText({ code: 'quota_cut', grade: 'qualified', slots: 2 }, t)).toBe('超出优秀名额（2 名），按分数为合格')
    expect(reasonText({ code: 'not_graded_probationary' }, t)).toBe('预备党员，不参加定级')
  })

  it('say what stands before finalizing', () => {
    const base = { publicity_ends_on: '2026-12-10', objections: [] }
    expect(finalizeBlockers(base, '2026-12-10')).toEqual({ termRunning: true, unanswered: 0 })
    expect(finalizeBlockers(base, '2026-12-11')).toEqual({ termRunning: false, unanswered: 0 })
    const objection = { id: 1, member: { id: 1, name: 'a' }, text: 'x', created_at: '', answer: null, answered_at: null, mine: false }
    expect(finalizeBlockers({ ...base, objections: [objection, { ...objection, id: 2, answer: 'ok' }] }, '2026-12-11')).toEqual({
      termRunning: false,
      unanswered: 1,
    })
  })

  it('take 1 to 30 notice days, and grade last year until March', () => {
    expect(parseDays('5')).toBe(5)
    expect(parseDays(' 30 ')).toBe(30)
    expect(parseDays('0')).toBeNull()
    expect(parseDays('31')).toBeNull()
    expect(parseDays('2.5')).toBeNull()
    expect(defaultGradingYear('2027-02-10')).toBe(2026)
    expect(defaultGradingYear('2026-12-06')).toBe(2026)
  })

  it('offer to start a year, open its run, or correct it once approved', () => {
    expect(yearAction([], 2026)).toEqual({ kind: 'start' })
    expect(yearAction([{ id: 3, year: 2026, status: 'review' }], 2026)).toEqual({ kind: 'open', runId: 3 })
    expect(yearAction([{ id: 3, year: 2026, status: 'approved' }], 2026)).toEqual({ kind: 'correct' })
    // A correction under way is the latest run.
    expect(
      yearAction(
        [
          { id: 3, year: 2026, status: 'approved' },
          { id: 4, year: 2026, status: 'draft' },
        ],
        2026,
      ),
    ).toEqual({ kind: 'open', runId: 4 })
  })

  it('list the runs awaiting approval first, then by step, those not begun last', () => {
    const order = awaitingFirst([
      summary(1, null, '丙支部'),
      summary(2, 'approved', '乙支部'),
      summary(3, 'finalized', '甲支部'),
      summary(4, 'draft', '丁支部'),
    ]).map((b) => b.status)
    expect(order).toEqual(['finalized', 'approved', 'draft', null])
  })

  it('write shares, file names, refusals and the score order', () => {
    expect(sharePercent('0.1111')).toBe('11.1%')
    expect(sharePercent(null)).toBe('—')
    expect(gradingFileName('青山 商圈/支部', 2026, 'xlsx')).toBe('青山_商圈_支部-2026年度定级.xlsx')
    const refusal = new ApiError({ status: 409, code: 'publicity_not_over', title: 'Conflict' })
    expect(gradingError(refusal, t)).toBe('公示期未满，期满后才能定稿')
    expect(byScore(run().results).map((r) => r.member.id)).toEqual([1, 2, 3])
  })
})

describe('useGradingRun', () => {
  beforeEach(() => {
    vi.mocked(gradingApi.getGrading).mockReset()
  })

  it('loads the run, and an action’s refusal shows and reloads', async () => {
    vi.mocked(gradingApi.getGrading).mockResolvedValue(run())
    const state = useGradingRun(ref(5), t)
    expect(await state.load()).toBe(true)
    expect(state.step.value).toBe('review')
    const ok = await state.act(async () => run({ status: 'publicity' }))
    expect(ok).toBe(true)
    expect(state.step.value).toBe('publicity')
    const refused = await state.act(async () => {
      throw new ApiError({ status: 409, code: 'objections_unanswered', title: 'Conflict' })
    })
    expect(refused).toBe(false)
    expect(state.actionError.value).toBe('还有异议没有答复，答复后才能定稿')
    expect(gradingApi.getGrading).toHaveBeenCalledTimes(2)
  })

  it('downloads the run’s sheet under the branch’s name', async () => {
    const blob = new Blob(['PK'])
    vi.mocked(gradingApi.exportGrading).mockResolvedValue(blob)
    expect(await downloadGrading(run(), 'csv')).toBe('青山商圈联合党支部-2026年度定级.csv')
    expect(gradingApi.exportGrading).toHaveBeenCalledWith(5, 'csv', { silent: true })
    expect(exportApi.saveBlob).toHaveBeenCalledWith(blob, '青山商圈联合党支部-2026年度定级.csv')
  })
})

describe('GradingStepper', () => {
  it('marks the current step for assistive technology', () => {
    const wrapper = mount(GradingStepper, { props: { current: 'publicity' }, global: { plugins: [i18n] } })
    expect(wrapper.get('[aria-current="step"]').attributes('data-step')).toBe('publicity')
    expect(wrapper.findAll('[data-state="done"]')).toHaveLength(3)
    expect(wrapper.text()).toContain('第 4 步，共 6 步')
  })
})

describe('ReviewTable', () => {
  beforeEach(() => {
    vi.mocked(gradingApi.setFinalGrade).mockReset()
  })

  it('shows a card per member on a phone with the vote and the quota', () => {
    const wrapper = mount(ReviewTable, { props: { run: run() }, global: { plugins: [i18n] } })
    expect(wrapper.find('table').exists()).toBe(false)
    expect(wrapper.findAll('[data-test="review-row"]')).toHaveLength(3)
    expect(wrapper.get('[data-test="quota"]').text()).toContain('优秀 1/1')
    const second = wrapper.get('[data-test="review-row"][data-member="2"]')
    expect(second.get('[data-test="row-votes"]').text()).toContain('优秀 1')
    // The probationary member is listed, not graded, and has no editor.
    const third = wrapper.get('[data-test="review-row"][data-member="3"]')
    expect(third.text()).toContain('预备党员，不参加定级')
    expect(third.find('[data-test="grade-editor"]').exists()).toBe(false)
  })

  it('gives the server’s sentence in Chinese, the reasons by code otherwise', async () => {
    const r = run({ results: [result(1, { sentence: '总分 80 分，达到合格线（75 分）。' })] })
    const wrapper = mount(ReviewTable, { props: { run: r }, global: { plugins: [i18n] } })
    expect(wrapper.text()).toContain('总分 80 分，达到合格线（75 分）。')
    i18n.global.setLocaleMessage('en', (await import('@/locales/en')).default)
    i18n.global.locale.value = 'en'
    try {
      await wrapper.vm.$nextTick()
      expect(wrapper.text()).toContain('Qualified by score (line 75)')
    } finally {
      i18n.global.locale.value = 'zh-CN'
    }
  })

  it('uses one table on a desktop, without editors once the review is over', () => {
    const wrapper = mount(ReviewTable, {
      props: { run: run({ status: 'publicity' }), wide: true },
      global: { plugins: [i18n] },
    })
    expect(wrapper.findAll('tbody tr')).toHaveLength(3)
    expect(wrapper.find('[data-test="grade-editor"]').exists()).toBe(false)
    expect(wrapper.get('tbody tr[data-member="1"] [data-test="row-final"]').text()).toContain('优秀')
  })

  it('refuses a changed grade without a reason, then saves it with one', async () => {
    const saved = run()
    vi.mocked(gradingApi.setFinalGrade).mockResolvedValue(saved)
    const wrapper = mount(ReviewTable, { props: { run: run() }, global: { plugins: [i18n] } })
    const editor = wrapper.get('[data-test="grade-editor"][data-member="2"]')
    await editor.get('select').setValue('basically_qualified')
    await editor.trigger('submit')
    await flushPromises()
    expect(editor.get('[data-test="final-error"]').text()).toBe('与测算等次不同，须写明理由')
    expect(gradingApi.setFinalGrade).not.toHaveBeenCalled()

    await editor.get('textarea').setValue('全年三次缺席组织生活')
    await editor.trigger('submit')
    await flushPromises()
    expect(gradingApi.setFinalGrade).toHaveBeenCalledWith(
      5,
      2,
      { grade: 'basically_qualified', reason: '全年三次缺席组织生活' },
      { silent: true },
    )
    expect(wrapper.emitted('saved')?.[0]).toEqual([saved, '党员2'])
  })

  it('explains a full quota instead of sending, and shows the server’s refusal', async () => {
    const wrapper = mount(ReviewTable, { props: { run: run() }, global: { plugins: [i18n] } })
    const editor = wrapper.get('[data-test="grade-editor"][data-member="2"]')
    await editor.get('select').setValue('excellent')
    await editor.get('textarea').setValue('表现突出')
    await editor.trigger('submit')
    await flushPromises()
    expect(editor.get('[data-test="final-error"]').text()).toContain('优秀名额已满（1 名）')
    expect(gradingApi.setFinalGrade).not.toHaveBeenCalled()

    vi.mocked(gradingApi.setFinalGrade).mockRejectedValue(
      new ApiError({ status: 403, code: 'self_grading', title: 'Forbidden' }),
    )
    await editor.get('select').setValue('qualified')
    await editor.trigger('submit')
    await flushPromises()
    expect(editor.get('[data-test="final-error"]').text()).toBe('不能为自己确定等次')
  })
})

describe('FollowUps', () => {
  beforeEach(() => {
    vi.mocked(gradingApi.updateFollowUp).mockReset()
  })

  const approved = () =>
    run({
      status: 'approved',
      approved_at: '2026-12-20T02:00:00Z',
      results: [
        result(1, { final_grade: 'excellent' }),
        result(2, { final_grade: 'basically_qualified' }),
        result(3, { final_grade: 'unqualified' }),
        result(4, { final_grade: 'qualified' }),
      ],
      follow_ups: [
        { member: { id: 1, name: '党员1' }, kind: 'commendation', mentor: null, measure: null, status: 'open', notes: null, updated_at: '' },
        { member: { id: 2, name: '党员2' }, kind: 'mentor', mentor: null, measure: null, status: 'open', notes: null, updated_at: '' },
        { member: { id: 3, name: '党员3' }, kind: 'disposal', mentor: null, measure: null, status: 'open', notes: null, updated_at: '' },
      ],
    })

  it('lists the commended and picks a mentor from the branch but the member', async () => {
    vi.mocked(gradingApi.updateFollowUp).mockResolvedValue(approved())
    const wrapper = mount(FollowUps, { props: { run: approved() }, global: { plugins: [i18n] } })
    expect(wrapper.get('[data-test="commendations"]').text()).toContain('党员1')
    const form = wrapper.get('[data-test="follow-up-mentor"]')
    const options = form.findAll('[data-test="mentor"] option').map((o) => o.text())
    expect(options).not.toContain('党员2')
    expect(options).toContain('党员4')
    await form.get('[data-test="mentor"]').setValue('4')
    await form.get('[data-test="follow-status"]').setValue('in_progress')
    await form.trigger('submit')
    await flushPromises()
    expect(gradingApi.updateFollowUp).toHaveBeenCalledWith(
      5,
      2,
      { status: 'in_progress', notes: null, mentor_member_id: 4 },
      { silent: true },
    )
    expect(wrapper.emitted('saved')).toHaveLength(1)
  })

  it('records a disposal’s measure, status and notes', async () => {
    vi.mocked(gradingApi.updateFollowUp).mockResolvedValue(approved())
    const wrapper = mount(FollowUps, { props: { run: approved() }, global: { plugins: [i18n] } })
    const form = wrapper.get('[data-test="follow-up-disposal"]')
    await form.get('[data-test="measure"]').setValue('限期改正')
    await form.get('[data-test="follow-status"]').setValue('done')
    await form.get('[data-test="notes"]').setValue('已谈话')
    await form.trigger('submit')
    await flushPromises()
    expect(gradingApi.updateFollowUp).toHaveBeenCalledWith(
      5,
      3,
      { status: 'done', notes: '已谈话', measure: '限期改正' },
      { silent: true },
    )
  })
})
