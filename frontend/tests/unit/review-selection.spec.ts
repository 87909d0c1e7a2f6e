// The queue's select mode, Idempotency-Keys across retries, and the bulk answer per claim.
import { describe, expect, it } from 'vitest'
import type { BulkReviewResult, Claim } from '@/api/types'
import { chunk, summariseBulk, useIdempotencyKey, useSelection } from '@/composables/useReviewSelection'

describe('useSelection', () => {
  it('toggles single claims', () => {
    const s = useSelection()
    s.toggle(1)
    s.toggle(2)
    expect(s.ids.value).toEqual([1, 2])
    s.toggle(1)
    expect(s.ids.value).toEqual([2])
    s.toggle(2, true)
    expect(s.count.value).toBe(1)
  })

  it('全选 selects every visible claim and is "all selected" then', () => {
    const s = useSelection()
    s.toggle(3)
    s.setAll([1, 2, 3], true)
    expect(s.ids.value.sort()).toEqual([1, 2, 3])
    expect(s.allOf([1, 2, 3])).toBe(true)
    expect(s.allOf([1, 2, 3, 4])).toBe(false)
    s.setAll([1, 2, 3], false)
    expect(s.count.value).toBe(0)
  })

  it('nothing visible is never "all selected"', () => {
    expect(useSelection().allOf([])).toBe(false)
  })

  it('drops claims that left the list', () => {
    const s = useSelection()
    s.setAll([1, 2, 3], true)
    s.prune([2, 3, 4])
    expect(s.ids.value).toEqual([2, 3])
  })
})

describe('useIdempotencyKey', () => {
  it('reuses the key for a retry of the same request, a new one after an answer', () => {
    const k = useIdempotencyKey()
    const first = k.keyFor({ decisions: [1, 2] })
    expect(first).toMatch(/^[0-9a-f-]{36}$/)
    expect(k.keyFor({ decisions: [1, 2] })).toBe(first)
    expect(k.keyFor({ decisions: [1] })).not.toBe(first)
    const second = k.keyFor({ decisions: [1] })
    k.settle()
    expect(k.keyFor({ decisions: [1] })).not.toBe(second)
  })
})

const claim = (id: number, name: string): Claim =>
  ({
    id,
    member: { id: id * 10, name },
    item: { id: 1, code: 'M05', title: '调解化解邻里矛盾纠纷', dimension: 'morality', kind: 'bonus', points: '0.5', requires_evidence: true },
  }) as Claim

describe('summariseBulk', () => {
  it('counts successes and names the failures with their codes', () => {
    const result: BulkReviewResult = {
      succeeded: 2,
      failed: 1,
      results: [
        { claim_id: 1, ok: true, status: 'approved', code: null, detail: null },
        { claim_id: 2, ok: false, status: 'submitted', code: 'self_review', detail: 'Nobody reviews their own claim.' },
        { claim_id: 3, ok: true, status: 'approved', code: null, detail: null },
      ],
    }
    const s = summariseBulk([result], [claim(1, '李秀英'), claim(2, '张建国'), claim(3, '王德福')])
    expect(s.succeeded).toBe(2)
    expect(s.failed).toBe(1)
    expect(s.succeededIds).toEqual([1, 3])
    expect(s.failures).toHaveLength(1)
    expect(s.failures[0].code).toBe('self_review')
    expect(s.failures[0].claim?.member.name).toBe('张建国')
  })

  it('adds up several requests and copes with claims it does not know', () => {
    const a: BulkReviewResult = { succeeded: 1, failed: 0, results: [{ claim_id: 1, ok: true, status: 'approved', code: null, detail: null }] }
    const b: BulkReviewResult = {
      succeeded: 0,
      failed: 1,
      results: [{ claim_id: 9, ok: false, status: null, code: null, detail: null }],
    }
    const s = summariseBulk([a, b], [claim(1, '李秀英')])
    expect(s.succeeded).toBe(1)
    expect(s.failures).toEqual([{ claimId: 9, claim: null, code: 'unknown' }])
  })
})

describe('chunk', () => {
  it('splits decisions into requests of at most 500', () => {
    const list = Array.from({ length: 1001 }, (_, i) => i)
    expect(chunk(list).map((c) => c.length)).toEqual([500, 500, 1])
    expect(chunk([])).toEqual([])
  })
})
