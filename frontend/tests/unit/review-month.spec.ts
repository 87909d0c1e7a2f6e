// The month in words: blockers and warnings of 月度审核锁定, who may close, the month list.
import { describe, expect, it } from 'vitest'
import type { MonthView } from '@/api/types'
import { i18n } from '@/locales'
import {
  blockerNotices,
  claimsTotal,
  closeState,
  parsePeriod,
  periodOptions,
  progressSegments,
  warningNotices,
} from '@/composables/useReviewMonth'

const t = i18n.global.t as (key: string, params?: Record<string, unknown>) => string

const view = (over: Partial<MonthView> = {}): MonthView => ({
  branch_id: 2,
  period: '2026-11',
  status: 'open',
  deadline: '2026-12-05T23:59:59.999999+08:00',
  window_open: true,
  counts: { draft: 3, submitted: 11, approved: 1, rejected: 0, returned: 1, expired: 0 },
  entries: 3,
  approved_points: '4.9',
  can_close: false,
  can_close_early: false,
  blockers: [{ code: 'claims_pending', detail: '11 submitted claims still await a decision.', count: 11 }],
  warnings: [{ code: 'claims_will_expire', detail: '4 draft or returned claims will expire on close.', count: 4 }],
  closed_at: null,
  closed_by: null,
  reopened_at: null,
  reopen_reason: null,
  ...over,
})

describe('blockerNotices', () => {
  it('says how many claims are pending and leads to the queue', () => {
    const [n] = blockerNotices(view().blockers, t)
    expect(n.text).toBe('还有 11 条申报待审核，审核完毕后才能锁定')
    expect(n.toQueue).toBe(true)
  })

  it('explains a month that has not begun', () => {
    const [n] = blockerNotices([{ code: 'month_not_started', detail: 'x', count: null }], t)
    expect(n.text).toBe('该月尚未开始，不能锁定')
    expect(n.toQueue).toBe(false)
  })

  it('says until when members may still claim', () => {
    const [n] = blockerNotices([{ code: 'deadline_not_passed', detail: 'x', count: null }], t, '12月5日 23:59')
    expect(n.text).toBe('党员可申报到 12月5日 23:59，截止后才能锁定')
  })

  it("shows the server's words for a code it does not know", () => {
    const [n] = blockerNotices([{ code: 'future_rule', detail: '另有原因', count: null }], t)
    expect(n.text).toBe('另有原因')
  })
})

describe('warningNotices', () => {
  it('warns about the claims that will expire', () => {
    const texts = warningNotices(view().warnings, t, () => '12月5日 23:59', view().deadline).map((w) => w.text)
    expect(texts).toEqual(['4 条草稿/退回的申报将过期'])
  })
})

describe('closeState', () => {
  it('is hidden for reviewers and without a view', () => {
    expect(closeState(null, true)).toBe('hidden')
    expect(closeState(view({ can_close: true, blockers: [] }), false)).toBe('hidden')
  })
  it('is blocked for a secretary while claims are pending', () => {
    expect(closeState(view(), true)).toBe('blocked')
  })
  it('is ready once nothing blocks', () => {
    expect(closeState(view({ can_close: true, blockers: [] }), true)).toBe('ready')
  })
  it('is blocked for a secretary before the deadline', () => {
    const early = [{ code: 'deadline_not_passed', detail: '', count: null }]
    expect(closeState(view({ blockers: early }), true)).toBe('blocked')
  })
  it('lets an org admin close early when the server says they may', () => {
    const early = [{ code: 'deadline_not_passed', detail: '', count: null }]
    expect(closeState(view({ blockers: early, can_close_early: true }), false)).toBe('early')
    expect(closeState(view({ blockers: early, can_close_early: true }), true)).toBe('early')
  })
  it('is locked for everyone once closed', () => {
    const locked = view({ status: 'locked', blockers: [{ code: 'month_locked', detail: '', count: null }] })
    expect(closeState(locked, true)).toBe('locked')
    expect(closeState(locked, false)).toBe('locked')
  })
})

describe('periodOptions', () => {
  it('lists the current month and those before it, across the new year', () => {
    expect(periodOptions('2027-02', 4)).toEqual(['2027-02', '2027-01', '2026-12', '2026-11'])
    expect(periodOptions('2026-11')).toHaveLength(12)
  })
  it('parses only real months', () => {
    expect(parsePeriod('2026-10')).toBe('2026-10')
    expect(parsePeriod(['2026-09'])).toBe('2026-09')
    expect(parsePeriod('2026-13')).toBeNull()
    expect(parsePeriod(undefined)).toBeNull()
  })
})

describe('progressSegments', () => {
  it('gives each state its share of the month', () => {
    const segments = progressSegments(view().counts)
    expect(claimsTotal(view().counts)).toBe(16)
    expect(segments.find((s) => s.status === 'submitted')?.percent).toBeCloseTo(68.75)
    expect(segments.map((s) => s.status)).toEqual(['draft', 'submitted', 'approved', 'rejected', 'returned', 'expired'])
  })
  it('copes with an empty month', () => {
    expect(progressSegments({}).every((s) => s.percent === 0)).toBe(true)
  })
})
