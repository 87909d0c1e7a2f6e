// The queue's select mode (check boxes, 全选), Idempotency-Keys that survive a retry, and the
// per-claim answer of a bulk review put into words.
import { computed, ref } from 'vue'
import type { BulkReviewResult, Claim } from '@/api/types'

/** A set of selected claim ids, with "select all visible" and pruning of rows that left. */
export function useSelection() {
  const ids = ref<number[]>([])
  const set = computed(() => new Set(ids.value))
  const count = computed(() => ids.value.length)

  const has = (id: number) => set.value.has(id)

  function toggle(id: number, on: boolean = !has(id)) {
    if (on && !has(id)) ids.value = [...ids.value, id]
    else if (!on && has(id)) ids.value = ids.value.filter((x) => x !== id)
  }

  /** Every one of `visible` is selected (and there is at least one). */
  const allOf = (visible: number[]) => visible.length > 0 && visible.every((id) => set.value.has(id))

  /** 全选 on: add every visible id; off: clear them. */
  function setAll(visible: number[], on: boolean) {
    if (on) ids.value = [...new Set([...ids.value, ...visible])]
    else {
      const drop = new Set(visible)
      ids.value = ids.value.filter((id) => !drop.has(id))
    }
  }

  /** Keep only ids still shown (after a refresh, a filter or decisions). */
  function prune(visible: number[]) {
    const keep = new Set(visible)
    ids.value = ids.value.filter((id) => keep.has(id))
  }

  function clear() {
    ids.value = []
  }

  return { ids, count, has, toggle, allOf, setAll, prune, clear }
}

/** The points a bulk approval would grant: the claimed points of the chosen claims, in tenths
 *  so that 0.1 + 0.2 adds up exactly. */
export function claimedTotal(claims: Claim[], ids: number[]): number {
  const chosen = new Set(ids)
  const tenths = claims
    .filter((c) => chosen.has(c.id))
    .reduce((sum, c) => sum + Math.round(Number(c.claimed_points) * 10), 0)
  return tenths / 10
}

/** A fresh UUID (crypto.randomUUID, with a fallback for old WebViews). */
export function newKey(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const hex = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`
}

/**
 * One Idempotency-Key per request body: a retry of the same request after a network failure
 * sends the same key (so the server does it once); another body, or a settled answer, a new one.
 */
export function useIdempotencyKey() {
  let last: { body: string; key: string } | null = null
  function keyFor(body: unknown): string {
    const text = JSON.stringify(body)
    if (!last || last.body !== text) last = { body: text, key: newKey() }
    return last.key
  }
  /** The server answered (success or a refusal): the next request gets a new key. */
  function settle() {
    last = null
  }
  return { keyFor, settle }
}

export interface BulkFailure {
  claimId: number
  claim: Claim | null
  code: string
}

export interface BulkSummary {
  succeeded: number
  failed: number
  succeededIds: number[]
  failures: BulkFailure[]
}

/** The answers of one or more bulk-review calls, matched to the claims they were about. */
export function summariseBulk(results: BulkReviewResult[], claims: Claim[]): BulkSummary {
  const byId = new Map(claims.map((c) => [c.id, c]))
  const succeededIds: number[] = []
  const failures: BulkFailure[] = []
  for (const result of results) {
    for (const r of result.results) {
      if (r.ok) succeededIds.push(r.claim_id)
      else failures.push({ claimId: r.claim_id, claim: byId.get(r.claim_id) ?? null, code: r.code ?? 'unknown' })
    }
  }
  return { succeeded: succeededIds.length, failed: failures.length, succeededIds, failures }
}

/** Split decisions into requests of at most `size` (the API takes 500 at a time). */
export function chunk<T>(list: T[], size = 500): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}
