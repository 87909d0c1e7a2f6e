// Deciding one claim: the points of 核减后通过, quick comments, and which claim comes next.
import { describe, expect, it } from 'vitest'
import type { Claim } from '@/api/types'
import { appendComment, checkGrantedPoints, normalisePoints, pickNextClaim } from '@/composables/useReviewDecision'

describe('checkGrantedPoints', () => {
  it('needs a value', () => {
    expect(checkGrantedPoints('', '1.0')).toBe('required')
    expect(checkGrantedPoints('  ', '1.0')).toBe('required')
  })
  it('accepts above 0 up to the claimed points, one decimal at most', () => {
    expect(checkGrantedPoints('0.5', '1.0')).toBeNull()
    expect(checkGrantedPoints('1', '1.0')).toBeNull()
    expect(checkGrantedPoints('1.0', '1.0')).toBeNull()
  })
  it('refuses 0, more than claimed, two decimals and words', () => {
    expect(checkGrantedPoints('0', '1.0')).toBe('invalid')
    expect(checkGrantedPoints('1.1', '1.0')).toBe('invalid')
    expect(checkGrantedPoints('0.25', '1.0')).toBe('invalid')
    expect(checkGrantedPoints('-1', '1.0')).toBe('invalid')
    expect(checkGrantedPoints('abc', '1.0')).toBe('invalid')
  })
  it('normalises what was typed for the API', () => {
    expect(normalisePoints('1')).toBe('1.0')
    expect(normalisePoints(' 0.5 ')).toBe('0.5')
  })
})

describe('appendComment', () => {
  it('fills an empty comment, adds to one, and never twice', () => {
    expect(appendComment('', '请补充佐证照片')).toBe('请补充佐证照片')
    expect(appendComment('照片看不清', '请补充佐证照片')).toBe('照片看不清；请补充佐证照片')
    expect(appendComment('照片看不清。', '请补充佐证照片')).toBe('照片看不清。请补充佐证照片')
    expect(appendComment('请补充佐证照片', '请补充佐证照片')).toBe('请补充佐证照片')
  })
})

const claim = (id: number, memberId: number, status: Claim['status'] = 'submitted') =>
  ({ id, status, member: { id: memberId, name: `m${memberId}` } }) as Claim

describe('pickNextClaim', () => {
  it('takes the first pending claim other than the current one', () => {
    expect(pickNextClaim([claim(1, 1), claim(2, 2)], 1, null)?.id).toBe(2)
  })
  it("skips the reviewer's own claims", () => {
    expect(pickNextClaim([claim(2, 7), claim(3, 8)], 1, 7)?.id).toBe(3)
  })
  it('is null when nothing is left', () => {
    expect(pickNextClaim([claim(1, 1)], 1, null)).toBeNull()
    expect(pickNextClaim([claim(2, 7, 'approved')], 1, null)).toBeNull()
  })
})
