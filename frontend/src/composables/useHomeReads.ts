// The home page's three reads (the year's points, decisions not yet seen, last month's window).
// main.ts starts them as soon as the profile is known, in parallel with loading the page's code,
// and the page takes them when it mounts; a later mount (e.g. back online) reads afresh.
import { listClaims } from '@/api/claims'
import { getMonth } from '@/api/months'
import { getPoints } from '@/api/points'
import type { Claim, MonthView, PointsSummary } from '@/api/types'
import { currentPeriod, previousPeriod } from '@/lib/format'

export interface HomeReads {
  memberId: number
  points: Promise<PointsSummary>
  unseen: Promise<Claim[]>
  lastMonth: Promise<MonthView>
}

let prefetched: HomeReads | null = null

/** Send the three reads now. */
export function homeReads(memberId: number, branchId: number): HomeReads {
  const period = currentPeriod()
  return {
    memberId,
    points: getPoints(memberId, Number(period.slice(0, 4)), { silent: true }),
    unseen: listClaims({ member: memberId, unseen: true, page_size: 20 }, { silent: true }).then(
      (page) => page.items,
    ),
    lastMonth: getMonth(branchId, previousPeriod(period), { silent: true }),
  }
}

/**
 * Start the reads ahead of the page (main.ts, when the app opens on the home page); settles when
 * they are in. The page handles failures when it takes them; until then, none is left unhandled.
 */
export function prefetchHomeReads(memberId: number, branchId: number): Promise<unknown> {
  const reads = homeReads(memberId, branchId)
  prefetched = reads
  return Promise.allSettled([reads.points, reads.unseen, reads.lastMonth])
}

/** The reads started ahead for this member, once; otherwise new ones. */
export function takeHomeReads(memberId: number, branchId: number): HomeReads {
  const reads = prefetched
  prefetched = null
  return reads && reads.memberId === memberId ? reads : homeReads(memberId, branchId)
}
