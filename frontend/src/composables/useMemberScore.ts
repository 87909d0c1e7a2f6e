// A member's live annual score (GET /members/{id}/score): the breakdown, what the caps took away,
// the evaluation part and the projected grade, with the standard's item titles for plain words.
import { ref, shallowRef } from 'vue'
import { memberScore, type GradeReason, type MemberScore, type Projection, type ScoreBreakdown } from '@/api/grading'
import { standardInForce } from '@/api/points'
import type { RequestOptions } from '@/api/http'
import { formatPoints } from '@/lib/format'

type Translate = (key: string, named?: Record<string, unknown>) => string

/** One capped amount in words: which item or dimension, which cap, how many points. */
export interface CappedLine {
  cap: 'per_month' | 'per_year' | 'dimension'
  text: string
}

/** An item's title from the standard, or its code when the standard is not at hand. */
export function itemLabel(code: string | null | undefined, titles: Record<string, string>): string {
  if (!code) return ''
  const title = titles[code]
  return title ? `${code} ${title}` : code
}

export function cappedLines(score: ScoreBreakdown, titles: Record<string, string>, t: Translate): CappedLine[] {
  return score.capped_away
    .filter((c) => Number(c.points) > 0)
    .map((c) => ({
      cap: c.cap,
      text: t(`grading.member.score.cap.${c.cap}`, {
        item: itemLabel(c.item_code, titles),
        dimension: t(`dimension.${c.dimension}`),
        points: formatPoints(c.points),
      }),
    }))
}

const gradeName = (grade: string | null | undefined, t: Translate) => (grade ? t(`grading.grades.${grade}`) : '')

/** A reason of the projected (or computed) grade in the reader's language. */
export function reasonText(reason: GradeReason, titles: Record<string, string>, t: Translate): string {
  const key = `grading.member.reason.${reason.code}`
  switch (reason.code) {
    case 'threshold':
      return reason.line === null || reason.line === undefined
        ? t('grading.member.reason.thresholdBelow')
        : t(key, { grade: gradeName(reason.grade, t), line: formatPoints(reason.line) })
    case 'ceiling_item':
      return t(key, {
        item: itemLabel(reason.item_code, titles),
        count: reason.count ?? 0,
        trigger: reason.trigger_count ?? 0,
        grade: gradeName(reason.grade, t),
      })
    case 'ceiling_poor_share':
      return t(key, { grade: gradeName(reason.grade, t) })
    case 'quota_cut':
      return t(key, { slots: reason.slots ?? 0 })
    case 'quota_tie':
      return t(key, { n: reason.tied_with ?? 0 })
    case 'joined_mid_year':
    case 'not_graded_short_membership':
      return t(key, { months: reason.months ?? 0 })
    case 'not_graded_probationary':
      return t(key)
    default:
      return reason.code
  }
}

/** What stands before the next grade, in the reader's language. */
export function nextText(projection: Projection, t: Translate): string {
  const grade = gradeName(projection.next_grade, t)
  if (projection.next_blocked_by) return t(`grading.member.nextText.${projection.next_blocked_by}`, { grade })
  if (projection.points_to_next !== null && projection.points_to_next !== undefined && projection.next_grade) {
    return t('grading.member.nextText.points', { points: formatPoints(projection.points_to_next), grade })
  }
  return projection.next_sentence
}

/** The Chinese sentences the server writes, in Chinese; composed from the codes otherwise. */
export function projectionSentence(projection: Projection, locale: string, titles: Record<string, string>, t: Translate) {
  if (locale.startsWith('zh')) return projection.sentence
  return projection.reasons.map((r) => reasonText(r, titles, t)).join('; ') + '.'
}

export function nextSentence(projection: Projection, locale: string, t: Translate) {
  return locale.startsWith('zh') ? projection.next_sentence : nextText(projection, t)
}

/** The reads `load` makes, sent ahead of the page (ScorePage's readAhead); settles when they are in. */
export function readScoreAhead(memberId: number, year: number, branchId?: number | null): Promise<unknown> {
  const reads: Promise<unknown>[] = [memberScore(memberId, year, { ahead: true })]
  if (branchId) reads.push(standardInForce(branchId, year, { ahead: true }))
  return Promise.allSettled(reads)
}

export function useMemberScore() {
  const score = shallowRef<MemberScore | null>(null)
  const titles = shallowRef<Record<string, string>>({})
  const loading = ref(false)
  const failed = ref(false)
  let asked = 0

  /** Read the year's score; with `branchId`, the standard's item titles too (best effort). */
  async function load(memberId: number, year: number, branchId?: number | null, options: RequestOptions = {}) {
    const ask = ++asked
    loading.value = true
    failed.value = false
    if (branchId) {
      standardInForce(branchId, year, { silent: true })
        .then((standard) => {
          if (ask === asked) titles.value = Object.fromEntries(standard.items.map((i) => [i.code, i.title]))
        })
        .catch(() => undefined)
    }
    try {
      const answer = await memberScore(memberId, year, { silent: true, ...options })
      if (ask === asked) score.value = answer
    } catch {
      if (ask === asked) {
        failed.value = true
        score.value = null
      }
    } finally {
      if (ask === asked) loading.value = false
    }
  }

  return { score, titles, loading, failed, load }
}
