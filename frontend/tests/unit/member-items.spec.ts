// The item picker's arithmetic: self-declared items of the member's category, search by title or
// code, grouping by the four dimensions, the quantity bound and the points claimed; and how much
// of a dimension's cap is used.
import { describe, expect, it } from 'vitest'
import type { PointsSummary, StandardItem } from '@/api/types'
import {
  claimedPoints,
  declarableItems,
  filterItems,
  groupByDimension,
  maxQuantity,
} from '@/composables/useStandardItems'
import { bonusDimensions, capPercent, monthPoints } from '@/composables/useMemberPoints'
import { branchOf } from '@/composables/useMyBranch'

let nextId = 1
function item(code: string, title: string, extra: Partial<StandardItem> = {}): StandardItem {
  const dimension = ({ P: 'political', D: 'discipline', M: 'morality', C: 'contribution', X: 'deduction' } as const)[
    code[0] as 'P' | 'D' | 'M' | 'C' | 'X'
  ]
  return {
    id: nextId++,
    code,
    title,
    dimension,
    kind: dimension === 'deduction' ? 'deduction' : 'bonus',
    points: '0.5',
    requires_evidence: true,
    description: '',
    max_per_month: '1.0',
    max_per_year: '4.0',
    source: 'self',
    categories: null,
    grade_ceiling: null,
    ceiling_trigger_count: 1,
    position: nextId,
    ...extra,
  }
}

const standard = [
  item('P01', '参加党课学习', { source: 'branch' }),
  item('P03', '坚持“学习强国”日常学习'),
  item('P10', '流动党员每季度向支部汇报思想', { categories: ['mobile'] }),
  item('D05', '年初公开承诺并按季度践诺', { requires_evidence: false }),
  item('M01', '见义勇为', { points: '3.0', max_per_month: null }),
  item('C01', '参加志愿服务活动'),
  item('C07', '带领群众发展产业致富', { categories: ['rural_community'] }),
  item('X01', '无故不参加组织生活', { source: 'branch' }),
]

describe('declarableItems', () => {
  it('keeps self-declared items of the member’s category, in the standard’s order', () => {
    const codes = declarableItems(standard, 'rural_community').map((i) => i.code)
    expect(codes).toEqual(['P03', 'D05', 'M01', 'C01', 'C07'])
  })

  it('leaves out items for other categories', () => {
    const codes = declarableItems(standard, 'mobile').map((i) => i.code)
    expect(codes).toContain('P10')
    expect(codes).not.toContain('C07')
  })
})

describe('filterItems', () => {
  const items = declarableItems(standard, 'rural_community')

  it('finds by a Chinese substring of the title', () => {
    expect(filterItems(items, '志愿').map((i) => i.code)).toEqual(['C01'])
    expect(filterItems(items, '学习强国').map((i) => i.code)).toEqual(['P03'])
  })

  it('finds by code, whatever the case, ignoring spaces', () => {
    expect(filterItems(items, ' c0 ').map((i) => i.code)).toEqual(['C01', 'C07'])
  })

  it('returns everything for an empty query and nothing for a miss', () => {
    expect(filterItems(items, '')).toHaveLength(items.length)
    expect(filterItems(items, '不存在的项目')).toEqual([])
  })
})

describe('groupByDimension', () => {
  it('groups by the four dimensions in order and drops empty ones', () => {
    const groups = groupByDimension(filterItems(declarableItems(standard, 'rural_community'), ''))
    expect(groups.map((g) => g.dimension)).toEqual(['political', 'discipline', 'morality', 'contribution'])
    expect(groups[3].items.map((i) => i.code)).toEqual(['C01', 'C07'])
    expect(groupByDimension(filterItems(standard, '志愿')).map((g) => g.dimension)).toEqual(['contribution'])
  })
})

describe('maxQuantity and claimedPoints', () => {
  it('bounds the quantity by the monthly cap over the points', () => {
    expect(maxQuantity({ points: '0.5', max_per_month: '1.0' })).toBe(2)
    expect(maxQuantity({ points: '0.3', max_per_month: '0.9' })).toBe(3)
    expect(maxQuantity({ points: '1.0', max_per_month: '0.5' })).toBe(1)
  })

  it('allows the server’s 100 when the item has no monthly cap', () => {
    expect(maxQuantity({ points: '3.0', max_per_month: null })).toBe(100)
  })

  it('multiplies in tenths, without floating-point dust', () => {
    expect(claimedPoints({ points: '0.1' }, 3)).toBe('0.3')
    expect(claimedPoints({ points: '0.5' }, 2)).toBe('1.0')
  })
})

describe('points against caps', () => {
  it('turns counted over cap into a whole percentage, at most 100', () => {
    expect(capPercent('3.9', '8.0')).toBe(49)
    expect(capPercent('7.0', '7.0')).toBe(100)
    expect(capPercent('9.0', '8.0')).toBe(100)
    expect(capPercent('0.0', '8.0')).toBe(0)
    expect(capPercent('2.0', null)).toBe(0)
    expect(capPercent('2.0', '0')).toBe(0)
  })

  const summary = {
    months: [{ period: '2026-11', bonus: '1.0', deduction: '0.0', net: '1.0', pending: '0.5' }],
    dimensions: [
      { dimension: 'contribution', cap: '8.0', raw: '2.5', counted: '2.5', remaining: '5.5', over_cap: '0.0' },
      { dimension: 'political', cap: '8.0', raw: '3.9', counted: '3.9', remaining: '4.1', over_cap: '0.0' },
      { dimension: 'deduction', cap: null, raw: '2.0', counted: '2.0', remaining: null, over_cap: '0.0' },
    ],
  } as unknown as PointsSummary

  it('reads the month’s approved and pending points, zeros for a month without any', () => {
    expect(monthPoints(summary, '2026-11')).toMatchObject({ net: '1.0', pending: '0.5' })
    expect(monthPoints(summary, '2026-12')).toMatchObject({ net: '0.0', pending: '0.0' })
    expect(monthPoints(null, '2026-12').net).toBe('0.0')
  })

  it('lists the four dimensions in the rulebook’s order, deductions apart', () => {
    expect(bonusDimensions(summary).map((d) => d.dimension)).toEqual(['political', 'contribution'])
  })
})

describe('branchOf', () => {
  const role = (r: string, id: number, kind = 'branch') => ({
    role: r,
    organisation_id: id,
    organisation_name: `org${id}`,
    organisation_kind: kind,
  })

  it('is the member’s own branch', () => {
    const me = { user: {}, member: { branch_id: 2, branch_name: '青山社区党支部' }, roles: [role('reviewer', 9)] }
    expect(branchOf(me as never)).toEqual({ id: 2, name: '青山社区党支部' })
  })

  it('is the reviewed branch for a reviewer without a member record', () => {
    const me = { user: {}, member: null, roles: [role('org_admin', 1, 'committee'), role('reviewer', 5)] }
    expect(branchOf(me as never)).toEqual({ id: 5, name: 'org5' })
  })

  it('is nothing for an administrator only', () => {
    const me = { user: {}, member: null, roles: [role('org_admin', 1, 'committee')] }
    expect(branchOf(me as never)).toBeNull()
  })
})
