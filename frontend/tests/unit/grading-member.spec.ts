// The member's side of the annual grading against a mocked API: the words for caps, reasons and
// the next grade; the home score card (score, next grade, the call to the grading page); the
// score page (dimensions, caps, evaluation source, projection); the grading page by step
// (self-assessment, the one secret ballot, 已投票, review, publicity results and objections).
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, setLocale } from '@/locales'
import type { Me } from '@/api/types'
import type { GradingRun, MemberScore, MyGrading } from '@/api/grading'
import { ApiError } from '@/api/http'

vi.mock('@/api/grading', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/grading')>()),
  memberScore: vi.fn(),
  myGrading: vi.fn(),
  selfAssess: vi.fn(),
  castVote: vi.fn(),
  getGrading: vi.fn(),
  fileObjection: vi.fn(),
}))
vi.mock('@/api/points', () => ({ standardInForce: vi.fn() }))
vi.mock('vant', async (importOriginal) => ({
  ...(await importOriginal<typeof import('vant')>()),
  showConfirmDialog: vi.fn(() => Promise.resolve('confirm')),
  showSuccessToast: vi.fn(),
}))

const api = await import('@/api/grading')
const points = await import('@/api/points')
const vant = await import('vant')
const { useAuthStore } = await import('@/stores/auth')
const { cappedLines, reasonText, nextText, itemLabel } = await import('@/composables/useMemberScore')
const { useMyGrading } = await import('@/composables/useMyGrading')
const { default: ScoreCard } = await import('@/components/grading/member/ScoreCard.vue')
const { default: ScorePage } = await import('@/pages/grading/ScorePage.vue')
const { default: MyGradingPage } = await import('@/pages/grading/MyGradingPage.vue')

const t = (key: string, named?: Record<string, unknown>) => i18n.global.t(key, named ?? {})

function signIn(probationary = false) {
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
      is_probationary: probationary,
    },
    roles: [{ role: 'member', organisation_id: 2, organisation_name: '青山社区党支部', organisation_kind: 'branch' }],
  } as Me
}

async function mountAt(component: object, path: string, props: Record<string, unknown> = {}) {
  const blank = { template: '<div />' }
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: blank },
      { path: '/score', name: 'my-score', component: blank },
      { path: '/grading', name: 'my-grading', component: blank },
    ],
  })
  await router.push(path)
  const wrapper = mount(component, { props, global: { plugins: [router, i18n] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

const item = (code: string, dimension: string, approved: string, counted: string, extra = {}) => ({
  code, dimension, kind: 'bonus', approved, counted, over_month_cap: '0.0', over_year_cap: '0.0', ...extra,
})

const SCORE: MemberScore = {
  member: { id: 3, name: '王德福' },
  year: 2026,
  standard_id: 1,
  excellent_slots: 3,
  score: {
    base_score: '60.0',
    dimensions: [
      { dimension: 'political', cap: '8.0', earned: '5.5', scaled: null, counted: '5.5', over_cap: '0.0', remaining: '2.5',
        items: [item('P01', 'political', '1.5', '1.5'), item('P02', 'political', '3.3', '3.0', { over_year_cap: '0.3' })] },
      { dimension: 'discipline', cap: '7.0', earned: '7.5', scaled: null, counted: '7.0', over_cap: '0.5', remaining: '0.0',
        items: [item('D01', 'discipline', '7.5', '7.5')] },
    ],
    bonus_total: '12.5',
    evaluation_points: '9.1',
    deductions: [],
    deduction_total: '0.0',
    total: '81.6',
    membership_months: 12,
    capped_away: [
      { cap: 'per_year', dimension: 'political', item_code: 'P02', points: '0.3' },
      { cap: 'dimension', dimension: 'discipline', item_code: null, points: '0.5' },
    ],
  },
  evaluation: { rate: '0.91', rate_source: 'branch_mean', points: '9.1', poor_share: '0', poor_over_a_third: false },
  projection: {
    graded: true, threshold_grade: 'qualified', ceiling: null, grade: 'qualified', tie: false,
    reasons: [{ code: 'threshold', grade: 'qualified', line: '75' }],
    sentence: '总分 81.6 分，达到合格线（75 分），拟定为合格。',
    next_grade: 'excellent', points_to_next: '8.4', next_blocked_by: null,
    next_sentence: '再得 8.4 分可达到优秀线（90 分）。',
  },
} as MemberScore

const RUN_SUMMARY = {
  id: 1, branch: { id: 2, name: '青山社区党支部' }, year: 2026, status: 'self_assessment', graded_count: 3,
  excellent_slots: 1, publicity_starts_on: null, publicity_ends_on: null, corrects_run_id: null,
  correction_reason: null, sent_back_reason: null, created_at: '2026-12-01T00:00:00Z',
  computed_at: '2026-12-01T00:00:00Z', approved_at: null,
} as MyGrading['run']

function mine(extra: Partial<MyGrading> = {}, status: MyGrading['run']['status'] = 'self_assessment'): MyGrading {
  return {
    run: { ...RUN_SUMMARY, status },
    self_grade: null, self_assessment: null, voted: false,
    peers: status === 'self_assessment' ? [{ id: 1, name: '张建国' }, { id: 2, name: '李秀英' }] : [],
    final_grade: null, final_reason: null, sentence: null,
    ...extra,
  }
}

const PUBLIC_RUN = {
  ...RUN_SUMMARY, status: 'publicity', publicity_starts_on: '2026-11-30', publicity_ends_on: '2026-12-04',
  voters: 0, eligible_voters: 0, follow_ups: [], can_manage: false, can_approve: false,
  results: [
    { member: { id: 1, name: '张建国' }, graded: true, total: '92.0', computed_grade: 'excellent', tie: false,
      reasons: [{ code: 'threshold', grade: 'excellent', line: '90' }], sentence: '总分 92.0 分，达到优秀线（90 分），拟定为优秀。',
      score: null, self_grade: null, self_assessment: null, votes: null, final_grade: 'excellent', final_reason: null },
    { member: { id: 3, name: '王德福' }, graded: true, total: '81.6', computed_grade: 'qualified', tie: false,
      reasons: [{ code: 'threshold', grade: 'qualified', line: '75' }], sentence: '总分 81.6 分，达到合格线（75 分），拟定为合格。',
      score: null, self_grade: null, self_assessment: null, votes: null, final_grade: 'qualified', final_reason: null },
  ],
  objections: [
    { id: 5, member: { id: 1, name: '张建国' }, text: '请核实', created_at: '2026-12-01T00:00:00Z', answer: '已核实', answered_at: '2026-12-02T00:00:00Z', mine: true },
  ],
} as GradingRun

beforeEach(async () => {
  await setLocale('zh-CN')
  setActivePinia(createPinia())
  vi.clearAllMocks()
  vi.mocked(points.standardInForce).mockResolvedValue({ items: [{ code: 'P02', title: '参加党课' }] } as never)
  signIn()
})

describe('the words', () => {
  it('names each cap with the item or dimension and the points', () => {
    const lines = cappedLines(SCORE.score, { P02: '参加党课' }, t)
    expect(lines.map((l) => l.cap)).toEqual(['per_year', 'dimension'])
    expect(lines[0]!.text).toBe('“P02 参加党课”超过全年上限，少计 0.3 分')
    expect(lines[1]!.text).toBe('“讲规矩有纪律”超过该方面满分，少计 0.5 分')
    expect(itemLabel('X9', {})).toBe('X9')
  })

  it('says the reasons and what stands before the next grade', () => {
    expect(reasonText({ code: 'threshold', grade: 'qualified', line: '75' } as never, {}, t)).toBe('总分达到合格线（75 分）')
    expect(reasonText({ code: 'threshold', grade: 'unqualified', line: null } as never, {}, t)).toBe('总分未达到基本合格线')
    expect(
      reasonText({ code: 'ceiling_item', grade: 'basically_qualified', item_code: 'X01', count: 1, trigger_count: 1 } as never, { X01: '警告处分' }, t),
    ).toContain('“X01 警告处分”年内 1 次')
    expect(reasonText({ code: 'joined_mid_year', months: 6 } as never, {}, t)).toContain('12/6')
    expect(nextText(SCORE.projection, t)).toBe('再得 8.4 分可达到优秀。')
    expect(nextText({ ...SCORE.projection, next_blocked_by: 'ceiling_item' }, t)).toBe('受扣分项限制，本年度不能评为优秀。')
  })
})

describe('useMyGrading', () => {
  it('asks for action while the member has not self-assessed or voted, and in publicity', async () => {
    const g = useMyGrading()
    vi.mocked(api.myGrading).mockResolvedValueOnce(mine())
    await g.load()
    expect(g.needsAction.value).toBe('self_assessment')
    vi.mocked(api.myGrading).mockResolvedValueOnce(mine({ self_grade: 'qualified', voted: true }))
    await g.load()
    expect(g.needsAction.value).toBeNull()
    vi.mocked(api.myGrading).mockResolvedValueOnce(mine({ final_grade: 'qualified' }, 'publicity'))
    vi.mocked(api.getGrading).mockResolvedValueOnce(PUBLIC_RUN)
    await g.load()
    expect(g.needsAction.value).toBe('publicity')
    expect(g.run.value?.results).toHaveLength(2)
    vi.mocked(api.myGrading).mockResolvedValueOnce(null)
    await g.load()
    expect(g.needsAction.value).toBeNull()
  })

  it('shows the voted state when the server says the ballot is in already', async () => {
    const g = useMyGrading()
    vi.mocked(api.myGrading).mockResolvedValueOnce(mine())
    await g.load()
    vi.mocked(api.castVote).mockRejectedValueOnce(new ApiError({ status: 409, code: 'grading_already_voted', title: 'Conflict' }))
    const refusal = await g.vote([{ member_id: 1, grade: 'qualified' }])
    expect(refusal?.code).toBe('grading_already_voted')
    expect(g.mine.value?.voted).toBe(true)
  })
})

describe('the home score card', () => {
  it('shows the score, the projected grade, the distance to the next grade and the call', async () => {
    vi.mocked(api.memberScore).mockResolvedValue(SCORE)
    const { wrapper } = await mountAt(ScoreCard, '/', { memberId: 3, year: 2026, action: 'self_assessment' })
    expect(api.memberScore).toHaveBeenCalledWith(3, 2026, expect.anything())
    expect(wrapper.find('[data-test="grading-card-score"]').text()).toBe('81.6')
    expect(wrapper.find('[data-test="grade-tag"]').attributes('data-grade')).toBe('qualified')
    expect(wrapper.find('[data-test="grading-card-next"]').text()).toBe('再得 8.4 分可达到优秀线（90 分）。')
    expect(wrapper.find('[data-test="grading-cta"]').attributes('data-step')).toBe('self_assessment')
    wrapper.unmount()
  })

  it('has no call without a step waiting, and a retry on failure', async () => {
    vi.mocked(api.memberScore).mockRejectedValue(new ApiError({ status: 500, code: 'server_error', title: 'x' }))
    const { wrapper } = await mountAt(ScoreCard, '/', { memberId: 3, year: 2026, action: null })
    expect(wrapper.find('[data-test="grading-cta"]').exists()).toBe(false)
    expect(wrapper.find('[role="alert"]').exists()).toBe(true)
    wrapper.unmount()
  })
})

describe('the score page', () => {
  it('shows the dimensions against their caps, the caps in words, the source and the projection', async () => {
    vi.mocked(api.memberScore).mockResolvedValue(SCORE)
    const { wrapper, router } = await mountAt(ScorePage, '/score?year=2026')
    expect(api.memberScore).toHaveBeenCalledWith(3, 2026, expect.anything())
    expect(points.standardInForce).toHaveBeenCalledWith(2, 2026, expect.anything())
    expect(router.currentRoute.value.query.year).toBe('2026')
    const dims = wrapper.findAll('[data-test="score-dimension"]')
    expect(dims).toHaveLength(2)
    expect(dims[0]!.text()).toContain('计入 5.5 / 满分 8')
    expect(dims[1]!.text()).toContain('已满分')
    const capped = wrapper.findAll('[data-test="score-capped-line"]')
    expect(capped.map((c) => c.attributes('data-cap'))).toEqual(['per_year', 'dimension'])
    expect(capped[0]!.text()).toContain('参加党课')
    expect(wrapper.find('[data-test="score-rate-source"]').text()).toContain('本支部平均')
    expect(wrapper.find('[data-test="score-sentence"]').text()).toBe(SCORE.projection.sentence)
    expect(wrapper.find('[data-test="score-next"]').text()).toContain('8.4')
    expect(wrapper.find('[data-test="score-deductions"]').text()).toContain('没有扣分')
    wrapper.unmount()
  })

  it('explains a mid-year joiner’s scaling and speaks English from the codes', async () => {
    await setLocale('en')
    const joiner = structuredClone(SCORE)
    joiner.score.membership_months = 6
    joiner.score.dimensions[0]!.scaled = '8.0'
    joiner.projection.reasons.push({ code: 'joined_mid_year', months: 6 } as never)
    vi.mocked(api.memberScore).mockResolvedValue(joiner)
    const { wrapper } = await mountAt(ScorePage, '/score')
    expect(wrapper.find('[data-test="score-scaled"]').text()).toContain('12/6')
    expect(wrapper.find('[data-test="score-sentence"]').text()).toContain('Score reaches the Qualified line')
    expect(wrapper.find('[data-test="score-next"]').text()).toBe('8.4 more points to reach Excellent.')
    wrapper.unmount()
  })
})

describe('my grading page', () => {
  it('saves the self-assessment', async () => {
    vi.mocked(api.myGrading).mockResolvedValue(mine())
    vi.mocked(api.selfAssess).mockResolvedValue(mine({ self_grade: 'qualified', self_assessment: '一年来积极参加活动' }))
    const { wrapper } = await mountAt(MyGradingPage, '/grading')
    expect(wrapper.find('[data-test="grading-step"]').attributes('data-step')).toBe('self_assessment')
    await wrapper.find('[data-test="grading-self-save"]').trigger('submit')
    await wrapper.find('form').trigger('submit')
    expect(wrapper.text()).toContain('请选择自评等次并填写自评内容')
    await wrapper.find('[data-test="grading-self-grade"] [data-value="qualified"]').trigger('click')
    await wrapper.find('[data-test="grading-self-text"]').setValue('一年来积极参加活动')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(api.selfAssess).toHaveBeenCalledWith(1, { grade: 'qualified', text: '一年来积极参加活动' }, expect.anything())
    expect(wrapper.find('[data-test="grading-self-done"]').text()).toContain('合格')
    wrapper.unmount()
  })

  it('casts one secret ballot with a grade for each peer, then shows 已投票', async () => {
    vi.mocked(api.myGrading).mockResolvedValue(mine({ self_grade: 'qualified', self_assessment: 'x' }))
    vi.mocked(api.castVote).mockResolvedValue({ run_id: 1, votes: 2 })
    const { wrapper } = await mountAt(MyGradingPage, '/grading')
    expect(wrapper.find('[data-test="grading-vote-secret"]').exists()).toBe(true)
    const peers = wrapper.findAll('[data-test="grading-vote-peer"]')
    expect(peers).toHaveLength(2)
    await peers[0]!.find('[data-value="excellent"]').trigger('click')
    const voteForm = wrapper.find('[data-test="grading-vote"] form')
    await voteForm.trigger('submit')
    await flushPromises()
    expect(api.castVote).not.toHaveBeenCalled()
    expect(wrapper.text()).toContain('还有 1 位党员没有选择等次')
    await peers[1]!.find('[data-value="qualified"]').trigger('click')
    await voteForm.trigger('submit')
    await flushPromises()
    expect(vant.showConfirmDialog).toHaveBeenCalled()
    expect(api.castVote).toHaveBeenCalledWith(
      1,
      [{ member_id: 1, grade: 'excellent' }, { member_id: 2, grade: 'qualified' }],
      expect.anything(),
    )
    expect(wrapper.find('[data-test="grading-voted"]').text()).toContain('已投票')
    expect(wrapper.find('[data-test="grading-vote-submit"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('shows a refusal with its message', async () => {
    vi.mocked(api.myGrading).mockResolvedValue(mine({ peers: [{ id: 1, name: '张建国' }] }))
    vi.mocked(api.castVote).mockRejectedValue(new ApiError({ status: 409, code: 'grading_step', title: 'Conflict' }))
    const { wrapper } = await mountAt(MyGradingPage, '/grading')
    await wrapper.find('[data-test="grading-vote-peer"] [data-value="qualified"]').trigger('click')
    await wrapper.find('[data-test="grading-vote"] form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-test="grading-vote-error"]').text()).toBe('定级已进入其他环节，请刷新后查看')
    wrapper.unmount()
  })

  it('tells a probationary member they do not vote', async () => {
    signIn(true)
    vi.mocked(api.myGrading).mockResolvedValue(mine())
    const { wrapper } = await mountAt(MyGradingPage, '/grading')
    expect(wrapper.find('[data-test="grading-vote"]').text()).toContain('预备党员不参加民主测评投票')
    wrapper.unmount()
  })

  it('says 支部评议中 during the review, and when there is no run', async () => {
    vi.mocked(api.myGrading).mockResolvedValueOnce(mine({}, 'review'))
    const { wrapper } = await mountAt(MyGradingPage, '/grading')
    expect(wrapper.find('[data-test="grading-review"]').text()).toContain('支部评议中')
    wrapper.unmount()
    vi.mocked(api.myGrading).mockResolvedValueOnce(null)
    const none = await mountAt(MyGradingPage, '/grading')
    expect(none.wrapper.find('[data-test="grading-none"]').exists()).toBe(true)
    none.wrapper.unmount()
  })

  it('shows the publicity results, the own result first, objections with answers, and files one', async () => {
    vi.mocked(api.myGrading).mockResolvedValue(
      mine({ final_grade: 'qualified', sentence: '总分 81.6 分，达到合格线（75 分），拟定为合格。' }, 'publicity'),
    )
    vi.mocked(api.getGrading).mockResolvedValue(PUBLIC_RUN)
    vi.mocked(api.fileObjection).mockResolvedValue({
      ...PUBLIC_RUN,
      objections: [...PUBLIC_RUN.objections, { id: 6, member: { id: 1, name: '张建国' }, text: '再核实', created_at: '2026-12-03T00:00:00Z', answer: null, answered_at: null, mine: true }],
    })
    const { wrapper } = await mountAt(MyGradingPage, '/grading')
    expect(api.getGrading).toHaveBeenCalledWith(1, expect.anything())
    expect(wrapper.find('[data-test="grading-mine"]').text()).toContain('合格')
    const rows = wrapper.findAll('[data-test="grading-result"]')
    expect(rows.map((r) => r.attributes('data-member'))).toEqual(['3', '1'])
    expect(wrapper.find('[data-test="grading-objection"]').text()).toContain('支部答复：已核实')
    await wrapper.find('[data-test="grading-object-about"]').setValue('1')
    await wrapper.find('[data-test="grading-object-text"]').setValue('再核实')
    await wrapper.find('[data-test="grading-object"] form').trigger('submit')
    await flushPromises()
    expect(api.fileObjection).toHaveBeenCalledWith(1, { member_id: 1, text: '再核实' }, expect.anything())
    expect(wrapper.findAll('[data-test="grading-objection"]')).toHaveLength(2)
    expect(wrapper.text()).toContain('等待支部答复')
    wrapper.unmount()
  })

  it('shows the final grade once finalized, without the objection form', async () => {
    vi.mocked(api.myGrading).mockResolvedValue(mine({ final_grade: 'excellent', final_reason: '表现突出' }, 'approved'))
    vi.mocked(api.getGrading).mockResolvedValue({ ...PUBLIC_RUN, status: 'approved' })
    const { wrapper } = await mountAt(MyGradingPage, '/grading')
    expect(wrapper.find('[data-test="grading-mine"]').text()).toContain('优秀')
    expect(wrapper.find('[data-test="grading-mine"]').text()).toContain('表现突出')
    expect(wrapper.find('[data-test="grading-object"]').exists()).toBe(false)
    wrapper.unmount()
  })
})
