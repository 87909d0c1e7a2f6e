// 支部记分: the items the branch records, the dates allowed, attendee search and points.
import { describe, expect, it } from 'vitest'
import type { Standard, StandardItem } from '@/api/types'
import {
  dateInRange,
  entryDateRange,
  entryItemGroups,
  filterMembers,
  nameList,
  pointsEach,
  validateEntry,
} from '@/composables/useBranchEntry'

const item = (code: string, over: Partial<StandardItem> = {}): StandardItem => ({
  id: code.charCodeAt(0) * 100 + Number(code.slice(1)),
  code,
  title: code,
  dimension: 'political',
  kind: 'bonus',
  points: '0.5',
  requires_evidence: false,
  description: '',
  max_per_month: null,
  max_per_year: null,
  source: 'self',
  categories: null,
  grade_ceiling: null,
  ceiling_trigger_count: 0,
  position: 0,
  ...over,
})

describe('entryItemGroups', () => {
  it('offers the branch items and, apart, the deductions; never self-declared items', () => {
    const standard = {
      items: [
        item('P03', { position: 3 }),
        item('P02', { source: 'branch', points: '0.3', position: 2 }),
        item('P01', { source: 'branch', position: 1 }),
        item('D01', { source: 'branch', dimension: 'discipline', position: 11 }),
        item('X01', { source: 'branch', kind: 'deduction', dimension: 'deduction', points: '2.0', position: 41 }),
      ],
    } as Standard
    const groups = entryItemGroups(standard)
    expect(groups.bonus.map((i) => i.code)).toEqual(['P01', 'P02', 'D01'])
    expect(groups.deduction.map((i) => i.code)).toEqual(['X01'])
    expect(entryItemGroups(null)).toEqual({ bonus: [], deduction: [] })
  })
})

describe('entryDateRange', () => {
  it('allows last month while it is open, up to today', () => {
    expect(entryDateRange('2026-11-22', { current: true, previous: true })).toEqual({ min: '2026-10-01', max: '2026-11-22' })
  })
  it('allows only this month once last month is locked', () => {
    expect(entryDateRange('2026-11-22', { current: true, previous: false })).toEqual({ min: '2026-11-01', max: '2026-11-22' })
  })
  it('crosses the new year', () => {
    expect(entryDateRange('2027-01-03', { current: true, previous: true })?.min).toBe('2026-12-01')
  })
  it('offers last month alone when this month was closed early', () => {
    expect(entryDateRange('2026-03-02', { current: false, previous: true })).toEqual({ min: '2026-02-01', max: '2026-02-28' })
  })
  it('offers nothing when both are locked', () => {
    expect(entryDateRange('2026-11-22', { current: false, previous: false })).toBeNull()
  })
  it('refuses future dates', () => {
    const range = entryDateRange('2026-11-22', { current: true, previous: false })!
    expect(dateInRange('2026-11-23', range)).toBe(false)
    expect(dateInRange('2026-11-22', range)).toBe(true)
    expect(dateInRange('2026-10-31', range)).toBe(false)
    expect(dateInRange('garbage', range)).toBe(false)
  })
})

describe('filterMembers', () => {
  const members = [
    { name: '张建国', phone: '13800001001' },
    { name: '李秀英', phone: '13800001002' },
    { name: '张秀兰', phone: '15800001003' },
  ]
  it('finds by part of the name or the phone', () => {
    expect(filterMembers(members, '张').map((m) => m.name)).toEqual(['张建国', '张秀兰'])
    expect(filterMembers(members, '秀').map((m) => m.name)).toEqual(['李秀英', '张秀兰'])
    expect(filterMembers(members, '1002').map((m) => m.name)).toEqual(['李秀英'])
    expect(filterMembers(members, '  ')).toHaveLength(3)
  })
})

describe('pointsEach', () => {
  it('multiplies exactly to a tenth', () => {
    expect(pointsEach({ points: '0.3' }, 1)).toBe('0.3')
    expect(pointsEach({ points: '0.1' }, 3)).toBe('0.3')
    expect(pointsEach({ points: '0.3' }, 3)).toBe('0.9')
    expect(pointsEach(null, 2)).toBe('0')
  })
})

describe('validateEntry', () => {
  const range = { min: '2026-11-01', max: '2026-11-22' }
  const ok = { item: item('P02', { source: 'branch' }), date: '2026-11-10', quantity: '1', reason: '', memberIds: [1, 2] }

  it('accepts a meeting without a reason', () => {
    expect(validateEntry(ok, range)).toEqual({})
  })
  it('requires an item, a date in range, a sane quantity and attendees', () => {
    expect(validateEntry({ ...ok, item: null, date: '2026-12-01', quantity: '0', memberIds: [] }, range)).toEqual({
      item: 'review.entry.itemRequired',
      date: 'review.entry.dateOutOfRange',
      quantity: 'review.entry.quantityInvalid',
      members: 'review.entry.membersRequired',
    })
  })
  it('requires a reason for a deduction', () => {
    const deduction = { ...ok, item: item('X01', { kind: 'deduction', source: 'branch' }) }
    expect(validateEntry(deduction, range)).toEqual({ reason: 'review.entry.reasonRequired' })
    expect(validateEntry({ ...deduction, reason: '无故不参加11月主题党日' }, range)).toEqual({})
  })
  it('refuses every date when no month is open', () => {
    expect(validateEntry(ok, null).date).toBe('review.entry.dateOutOfRange')
  })
})

describe('nameList', () => {
  it('names a few members and counts the rest', () => {
    expect(nameList(['张三', '李四'])).toBe('张三、李四')
    expect(nameList(['甲', '乙', '丙', '丁', '戊'])).toBe('甲、乙、丙 …（5）')
  })
})
