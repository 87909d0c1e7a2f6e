// The member's quarterly evaluation screens against a mocked API: the home card (open, voted,
// nothing on failure or before the home is laid out), the rating row, the peer ballot (voted
// state, the ratings sent, members left out) and 我的评议结果 (the quarters' states, the source,
// the points and the poor-share warning).
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '@/locales'
import type { BallotForm, Me, MemberEvaluation } from '@/api/types'

vi.mock('@/api/evaluation', () => ({
  myRounds: vi.fn(),
  peerBallotForm: vi.fn(),
  castPeerBallot: vi.fn(),
  memberEvaluation: vi.fn(),
}))

const api = await import('@/api/evaluation')
const { useAuthStore } = await import('@/stores/auth')
const { formatMonthDay, formatRate, ballotRatings } = await import('@/components/peer/peerFormat')
const { default: PeerRoundCard } = await import('@/components/peer/PeerRoundCard.vue')
const { default: RatingRow } = await import('@/components/rating/RatingRow.vue')
const { default: PeerBallotPage } = await import('@/pages/evaluation/PeerBallotPage.vue')
const { default: MyEvaluationPage } = await import('@/pages/evaluation/MyEvaluationPage.vue')

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
  } as Me
}

async function mountAt(component: object, path: string, props: Record<string, unknown> = {}) {
  const blank = { template: '<div />' }
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: blank },
      { path: '/me', name: 'me', component: blank },
      { path: '/evaluation/:id/rate', name: 'peer-ballot', component: blank },
      { path: '/evaluation', name: 'my-evaluation', component: blank },
    ],
  })
  await router.push(path)
  const wrapper = mount(component, { props, global: { plugins: [router, i18n] } })
  await flushPromises()
  return { wrapper, router }
}

const FORM: BallotForm = {
  round_id: 7,
  branch_name: '青山社区党支部',
  year: 2026,
  quarter: 4,
  closes_on: '2026-12-20',
  members: [
    { id: 1, name: '张建国' },
    { id: 2, name: '李秀英' },
    { id: 5, name: '赵春生' },
  ],
  voted: false,
}

function quarter(q: number, extra: Partial<MemberEvaluation['quarters'][number]> = {}) {
  return { quarter: q, round_id: null, good: 0, fair: 0, poor: 0, skip: 0, n: 0, rate: null, qualifies: false, ...extra }
}

const YEAR_RESULT: MemberEvaluation = {
  member: { id: 3, name: '王德福' },
  year: 2026,
  min_ratings: 3,
  quarters: [
    quarter(1),
    quarter(2, { round_id: 4, good: 1, fair: 1, n: 2, rate: null }),
    quarter(3, { round_id: 5, good: 7, fair: 2, poor: 1, skip: 1, n: 10, rate: '0.8000', qualifies: true }),
    quarter(4),
  ],
  rate: '0.8000',
  rate_source: 'own',
  evaluation_max: '10.0',
  points: '8.0',
  poor: 1,
  rated: 12,
  poor_share: '0.0833',
  poor_over_a_third: false,
} as MemberEvaluation

beforeEach(() => {
  setActivePinia(createPinia())
  vi.clearAllMocks()
  i18n.global.locale.value = 'zh-CN'
})

describe('peer formatters', () => {
  it('writes a closing day and a rate for the reader', () => {
    expect(formatMonthDay('2026-12-20', 'zh-CN')).toBe('12月20日')
    expect(formatMonthDay('2026-03-05', 'en')).toBe('5 Mar')
    expect(formatRate('0.8750')).toBe('87.5%')
    expect(formatRate('1.0000')).toBe('100%')
    expect(formatRate(null)).toBe('—')
  })

  it('sends only the members given a rating, with trimmed comments', () => {
    expect(
      ballotRatings({
        1: { rating: 'good', comment: '  带头作用明显 ' },
        2: { rating: null, comment: '没有评价的意见不发送' },
        5: { rating: 'skip', comment: '   ' },
      }),
    ).toEqual([
      { member_id: 1, rating: 'good', comment: '带头作用明显' },
      { member_id: 5, rating: 'skip' },
    ])
  })
})

describe('the home card', () => {
  it('invites to rate while the round is open and not voted', async () => {
    signIn()
    vi.mocked(api.myRounds).mockResolvedValue([{ id: 7, year: 2026, quarter: 4, closes_on: '2026-12-20', voted: false }])
    const { wrapper } = await mountAt(PeerRoundCard, '/')
    expect(wrapper.text()).toContain('第4季度党员互评进行中')
    expect(wrapper.text()).toContain('截止 12月20日')
    expect(wrapper.text()).toContain('去评议')
    expect(api.myRounds).toHaveBeenCalledWith({ silent: true })
  })

  it('says 已评议 quietly after voting', async () => {
    signIn()
    vi.mocked(api.myRounds).mockResolvedValue([{ id: 7, year: 2026, quarter: 4, closes_on: '2026-12-20', voted: true }])
    const { wrapper } = await mountAt(PeerRoundCard, '/')
    expect(wrapper.text()).toContain('第4季度党员互评 · 已评议')
    expect(wrapper.text()).not.toContain('去评议')
  })

  it('shows nothing when the read fails, or before the home is laid out', async () => {
    signIn()
    vi.mocked(api.myRounds).mockRejectedValue(new Error('offline'))
    const failed = await mountAt(PeerRoundCard, '/')
    expect(failed.wrapper.find('[data-test="peer-card"]').exists()).toBe(false)

    vi.mocked(api.myRounds).mockResolvedValue([{ id: 7, year: 2026, quarter: 4, closes_on: '2026-12-20', voted: false }])
    const hidden = await mountAt(PeerRoundCard, '/', { show: false })
    expect(hidden.wrapper.find('[data-test="peer-card"]').exists()).toBe(false)
    await hidden.wrapper.setProps({ show: true } as Record<string, unknown>)
    expect(hidden.wrapper.find('[data-test="peer-card"]').exists()).toBe(true)
  })
})

describe('the rating row', () => {
  it('chooses one of four ratings and opens the comment on 写意见', async () => {
    const { wrapper } = await mountAt(RatingRow, '/', { memberId: 5, name: '赵春生', rating: null, comment: '' })
    const radios = wrapper.findAll('input[type="radio"]')
    expect(radios.map((r) => (r.element.parentElement as HTMLElement).textContent?.trim())).toEqual([
      '满意', '基本满意', '不满意', '不了解',
    ])
    expect(wrapper.find('legend').text()).toBe('赵春生')
    await radios[1]!.setValue(true)
    expect(wrapper.emitted('update:rating')?.at(-1)).toEqual(['fair'])
    const toggle = wrapper.find('[data-test="rating-comment-toggle"]')
    expect(toggle.attributes('aria-expanded')).toBe('false')
    await toggle.trigger('click')
    expect(toggle.attributes('aria-expanded')).toBe('true')
    await wrapper.find('textarea').setValue('工作认真负责')
    expect(wrapper.emitted('update:comment')?.at(-1)).toEqual(['工作认真负责'])
  })
})

describe('the peer ballot', () => {
  it('tells a member who has voted instead of showing the form', async () => {
    signIn()
    vi.mocked(api.peerBallotForm).mockResolvedValue({ ...FORM, voted: true })
    const { wrapper } = await mountAt(PeerBallotPage, '/evaluation/7/rate')
    expect(wrapper.text()).toContain('您已参加本轮互评')
    expect(wrapper.findAll('[data-test="peer-row"]')).toHaveLength(0)
  })

  it('counts, states anonymity and sends the ratings given, then goes home', async () => {
    signIn()
    vi.mocked(api.peerBallotForm).mockResolvedValue(FORM)
    vi.mocked(api.castPeerBallot).mockResolvedValue({ round_id: 7, ratings: 3 })
    const { wrapper, router } = await mountAt(PeerBallotPage, '/evaluation/7/rate')
    expect(api.peerBallotForm).toHaveBeenCalledWith(7, { silent: [409] })
    expect(wrapper.text()).toContain('匿名：评价内容不与您的身份关联')
    expect(wrapper.find('[data-test="peer-progress"]').text()).toBe('已评 0 / 共 3 人')
    const rows = wrapper.findAll('[data-test="peer-row"]')
    await rows[0]!.find('input[value="good"]').setValue(true)
    await rows[1]!.find('input[value="poor"]').setValue(true)
    await rows[2]!.find('input[value="skip"]').setValue(true)
    await rows[1]!.find('[data-test="rating-comment-toggle"]').trigger('click')
    await rows[1]!.find('textarea').setValue('平时联系群众较少')
    expect(wrapper.find('[data-test="peer-progress"]').text()).toBe('已评 3 / 共 3 人')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(api.castPeerBallot).toHaveBeenCalledWith(7, [
      { member_id: 1, rating: 'good' },
      { member_id: 2, rating: 'poor', comment: '平时联系群众较少' },
      { member_id: 5, rating: 'skip' },
    ])
    expect(router.currentRoute.value.name).toBe('home')
  })

  it('asks for at least one rating', async () => {
    signIn()
    vi.mocked(api.peerBallotForm).mockResolvedValue(FORM)
    const { wrapper } = await mountAt(PeerBallotPage, '/evaluation/7/rate')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(api.castPeerBallot).not.toHaveBeenCalled()
  })
})

describe('我的评议结果', () => {
  it('shows each quarter, the year rate, its source, the points and the poor share', async () => {
    signIn()
    vi.mocked(api.memberEvaluation).mockResolvedValue(YEAR_RESULT)
    const { wrapper } = await mountAt(MyEvaluationPage, '/evaluation?year=2026')
    expect(api.memberEvaluation).toHaveBeenCalledWith(3, 2026)
    const states = wrapper.findAll('[data-quarter]').map((row) => row.attributes('data-state'))
    expect(states).toEqual(['none', 'short', 'counted', 'none'])
    const [q1, q2, q3] = wrapper.findAll('[data-quarter]')
    expect(q1!.text()).toContain('本季度未评议')
    expect(q2!.text()).toContain('评价人数不足 3 人，不计入')
    expect(q3!.text()).toContain('满意 7 · 基本满意 2 · 不满意 1 · 不了解 1')
    expect(q3!.text()).toContain('满意率 80%')
    expect(wrapper.find('[data-test="evaluation-rate"]').text()).toBe('80%')
    expect(wrapper.find('[data-test="evaluation-source"]').text()).toContain('本人')
    expect(wrapper.find('[data-test="evaluation-points"]').text()).toBe('评议得分 8 / 最高 10')
    expect(wrapper.find('[data-test="evaluation-poor-warning"]').exists()).toBe(false)
  })

  it('says a quarter whose round takes ballots is under way, not missing', async () => {
    signIn()
    vi.mocked(api.memberEvaluation).mockResolvedValue(YEAR_RESULT)
    vi.mocked(api.myRounds).mockResolvedValue([{ id: 9, year: 2026, quarter: 4, closes_on: '2026-12-20', voted: true }])
    const { wrapper } = await mountAt(MyEvaluationPage, '/evaluation?year=2026')
    const q4 = wrapper.find('[data-quarter="4"]')
    expect(q4.attributes('data-state')).toBe('open')
    expect(q4.text()).toContain('本季度评议进行中')
  })

  it('warns when more than a third are 不满意, and names the branch mean', async () => {
    signIn()
    vi.mocked(api.memberEvaluation).mockResolvedValue({
      ...YEAR_RESULT,
      rate_source: 'branch_mean',
      poor: 5,
      rated: 12,
      poor_share: '0.4167',
      poor_over_a_third: true,
    } as MemberEvaluation)
    const { wrapper } = await mountAt(MyEvaluationPage, '/evaluation?year=2026')
    expect(wrapper.find('[data-test="evaluation-source"]').text()).toContain('支部平均')
    expect(wrapper.find('[data-test="evaluation-poor"]').text()).toContain('不满意占比 41.7%')
    expect(wrapper.find('[data-test="evaluation-poor-warning"]').text()).toBe('不满意评价超过三分之一，请注意')
  })
})
