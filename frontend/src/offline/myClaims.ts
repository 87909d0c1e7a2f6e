// "My claims" without a network. Once signed in and online, the app keeps one list of the
// member's newest claims (warm.ts fetches it); a month or state the member never opened online
// is then shown from it, filtered here, instead of as an empty list.
import { queryString, type ClaimQuery } from '@/api/claims'
import type { Claim, ClaimStatus, Page } from '@/api/types'
import { previousPeriod } from '@/lib/format'
import { readCached } from './cache'

/** The server's largest page: about a year of one member's claims. */
export const MY_CLAIMS_PAGE_SIZE = 200

/** The query of the kept list: all of the member's claims, newest first. */
export function myClaimsQuery(memberId: number): ClaimQuery {
  return { member: memberId, order: 'newest', page_size: MY_CLAIMS_PAGE_SIZE }
}

/** Its path, as the HTTP client caches it. */
export function myClaimsPath(memberId: number): string {
  return `/claims${queryString(myClaimsQuery(memberId))}`
}

/**
 * The claims of one month (and state) out of the kept list, in its order. Undefined when the
 * list may lack some of them: it holds only the newest page and that month is not wholly in it.
 */
export function claimsOfMonth(
  list: Page<Claim>,
  month: string,
  status?: ClaimStatus,
): { items: Claim[]; total: number } | undefined {
  if (list.items.length < list.total) {
    // Only the newest page (by creation) is kept. Its oldest claim, of month O, was created in O
    // at the earliest and by the deadline in O+1 at the latest, so a claim of O+1 may be older
    // still; months from O+2 on are whole.
    const oldest = list.items.reduce<string | null>((min, c) => (min === null || c.period < min ? c.period : min), null)
    if (oldest === null || previousPeriod(month) <= oldest) return undefined
  }
  const items = list.items.filter((c) => c.period === month && (!status || c.status === status))
  return { items, total: items.length }
}

/** One month of the member's claims from the kept list, with when it was saved; or undefined. */
export async function cachedClaimsOfMonth(
  userId: number | null | undefined,
  memberId: number,
  month: string,
  status?: ClaimStatus,
): Promise<{ items: Claim[]; total: number; savedAt: number } | undefined> {
  const record = await readCached<Page<Claim>>(userId, myClaimsPath(memberId))
  if (!record || !Array.isArray(record.body?.items)) return undefined
  const found = claimsOfMonth(record.body, month, status)
  return found && { ...found, savedAt: record.savedAt }
}
