// Whether a branch's month has any points on record: a month before the organisation used the
// system, or one nothing has happened in yet, is not "waiting to be closed" (还没有审核锁定), it
// simply has no records. Read from the month view (GET /branches/{id}/months/{period}).
import type { MonthView } from '@/api/types'

/** Claims that reached the branch (a draft is the member's own and not yet a record). */
const RECORDED = ['submitted', 'approved', 'rejected', 'returned'] as const

export function monthHasRecords(view: Pick<MonthView, 'status' | 'counts' | 'entries' | 'approved_points'>): boolean {
  if (view.status === 'locked') return true
  if (view.entries > 0 || Number(view.approved_points) !== 0) return true
  return RECORDED.some((state) => (view.counts[state] ?? 0) > 0)
}
