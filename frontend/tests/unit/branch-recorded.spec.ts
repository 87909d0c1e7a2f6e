// The item picker's search for what the branch records (会议, 党课…): found among the branch's
// items, or recognised as a meeting, so the picker can say members do not declare it.
import { describe, expect, it } from 'vitest'
import type { StandardItem } from '@/api/types'
import { branchRecordedMatches } from '@/lib/branchRecorded'

const item = (code: string, title: string, over: Partial<StandardItem> = {}): StandardItem => ({
  id: code.charCodeAt(0) * 100 + Number(code.slice(1)),
  code,
  title,
  dimension: 'political',
  kind: 'bonus',
  points: '0.5',
  requires_evidence: false,
  description: '',
  max_per_month: null,
  max_per_year: null,
  source: 'branch',
  categories: null,
  grade_ceiling: null,
  ceiling_trigger_count: 0,
  position: Number(code.slice(1)),
  ...over,
})

const STANDARD: StandardItem[] = [
  item('P01', '参加党课学习'),
  item('P02', '参加主题党日活动'),
  item('P03', '坚持“学习强国”日常学习', { source: 'self' }),
  item('D01', '参加支部党员大会', { dimension: 'discipline' }),
  item('D02', '参加党小组会', { dimension: 'discipline' }),
  item('D03', '按时足额交纳党费', { dimension: 'discipline' }),
  item('X01', '无故不参加组织生活', { kind: 'deduction', dimension: 'deduction' }),
].map((i, index) => ({ ...i, position: index }))

describe('branchRecordedMatches', () => {
  it('names the branch’s meetings for “会议”, though no title says 会议', () => {
    const found = branchRecordedMatches(STANDARD, '会议')
    expect(found.meeting).toBe(true)
    expect(found.items.map((i) => i.code)).toEqual(['P01', 'P02', 'D01', 'D02'])
  })
  it('finds branch-recorded items by title or code', () => {
    expect(branchRecordedMatches(STANDARD, '党费').items.map((i) => i.code)).toEqual(['D03'])
    expect(branchRecordedMatches(STANDARD, 'p02').items.map((i) => i.code)).toEqual(['P02'])
    expect(branchRecordedMatches(STANDARD, '党课').meeting).toBe(false)
  })
  it('leaves out self-declared items and deductions', () => {
    expect(branchRecordedMatches(STANDARD, '学习').items.map((i) => i.code)).toEqual(['P01'])
    expect(branchRecordedMatches(STANDARD, '组织生活').items).toEqual([])
  })
  it('finds nothing for an empty search or one unrelated to the branch', () => {
    expect(branchRecordedMatches(STANDARD, '  ')).toEqual({ items: [], meeting: false })
    expect(branchRecordedMatches(STANDARD, '献血')).toEqual({ items: [], meeting: false })
  })
})
