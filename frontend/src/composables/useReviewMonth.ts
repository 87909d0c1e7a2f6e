// The branch's month in words: what blocks 月度审核锁定, what to warn about, the months to pick.
import type { Blocker, ClaimStatus, MonthView } from '@/api/types'

type Translate = (key: string, params?: Record<string, unknown>) => string

export interface MonthNotice {
  code: string
  text: string
  /** The notice leads to the review queue (claims_pending). */
  toQueue?: boolean
}

const KNOWN_BLOCKERS = new Set(['claims_pending', 'month_not_started', 'month_locked', 'deadline_not_passed'])
const KNOWN_WARNINGS = new Set(['claims_will_expire'])

/** Why the month cannot be closed; unknown codes fall back on the server's words. */
export function blockerNotices(blockers: Blocker[], t: Translate, deadline = ''): MonthNotice[] {
  return blockers.map((b) => ({
    code: b.code,
    text: KNOWN_BLOCKERS.has(b.code) ? t(`review.month.blockers.${b.code}`, { n: b.count ?? 0, deadline }) : b.detail,
    toQueue: b.code === 'claims_pending',
  }))
}

/** What closing will do that the secretary should know first. */
export function warningNotices(
  warnings: Blocker[],
  t: Translate,
  formatDeadline: (value: string | null) => string,
  deadline: string | null,
): MonthNotice[] {
  return warnings.map((w) => ({
    code: w.code,
    text: KNOWN_WARNINGS.has(w.code)
      ? t(`review.month.warnings.${w.code}`, { n: w.count ?? 0, deadline: formatDeadline(deadline) })
      : w.detail,
  }))
}

/**
 * Whether this person may press 月度审核锁定 now: secretaries once nothing blocks it; an org
 * admin also before the deadline ('early', with a reason), when the server says they may.
 */
export function closeState(
  view: MonthView | null,
  isSecretary: boolean,
): 'hidden' | 'locked' | 'blocked' | 'ready' | 'early' {
  if (!view) return 'hidden'
  if (view.status === 'locked') return 'locked'
  if (view.can_close_early) return 'early'
  if (!isSecretary) return 'hidden'
  return view.can_close && view.blockers.length === 0 ? 'ready' : 'blocked'
}

/** The current month and the `count - 1` before it, newest first. */
export function periodOptions(current: string, count = 12): string[] {
  const [year, month] = current.split('-').map(Number)
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const total = year * 12 + (month - 1) - i
    out.push(`${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`)
  }
  return out
}

/** A valid YYYY-MM from a query value, or null. */
export function parsePeriod(value: unknown): string | null {
  const text = Array.isArray(value) ? value[0] : value
  return typeof text === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(text) ? text : null
}

export const PROGRESS_ORDER: ClaimStatus[] = ['draft', 'submitted', 'approved', 'rejected', 'returned', 'expired']

export interface ProgressSegment {
  status: ClaimStatus
  count: number
  /** Share of all claims of the month, 0..100. */
  percent: number
}

/** Counts by state as segments of one bar (states without claims are left out of the bar). */
export function progressSegments(counts: Partial<Record<ClaimStatus, number>>): ProgressSegment[] {
  const total = PROGRESS_ORDER.reduce((sum, s) => sum + (counts[s] ?? 0), 0)
  return PROGRESS_ORDER.map((status) => {
    const count = counts[status] ?? 0
    return { status, count, percent: total ? (count / total) * 100 : 0 }
  })
}

export function claimsTotal(counts: Partial<Record<ClaimStatus, number>>): number {
  return PROGRESS_ORDER.reduce((sum, s) => sum + (counts[s] ?? 0), 0)
}
