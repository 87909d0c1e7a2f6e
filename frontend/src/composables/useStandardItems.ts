// The items a member may declare: the standard in force for their branch and year, narrowed to
// self-declared items of their category, grouped by the four dimensions (四讲四有) and searchable.
import { ref, shallowRef } from 'vue'
import { standardInForce } from '@/api/points'
import type { Dimension, MemberCategory, Standard, StandardItem } from '@/api/types'

export const DIMENSIONS: Dimension[] = ['political', 'discipline', 'morality', 'contribution']
/** The server's upper bound of one claim's quantity. */
export const MAX_QUANTITY = 100

/** Items the member declares themselves (source `self`) that apply to their category. */
export function declarableItems(items: StandardItem[], category: MemberCategory | null | undefined): StandardItem[] {
  return items
    .filter(
      (item) =>
        item.source === 'self' &&
        item.kind === 'bonus' &&
        (!item.categories || item.categories.length === 0 || (!!category && item.categories.includes(category))),
    )
    .sort((a, b) => a.position - b.position || a.code.localeCompare(b.code))
}

/** Keep items whose code or title contains the query (case and spaces ignored). */
export function filterItems(items: StandardItem[], query: string): StandardItem[] {
  const needle = query.replace(/\s+/g, '').toLowerCase()
  if (!needle) return items
  return items.filter(
    (item) =>
      item.code.toLowerCase().includes(needle) ||
      item.title.replace(/\s+/g, '').toLowerCase().includes(needle),
  )
}

export interface ItemGroup {
  dimension: Dimension
  items: StandardItem[]
}

/** Items by dimension, in the standard's order of dimensions; empty groups left out. */
export function groupByDimension(items: StandardItem[]): ItemGroup[] {
  const order: Dimension[] = [...DIMENSIONS, 'deduction']
  return order
    .map((dimension) => ({ dimension, items: items.filter((i) => i.dimension === dimension) }))
    .filter((group) => group.items.length > 0)
}

/** Tenths as integers, so 0.1 × 3 is 0.3 and not 0.30000000000000004. */
function tenths(value: string | number): number {
  return Math.round(Number(value) * 10)
}

/** The most occurrences one claim may ask for: the monthly cap over the points, at least 1. */
export function maxQuantity(item: Pick<StandardItem, 'points' | 'max_per_month'>): number {
  if (item.max_per_month === null || item.max_per_month === undefined) return MAX_QUANTITY
  const points = tenths(item.points)
  if (points <= 0) return 1
  return Math.min(MAX_QUANTITY, Math.max(1, Math.floor(tenths(item.max_per_month) / points)))
}

/** Claimed points of `quantity` occurrences, as the API writes them ("1.5"). */
export function claimedPoints(item: Pick<StandardItem, 'points'>, quantity: number): string {
  return ((tenths(item.points) * Math.max(0, Math.floor(quantity))) / 10).toFixed(1)
}

const cache = new Map<string, Promise<Standard>>()

/** Forget loaded standards (tests; a standard published meanwhile). */
export function clearStandardCache(): void {
  cache.clear()
}

/** Load the standard in force for an organisation and year, once per page load. */
export function loadStandard(organisationId: number, year: number): Promise<Standard> {
  const key = `${organisationId}:${year}`
  let pending = cache.get(key)
  if (!pending) {
    pending = standardInForce(organisationId, year, { silent: true })
    pending.catch(() => cache.delete(key))
    cache.set(key, pending)
  }
  return pending
}

export function useStandardItems() {
  const standard = shallowRef<Standard | null>(null)
  const loading = ref(false)
  const error = shallowRef<unknown>(null)

  async function load(organisationId: number, year: number): Promise<Standard | null> {
    loading.value = true
    error.value = null
    try {
      standard.value = await loadStandard(organisationId, year)
      return standard.value
    } catch (cause) {
      standard.value = null
      error.value = cause
      return null
    } finally {
      loading.value = false
    }
  }

  return { standard, loading, error, load }
}
