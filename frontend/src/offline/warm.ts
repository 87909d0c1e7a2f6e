// What a member needs without a network, fetched once they are signed in and online (after the
// first screen, when the page is idle): the standard in force, so the claim form and its item
// picker work offline even if they were never opened online, and the member's claims, so
// "my claims" can show any recent month. The HTTP client keeps both answers (offline/cache.ts);
// the app's code itself is precached by the service worker (vite.config.ts).
import { listClaims } from '@/api/claims'
import { loadStandard } from '@/composables/useStandardItems'
import { currentPeriod, previousPeriod } from '@/lib/format'
import { myClaimsQuery } from './myClaims'

export interface WarmMember {
  id: number
  branch_id: number
}

/**
 * The years whose standard the claim form may ask for now: this month's, and in January also
 * last year's (December's claims are accepted into January).
 */
export function standardYears(period: string = currentPeriod()): number[] {
  const years = [Number(period.slice(0, 4)), Number(previousPeriod(period).slice(0, 4))]
  return [...new Set(years)]
}

/** Fetch (and so keep) what the member's offline screens need; failures are left alone. */
export async function warmOfflineData(member: WarmMember, period: string = currentPeriod()): Promise<void> {
  await Promise.allSettled([
    ...standardYears(period).map((year) => loadStandard(member.branch_id, year)),
    listClaims(myClaimsQuery(member.id), { silent: true }),
  ])
}
