// Corrections while the month is open: what a `likely_duplicate` refusal names, and which
// decided claims may still be reverted.
import type { ApiError } from '@/api/http'
import type { ClaimDetail } from '@/api/types'

export interface LikelyDuplicate {
  entryIds: number[]
  members: { id: number; name: string }[]
}

/** The entries and members a 409 `likely_duplicate` names, or null for any other error. */
export function likelyDuplicate(error: ApiError): LikelyDuplicate | null {
  if (error.code !== 'likely_duplicate') return null
  const extra = error.extra
  const entryIds = Array.isArray(extra.entry_ids) ? extra.entry_ids.filter((id): id is number => typeof id === 'number') : []
  const listed = Array.isArray(extra.members) ? extra.members : []
  const members = listed
    .filter((m): m is { id: number; name?: unknown } => !!m && typeof m === 'object' && typeof m.id === 'number')
    .map((m) => ({ id: m.id, name: typeof m.name === 'string' ? m.name : '' }))
  if (!members.length && Array.isArray(extra.member_ids)) {
    for (const id of extra.member_ids) if (typeof id === 'number') members.push({ id, name: '' })
  }
  return { entryIds, members }
}

const DECIDED = new Set(['approved', 'rejected', 'returned'])

/** A decision the caller may revert: decided, its month open, and not their own claim. */
export function canRevert(claim: ClaimDetail | null, ownMemberId: number | null | undefined): boolean {
  return !!claim && DECIDED.has(claim.status) && !claim.month_locked && claim.member.id !== ownMemberId
}
