// 积分明细: a member's year of ledger rows, newest first, a page at a time, grouped by month
// with each month's subtotal and the score after every row (GET /members/{id}/ledger), and
// the branch-recorded meetings they attended (GET /members/{id}/attendance).
import { computed, ref, shallowRef } from 'vue'
import { memberAttendance, memberLedger } from '@/api/points'
import type { AttendanceRow, LedgerMonth, LedgerPage, LedgerRow } from '@/api/types'

export const LEDGER_PAGE_SIZE = 50

/** Where a row's points came from, as its tag shows it. */
export type SourceTag = 'claim' | 'entry' | 'deduction' | 'adjustment' | 'reversal'

export function sourceTag(row: LedgerRow): SourceTag {
  if (row.reverses_id !== null && row.reverses_id !== undefined) return 'reversal'
  if (row.source === 'adjustment') return 'adjustment'
  if (row.item.kind === 'deduction') return 'deduction'
  return row.source === 'claim' ? 'claim' : 'entry'
}

/** "+0.5" / "−2" / "0": points with their sign, as a statement shows them. */
export function signed(value: string | number, format: (v: string | number) => string): string {
  const n = Number(value)
  if (!Number.isFinite(n) || n === 0) return format(0)
  return n > 0 ? `+${format(n)}` : `−${format(Math.abs(n))}`
}

export interface MonthGroup {
  period: string
  month: LedgerMonth | null
  rows: LedgerRow[]
}

/** Rows (in the order given) under their month, each month with its subtotal when known. */
export function groupByMonth(rows: LedgerRow[], months: LedgerMonth[]): MonthGroup[] {
  const byPeriod = new Map(months.map((m) => [m.period, m]))
  const groups: MonthGroup[] = []
  for (const row of rows) {
    let group = groups[groups.length - 1]
    if (!group || group.period !== row.period) {
      group = { period: row.period, month: byPeriod.get(row.period) ?? null, rows: [] }
      groups.push(group)
    }
    group.rows.push(row)
  }
  return groups
}

/** A row counted less than its points: a cap of the item or dimension was reached. */
export function capped(row: LedgerRow): boolean {
  return Number(row.counted) !== Number(row.signed_points)
}

export function usePointsDetail() {
  const page = shallowRef<LedgerPage | null>(null)
  const rows = shallowRef<LedgerRow[]>([])
  const loading = ref(false)
  const failed = ref(false)
  const finished = ref(false)
  let target: { memberId: number; year: number } | null = null

  const groups = computed(() => groupByMonth(rows.value, page.value?.months ?? []))

  /** The first page of a member's year (newest first); what was shown before goes. */
  async function load(memberId: number, year: number): Promise<void> {
    target = { memberId, year }
    rows.value = []
    page.value = null
    finished.value = false
    await more()
  }

  /** The next page, if any. */
  async function more(): Promise<void> {
    const asked = target
    if (!asked || finished.value) return
    loading.value = true
    failed.value = false
    const next = page.value ? page.value.page + 1 : 1
    try {
      const result = await memberLedger(
        asked.memberId,
        { year: asked.year, page: next, page_size: LEDGER_PAGE_SIZE, order: 'desc' },
        { silent: true },
      )
      if (target !== asked) return
      page.value = result
      rows.value = [...rows.value, ...result.items]
      finished.value = rows.value.length >= result.total || result.items.length === 0
    } catch {
      if (target === asked) failed.value = true
    } finally {
      if (target === asked) loading.value = false
    }
  }

  return { page, rows, groups, loading, failed, finished, load, more }
}

export function useAttendance() {
  const items = shallowRef<AttendanceRow[]>([])
  const total = ref(0)
  const loading = ref(false)
  const failed = ref(false)

  async function load(memberId: number, year: number): Promise<void> {
    loading.value = true
    failed.value = false
    try {
      // A year of meetings fits one page (about three a month).
      const result = await memberAttendance(memberId, { year, page_size: 200 }, { silent: true })
      items.value = result.items
      total.value = result.total
    } catch {
      failed.value = true
    } finally {
      loading.value = false
    }
  }

  return { items, total, loading, failed, load }
}
