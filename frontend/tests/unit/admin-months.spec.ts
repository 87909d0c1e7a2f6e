// 各支部月度锁定: the admin's organisations, how a branch's month reads, the adjustment's rules.
import { describe, expect, it } from 'vitest'
import type { RoleAssignment } from '@/api/types'
import {
  adjustmentBody,
  adjustmentDate,
  adminOrganisations,
  cellKind,
  closedShare,
  defaultPeriod,
  parseYear,
  reopenReasonError,
  validateAdjustment,
  yearOptions,
  type AdjustmentForm,
} from '@/composables/useAdminMonths'

const role = (over: Partial<RoleAssignment>): RoleAssignment =>
  ({
    id: 1,
    role: 'org_admin',
    organisation_id: 1,
    organisation_name: '城关街道党工委',
    organisation_kind: 'committee',
    ...over,
  }) as RoleAssignment

const period = (p: string, begun: boolean, deadline_passed: boolean) => ({
  period: p,
  begun,
  deadline_passed,
  branches: 3,
  locked: 0,
  open: 0,
  not_started: 3,
  pending: 0,
})

describe('adminOrganisations', () => {
  it('keeps org admin grants only, once each, by name', () => {
    const orgs = adminOrganisations([
      role({ organisation_id: 4, organisation_name: '机关工委' }),
      role({ organisation_id: 1 }),
      role({ organisation_id: 4, organisation_name: '机关工委' }),
      role({ role: 'secretary', organisation_id: 9, organisation_name: '第一党支部', organisation_kind: 'branch' }),
    ])
    expect(orgs.map((o) => o.name)).toEqual(['城关街道党工委', '机关工委'].sort((a, b) => a.localeCompare(b, 'zh-CN')))
    expect(orgs).toHaveLength(2)
    expect(orgs.some((o) => o.id === 9)).toBe(false)
  })
})

describe('years', () => {
  it('offers this year and the two before', () => {
    expect(yearOptions(2026)).toEqual([2026, 2025, 2024])
  })
  it('reads ?year= and refuses anything else', () => {
    expect(parseYear('2025')).toBe(2025)
    expect(parseYear(['2024'])).toBe(2024)
    expect(parseYear('1999')).toBeNull()
    expect(parseYear('20x5')).toBeNull()
    expect(parseYear(undefined)).toBeNull()
  })
})

describe('cellKind', () => {
  it('is locked whatever the calendar says', () => {
    expect(cellKind({ state: 'locked', period: '2026-10' }, period('2026-10', true, true), '2026-12')).toBe('locked')
  })
  it('is due once the window has ended and the month is not closed', () => {
    expect(cellKind({ state: 'open', period: '2026-10' }, period('2026-10', true, true))).toBe('due')
    expect(cellKind({ state: 'not_started', period: '2026-10' }, period('2026-10', true, true), '2026-03')).toBe('due')
  })
  it('is open while members still declare, future before the month begins', () => {
    expect(cellKind({ state: 'open', period: '2026-11' }, period('2026-11', true, false))).toBe('open')
    expect(cellKind({ state: 'not_started', period: '2026-12' }, period('2026-12', false, false))).toBe('future')
  })
})

describe('cellKind before the branch was set up', () => {
  it('is before for an empty month earlier than the branch, due once something was recorded', () => {
    expect(cellKind({ state: 'not_started', period: '2026-02' }, period('2026-02', true, true), '2026-03')).toBe('before')
    expect(cellKind({ state: 'open', period: '2026-02' }, period('2026-02', true, true), '2026-03')).toBe('due')
  })
})

describe('totals and the month shown first', () => {
  it('writes the closed share', () => {
    expect(closedShare({ locked: 2, branches: 3 })).toBe('2/3')
  })
  it('shows the latest month whose window has ended', () => {
    const year = [period('2026-09', true, true), period('2026-10', true, true), period('2026-11', true, false), period('2026-12', false, false)]
    expect(defaultPeriod(year)).toBe('2026-10')
  })
  it('falls back to the latest begun month, then January', () => {
    expect(defaultPeriod([period('2027-01', true, false), period('2027-02', false, false)])).toBe('2027-01')
    expect(defaultPeriod([period('2030-01', false, false)])).toBe('2030-01')
  })
})

describe('the adjustment', () => {
  const form = (over: Partial<AdjustmentForm> = {}): AdjustmentForm => ({
    memberId: 7,
    itemId: 3,
    points: '-2',
    reason: '核实后扣减',
    date: '2026-10-31',
    ...over,
  })

  it('is dated the last day of the month, or today in the current month', () => {
    expect(adjustmentDate('2026-10', '2026-12-06')).toBe('2026-10-31')
    expect(adjustmentDate('2026-02', '2026-12-06')).toBe('2026-02-28')
    expect(adjustmentDate('2026-12', '2026-12-06')).toBe('2026-12-06')
  })

  it('passes with a member, an item, signed points, a reason and a date in the month', () => {
    expect(validateAdjustment(form(), '2026-10', '2026-12-06')).toEqual({})
    expect(validateAdjustment(form({ points: '+1.5' }), '2026-10', '2026-12-06')).toEqual({})
  })

  it('names each missing or wrong field', () => {
    const errors = validateAdjustment(
      form({ memberId: null, itemId: null, points: '0', reason: '  ', date: '2026-11-01' }),
      '2026-10',
      '2026-12-06',
    )
    expect(errors).toEqual({
      member: 'adminMonths.adjust.memberRequired',
      item: 'adminMonths.adjust.itemRequired',
      points: 'adminMonths.adjust.pointsInvalid',
      reason: 'adminMonths.adjust.reasonRequired',
      date: 'adminMonths.adjust.dateInvalid',
    })
  })

  it('refuses points with two decimals, over 1000 or not a number', () => {
    for (const points of ['1.25', '1001', 'abc', '', '-']) {
      expect(validateAdjustment(form({ points }), '2026-10', '2026-12-06').points).toBe('adminMonths.adjust.pointsInvalid')
    }
    expect(validateAdjustment(form({ reason: 'x'.repeat(501) }), '2026-10', '2026-12-06').reason).toBe(
      'adminMonths.adjust.reasonTooLong',
    )
  })

  it('is sent as one member’s entry with signed points', () => {
    expect(adjustmentBody(form({ points: '+1.5', reason: ' 补记 ' }))).toEqual({
      item_id: 3,
      occurred_on: '2026-10-31',
      member_ids: [7],
      quantity: 1,
      reason: '补记',
      points: '1.5',
      confirm_duplicate: false,
    })
  })
})

describe('reopenReasonError', () => {
  it('needs a reason of at most 500 characters', () => {
    expect(reopenReasonError(' ')).toBe('adminMonths.reopen.reasonRequired')
    expect(reopenReasonError('x'.repeat(501))).toBe('adminMonths.reopen.reasonTooLong')
    expect(reopenReasonError('补录党课')).toBeNull()
  })
})
